"""The token reaches only the process that needs it. Every command that
runs git or a build is run with canary secrets in the job's environment (the `github-token`
input, `GITHUB_TOKEN`, the runtime and OIDC request tokens), real git hooks in the checkout
that record their environment, a `git` first on PATH that records its own, and (publish) a build
hook that records the build backend's. No record may hold a canary, and no hook may run."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from devtools.pypi import write_sample_package

from release_actions.rehearsal.github_api import FakeGitHub, fake_github
from tests.helpers import git, run_cli
from tests.hostile.conftest import VCS_PROJECT, make_workspace
from tests.hostile.faults import bare_origin
from tests.integration.test_bump_dev import Project

CANARY = "canary-tok-7f3e1b9d2c"
# The job's tokens. (A provider key in the job's env still reaches a build: a build may need
# variables of its own, so its environment is the job's minus what is known to be ours.)
CANARY_ENV = {"GITHUB_TOKEN": CANARY, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": CANARY,
              "ACTIONS_RUNTIME_TOKEN": CANARY}
# The hooks git runs for what the commands do: checkout, commit, ref updates, push, fetch.
HOOKS = ("post-checkout", "pre-commit", "prepare-commit-msg", "commit-msg", "post-commit",
         "reference-transaction", "pre-push", "post-index-change", "post-merge", "pre-auto-gc")
RECORDER = '#!/bin/sh\nenv > "{record}/{name}.$$"\n'
GIT_SPY = '#!/bin/sh\nenv > "{record}/git.$$"\nexec "{git}" "$@"\n'
BUILD_HOOK = """\
import os
from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class RecordEnvironment(BuildHookInterface):
    def initialize(self, version, build_data):
        with open({record!r} + "/build." + str(os.getpid()), "w") as handle:
            handle.write("\\n".join(f"{{k}}={{v}}" for k, v in os.environ.items()))
"""
TRIED: list[str] = []


class Spies:
    """Hooks in a checkout and a `git` on PATH, each writing its environment to `record`."""

    def __init__(self, base: Path) -> None:
        self.record = base / "record"
        self.bin = base / "spy-bin"
        self.record.mkdir()
        self.bin.mkdir()
        real = shutil.which("git")
        assert real
        spy = self.bin / "git"
        spy.write_text(GIT_SPY.format(record=self.record, git=real))
        spy.chmod(0o755)

    def watch(self, checkout: Path) -> None:
        hooks = checkout / ".git" / "hooks"
        hooks.mkdir(parents=True, exist_ok=True)
        for name in HOOKS:
            (hooks / name).write_text(RECORDER.format(record=self.record, name=f"hook-{name}"))
            (hooks / name).chmod(0o755)

    def env(self) -> dict[str, str]:
        import os

        return {**CANARY_ENV, "PATH": f"{self.bin}:{os.environ['PATH']}"}

    def seen(self) -> dict[str, str]:
        return {path.name: path.read_text(errors="replace") for path in self.record.iterdir()}

    def check(self, spied: str) -> None:
        seen = self.seen()
        assert any(name.startswith(spied) for name in seen), f"no {spied} ran: {sorted(seen)}"
        reached = sorted(name for name, text in seen.items() if CANARY in text)
        assert reached == [], f"the token reached: {reached}"
        hooks = sorted(name for name in seen if name.startswith("hook-"))
        assert hooks == [], f"hooks of the checkout ran: {hooks}"


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


@pytest.fixture
def spies(tmp_path: Path) -> Spies:
    return Spies(tmp_path)


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with fake_github() as fake:
        yield fake


def test_bump_dev_gives_git_and_hooks_no_token(tmp_path: Path, spies: Spies,
                                               github: FakeGitHub) -> None:
    """bump-dev fetches, adds a worktree, commits and pushes: git sees no token and the
    checkout's hooks (post-checkout, reference-transaction, pre-push ...) do not run."""
    TRIED.append("bump-dev")
    project = Project(tmp_path / "p")
    project.root.mkdir()
    git(project.root, "init", "--quiet", "--bare", str(project.origin))
    git(project.root, "clone", "--quiet", project.origin.as_uri(), str(project.work))
    project.commit("1.2.3.dev0", "start")
    project.release("1.2.3")
    project.check_out_tag("v1.2.3")
    spies.watch(project.job)
    result = run_cli("bump-dev", cwd=project.job,
                     inputs={"tag": "v1.2.3", "github-token": CANARY},
                     env={"GITHUB_REPOSITORY": "acme/mypkg", "GITHUB_API_URL": github.url,
                          **spies.env()})
    assert result.code == 0, result.log
    assert project.origin_commit("refs/heads/release-actions/bump-v1.2.4.dev0")
    spies.check("git")


def test_tag_guard_gives_git_and_hooks_no_token(tmp_path: Path, spies: Spies) -> None:
    """tag-guard fetches main (a ref update: reference-transaction) with its token in reach."""
    TRIED.append("tag-guard")
    workspace = make_workspace(_folder(tmp_path / "w"))
    bare_origin(workspace)
    spies.watch(workspace.root)
    result = run_cli("tag-guard", cwd=workspace.root,
                     inputs={"tag": "v1.2.3", "index-url": "", "github-token": CANARY},
                     env=spies.env())
    assert result.code == 0, result.log
    spies.check("git")




def test_version_rewrite_gives_git_and_hooks_no_token(tmp_path: Path, spies: Spies) -> None:
    """A VCS project: version-rewrite asks git for the tags, with a stray token in the job."""
    TRIED.append("version-rewrite")
    workspace = make_workspace(_folder(tmp_path / "w"))
    (workspace.root / "pyproject.toml").write_text(VCS_PROJECT)
    for args in (["add", "-A"], ["commit", "-qm", "vcs"], ["tag", "v1.2.2"],
                 ["commit", "-qm", "next", "--allow-empty"]):
        git(workspace.root, *args)
    spies.watch(workspace.root)
    result = run_cli("version-rewrite", cwd=workspace.root,
                     inputs={"run-number": "4", "github-token": CANARY}, env=spies.env())
    assert result.code == 0, result.log
    assert result.outputs["version"] == "1.2.3.dev4"
    spies.check("git")


def test_publish_gives_git_and_the_build_no_token(tmp_path: Path, spies: Spies) -> None:
    """publish's build (uv build, the backend, a build hook of the project) and its git call
    (the commit time for reproducible builds) see none of the job's secrets."""
    TRIED.append("publish")
    workspace = make_workspace(_folder(tmp_path / "w"))
    write_sample_package(workspace.root, "mypkg", "1.2.3.dev5")
    (workspace.root / "hatch_build.py").write_text(BUILD_HOOK.format(record=str(spies.record)))
    with open(workspace.root / "pyproject.toml", "a") as handle:
        handle.write("\n[tool.hatch.build.hooks.custom]\n")
    git(workspace.root, "add", "-A")
    git(workspace.root, "commit", "-qm", "sample")
    spies.watch(workspace.root)
    result = run_cli("publish", cwd=workspace.root, timeout=600, env=spies.env(),
                     inputs={"channel": "preview", "dry-run": "true", "github-token": CANARY,
                             "password": CANARY, "inspect": "false"})
    assert result.code == 0, result.log
    assert any(name.startswith("build.") for name in spies.seen()), "the build hook never ran"
    spies.check("git")


def test_token_reach_cases_are_reported(report_figure: Callable[[str], None]) -> None:
    report_figure(f"token-reach commands tried: {len(TRIED)}")
    assert TRIED
    assert subprocess.run(["git", "--version"], capture_output=True).returncode == 0
