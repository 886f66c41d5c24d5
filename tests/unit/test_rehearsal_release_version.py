"""The version a rehearsal's public scenario releases: a declared version is moved to its final
form by a release pull request; a version from git tags is released by the tag alone."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from release_actions.errors import ConfigError
from release_actions.rehearsal.cli import release_version

# [tool.hatch.version] as hynek/structlog has it (commit 025edaf), with its tags' form: no `v`.
HATCH_VCS = """[build-system]
requires = ["hatchling", "hatch-vcs"]
build-backend = "hatchling.build"

[project]
name = "structlog"
dynamic = ["version"]

[tool.hatch.version]
source = "vcs"
raw-options = { local_scheme = "no-local-version" }
"""


def _repository(root: Path, pyproject: str, *tags: str) -> Path:
    root.mkdir()
    (root / "pyproject.toml").write_text(pyproject)

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "project")
    for tag in tags:
        git("tag", tag)
    return root


def test_a_version_from_tags_is_released_by_the_tag_after_the_last_one(tmp_path: Path) -> None:
    checkout = _repository(tmp_path / "vcs", HATCH_VCS, "25.5.0", "26.1.0")

    assert release_version(checkout, None) == (None, "26.1.1")
    assert release_version(checkout, "v27.0.0") == (None, "27.0.0")


def test_a_declared_version_is_moved_to_its_final_form(tmp_path: Path) -> None:
    static = HATCH_VCS.replace('dynamic = ["version"]', 'version = "4.0.1.dev0"')
    checkout = _repository(tmp_path / "static", static.split("[tool.hatch.version]")[0])

    declaration, final = release_version(checkout, None)

    assert (declaration.version, final) == ("4.0.1.dev0", "4.0.1")


def test_a_version_from_tags_without_a_release_tag_needs_the_tag(tmp_path: Path) -> None:
    checkout = _repository(tmp_path / "untagged", HATCH_VCS)

    with pytest.raises(ConfigError):
        release_version(checkout, None)
    assert release_version(checkout, "v0.1.0") == (None, "0.1.0")  # a first release
