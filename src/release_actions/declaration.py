"""One place in one file where the version text stands, and how to replace exactly that text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

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

    def parsed(self) -> Version:
        """The declared version under PEP 440; an invalid one is a ConfigError at its line."""
        try:
            return versions.parse(self.version)
        except versions.VersionRejected as error:
            raise ConfigError(f"{self.where} in {self.path}: {error}",
                              file=self.path, line=self.line) from None


def read_text(path: Path, *, what: str) -> str:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        raise ConfigError(
            f"{what} {path} does not exist. Check the `path`/`extra-files` inputs "
            "(relative to the working directory) and that the repository is checked out.",
            file=path,
        ) from None
    except (UnicodeDecodeError, IsADirectoryError, PermissionError) as error:
        raise ConfigError(f"Cannot read {what} {path}: {error}.", file=path) from None


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
