"""A local stand-in for the Python downloads `uv python install` fetches (python-build-standalone
releases on GitHub, which a rehearsal never reaches). uv reads the list of downloads from
UV_PYTHON_DOWNLOADS_JSON_URL; the rehearsal points it here and keeps uv's installs in the
throw-away copy. Each CPython already on this machine (the rehearsal's own, and pyenv's) is
offered under its version and packed on first request; a version the machine lacks is not
listed, so uv answers that it has no download for it, as it would for an unknown version."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import sys
import tarfile
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from release_actions.rehearsal.servers import LocalServer

LIST = "/python-downloads.json"
_VERSION = re.compile(r"\d+\.\d+\.\d+")
_ARCHIVE = re.compile(r"/cpython-(\d+\.\d+\.\d+)\.tar")


def local_installs(environ: Mapping[str, str] | None = None) -> dict[str, Path]:
    """version → prefix: pyenv's CPython installs, and the one the rehearsal runs on."""
    environ = os.environ if environ is None else environ
    found = {}
    versions = Path(environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    for prefix in sorted(versions.iterdir()) if versions.is_dir() else []:
        if _VERSION.fullmatch(prefix.name) and (prefix / "bin" / "python3").exists():
            found[prefix.name] = prefix
    found[".".join(str(part) for part in sys.version_info[:3])] = Path(sys.base_prefix)
    return found


def _platform() -> tuple[str, str, str]:
    """uv's os, arch and libc for this machine."""
    machine = platform.machine().lower()
    arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    if sys.platform == "darwin":
        return "darwin", arch, "none"
    return "linux", arch, "gnu" if platform.libc_ver()[0] == "glibc" else "musl"


def _kept(member: tarfile.TarInfo) -> tarfile.TarInfo | None:
    """The interpreter and its standard library: no bytecode, static library, test suite or
    installed packages (the machine's own, not part of a fresh install)."""
    parts = member.name.split("/")
    if "__pycache__" in parts or member.name.endswith(".a"):
        return None
    if len(parts) > 4 and parts[1] == "lib" and parts[3] in ("test", "site-packages"):
        return None
    return member


def pack(prefix: Path, archive: Path) -> Path:
    """`prefix` as an install_only archive: everything under `python/`, as uv unpacks it. A
    plain tar: it goes over the loopback once, so compressing it only costs CPU at both ends."""
    partial = archive.with_suffix(".partial")
    with tarfile.open(partial, "w") as tar:
        tar.add(prefix, arcname="python", filter=_kept)
    partial.replace(archive)
    return archive


class PythonDownloads(LocalServer):
    """`with PythonDownloads(folder) as downloads:` → `downloads.env()` for uv."""

    def __init__(self, folder: Path, installs: Mapping[str, Path] | None = None) -> None:
        self.folder = folder
        self.installs = dict(local_installs() if installs is None else installs)
        self.requested: list[str] = []  # the versions uv downloaded
        self._lock = threading.Lock()
        folder.mkdir(parents=True, exist_ok=True)
        super().__init__()

    def env(self) -> dict[str, str]:
        """uv's downloads from here, its installs and their links in the throw-away copy."""
        return {"UV_PYTHON_DOWNLOADS_JSON_URL": f"{self.root_url}{LIST}",
                "UV_PYTHON_INSTALL_DIR": str(self.folder / "installed"),
                "UV_PYTHON_BIN_DIR": str(self.folder / "bin")}

    def listing(self) -> dict[str, object]:
        system, arch, libc = _platform()
        found: dict[str, object] = {}
        for version in self.installs:
            major, minor, patch = (int(part) for part in version.split("."))
            found[f"cpython-{version}-{system}-{arch}-{libc}"] = {
                "name": "cpython", "arch": {"family": arch, "variant": None}, "os": system,
                "libc": libc, "major": major, "minor": minor, "patch": patch,
                "prerelease": "", "url": f"{self.root_url}/cpython-{version}.tar",
                "sha256": None, "variant": None, "build": "rehearsal"}
        return found

    def archive(self, version: str) -> Path:
        with self._lock:
            archive = self.folder / f"cpython-{version}.tar"
            if not archive.is_file():
                self.requested.append(version)
                pack(self.installs[version], archive)
            return archive

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        downloads = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                wanted = _ARCHIVE.fullmatch(self.path)
                if self.path == LIST:
                    body = json.dumps(downloads.listing()).encode()
                    self.answer(200, "application/json", len(body))
                    self.wfile.write(body)
                elif wanted and wanted.group(1) in downloads.installs:
                    archive = downloads.archive(wanted.group(1))
                    self.answer(200, "application/x-tar", archive.stat().st_size)
                    with archive.open("rb") as source:
                        shutil.copyfileobj(source, self.wfile)
                else:
                    self.answer(404, "text/plain", 0)

            def answer(self, status: int, kind: str, length: int) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(length))
                self.end_headers()

        return Handler
