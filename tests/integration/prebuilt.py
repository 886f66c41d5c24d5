"""Distributions built once per test module for the publish tests whose subject is not the build
(a refused password, the channel policy, a preflight, release notes, attestations): a real
`uv build --no-sources` of the sample package, copied into each test's own folder so that a test
can still edit its copy. Tests about the build itself keep `build: true`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from devtools.pypi import write_sample_package

from release_actions.processes import uv_binary
from tests.helpers import clean_env

# The tests' own interpreter, for every `uv build` they cause: uv then looks for no Python on
# PATH, where a pyenv shim costs a dozen processes per build. The same interpreter either way.
TESTS_PYTHON = str(Path(sys.executable).resolve())


def pin_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """Builds run by publish (it passes the environment on) use `TESTS_PYTHON`."""
    monkeypatch.setenv("UV_PYTHON", TESTS_PYTHON)


def build(project: Path) -> None:
    """`uv build --no-sources` of `project` into its dist/, as publish builds."""
    subprocess.run([uv_binary(), "build", "--no-sources", "--quiet", "--out-dir", "dist"],
                   cwd=project, check=True, capture_output=True,
                   env=clean_env(UV_PYTHON=TESTS_PYTHON))


class Prebuilt:
    """Sample packages with their dist/ built, one build per (name, version), under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def source(self, name: str, version: str) -> Path:
        project = self.root / f"{name}-{version}"
        if not (project / "dist").is_dir():
            write_sample_package(project, name, version)
            build(project)
        return project

    def project(self, to: Path, name: str, version: str) -> Path:
        """A copy at `to` of the sample package `name` `version` with its dist/ built."""
        shutil.copytree(self.source(name, version), to)
        return to

    def dist(self, name: str, version: str) -> Path:
        """The built dist/ folder itself (copy it, never edit it)."""
        return self.source(name, version) / "dist"
