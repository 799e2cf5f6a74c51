#!/usr/bin/env python3
"""creds_server.py — a fake container-credentials endpoint and EC2 instance
metadata service (IMDSv2) for the credential-chain unit tests
(tests/unit/test_creds.c).

Usage: creds_server.py LOGFILE [--expiration ISO] [--slow SECONDS]

Binds 127.0.0.1 on a free port, prints the port on stdout, and serves until
killed or until its stdin is closed. Every request is appended to LOGFILE as one line
  METHOD PATH auth=<Authorization> tok=<X-aws-ec2-metadata-token> ttl=<...-ttl-seconds>
so the test can check which headers were sent and in which order.

Routes:
  GET  /creds, /v2/creds   container credentials (AccessKeyId AKCONTAINER)
  PUT  /latest/api/token   IMDSv2 session token (needs the TTL header, else 400)
  GET  /latest/meta-data/iam/security-credentials/        role name (needs the token, else 401)
  GET  /latest/meta-data/iam/security-credentials/ROLE    credentials (AKIMDS)
--slow makes every request wait that many seconds before answering.
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

TOKEN = "imds-session-token-1"
ROLE = "fcc-test-role"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):  # keep the test output clean
        pass

    def _log(self):
        line = "%s %s auth=%s tok=%s ttl=%s\n" % (
            self.command, self.path,
            self.headers.get("Authorization", "-"),
            self.headers.get("X-aws-ec2-metadata-token", "-"),
            self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", "-"))
        with open(self.server.logfile, "a") as f:
            f.write(line)

    def _send(self, status, body, ctype="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _creds(self, akid):
        return json.dumps({"Code": "Success", "AccessKeyId": akid,
                           "SecretAccessKey": "SECRET-" + akid, "Token": "TOKEN-" + akid,
                           "Expiration": self.server.expiration})

    def do_PUT(self):
        self._log()
        if self.server.slow:
            time.sleep(self.server.slow)
        if self.path != "/latest/api/token":
            return self._send(404, "not found", "text/plain")
        if not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self._send(400, "missing ttl", "text/plain")
        return self._send(200, TOKEN, "text/plain")

    def do_GET(self):
        self._log()
        if self.server.slow:
            time.sleep(self.server.slow)
        if self.path in ("/creds", "/v2/creds"):
            return self._send(200, self._creds("AKCONTAINER"))
        prefix = "/latest/meta-data/iam/security-credentials/"
        if self.path.startswith(prefix):
            if self.headers.get("X-aws-ec2-metadata-token") != TOKEN:
                return self._send(401, "unauthorized", "text/plain")
            rest = self.path[len(prefix):]
            if rest == "":
                return self._send(200, ROLE + "\n", "text/plain")
            if rest == ROLE:
                return self._send(200, self._creds("AKIMDS"))
        return self._send(404, "not found", "text/plain")


def main():
    args = sys.argv[1:]
    if not args:
        print("usage: creds_server.py LOGFILE [--expiration ISO] [--slow S]", file=sys.stderr)
        return 2
    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.logfile = args[0]
    server.expiration = "2099-01-01T00:00:00Z"
    server.slow = 0.0
    i = 1
    while i + 1 < len(args):
        if args[i] == "--expiration":
            server.expiration = args[i + 1]
        elif args[i] == "--slow":
            server.slow = float(args[i + 1])
        i += 2
    open(server.logfile, "w").close()
    # The test holds our stdin open; when it ends, even by crashing, stdin
    # reaches EOF and we leave, so no server outlives its test.
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
