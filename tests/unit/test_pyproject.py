"""Finding and writing version declarations: the parts not covered through the CLI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from release_actions.atomic import write_atomically
from release_actions.errors import ConfigError
from release_actions.pyproject import (
    find_project_version,
    plan_rewrite,
    toml_key_line,
)


def test_write_atomically_changes_nothing_when_one_file_cannot_be_staged(tmp_path: Path) -> None:
    """Given two files to write where the second's folder is gone, when writing, then the first
    keeps its old bytes and no temp file is left behind."""
    first = tmp_path / "pyproject.toml"
    first.write_text("old")
    with pytest.raises(ConfigError, match="does not exist"):
        write_atomically({first: "new", tmp_path / "gone" / "x.py": "new"})
    assert first.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pyproject.toml"]


def test_a_failed_rename_puts_back_what_was_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given two files where the second rename fails, the first file gets its old bytes back
    and no temp file is left."""
    first, second = tmp_path / "pyproject.toml", tmp_path / "uv.lock"
    first.write_text("old first")
    second.write_text("old second")
    real_replace = os.replace

    def failing_second(source: str, target: Path) -> None:
        if Path(target) == second:
            raise OSError("disk gone")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_second)
    with pytest.raises(ConfigError, match="No file was changed"):
        write_atomically({first: "new first", second: "new second"})
    assert (first.read_text(), second.read_text()) == ("old first", "old second")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pyproject.toml", "uv.lock"]


def test_write_atomically_keeps_the_file_mode(tmp_path: Path) -> None:
    script = tmp_path / "VERSION"
    script.write_text("1")
    script.chmod(0o640)
    write_atomically({script: "2"})
    assert script.read_text() == "2"
    assert script.stat().st_mode & 0o777 == 0o640


def test_two_declarations_in_one_file_are_both_applied(tmp_path: Path) -> None:
    project = tmp_path / "pyproject.toml"
    project.write_text('[project]\nname = "x"\nversion = "1.0.dev0"\n')
    declaration, _ = find_project_version(project)
    contents = plan_rewrite([declaration, declaration], "1.0.dev4")
    assert contents[project] == '[project]\nname = "x"\nversion = "1.0.dev4"\n'


def test_project_version_wins_over_poetry(tmp_path: Path) -> None:
    project = tmp_path / "pyproject.toml"
    project.write_text(
        '[project]\nname = "x"\nversion = "2.0.dev0"\n\n[tool.poetry]\nversion = "1.0"\n'
    )
    declaration, name = find_project_version(project)
    assert (declaration.where, declaration.version, declaration.line, name) == (
        "[project].version", "2.0.dev0", 3, "x",
    )


@pytest.mark.parametrize(
    ("text", "table", "key", "line"),
    [
        pytest.param('[project]\nversion = "1"\n', "project", "version", 2, id="simple"),
        pytest.param('[tool.x]\nversion = "1"\n[project]\n  version="2"\n', "project",
                     "version", 4, id="indented-after-other-table"),
        pytest.param('[project]\nname = "x"\n', "project", "version", None, id="absent"),
        pytest.param('[[package]]\nversion = "1"\n', "package", "version", 2, id="array"),
    ],
)
def test_toml_key_line(text: str, table: str, key: str, line: int | None) -> None:
    assert toml_key_line(text, table, key) == line


def test_write_atomically_keeps_a_link_a_link(tmp_path: Path) -> None:
    """Given a version file that is a symlink, the link's target gets the new text and the
    link stays (a rewrite never turns it into a regular file)."""
    target = tmp_path / "shared" / "VERSION"
    target.parent.mkdir()
    target.write_text("1.0.dev0\n")
    link = tmp_path / "VERSION"
    link.symlink_to(target)

    write_atomically({link: "1.0.dev5\n"})

    assert link.is_symlink()
    assert target.read_text() == "1.0.dev5\n"
