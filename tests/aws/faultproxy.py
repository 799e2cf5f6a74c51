#!/usr/bin/env python3
"""faultproxy.py — loopback latency and fault-injection proxy for fcc's tests.

Sits between fcc and an upstream (usually moto_server) and can slow every
request down or answer some of them with faults, so the retry layer can be
tested against throttling, 5xx and dropped connections that moto never
produces. Python 3.11 stdlib only; HTTP/1.1 with keep-alive on both sides.

Usage:
  python3 tests/aws/faultproxy.py [--upstream http://127.0.0.1:5066]
        [--latency-ms 50] [--rule SPEC]... [--port-file FILE] [--body TEXT]

  --upstream URL   forward everything to this base URL; without it the proxy
                   answers every request itself: 200 with --body (default {}).
  --latency-ms N   sleep N ms before handling each request.
  --rule SPEC      WHEN:FAULT, repeatable; the first matching rule wins.
                   WHEN  = N (the N-th request, 1-based) | every:K (requests
                           K, 2K, 3K...) | first:K (requests 1..K)
                   FAULT = throttle | 500 | 503 | drop | denied
  --port-file F    write the bound port to F (it is also printed on stdout).

It binds 127.0.0.1 on a free port and stops on SIGTERM (or SIGINT).

Faults:
  throttle  an error body shaped like the request's protocol:
            JSON 1.1 (X-Amz-Target or an x-amz-json content type) → 400
              {"__type":"ThrottlingException",...} + x-amzn-ErrorType;
            query (Action= in the form body or the URL) → 400
              <ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>…;
            anything else (S3 rest-xml) → 503 <Error><Code>SlowDown</Code>…
            (S3 throttles with 503 SlowDown, not 400).
  500, 503  an InternalFailure / ServiceUnavailable error in the same shape.
  denied    an access-denied error in the same shape: JSON 1.1 → 400
            AccessDeniedException; query and S3 → 403 AccessDenied.
  drop      read the request, then close the connection with no response.

Control endpoints, answered locally and never counted or forwarded:
  GET  /__fcc/log    JSON {"count": N, "connections": C, "max_concurrent": M,
                     "requests": [{"n", "method", "path", "target", "action",
                     "fault", "t0_ms", "t1_ms"}...]} (times in ms since
                     the last reset: request read, answer sent)
  POST /__fcc/reset  clear the log and the request counter; an optional JSON
                     body {"rules": ["1:throttle", ...], "latency_ms": N}
                     replaces the rules and the latency.

Operation rules: WHEN may also be op=NAME — every request for operation NAME
(X-Amz-Target's last part, the query Action, or the HTTP method for S3), e.g.
op=CreatePortfolio:denied. One more fault is allowed there and in the other
rules: lost — forward the request (the service does the work), then drop the
connection with no response, as when a reply is lost on the way back.

Two parameterised faults, allowed with every WHEN:
  stall=MS          hold the request MS milliseconds before handling it
                    normally (forwarded, or the no-upstream answer). The log
                    entry (fault "stall=MS") exists from the moment the
                    request is read and has no t1_ms until the answer goes
                    out, so a test can wait for "this request arrived and is
                    held" and then act (kill the client, take its lock...).
                    A client that closes the connection during the stall is
                    noticed within 20 ms: the request is then never
                    forwarded, as one that never reached AWS (t1_ms is set
                    and "abandoned": true is logged).
                    e.g. op=CreateProduct:stall=30000
  error=CODE:STATUS answer an AWS error with code CODE and HTTP status STATUS
                    in the request's dialect (as for throttle), with request
                    id fcc-faultproxy-0000; never forwarded.
                    e.g. op=PutObject:error=ExpiredToken:400
"""
import argparse
import http.client
import json
import os
import select
import signal
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULTS = ("throttle", "500", "503", "drop", "denied")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
              "te", "trailers", "transfer-encoding", "upgrade", "content-length"}


def parse_fault(fault, spec):
    """A FAULT: one of FAULTS/OP_FAULTS, 'stall=MS' or 'error=CODE:STATUS'."""
    if fault in FAULTS + OP_FAULTS:
        return fault
    if fault.startswith("stall=") and fault[6:].isdigit():
        return fault
    if fault.startswith("error="):
        code, _, status = fault[6:].partition(":")
        if code and status.isdigit() and 400 <= int(status) <= 599:
            return fault
    raise ValueError("bad fault %r in rule %r (want one of %s, stall=MS or error=CODE:STATUS)"
                     % (fault, spec, ", ".join(FAULTS + OP_FAULTS)))


def parse_rule(spec):
    """'3:drop' / 'every:2:500' / 'first:2:throttle' / 'op=CreateProduct:lost' /
    'op=CreateProduct:stall=5000' / '2:error=ExpiredToken:400'
    → (kind, k, fault); for op rules k is the operation name."""
    parts = spec.split(":")
    if len(parts) >= 3 and parts[0] in ("every", "first") and parts[1].isdigit():
        kind, k, fault = parts[0], int(parts[1]), ":".join(parts[2:])
    elif len(parts) >= 2 and parts[0].startswith("op=") and len(parts[0]) > 3:
        kind, k, fault = "op", parts[0][3:], ":".join(parts[1:])
    elif len(parts) >= 2 and parts[0].isdigit():
        kind, k, fault = "nth", int(parts[0]), ":".join(parts[1:])
    else:
        raise ValueError("bad rule %r (want N:FAULT, every:K:FAULT, first:K:FAULT or op=NAME:FAULT)" % spec)
    fault = parse_fault(fault, spec)
    if kind != "op" and k < 1:
        raise ValueError("rule %r: the count must be at least 1" % spec)
    return (kind, k, fault)


# Faults beyond FAULTS: "lost" forwards the request (the service does it) and
# then drops the connection, so the client never learns it happened.
OP_FAULTS = ("lost",)


def operation_of(target, action, method):
    """The operation a request names: X-Amz-Target's last part, the query Action,
    else the HTTP method (S3)."""
    if target:
        return target.rsplit(".", 1)[-1]
    return action or method


def rule_fault(rules, n, op=None):
    for kind, k, fault in rules:
        if (kind == "nth" and n == k) or (kind == "every" and n % k == 0) or \
           (kind == "first" and n <= k) or (kind == "op" and op == k):
            return fault
    return None


class State:
    def __init__(self, rules, latency_ms, upstream, body):
        self.lock = threading.Lock()
        self.rules = rules
        self.latency_ms = latency_ms
        self.upstream = upstream
        self.body = body
        self.log = []
        self.count = 0
        self.connections = 0
        self.active = 0
        self.max_concurrent = 0
        self.epoch = time.monotonic()  # log times are milliseconds since the last reset


def error_shape(headers, path, body):
    """'json', 'query' or 'rest' — which error dialect the request expects."""
    ctype = headers.get("Content-Type", "")
    if headers.get("X-Amz-Target") or "x-amz-json" in ctype:
        return "json"
    query = urllib.parse.urlsplit(path).query
    if "Action=" in query or (b"Action=" in body and "x-www-form-urlencoded" in ctype):
        return "query"
    return "rest"


def fault_response(fault, shape):
    """(status, headers, body) of an injected error."""
    if fault.startswith("error="):
        code, _, status = fault[6:].partition(":")
        return error_response(code, "injected %s" % code, int(status), shape)
    code, msg, status = {
        "throttle": ("ThrottlingException" if shape == "json" else
                     "Throttling" if shape == "query" else "SlowDown", "Rate exceeded",
                     503 if shape == "rest" else 400),
        "500": ("InternalFailure", "injected internal error", 500),
        "503": ("ServiceUnavailable", "injected unavailable", 503),
        "denied": ("AccessDeniedException" if shape == "json" else "AccessDenied",
                   "injected: not authorized to perform this action",
                   400 if shape == "json" else 403),
    }[fault]
    return error_response(code, msg, status, shape)


def error_response(code, msg, status, shape):
    """(status, headers, body) of an AWS error in the request's dialect."""
    rid = "fcc-faultproxy-0000"
    if shape == "json":
        body = json.dumps({"__type": code, "message": msg}).encode()
        return status, [("Content-Type", "application/x-amz-json-1.1"),
                        ("x-amzn-ErrorType", code), ("x-amzn-RequestId", rid)], body
    if shape == "query":
        kind = "Receiver" if status >= 500 else "Sender"
        body = ("<ErrorResponse><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message>"
                "</Error><RequestId>%s</RequestId></ErrorResponse>" % (kind, code, msg, rid)).encode()
        return status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", rid)], body
    body = ("<Error><Code>%s</Code><Message>%s</Message><RequestId>%s</RequestId></Error>"
            % (code, msg, rid)).encode()
    return status, [("Content-Type", "application/xml"), ("x-amz-request-id", rid)], body


def make_handler(state):
    local = threading.local()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # the handler writes the head and the body of an answer separately; with
        # Nagle on, the body waits for the client's delayed ACK of the head (40 ms
        # on Linux), a delay no AWS endpoint adds (socketserver sets TCP_NODELAY)
        disable_nagle_algorithm = True

        def setup(self):
            super().setup()
            with state.lock:
                state.connections += 1

        def log_message(self, fmt, *args):
            pass

        def _send(self, status, headers, body):
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _control(self, body):
            if self.command == "GET" and self.path == "/__fcc/log":
                with state.lock:
                    data = json.dumps({"count": state.count, "connections": state.connections,
                                       "max_concurrent": state.max_concurrent,
                                       "requests": list(state.log)}).encode()
                self._send(200, [("Content-Type", "application/json")], data)
                return
            if self.command == "POST" and self.path == "/__fcc/reset":
                try:
                    cfg = json.loads(body) if body.strip() else {}
                    rules = [parse_rule(r) for r in cfg.get("rules", [])] if "rules" in cfg else None
                except (ValueError, AttributeError) as exc:
                    self._send(400, [("Content-Type", "text/plain")], str(exc).encode())
                    return
                with state.lock:
                    state.log.clear()
                    state.epoch = time.monotonic()
                    state.count = 0
                    state.max_concurrent = 0
                    if rules is not None:
                        state.rules = rules
                    if "latency_ms" in cfg:
                        state.latency_ms = int(cfg["latency_ms"])
                self._send(200, [("Content-Type", "application/json")], b"{}")
                return
            self._send(404, [("Content-Type", "text/plain")], b"unknown control path")

        def _forward(self, body):
            up = state.upstream
            for attempt in (1, 2):  # a kept-alive upstream connection may have gone stale
                conn = getattr(local, "conn", None)
                if conn is None:
                    cls = http.client.HTTPSConnection if up.scheme == "https" else http.client.HTTPConnection
                    conn = local.conn = cls(up.hostname, up.port, timeout=60)
                try:
                    hdrs = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                    hdrs["Content-Length"] = str(len(body))
                    path = (up.path.rstrip("/") + self.path) if up.path not in ("", "/") else self.path
                    conn.request(self.command, path, body=body, headers=hdrs)
                    r = conn.getresponse()
                    data = r.read()
                    out = [(k, v) for k, v in r.getheaders() if k.lower() not in HOP_BY_HOP]
                    return r.status, out, data
                except (http.client.HTTPException, OSError):
                    conn.close()
                    local.conn = None
                    if attempt == 2:
                        return 502, [("Content-Type", "text/plain")], b"faultproxy: upstream failed"
            return 502, [], b""

        def _stall(self, ms):
            """Wait `ms`; False as soon as the client has closed the connection."""
            end = time.monotonic() + ms / 1000.0
            sock = self.connection
            while True:
                left = end - time.monotonic()
                if left <= 0:
                    return True
                r, _, _ = select.select([sock], [], [], min(left, 0.02))
                if r:
                    try:
                        if sock.recv(1, socket.MSG_PEEK) == b"":
                            return False
                    except OSError:
                        return False
                    time.sleep(min(max(left, 0), 0.02))  # a pipelined request: keep holding

        def _handle(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            if self.path.startswith("/__fcc/"):
                self._control(body)
                return
            action = None
            q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            if "Action" in q:
                action = q["Action"][0]
            elif b"Action=" in body:
                f = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
                action = f.get("Action", [None])[0]
            target = self.headers.get("X-Amz-Target")
            t_start = time.monotonic()
            with state.lock:
                state.count += 1
                num = state.count
                fault = rule_fault(state.rules, num, operation_of(target, action, self.command))
                latency = state.latency_ms
                state.active += 1
                state.max_concurrent = max(state.max_concurrent, state.active)
                state.log.append({"n": num, "method": self.command,
                                  "path": self.path.split("?", 1)[0],
                                  "target": target, "action": action, "fault": fault,
                                  "t0_ms": round((t_start - state.epoch) * 1000, 1)})
                entry = state.log[-1]
            try:
                if latency:
                    time.sleep(latency / 1000.0)
                if fault and fault.startswith("stall="):
                    if not self._stall(int(fault[6:])):
                        with state.lock:
                            entry["abandoned"] = True
                        self.close_connection = True
                        return
                    fault = None
                if fault == "lost":
                    self._forward(body)
                    fault = "drop"
                if fault == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if fault:
                    self._send(*fault_response(fault, error_shape(self.headers, self.path, body)))
                elif state.upstream:
                    self._send(*self._forward(body))
                else:
                    self._send(200, [("Content-Type", "application/json")], state.body)
            finally:
                with state.lock:
                    state.active -= 1
                    entry["t1_ms"] = round((time.monotonic() - state.epoch) * 1000, 1)

        do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = do_PATCH = _handle

    return Handler


def make_server(rules=(), latency_ms=0, upstream=None, body=b"{}"):
    """A bound (not yet serving) proxy server; used by main() and the self-test."""
    up = urllib.parse.urlsplit(upstream) if upstream else None
    if up and (up.scheme not in ("http", "https") or not up.hostname):
        raise ValueError("bad upstream URL %r" % upstream)
    state = State(list(rules), latency_ms, up, body)
    # socketserver's listen backlog is 5: a client opening a dozen connections at once
    # (fcc plan's first wave of reads) would see SYNs dropped and retried after 1 s
    class Server(ThreadingHTTPServer):
        request_queue_size = 128

    srv = Server(("127.0.0.1", 0), make_handler(state))
    srv.daemon_threads = True
    srv.fault_state = state
    return srv


def main(argv=None):
    ap = argparse.ArgumentParser(description="loopback latency and fault proxy")
    ap.add_argument("--upstream")
    ap.add_argument("--latency-ms", type=int, default=0)
    ap.add_argument("--rule", action="append", default=[])
    ap.add_argument("--port-file")
    ap.add_argument("--body", default="{}")
    args = ap.parse_args(argv)
    try:
        rules = [parse_rule(r) for r in args.rule]
        srv = make_server(rules, args.latency_ms, args.upstream, args.body.encode())
    except ValueError as exc:
        ap.error(str(exc))

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    port = srv.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.replace(args.port_file + ".tmp", args.port_file)
    sys.stdout.write("%d\n" % port)
    sys.stdout.flush()
    try:
        srv.serve_forever(poll_interval=0.05)
    finally:
        srv.server_close()


if __name__ == "__main__":
    main()
