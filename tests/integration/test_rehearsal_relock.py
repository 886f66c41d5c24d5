"""The release pull request's `uv lock` in a rehearsal: with a uv cache that holds no index
page of the project's dependencies (a fresh machine's: the jobs' `uv sync --locked` fetches
files, never pages), the lock still follows the new version, from the index."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path
from typing import Any, cast

import pytest

from release_actions.rehearsal import cli
from release_actions.rehearsal.act import clean_env

PYPROJECT = ('[project]\nname = "relocked"\nversion = "{version}"\n'
             'requires-python = ">=3.10"\ndependencies = ["six"]\n')


def test_a_cache_without_index_pages_still_relocks_the_new_version(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(PYPROJECT.format(version="1.0.dev0"))
    subprocess.run([sys.executable, "-m", "uv", "lock", "--quiet"], cwd=project, check=True,
                   env={**clean_env(), "UV_CACHE_DIR": str(tmp_path / "cache-of-the-lock")})
    (project / "pyproject.toml").write_text(PYPROJECT.format(version="1.0"))
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "fresh-cache"))

    cli._relock(cast(Any, types.SimpleNamespace(consumer=project, pythons=None)))

    lock = (project / "uv.lock").read_text()
    assert 'name = "relocked"\nversion = "1.0"\n' in lock, lock
    assert 'name = "six"' in lock
