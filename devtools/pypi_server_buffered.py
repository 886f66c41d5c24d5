"""`pypi-server`, each request's body read in full before pypiserver answers, as the proxy in
front of a real index does. pypiserver refuses wrong credentials before reading the upload: the
socket then closes with the body unread, and the client, still writing, may see `Broken pipe`
instead of the 403. Run as `python -m devtools.pypi_server_buffered run ...` (pypi-server's
arguments); `PypiServer.start(..., buffered=True)` does."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def buffered(app: WsgiApp) -> WsgiApp:
    """`app`, called only once the request's body (Content-Length bytes) has been read."""

    def read_first(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > 0:
            environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(length))
        return app(environ, start_response)

    return read_first


def main() -> None:
    from pypiserver import __main__ as entry
    from pypiserver import bottle_wrapper

    run = bottle_wrapper.run

    def run_buffered(app: WsgiApp, **options: Any) -> Any:
        return run(app=buffered(app), **options)

    bottle_wrapper.run = run_buffered
    entry.main(sys.argv[1:])


if __name__ == "__main__":
    main()
