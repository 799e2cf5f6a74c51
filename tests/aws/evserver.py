"""evserver.py — a single-threaded HTTP/1.1 server for the test endpoint's WSGI app.

werkzeug's development server runs a thread per connection. fcc keeps up to 64 connections
open and sends on all of them at once, so 64 threads wake together and fight over the GIL:
perf showed about a third of the endpoint's CPU in futex waits and task switches, and on a
2-core machine that contention, not fcc, set the pace of every benchmark through the
endpoint. This server reads every connection from one selectors loop and calls the app
inline, one request at a time, which is how the GIL would run them anyway.

What it speaks: HTTP/1.1 keep-alive (HTTP/1.0 and `Connection: close` close after the
answer), request bodies by Content-Length or chunked transfer coding, `Expect:
100-continue`, HEAD (headers only). The WSGI environ is built the way werkzeug's
make_environ builds it (PATH_INFO percent-decoded, then carried as latin-1 text; header
names upper-cased with HTTP_; a chunked body marked wsgi.input_terminated). An app that
raises is logged to stderr with its traceback and answered 500.

    srv = EventServer("127.0.0.1", 0, app)   # bound and listening; access_log=True: a
                                             # line per request on stderr
    srv.server_address                       # (host, port)
    srv.serve_forever()                      # until shutdown()
"""

import io
import selectors
import socket
import sys
import threading
import traceback
from urllib.parse import unquote, urlsplit

MAX_HEAD = 64 * 1024
NO_BODY_STATUS = (204, 304)


def _latin1(s):
    """werkzeug's _wsgi_encoding_dance: text carried as latin-1 code points of its UTF-8."""
    return s.encode("utf-8").decode("latin-1")


class _BadRequest(Exception):
    pass


class _Conn:
    __slots__ = ("sock", "addr", "inbuf", "outbuf", "close_after", "continued")

    def __init__(self, sock, addr):
        self.sock = sock
        self.addr = addr
        self.inbuf = bytearray()
        self.outbuf = bytearray()
        self.close_after = False
        self.continued = False


def _dechunk(buf, start):
    """The chunked body starting at buf[start:]: (body, end) or None while incomplete."""
    body = bytearray()
    pos = start
    while True:
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            return None
        try:
            size = int(bytes(buf[pos:eol]).split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise _BadRequest("bad chunk size")
        pos = eol + 2
        if size == 0:
            # trailers, then an empty line
            while True:
                eol = buf.find(b"\r\n", pos)
                if eol < 0:
                    return None
                if eol == pos:
                    return bytes(body), eol + 2
                pos = eol + 2
        if len(buf) < pos + size + 2:
            return None
        body += buf[pos:pos + size]
        pos += size + 2


class EventServer:
    def __init__(self, host, port, app, access_log=False):
        self.app = app
        self.access_log = access_log
        self.sock = socket.create_server((host, port), backlog=256)
        self.sock.setblocking(False)
        self.server_address = self.sock.getsockname()[:2]
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.sock, selectors.EVENT_READ, None)
        self._stop = threading.Event()

    # ---- the loop

    def serve_forever(self):
        while not self._stop.is_set():
            for key, mask in self.sel.select(timeout=0.5):
                if key.data is None:
                    self._accept()
                    continue
                conn = key.data
                if mask & selectors.EVENT_READ:
                    self._read(conn)
                if mask & selectors.EVENT_WRITE and conn.sock.fileno() >= 0:
                    self._flush(conn)

    def shutdown(self):
        self._stop.set()

    def server_close(self):
        self._stop.set()
        for key in list(self.sel.get_map().values()):
            try:
                key.fileobj.close()
            except OSError:
                pass
        self.sel.close()

    def _accept(self):
        while True:
            try:
                sock, addr = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sel.register(sock, selectors.EVENT_READ, _Conn(sock, addr))

    def _close(self, conn):
        try:
            self.sel.unregister(conn.sock)
        except (KeyError, ValueError):
            pass
        try:
            conn.sock.close()
        except OSError:
            pass

    def _read(self, conn):
        try:
            data = conn.sock.recv(256 * 1024)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(conn)
            return
        if not data:
            self._close(conn)
            return
        conn.inbuf += data
        try:
            while not conn.close_after and self._one(conn):
                pass
        except _BadRequest as e:
            self._respond(conn, "HTTP/1.1", "400 Bad Request", [("Content-Type", "text/plain")],
                          str(e).encode(), False)
            conn.close_after = True
        self._flush(conn)

    def _flush(self, conn):
        while conn.outbuf:
            try:
                n = conn.sock.send(conn.outbuf)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self._close(conn)
                return
            del conn.outbuf[:n]
        if conn.outbuf:
            self.sel.modify(conn.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, conn)
            return
        if conn.close_after:
            self._close(conn)
            return
        self.sel.modify(conn.sock, selectors.EVENT_READ, conn)

    # ---- one request

    def _one(self, conn):
        """Handle the request at the head of conn.inbuf if it is complete: True if one was."""
        buf = conn.inbuf
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            if len(buf) > MAX_HEAD:
                raise _BadRequest("request head too large")
            return False
        lines = bytes(buf[:end]).decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            raise _BadRequest("bad request line")
        method, target, version = parts
        headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep or not name or name != name.strip():
                raise _BadRequest("bad header line")
            headers.append((name, value.strip()))
        lower = {}
        for name, value in headers:
            lower[name.lower()] = value
        start = end + 4
        chunked = "chunked" in lower.get("transfer-encoding", "").lower()
        if chunked:
            got = _dechunk(buf, start)
            if got is None:
                self._continue(conn, lower, version)
                return False
            body, stop = got
        else:
            try:
                n = int(lower.get("content-length") or 0)
            except ValueError:
                raise _BadRequest("bad Content-Length")
            if n < 0:
                raise _BadRequest("bad Content-Length")
            if len(buf) < start + n:
                self._continue(conn, lower, version)
                return False
            body, stop = bytes(buf[start:start + n]), start + n
        del buf[:stop]
        conn.continued = False
        conn_hdr = lower.get("connection", "").lower()
        keep = ("keep-alive" in conn_hdr) if version == "HTTP/1.0" else ("close" not in conn_hdr)
        environ = self._environ(conn, method, target, version, headers, body, chunked)
        status, out_headers, out = self._call(environ)
        if self.access_log:
            sys.stderr.write('%s - - "%s %s %s" %s -\n' % (conn.addr[0], method, target, version,
                                                           status.split(" ", 1)[0]))
        self._respond(conn, version if version in ("HTTP/1.0", "HTTP/1.1") else "HTTP/1.1",
                      status, out_headers, out, method == "HEAD")
        if not keep:
            conn.close_after = True
        return True

    def _continue(self, conn, lower, version):
        if (not conn.continued and version == "HTTP/1.1"
                and lower.get("expect", "").lower() == "100-continue"):
            conn.outbuf += b"HTTP/1.1 100 Continue\r\n\r\n"
            conn.continued = True

    def _environ(self, conn, method, target, version, headers, body, chunked):
        url = urlsplit(target)
        path = url.path
        if not url.scheme and url.netloc:  # "//x/y" parsed as a netloc: it is path
            path = "/" + url.netloc + url.path
        environ = {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "SERVER_SOFTWARE": "fcc-evserver",
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": _latin1(unquote(path)),
            "QUERY_STRING": _latin1(url.query),
            "REQUEST_URI": _latin1(target),
            "RAW_URI": _latin1(target),
            "REMOTE_ADDR": conn.addr[0],
            "REMOTE_PORT": conn.addr[1],
            "SERVER_NAME": self.server_address[0],
            "SERVER_PORT": str(self.server_address[1]),
            "SERVER_PROTOCOL": version,
        }
        for name, value in headers:
            if "_" in name:
                continue
            key = name.upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = "HTTP_" + key
                if key in environ:
                    value = "%s,%s" % (environ[key], value)
            environ[key] = value
        if chunked:
            environ["wsgi.input_terminated"] = True
        if url.scheme and url.netloc:
            environ["HTTP_HOST"] = url.netloc
        return environ

    def _call(self, environ):
        got = {}
        written = []

        def start_response(status, headers, exc_info=None):
            if exc_info and got:
                raise exc_info[1].with_traceback(exc_info[2])
            got["status"], got["headers"] = status, list(headers)
            return written.append

        try:
            result = self.app(environ, start_response)
            try:
                for chunk in result:
                    written.append(chunk)
            finally:
                if hasattr(result, "close"):
                    result.close()
            if "status" not in got:
                raise RuntimeError("the app did not call start_response")
            return got["status"], got["headers"], b"".join(written)
        except Exception:
            sys.stderr.write("evserver: error on %s %s\n%s" % (
                environ["REQUEST_METHOD"], environ["REQUEST_URI"], traceback.format_exc()))
            sys.stderr.flush()
            return "500 Internal Server Error", [("Content-Type", "text/plain")], \
                b"internal error in the test endpoint"

    def _respond(self, conn, version, status, headers, body, head):
        code = int(status.split(" ", 1)[0])
        names = {k.lower() for k, _ in headers}
        if ("content-length" not in names and code not in NO_BODY_STATUS
                and not 100 <= code < 200):
            headers = headers + [("Content-Length", str(len(body)))]
        out = ["%s %s\r\n" % (version, status)]
        out += ["%s: %s\r\n" % (k, v) for k, v in headers]
        out.append("\r\n")
        conn.outbuf += "".join(out).encode("latin-1")
        if not head and code not in NO_BODY_STATUS:
            conn.outbuf += body
