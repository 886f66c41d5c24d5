"""changelog: finding the file and the section of one version, in the heading forms projects use."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from release_actions import changelog

KEEP_A_CHANGELOG = """# Changelog

All notable changes to this project will be documented in this file.

## [Unreleased]

- Something not released yet.

## [1.2.3] - 2024-01-01

### Fixed

- The thing that broke.

```python
# not a heading
```

## [1.2.2] - 2023-12-01

- Older.

[1.2.3]: https://github.com/o/r/compare/v1.2.2...v1.2.3
"""

RST = """Changelog
=========

1.2.3 (2024-01-01)
------------------

Fixed
~~~~~

- The thing that broke.

1.2.2
-----

- Older.
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_keep_a_changelog_section_stops_at_the_next_version(tmp_path: Path) -> None:
    """Subheadings (### Fixed) and a fenced `# comment` stay inside; the next ## ends it."""
    section = changelog.find_section(write(tmp_path, "CHANGELOG.md", KEEP_A_CHANGELOG),
                                     Version("1.2.3"))

    assert section is not None
    assert section.line == 9
    assert section.heading == "[1.2.3] - 2024-01-01"
    assert section.body.startswith("### Fixed\n\n- The thing that broke.")
    assert "# not a heading" in section.body
    assert "Older" not in section.body and "Unreleased" not in section.body


def test_last_section_runs_to_the_end(tmp_path: Path) -> None:
    section = changelog.find_section(write(tmp_path, "CHANGELOG.md", KEEP_A_CHANGELOG),
                                     Version("1.2.2"))
    assert section is not None and section.body.startswith("- Older.")


@pytest.mark.parametrize(
    "heading",
    [
        pytest.param("## 1.2.3 (2024-01-01)", id="parenthesised-date"),
        pytest.param("## v1.2.3", id="v-prefix"),
        pytest.param("## Version 1.2.3 — 2024-01-01", id="word-first"),
        pytest.param("# 1.2.3", id="level-1"),
        pytest.param("## [v1.2.3](https://github.com/o/r/releases/v1.2.3) - 2024", id="link"),
        pytest.param("1.2.3\n-----", id="setext"),
    ],
)
def test_common_markdown_heading_forms(tmp_path: Path, heading: str) -> None:
    older = heading.replace("1.2.3", "1.2.2")
    text = f"Changes\n=======\n\n{heading}\n\n- New.\n\n{older}\n\n- Old.\n"
    section = changelog.find_section(write(tmp_path, "CHANGES.md", text), Version("1.2.3"))
    assert section is not None and section.body == "- New."


@pytest.mark.parametrize(
    ("wanted", "found"),
    [
        pytest.param("1.2", False, id="prefix-is-not-a-match"),
        pytest.param("1.2.3.0", True, id="pep440-equal"),
        pytest.param("1.2.30", False, id="longer-number"),
        pytest.param("2.0.0rc1", False, id="other-version"),
    ],
)
def test_versions_compare_under_pep_440(tmp_path: Path, wanted: str, found: bool) -> None:
    path = write(tmp_path, "CHANGELOG.md", "## 1.2.3\n\n- x\n")
    assert (changelog.find_section(path, Version(wanted)) is not None) is found


def test_prerelease_heading(tmp_path: Path) -> None:
    path = write(tmp_path, "CHANGELOG.md", "## 2.0.0rc1 - 2024-05-01\n\n- Candidate.\n")
    section = changelog.find_section(path, Version("2.0.0rc1"))
    assert section is not None and section.body == "- Candidate."


def test_rst_underlined_sections(tmp_path: Path) -> None:
    section = changelog.find_section(write(tmp_path, "CHANGELOG.rst", RST), Version("1.2.3"))
    assert section is not None
    assert section.body == "Fixed\n~~~~~\n\n- The thing that broke."


def test_rst_overlined_sections(tmp_path: Path) -> None:
    text = "=====\n1.2.3\n=====\n\n- New.\n\n=====\n1.2.2\n=====\n\n- Old.\n"
    section = changelog.find_section(write(tmp_path, "CHANGELOG.rst", text), Version("1.2.3"))
    assert section is not None and section.body == "- New."


def test_a_heading_of_thousands_of_digits_names_no_version(tmp_path: Path) -> None:
    """A number past Python's 4300-digit limit of int() is no version, never a crash."""
    path = write(tmp_path, "CHANGELOG.md", f"## {'9' * 5000}.0\n\n- x\n\n## 1.2.3\n\n- y\n")
    section = changelog.find_section(path, Version("1.2.3"))
    assert section is not None and section.body == "- y"


def test_no_section_for_the_version(tmp_path: Path) -> None:
    path = write(tmp_path, "CHANGELOG.md", KEEP_A_CHANGELOG)
    assert changelog.find_section(path, Version("9.9.9")) is None


def test_first_existing_candidate_wins(tmp_path: Path) -> None:
    write(tmp_path, "NEWS.md", "")
    write(tmp_path, "CHANGES.md", "")
    assert changelog.existing(tmp_path, changelog.CANDIDATES) == [tmp_path / "CHANGES.md",
                                                                   tmp_path / "NEWS.md"]
    assert changelog.existing(tmp_path, ["CHANGELOG.md"]) == []


def test_a_changelog_larger_than_any_is_refused_unread(tmp_path: Path) -> None:
    from release_actions.declaration import MAX_FILE_BYTES
    from release_actions.errors import ConfigError

    path = tmp_path / "CHANGELOG.md"
    with path.open("wb") as handle:  # sparse: no disk or time spent
        handle.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(ConfigError, match="more than any such file holds"):
        changelog.find_section(path, Version("1.0.0"))


def test_a_changelog_that_is_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    import os
    import threading

    from release_actions.errors import ConfigError

    path = tmp_path / "CHANGELOG.md"
    os.mkfifo(path)
    outcome: list[object] = []

    def read() -> None:
        try:
            outcome.append(changelog.find_section(path, Version("1.0.0")))
        except ConfigError as error:
            outcome.append(error)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(5)
    if reader.is_alive():  # blocked on the open: a writer lets it go
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    assert outcome and isinstance(outcome[0], ConfigError), outcome
    assert "not a regular file" in str(outcome[0])


def release_notes_of(project: Path, version: str) -> tuple[str, str]:
    """publish's release notes for `version` under the default `changelog` list, and the log."""
    import io

    from release_actions.commands import publish
    from release_actions.context import Context
    from release_actions.gha import Console
    from tests.helpers import parse_inputs

    inputs: publish.Inputs = parse_inputs(publish.COMMAND, {
        "working-directory": str(project), "channel": "public", "github-release": "false"})
    stream = io.StringIO()
    notes = publish.release_notes(inputs, Version(version), Context({}, Console(
        actions=True, stream=stream)))
    return notes, stream.getvalue()


FLASK_CHANGES = """Version 3.1.1
-------------

Released 2025-05-13

-   Fix signing key selection order.

Version 3.1.0
-------------

-   Drop support for Python 3.8.
"""


@pytest.mark.parametrize("name", ["CHANGES.rst", "HISTORY.md", "NEWS.rst", "docs/changelog.rst"])
def test_the_names_popular_projects_use_are_read_by_default(tmp_path: Path, name: str) -> None:
    """flask's CHANGES.rst, requests' HISTORY.md, pip's NEWS.rst, twine's docs/changelog.rst:
    the default list reads them, where it used to give generated notes only."""
    text = FLASK_CHANGES if name.endswith(".rst") else FLASK_CHANGES.replace(
        "Version 3.1.1\n-------------", "## 3.1.1").replace("Version 3.1.0\n-------------",
                                                             "## 3.1.0")
    write(tmp_path, name, text)
    notes, log = release_notes_of(tmp_path, "3.1.1")
    assert notes == "Released 2025-05-13\n\n-   Fix signing key selection order."
    assert f"Release notes: {name} line 1" in log


def test_a_changelog_that_only_points_elsewhere_does_not_hide_the_real_one(
        tmp_path: Path) -> None:
    """pytest's root CHANGELOG.rst says where the changelog is; docs/changelog.rst has the
    section: it is read, without a warning on the pointer."""
    write(tmp_path, "CHANGELOG.rst", "The changelog is in docs/changelog.rst.\n")
    write(tmp_path, "docs/changelog.rst", FLASK_CHANGES)
    notes, log = release_notes_of(tmp_path, "3.1.0")
    assert notes == "-   Drop support for Python 3.8."
    assert "Release notes: docs/changelog.rst line 8 (Version 3.1.0)" in log
    assert "::warning" not in log

    notes, log = release_notes_of(tmp_path, "9.9.9")
    assert notes == ""
    [warning] = [line for line in log.splitlines() if line.startswith("::warning")]
    assert "CHANGELOG.rst has no section for 9.9.9" in warning
