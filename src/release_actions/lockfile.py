"""The project's own `[[package]]` entry in uv.lock, edited without parsing the whole lock.

A lock can hold megabytes; parsing all of it (with tomlkit, or even tomllib) costs more than
the rest of version-rewrite. uv writes every entry as `[[package]]`, then `name = "…"`, then
`version = "…"`, so the entry is found by that header, its block alone is read with tomllib,
the version text is replaced, and the new block is read again to check that only the version
changed. Every other byte of the lock stays as it was."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from release_actions.declaration import Declaration, line_of, read_text
from release_actions.errors import ConfigError

_HEADER = re.compile(r'^\[\[package\]\]\r?\nname = "(?P<name>[^"\r\n]+)"\r?\n', re.MULTILINE)
# The next top-level header ends an entry; its own sub-tables are `[package.…]`.
_BLOCK_END = re.compile(r"^\[\[?(?!package\.)", re.MULTILINE)
_VERSION_LINE = re.compile(r'version = "(?P<version>[^"\r\n]*)"\r?\n')
# `package` given as anything but an array of tables: a top-level key (`package = 1`, dotted or
# quoted) before the first header, or a `[package]` table header.
_FIRST_HEADER = re.compile(r"^[ \t]*\[", re.MULTILINE)
_PACKAGE_KEY = re.compile(r"""^[ \t]*(?:package|"package"|'package')[ \t]*[=.]""", re.MULTILINE)
_PACKAGE_TABLE = re.compile(r"""^[ \t]*\[[ \t]*(?:package|"package"|'package')[ \t]*\]""",
                            re.MULTILINE)

REGENERATE = "Regenerate it with `uv lock` and commit uv.lock."
PACKAGE_NOT_TABLES = (
    "{lock}: `package` (line {line}) is not an array of tables (`[[package]]`) as uv writes "
    "it, so the project's entry cannot be found. " + REGENERATE
)
NOT_AS_UV_WRITES = (
    "{lock}: the [[package]] entry of {name} (line {line}) is not laid out as uv writes it "
    "({why}), so its version cannot be edited safely. " + REGENERATE
)


@dataclass(frozen=True)
class Entry:
    start: int  # the block of the entry: its header up to the next header
    end: int
    data: dict[str, Any]


def _block_end(text: str, after: int) -> int:
    found = _BLOCK_END.search(text, after)
    return found.start() if found else len(text)


def _read_block(lock: Path, text: str, start: int, end: int, name: str) -> dict[str, Any]:
    # Imported here: a project without a lock never pays for it.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        packages = tomllib.loads(text[start:end]).get("package") or [{}]
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            NOT_AS_UV_WRITES.format(lock=lock, name=name, line=line_of(text, start),
                                    why=f"not valid TOML: {error}"),
            file=lock, line=line_of(text, start),
        ) from None
    return dict(packages[0])


def _is_own(data: dict[str, Any]) -> bool:
    source = data.get("source") or {}
    return "editable" in source or "virtual" in source


def _check_package_shape(lock: Path, text: str) -> None:
    """Refuse a lock whose `package` is not `[[package]]`: read as a lock without the project's
    entry, it would be skipped and the run would pass."""
    first = _FIRST_HEADER.search(text)
    found = _PACKAGE_KEY.search(text, 0, first.start() if first else len(text))
    found = found or _PACKAGE_TABLE.search(text)
    if found:
        line = line_of(text, found.start())
        raise ConfigError(PACKAGE_NOT_TABLES.format(lock=lock, line=line), file=lock, line=line)


def own_entry(lock: Path, text: str, name: str) -> Entry | None:
    """The entry uv writes for the project itself (an editable or virtual source)."""
    # Imported here: packaging.utils brings packaging.tags (platform, sysconfig, logging), a
    # third of a command's start, which a project without a uv.lock never needs.
    from packaging.utils import canonicalize_name

    wanted = canonicalize_name(name)
    for header in _HEADER.finditer(text):
        if canonicalize_name(header["name"]) != wanted:
            continue
        end = _block_end(text, header.end())
        data = _read_block(lock, text, header.start(), end, name)
        if _is_own(data):
            return Entry(header.start(), end, data)
    return None


def _version_span(lock: Path, text: str, entry: Entry, name: str) -> tuple[int, int]:
    header_end = _HEADER.match(text, entry.start)
    version = _VERSION_LINE.match(text, header_end.end()) if header_end else None
    if version is None or version["version"] != entry.data.get("version"):
        line = line_of(text, entry.start)
        raise ConfigError(
            NOT_AS_UV_WRITES.format(lock=lock, name=name, line=line,
                                    why="`version = \"…\"` is not the line after `name`"),
            file=lock, line=line,
        )
    return version.span("version")


def _rewriter(lock: Path, name: str) -> Callable[[str, str], str]:
    def rewrite(text: str, new: str) -> str:
        entry = own_entry(lock, text, name)
        if entry is None:
            raise ConfigError(f"{lock} lost the entry of {name} while rewriting. {REGENERATE}",
                              file=lock)
        start, end = _version_span(lock, text, entry, name)
        new_text = text[:start] + new + text[end:]
        shift = len(new) - (end - start)
        after = _read_block(lock, new_text, entry.start, entry.end + shift, name)
        if after != {**entry.data, "version": new}:
            raise ConfigError(
                NOT_AS_UV_WRITES.format(lock=lock, name=name, line=line_of(text, start),
                                        why="the edit changed more than the version"),
                file=lock, line=line_of(text, start),
            )
        return new_text

    return rewrite


def find_lock_entry(project_file: Path, name: str | None) -> Declaration | None:
    """The project's own entry in uv.lock beside the project file, if it has a version (uv
    omits it for dynamic versions)."""
    lock = project_file.parent / "uv.lock"
    if name is None or not lock.is_file():
        return None
    text = read_text(lock, what="Lock file")
    _check_package_shape(lock, text)
    entry = own_entry(lock, text, name)
    if entry is None or "version" not in entry.data:
        return None
    start, _ = _version_span(lock, text, entry, name)
    return Declaration(
        lock, f"uv.lock [[package]] {entry.data.get('name', name)}", str(entry.data["version"]),
        line_of(text, start), _rewriter(lock, name),
        fix="Run `uv lock` (it records the project's version) and commit uv.lock.",
    )
