"""A local HTTP server that misbehaves on purpose, for the hostile-input suites: every path of
every method gets the one fault it was started with. Real sockets on 127.0.0.1 (port 0), served
from a thread; `with FaultServer("hang") as server: server.url`.

Faults: hang (read the request, never answer), trickle (a 200 header, then one byte every
0.2 s), reset (close with a TCP reset), 5xx, 429 with `Retry-After: 3600`, 200 with garbage, a
huge body, deeply nested JSON, a redirect loop, 301s (to another host, to the same URL, onward
without end: PyGithub raises RuntimeError on the first two), a gzip bomb (a small answer that
expands to hundreds of MiB), JSON with every field of the wrong type, and `echo` (the request's
headers sent back raw, URL-encoded and in base64, as a careless server does in an error
page)."""

from __future__ import annotations

import base64
import functools
import json
import socket
import struct
import time
import zlib
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import quote, unquote

from release_actions.rehearsal.servers import LocalServer

HANG = "hang"
TRICKLE = "trickle"
RESET = "reset"
SERVER_ERROR = "503"
RATE_LIMITED = "429-retry-after-3600"
GARBAGE = "200-garbage"
HUGE = "huge-body"
NESTED = "nested-json"
REDIRECT_LOOP = "redirect-loop"
MOVED_AWAY = "301-other-host"
MOVED_HERE = "301-same-url"
MOVED_ON = "301-onward"
GZIP_BOMB = "gzip-bomb"
WRONG_TYPES = "200-wrong-types"
ECHO = "echo"
FAULTS = (HANG, TRICKLE, RESET, SERVER_ERROR, RATE_LIMITED, GARBAGE, HUGE, NESTED,
          REDIRECT_LOOP, MOVED_AWAY, MOVED_HERE, MOVED_ON, GZIP_BOMB, WRONG_TYPES)
# Faults answered 200 (an upload "accepted" whatever the body).
ANSWERED_200 = (GARBAGE, TRICKLE, HUGE, NESTED, GZIP_BOMB, WRONG_TYPES)
# JSON whose every field the clients read has another type than the API's (PyGithub raises
# BadAttributeException when such a field is read).
WRONG_TYPED = json.dumps({
    name: 1 for name in ("status", "name", "tag_name", "html_url", "url", "full_name",
                         "artifacts", "files", "value", "audience", "body", "message")
} | {name: "x" for name in ("id", "draft", "prerelease", "number", "protection_rules",
                            "deployment_branch_policy", "size_in_bytes", "expired")}).encode()
HUGE_BYTES = 64 << 20
# What the gzip bomb expands to: 32 times the largest cap of this project (8 MiB bodies, 32 MiB
# API answers), small enough that a reader without a cap survives it to be measured.
BOMB_BYTES = 256 << 20
# Where an echo puts what it received: the status it answers with.
ECHO_STATUS = 400


@functools.cache
def gzip_bomb() -> bytes:
    """BOMB_BYTES of spaces, gzip-compressed (about 250 KiB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b" " * (1 << 20)
    return b"".join(packer.compress(block) for _ in range(BOMB_BYTES >> 20)) + packer.flush()


def echo_body(headers: dict[str, str], body: bytes) -> bytes:
    """Everything received, in the forms a server may echo it: raw, URL-encoded, base64."""
    raw = "\n".join(f"{name}: {value}" for name, value in headers.items())
    raw += "\n" + body.decode("utf-8", "replace")
    encoded = base64.b64encode(raw.encode()).decode()
    # Credentials in Basic auth decoded back, as an error page may print them.
    decoded = [base64.b64decode(v.split()[-1] + "==").decode("utf-8", "replace")
               for v in headers.values() if v.lower().startswith("basic ")]
    return json.dumps({"error": {"message": f"{raw} | {quote(raw, safe='')} | {encoded} | "
                                            f"{' '.join(decoded)} | {unquote(raw)}"}}).encode()


class FaultServer(LocalServer):
    def __init__(self, fault: str, *, status: int | None = None) -> None:
        """`status`: what an echo (default ECHO_STATUS) or a gzip bomb (default 200) answers."""
        if fault not in (*FAULTS, ECHO):
            raise ValueError(f"unknown fault {fault!r}")
        self.fault = fault
        self.status = status
        if fault == GZIP_BOMB:
            gzip_bomb()  # made before the first request, not while a client's timeout runs
        self.requests: list[dict[str, Any]] = []
        super().__init__()

    @property
    def url(self) -> str:
        return self.root_url

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = dict(self.headers.items())
                server.requests.append({"method": self.command, "path": self.path,
                                        "headers": headers, "body": body})
                server.respond(self, headers, body)

            do_GET = do_POST = do_PUT = do_PATCH = do_HEAD = _answer

        return Handler

    def respond(self, handler: BaseHTTPRequestHandler, headers: dict[str, str],
                body: bytes) -> None:
        fault = self.fault
        if fault == HANG:
            self.stopping.wait(3600)
        elif fault == RESET:
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                          struct.pack("ii", 1, 0))
            handler.close_connection = True
        elif fault == TRICKLE:
            self._trickle(handler)
        elif fault == REDIRECT_LOOP:
            self._send(handler, 302, b"", {"Location": handler.path})
        elif fault in (MOVED_AWAY, MOVED_HERE, MOVED_ON):
            self._send(handler, 301, b"", {"Location": self._moved_to(handler)})
        elif fault == GZIP_BOMB:
            self._send(handler, self.status or 200, gzip_bomb(),
                       {"Content-Type": "application/json", "Content-Encoding": "gzip"})
        elif fault == WRONG_TYPES:
            self._send(handler, 200, WRONG_TYPED, {"Content-Type": "application/json"})
        elif fault == SERVER_ERROR:
            self._send(handler, 503, b"unavailable")
        elif fault == RATE_LIMITED:
            self._send(handler, 429, b"slow down", {"Retry-After": "3600"})
        elif fault == GARBAGE:
            self._send(handler, 200, b"\x00\xff<html>garbage, not what was asked", {})
        elif fault == NESTED:
            self._send(handler, 200, b"[" * 200_000 + b"]" * 200_000,
                       {"Content-Type": "application/json"})
        elif fault == HUGE:
            self._huge(handler)
        else:
            self._send(handler, self.status or ECHO_STATUS, echo_body(headers, body),
                       {"Content-Type": "application/json"})

    def _moved_to(self, handler: BaseHTTPRequestHandler) -> str:
        path = handler.path.split("?")[0]
        if self.fault == MOVED_AWAY:  # the same server under another host name
            return f"http://localhost:{self.root_url.rsplit(':', 1)[1]}{path}"
        if self.fault == MOVED_HERE:
            return f"{self.root_url}{path}"
        return f"{path.rstrip('/')}/moved/"  # relative, and one more each time

    def _send(self, handler: BaseHTTPRequestHandler, status: int, body: bytes,
              headers: dict[str, str] | None = None) -> None:
        handler.send_response(status)
        for name, value in (headers or {"Content-Type": "text/plain"}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(body)

    def _trickle(self, handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", "100000000")
        handler.end_headers()
        try:
            while not self.stopping.wait(0.2):
                handler.wfile.write(b" ")
                handler.wfile.flush()
        except OSError:
            pass

    def _huge(self, handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(HUGE_BYTES))
        handler.end_headers()
        chunk = b"[" * 65536
        try:
            for _ in range(HUGE_BYTES // len(chunk)):
                if self.stopping.is_set():
                    return
                handler.wfile.write(chunk)
        except OSError:
            pass


def elapsed(since: float) -> float:
    return time.monotonic() - since
