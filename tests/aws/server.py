#!/usr/bin/env python3
"""server.py — the local AWS endpoint for fcc's tests: moto_server plus fccext.

Starts moto's server app in-process on 127.0.0.1 with the fccext middleware in front of it:
the operations moto 5.2.1 lacks (see README.md) are answered by fccext against moto's own
backend objects, everything else goes to moto unchanged.

    python3 tests/aws/server.py [--host 127.0.0.1] [--port 0] [--port-file FILE]
                                [--access-log] [--threaded]

The app is served by evserver.py: one thread, every connection in one selectors loop, one
request at a time (a thread per connection, as werkzeug's server runs it with --threaded,
spends a third of its CPU fighting over the GIL when fcc sends on 64 connections at once).
Requests are not logged one line each unless --access-log is given (errors and tracebacks
always are): that line costs the app about a sixth of its time per request, which the
benchmarks would count. Port 0 picks a free port. The chosen port is written to --port-file
(atomically, once the socket is listening), so a caller can wait for the file and then
connect. SIGTERM/SIGINT stop the server cleanly.
"""

import argparse
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# fcc attaches AWS managed policies (AmazonSageMakerFullAccess...); moto knows them only when
# asked to load its copy of the managed-policy list, before moto.iam is imported.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from evserver import EventServer  # noqa: E402

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app  # noqa: E402

from fccext import cloudformation, forecast, sagemaker, servicecatalog  # noqa: E402,F401
from fccext.core import ExtensionApp  # noqa: E402


class QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's handler without the access-log line per request."""

    def log_request(self, code="-", size="-"):
        pass


def build_app():
    """moto's dispatcher with the extension in front of it."""
    return ExtensionApp(DomainDispatcherApplication(create_backend_app))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--access-log", action="store_true", help="log a line per request")
    ap.add_argument("--threaded", action="store_true",
                    help="werkzeug's server, a thread per connection")
    args = ap.parse_args(argv)

    # Block TERM/INT in every thread (new threads inherit the mask) and wait for them in the
    # main thread with sigwait: the stop is then immediate, whichever thread the kernel picks.
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    if args.threaded:
        handler = WSGIRequestHandler if args.access_log else QuietRequestHandler
        server = make_server(args.host, args.port, build_app(), threaded=True,
                             request_handler=handler)
    else:
        server = EventServer(args.host, args.port, build_app(), access_log=args.access_log)
    port = server.server_address[1]
    worker = threading.Thread(target=server.serve_forever, name="serve", daemon=True)
    worker.start()
    if args.port_file:
        tmp = f"{args.port_file}.tmp.{os.getpid()}"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.replace(tmp, args.port_file)
    print(f"fcc test endpoint: http://{args.host}:{port}", flush=True)
    signal.sigwait(stop_signals)
    server.server_close()
    # Tearing down moto's module state (thousands of IAM managed policies...) at interpreter
    # exit takes seconds and nothing in it needs saving: leave at once.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
