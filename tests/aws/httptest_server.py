#!/usr/bin/env python3
"""httptest_server.py — loopback HTTP/1.1 server for the transport unit tests.

Started by tests/unit/test_http.c (through tests/unit/tu_server.c); it binds
127.0.0.1 on a free port, prints that port on the first line of stdout, and
serves until SIGTERM. Python 3.11 stdlib only.

Paths (any method):
  /echo          200, body = request body; X-Echo-Method, X-Echo-Length,
                 X-Echo-User-Agent, X-Echo-Content-Type, X-Echo-Expect, and every request header X-Test-<n> back
                 as X-Echo-<n>
  /status/NNN    answers with status NNN and body "status NNN"
  /sleep/MS      sleeps MS milliseconds, then 200 "slept"
  /drop          reads the request, closes the connection with no response
  /partial       announces Content-Length: 100, sends 10 bytes, closes
  /big/N         200 with an N-byte body
  /__stats       JSON {"connections", "requests", "max_concurrent"}; not
                 itself counted as a request
With --tls CERT KEY it serves HTTPS instead (tests/aws/testdata has a
self-signed pair for 127.0.0.1). Keep-alive is on (HTTP/1.1, every answer carries Content-Length), so the
connection count tells the tests whether the client reused its connection.
"""
import json
import signal
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATS = {"connections": 0, "requests": 0, "max_concurrent": 0}
ACTIVE = [0]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        with LOCK:
            STATS["connections"] += 1

    def log_message(self, fmt, *args):  # keep stdout for the port line only
        pass

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self):
        body = self._body()
        path = self.path.split("?", 1)[0]
        if path == "/__stats":
            with LOCK:
                data = json.dumps(STATS).encode()
            self._send(200, data, [("Content-Type", "application/json")])
            return
        with LOCK:
            STATS["requests"] += 1
            ACTIVE[0] += 1
            STATS["max_concurrent"] = max(STATS["max_concurrent"], ACTIVE[0])
        try:
            self._route(path, body)
        finally:
            with LOCK:
                ACTIVE[0] -= 1

    def _route(self, path, body):
        if path == "/echo":
            hdrs = [("X-Echo-Method", self.command),
                    ("X-Echo-Length", str(len(body))),
                    ("X-Echo-User-Agent", self.headers.get("User-Agent", "")),
                    ("X-Echo-Content-Type", self.headers.get("Content-Type", "(none)")),
                    ("X-Echo-Expect", self.headers.get("Expect", "(none)"))]
            for k, v in self.headers.items():
                if k.lower().startswith("x-test-"):
                    hdrs.append(("X-Echo-" + k[7:], v))
            self._send(200, body, hdrs)
        elif path.startswith("/status/"):
            code = int(path[8:])
            self._send(code, ("status %d" % code).encode())
        elif path.startswith("/sleep/"):
            time.sleep(int(path[7:]) / 1000.0)
            self._send(200, b"slept")
        elif path == "/drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif path == "/partial":
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        elif path.startswith("/big/"):
            self._send(200, b"x" * int(path[5:]))
        else:
            self._send(404, b"no such test path")

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _handle


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    if len(sys.argv) == 4 and sys.argv[1] == "--tls":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    sys.stdout.write("%d\n" % srv.server_address[1])
    sys.stdout.flush()
    try:
        srv.serve_forever(poll_interval=0.05)
    finally:
        srv.server_close()


if __name__ == "__main__":
    main()
