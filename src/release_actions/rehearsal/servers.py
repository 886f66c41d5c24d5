"""HTTP servers on 127.0.0.1 in a daemon thread, for the stand-ins that fake a remote: `serving`
for a handler class, `LocalServer` for a server object used as `with Server(...) as server:`."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

S = TypeVar("S", bound="LocalServer")


class QuietServer(ThreadingHTTPServer):
    """A client that hangs up (a capped read, a refused redirect) is no server error: no
    traceback for it in the output of an in-process test, which checks there is none."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def stop(server: socketserver.TCPServer) -> None:
    """`server.shutdown()` without a short poll: serve_forever's default poll (0.5 s) keeps an
    idle server asleep, and a connection made here wakes its loop to see the request at once."""
    stopper = threading.Thread(target=server.shutdown, daemon=True)
    stopper.start()
    host, port = server.server_address[:2]
    while stopper.is_alive():
        with contextlib.suppress(OSError):
            socket.create_connection((str(host), int(port)), timeout=1).close()
        stopper.join(0.05)
    server.server_close()


class LocalServer:
    """Subclasses set their own state, then call `super().__init__()`, and give `_handler()`."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self._server = QuietServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def root_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self: S) -> S:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        stop(self._server)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    """Serve `handler` on 127.0.0.1 for the duration of the block; yields the port."""
    server = QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        stop(server)
