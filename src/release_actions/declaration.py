"""One place in one file where the version text stands, and how to replace exactly that text."""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from packaging.version import Version
from tomlkit.exceptions import ParseError, TOMLKitError
from tomlkit.items import String

from release_actions import versions
from release_actions.errors import ConfigError

# (file text) -> (start, end) of the version text in it; the finder runs again on the text to
# rewrite, so several declarations in one file each find their own place.
Locate = Callable[[str], tuple[int, int]]


@dataclass(frozen=True)
class Declaration:
    """One place in one file where the version text stands."""

    path: Path
    where: str  # e.g. "[project].version", "`VERSION = …`", "uv.lock [[package]] mypkg"
    version: str
    line: int | None
    rewrite: Callable[[str, str], str]  # (file text, new version) -> new file text
    fix: str = "Make them equal before releasing."  # when it disagrees with the project file
    caveat: str = ""  # what the build does with the rewrite that the user must know (a warning)

    def parsed(self) -> Version:
        """The declared version under PEP 440; an invalid one is a ConfigError at its line."""
        try:
            return versions.parse(self.version)
        except versions.VersionRejected as error:
            raise ConfigError(f"{self.where} in {self.path}: {error}",
                              file=self.path, line=self.line) from None

    def require_same_as(self, primary: Declaration) -> None:
        """Every place the version lives holds the project file's version (exit 2 otherwise)."""
        if self.parsed() != primary.parsed():
            raise ConfigError(
                f"{self.path} says {self.version} ({self.where}) but {primary.path} says "
                f"{primary.version}. {self.fix}",
                file=self.path, line=self.line,
            )


# A project file, lock or version file larger than this is not one.
MAX_FILE_BYTES = 64 << 20
_WHY = {errno.ENAMETOOLONG: "a name in the path is too long",
        errno.ELOOP: "the path is a symlink loop", errno.ENOTDIR: "a part of the path is a file",
        errno.EISDIR: "it is a directory", errno.EACCES: "permission denied"}


def lookup(doc: Mapping[str, Any], *keys: str) -> Any:
    """`doc[k1][k2]...` of a parsed TOML document; None where a table or key is missing."""
    node: Any = doc
    for key in keys:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def read_text(path: Path, *, what: str) -> str:
    """The text of a regular file. Opened without blocking and checked before reading: a FIFO
    or device would hang the job, and no content is ever quoted in the error."""
    data = read_bytes(path, what=what)
    try:
        # Line endings stay as written (like open(newline="")), so a rewrite changes no other byte.
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"Cannot read {what} {path}: it is not UTF-8 text ({error.reason} at "
                          f"byte {error.start}). Save it as UTF-8.", file=path) from None


def read_bytes(path: Path, *, what: str) -> bytes:
    """The bytes of a regular file, at most MAX_FILE_BYTES (as `read_text` checks them)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise ConfigError(
            f"{what} {path} does not exist. Check the `path`/`extra-files` inputs "
            "(relative to the working directory) and that the repository is checked out.",
            file=path,
        ) from None
    except OSError as error:
        raise _unreadable(path, what, error) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise ConfigError(f"{what} {path} is not a regular file (a directory, FIFO, socket "
                          "or device). Point the input at the file itself.", file=path)
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > MAX_FILE_BYTES:
            raise ConfigError(f"{what} {path} is {info.st_size} bytes, more than any such "
                              f"file holds ({MAX_FILE_BYTES >> 20} MiB).", file=path)
        try:
            data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            raise _unreadable(path, what, error) from None
    if len(data) > MAX_FILE_BYTES:  # it grew after the check
        raise ConfigError(f"{what} {path} is more than any such file holds "
                          f"({MAX_FILE_BYTES >> 20} MiB).", file=path)
    return data


def _unreadable(path: Path, what: str, error: OSError) -> ConfigError:
    reason = _WHY.get(error.errno or 0, error.strerror or type(error).__name__)
    return ConfigError(f"Cannot read {what} {str(path)[:300]}: {reason}.", file=path)


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def splicer(locate: Locate) -> Callable[[str, str], str]:
    """A rewrite that replaces the located version text and keeps every other character."""

    def rewrite(text: str, new: str) -> str:
        start, end = locate(text)
        return text[:start] + new + text[end:]

    return rewrite


def located(path: Path, where: str, text: str, locate: Locate) -> Declaration:
    start, end = locate(text)
    return Declaration(path, where, text[start:end], line_of(text, start), splicer(locate))


def _whole_file_span(text: str) -> tuple[int, int]:
    start = len(text) - len(text.lstrip())
    return start, len(text.rstrip())


def plain_declaration(path: Path) -> Declaration:
    text = read_text(path, what="Version file")
    start, end = _whole_file_span(text)
    return Declaration(path, "file content", text[start:end], line_of(text, start),
                       splicer(_whole_file_span))


# --- TOML -------------------------------------------------------------------------------------


def parse_toml(path: Path, text: str) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(text)
    except (TOMLKitError, RecursionError) as error:
        # Duplicate keys and similar shapes are TOMLKitErrors without a position.
        line, col = (error.line, error.col) if isinstance(error, ParseError) else (None, None)
        detail = str(error)[:200] if isinstance(error, TOMLKitError) else "nested too deeply"
        raise ConfigError(
            f"{path} is not valid TOML: {detail}. Fix the file; `python -c \"import tomllib; "
            f"tomllib.load(open('{path.name}', 'rb'))\"` reproduces it.",
            file=path, line=line, col=col,
        ) from None


def toml_key_line(text: str, table: str, key: str) -> int | None:
    """The line of `key = ...` directly under the header `[table]`."""
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            current = stripped.strip("[]").split("]")[0].strip()
        elif current == table and re.match(rf"{re.escape(key)}\s*=", stripped):
            return number
    return None


def toml_string_rewriter(*keys: str) -> Callable[[str, str], str]:
    """Replace the string at `keys` with the same quoting; every other byte stays."""

    def rewrite(text: str, new: str) -> str:
        doc = tomlkit.parse(text)
        parent = lookup(doc, *keys[:-1])
        old = parent[keys[-1]]
        parent[keys[-1]] = String.from_raw(new, type_=old.type)
        return tomlkit.dumps(doc)

    return rewrite
