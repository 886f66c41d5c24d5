"""Shared pieces of the hostile-input suites: a throw-away workspace with a project in it, the
runner's files outside it, and the CLI run in-process with an environment of our making."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import ExitStack, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
from devtools.fault_server import FAULTS, FaultServer
from devtools.pypi import write_sample_package

from release_actions import cli
from tests.helpers import Result, parse_key_values

# A project that takes its version from git tags (hatch-vcs).
VCS_PROJECT = """\
[project]
name = "mypkg"
dynamic = ["version"]

[build-system]
requires = ["hatchling", "hatch-vcs"]
build-backend = "hatchling.build"

[tool.hatch.version]
source = "vcs"
"""
PYPROJECT = """\
[project]
name = "mypkg"
version = "1.2.3.dev0"

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
"""


def tree_hash(folder: Path) -> str:
    """One digest over every file name, link target and file content under `folder` (links
    are not followed: a link's target is what is hashed)."""
    digest = hashlib.sha256()
    entries = []
    for top, dirs, files in os.walk(folder):
        entries += (os.path.join(top, name) for name in (*dirs, *files))
    start = len(str(folder)) + 1
    for path in sorted(entries):
        digest.update(os.fsencode(path[start:]))
        if os.path.islink(path):
            digest.update(b"->" + os.fsencode(os.readlink(path)))
        elif os.path.isfile(path):
            with open(path, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()


@dataclass
class Workspace:
    """A git checkout with a project, and the runner's files in a folder beside it."""

    root: Path
    runner: Path

    def environ(self, inputs: dict[str, str] | None = None, **extra: str) -> dict[str, str]:
        environ = {
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(self.root),
            "GITHUB_REPOSITORY": "octo/mypkg",
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.runner),
        }
        for name in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STEP_SUMMARY"):
            environ[name] = str(self.runner / name.lower())
        for name, value in (inputs or {}).items():
            environ[f"INPUT_{name.upper().replace('-', '_')}"] = value
        environ.update(extra)
        return environ

    def reset_runner_files(self) -> None:
        for name in ("github_output", "github_env", "github_step_summary"):
            path = self.runner / name
            if path.is_file() or not path.exists():
                path.write_text("")

    def read_runner_files(self, run: Result) -> Result:
        def read(name: str) -> str:
            path = self.runner / name
            return path.read_text(errors="replace") if path.is_file() else ""

        run.outputs = parse_key_values(read("github_output"))
        run.env = parse_key_values(read("github_env"))
        run.summary = read("github_step_summary")
        return run


def make_workspace(base: Path) -> Workspace:
    root = base / "ws"
    root.mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / ".github" / "workflows").mkdir(parents=True)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    runner = base / "runner"
    runner.mkdir()
    workspace = Workspace(root, runner)
    workspace.reset_runner_files()
    return workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path)


def run_in_process(workspace: Workspace, argv: list[str], environ: dict[str, str],
                   monkeypatch: pytest.MonkeyPatch) -> Result:
    """`release-actions <argv>` in this process, with `environ` as the runner's environment."""
    monkeypatch.chdir(workspace.root)
    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        code = cli.main(argv, environ)
    return workspace.read_runner_files(Result(code, stdout.getvalue(), stderr.getvalue()))


Setup = Callable[[Workspace], None]


@pytest.fixture(scope="module")
def built_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One wheel and one sdist of a sample preview version, built once."""
    root = write_sample_package(tmp_path_factory.mktemp("sample"), "faultpkg", "1.0.0.dev1")
    from release_actions.processes import uv_binary

    subprocess.run([uv_binary(), "build", "--quiet", "--out-dir", "dist"], cwd=root, check=True,
                   capture_output=True, timeout=300)
    return root / "dist"


@pytest.fixture
def servers() -> Iterator[dict[str, FaultServer]]:
    with ExitStack() as stack:
        yield {fault: stack.enter_context(FaultServer(fault)) for fault in FAULTS}
