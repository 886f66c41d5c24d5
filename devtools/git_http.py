"""A git remote over smart HTTP on 127.0.0.1 that, like GitHub, wants a token as basic auth
(`x-access-token:<token>`): `git http-backend` behind a small CGI bridge. It records every
Authorization header it is sent, so a test can prove which credential a git command carried."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

from release_actions.rehearsal.servers import serving


@dataclass
class GitHttpServer:
    root: Path  # folder holding bare repositories
    token: str
    url: str = ""
    read_only: bool = False  # refuse pushes with 403, as GitHub does a token without write
    authorizations: list[str] = field(default_factory=list)

    def repository_url(self, name: str) -> str:
        return f"{self.url}/{name}"

    @property
    def expected(self) -> str:
        return "Basic " + base64.b64encode(f"x-access-token:{self.token}".encode()).decode()


def _normalized(authorization: str) -> str:
    """The auth scheme is case-insensitive (RFC 9110): git is sent `basic`, GitHub takes it."""
    scheme, _, credentials = authorization.partition(" ")
    return f"{scheme.capitalize()} {credentials.strip()}"


class _Handler(BaseHTTPRequestHandler):
    server_state: GitHttpServer

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        state = self.server_state
        authorizations = self.headers.get_all("Authorization") or []
        state.authorizations.extend(authorizations)
        if [_normalized(value) for value in authorizations] != [state.expected]:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if state.read_only and "git-receive-pack" in self.path:
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._relay(self._backend(method, body))

    def _backend(self, method: str, body: bytes) -> bytes:
        parts = urlsplit(self.path)
        environ = {
            "GIT_PROJECT_ROOT": str(self.server_state.root), "GIT_HTTP_EXPORT_ALL": "1",
            "REMOTE_USER": "x-access-token", "REQUEST_METHOD": method,
            "PATH_INFO": parts.path, "QUERY_STRING": parts.query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
        }
        return subprocess.run(["git", "http-backend"], input=body, env=environ,
                              capture_output=True, check=False).stdout

    def _relay(self, output: bytes) -> None:
        head, _, body = output.partition(b"\r\n\r\n")
        headers = [line.split(":", 1) for line in head.decode().splitlines() if ":" in line]
        status = next((int(v.split()[0]) for k, v in headers if k.lower() == "status"), 200)
        self.send_response(status)
        for key, value in headers:
            if key.lower() != "status":
                self.send_header(key, value.strip())
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def git_http_server(root: Path, token: str) -> Iterator[GitHttpServer]:
    """Serve the bare repositories under `root` on 127.0.0.1 for the duration of the block."""
    state = GitHttpServer(root, token)
    handler = type("Handler", (_Handler,), {"server_state": state})
    with serving(handler) as port:
        state.url = f"http://127.0.0.1:{port}"
        yield state
