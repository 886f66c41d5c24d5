"""The package index stand-in of the tests: `pypi-server run` (a dev dependency) on 127.0.0.1,
uploads protected by an htpasswd file, no fallback to pypi.org. (A rehearsal publishes to
`release_actions.rehearsal.tp_index` instead.)

    with PypiServer.start(tmp_path / "index") as index:
        ... upload to index.upload_url (user index.username, password index.password) ...
        index.files()  # what landed in the store
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from release_actions.rehearsal.act import VENV_BIN

USERNAME = "uploader"
PASSWORD = "index-pass-4f1c9a77e2"  # a throw-away credential of the test index
READY_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def htpasswd_line(user: str, password: str) -> str:
    """An htpasswd entry in Apache's `{SHA}` form, which the server's passlib reads; written
    here so this process never imports passlib (its `crypt` import is deprecated)."""
    digest = base64.b64encode(hashlib.sha1(password.encode()).digest()).decode()
    return f"{user}:{{SHA}}{digest}\n"


@dataclass
class PypiServer:
    root: Path
    port: int
    process: subprocess.Popen[bytes]
    username: str = USERNAME
    password: str = PASSWORD

    @property
    def packages(self) -> Path:
        return self.root / "packages"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def upload_url(self) -> str:
        return f"{self.url}/"

    @property
    def simple_url(self) -> str:
        return f"{self.url}/simple/"

    def files(self) -> dict[str, bytes]:
        """The store's files by name, with their bytes."""
        return {path.name: path.read_bytes() for path in sorted(self.packages.iterdir())
                if path.is_file()}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @classmethod
    @contextlib.contextmanager
    def start(cls, root: Path, *, buffered: bool = False) -> Iterator[PypiServer]:
        """Start an index serving `root/packages`; stopped when the block ends. `buffered`: it
        reads each request's body before answering (`devtools.pypi_server_buffered`)."""
        server = cls.launch(root, buffered=buffered)
        try:
            yield server
        finally:
            server.stop()

    @classmethod
    def launch(cls, root: Path, *, attempts: int = 3, buffered: bool = False) -> PypiServer:
        (root / "packages").mkdir(parents=True, exist_ok=True)
        program = [str(VENV_BIN / "pypi-server")]
        env = None
        if buffered:
            program = [str(VENV_BIN / "python"), "-m", "devtools.pypi_server_buffered"]
            env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        (root / "htpasswd").write_text(htpasswd_line(USERNAME, PASSWORD))
        for _ in range(attempts):
            # The port is free now; another process may take it before the server binds, in
            # which case the server exits and we try another.
            port = free_port()
            log = open(root / "server.log", "ab")  # noqa: SIM115 - owned by the process
            process = subprocess.Popen(
                [*program, "run", "--host", "127.0.0.1",
                 "--port", str(port), "--passwords", str(root / "htpasswd"),
                 "--authenticate", "update", "--disable-fallback",
                 "--server", "wsgiref", str(root / "packages")],
                stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env,
            )
            log.close()
            server = cls(root, port, process)
            if server._wait_ready():
                return server
            server.stop()
        raise RuntimeError(f"pypi-server did not start; see {root / 'server.log'}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return True
            time.sleep(0.05)
        return False
