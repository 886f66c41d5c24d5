"""A package index that answers every upload with 200 and never lists a file: the fault
`publish`'s verification exists for (an index or proxy that accepts without storing).

    with blackhole_index() as index:
        ... upload to index.upload_url, read index.simple_url ...
        index.uploads  # the file names it was sent
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from release_actions.rehearsal.servers import serving

EMPTY_PAGE = b"<!DOCTYPE html><html><body><h1>Links</h1></body></html>\n"
FILENAME = re.compile(rb'name="content"; filename="([^"]+)"')


@dataclass
class BlackholeIndex:
    url: str = ""
    uploads: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)  # simple pages read

    @property
    def upload_url(self) -> str:
        return f"{self.url}/legacy/"

    @property
    def simple_url(self) -> str:
        return f"{self.url}/simple/"


class _Handler(BaseHTTPRequestHandler):
    index: BlackholeIndex

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: bytes, content_type: str = "text/html") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.index.pages.append(self.path)
        self._send(200, EMPTY_PAGE)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        found = FILENAME.search(body)
        self.index.uploads.append(found.group(1).decode() if found else "?")
        self._send(200, b"OK", "text/plain")


@contextmanager
def blackhole_index() -> Iterator[BlackholeIndex]:
    """Serve a fresh BlackholeIndex on 127.0.0.1 for the duration of the block."""
    index = BlackholeIndex()
    handler = type("Handler", (_Handler,), {"index": index})
    with serving(handler) as port:
        index.url = f"http://127.0.0.1:{port}"
        yield index
