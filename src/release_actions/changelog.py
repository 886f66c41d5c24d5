"""The section of a changelog that belongs to one version, for the top of the release notes.

Headings are Markdown (`## [1.2.3] - 2024-01-01`, `## 1.2.3 (2024-01-01)`, `## v1.2.3`, setext
underlines) or reStructuredText (a title underlined, optionally overlined, where the order in
which underline characters first appear gives the levels). A heading belongs to a version when
the first version-like word in it equals that version under PEP 440; its section runs to the
next heading of the same or a higher level."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from release_actions import versions
from release_actions.declaration import read_bytes

# The names popular projects use (flask's CHANGES.rst, requests' HISTORY.md, pip's NEWS.rst,
# twine's docs/changelog.rst), the earlier four first so that their order is kept.
CANDIDATES = ("CHANGELOG.md", "CHANGES.md", "NEWS.md", "CHANGELOG.rst", "CHANGES.rst",
              "HISTORY.md", "HISTORY.rst", "NEWS.rst", "docs/changelog.md", "docs/changelog.rst")
ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
ADORNMENT = re.compile(r"^([=\-~^*+#`:'\"._])\1{2,}\s*$")
SETEXT_LEVELS = {"=": 1, "-": 2}
# The first word that looks like a version: digits with at least one dot, optional `v`.
VERSION_WORD = re.compile(r"(?<![\w.])v?(\d+(?:\.\d+)+[\w.!+-]*)", re.IGNORECASE)


@dataclass(frozen=True)
class Heading:
    start: int  # line index where the heading begins (an rst overline, else the title)
    index: int  # line index of the title
    end: int  # first line index after the heading (title plus its adornments)
    level: int
    text: str


@dataclass(frozen=True)
class Section:
    file: Path
    line: int  # 1-based line of the heading
    heading: str
    body: str


def existing(project: Path, candidates: Sequence[str]) -> list[Path]:
    """The candidates that exist in `project`, in order."""
    return [project / name for name in candidates if (project / name).is_file()]


def heading_version(text: str) -> Version | None:
    match = VERSION_WORD.search(text.replace("[", " ").replace("]", " "))
    if match is None:
        return None
    return versions.try_parse(match.group(1).rstrip(".-+"))


def _is_underline(line: str, title: str) -> bool:
    return bool(ADORNMENT.match(line)) and bool(title.strip()) and not ADORNMENT.match(title)


def markdown_headings(lines: Sequence[str]) -> list[Heading]:
    headings, fenced = [], False
    for index, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced  # a `# comment` inside a code block is not a heading
        if fenced:
            continue
        atx = ATX.match(line)
        if atx:
            headings.append(Heading(index, index, index + 1, len(atx.group(1)), atx.group(2)))
        elif (index + 1 < len(lines) and lines[index + 1].strip()[:1] in SETEXT_LEVELS
              and set(lines[index + 1].strip()) == {lines[index + 1].strip()[0]}
              and line.strip() and not line.startswith((" ", "-", "*", ">"))):
            level = SETEXT_LEVELS[lines[index + 1].strip()[0]]
            headings.append(Heading(index, index, index + 2, level, line.strip()))
    return headings


def rst_headings(lines: Sequence[str]) -> list[Heading]:
    headings: list[Heading] = []
    styles: list[tuple[str, bool]] = []  # (character, overlined) in order of first use
    index = 0
    while index + 1 < len(lines):
        over = bool(ADORNMENT.match(lines[index])) and index + 2 < len(lines)
        title_at = index + 1 if over else index
        if (title_at + 1 < len(lines) and _is_underline(lines[title_at + 1], lines[title_at])
                and (not over or lines[index].strip()[0] == lines[title_at + 1].strip()[0])):
            style = (lines[title_at + 1].strip()[0], over)
            if style not in styles:
                styles.append(style)
            headings.append(Heading(index, title_at, title_at + 2, styles.index(style) + 1,
                                    lines[title_at].strip()))
            index = title_at + 2
            continue
        index += 1
    return headings


def find_section(path: Path, version: Version) -> Section | None:
    """The section of `version` in the changelog at `path`, or None when it has none."""
    # Capped and never blocking (a FIFO); a stray byte that is not UTF-8 does not matter here.
    lines = read_bytes(path, what="Changelog").decode("utf-8", "replace").splitlines()
    headings = rst_headings(lines) if path.suffix == ".rst" else markdown_headings(lines)
    for position, heading in enumerate(headings):
        if heading_version(heading.text) != version:
            continue
        after = headings[position + 1:]
        end = next((h.start for h in after if h.level <= heading.level), len(lines))
        body = "\n".join(lines[heading.end:end]).strip("\n")
        return Section(path, heading.index + 1, heading.text, body.rstrip())
    return None
