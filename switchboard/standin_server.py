"""Serve a platform stand-in (a WSGI app) on local HTTP, in a thread or as a process.

The stand-ins are how tests and the demo talk to "Facebook" or "X" over real HTTP with the
platforms' own URLs, bodies, signatures and errors, while the platforms stay unreachable.
"""

from __future__ import annotations

import contextlib
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass


class RunningStandin:
    def __init__(self, server: WSGIServer, thread: threading.Thread):
        self.server = server
        self.thread = thread
        host, port = server.server_address[:2]
        # Once bound, the address is getsockname()'s: the host is a str, never bytes.
        self.url = f"http://{host}:{port}"  # type: ignore[str-bytes-safe]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve_in_thread(app, host: str = "127.0.0.1", port: int = 0) -> RunningStandin:
    server = make_server(
        host, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return RunningStandin(server, thread)


@contextlib.contextmanager
def served(app, host: str = "127.0.0.1", port: int = 0):
    """Serve `app` for the length of a with-block; `app.url` is where it listens."""
    running = serve_in_thread(app, host, port)
    app.url = running.url
    try:
        yield app
    finally:
        running.stop()


def serve_forever(app, host: str, port: int) -> None:
    server = make_server(
        host, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    server.serve_forever()
