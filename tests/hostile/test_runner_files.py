"""The runner's files when they are not what the runner gives: a file that opens but
cannot be written (`/dev/full`), a FIFO nobody reads, `/dev/null`. The checkout is never left
changed by a step that failed, and nothing hangs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import ROOT, Result, clean_env
from tests.hostile.conftest import VCS_PROJECT, Workspace, run_in_process, tree_hash

EXTRA = 'VERSION = "1.2.3.dev0"\n'
RUNNER_FILES = ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STEP_SUMMARY")
TRIED: list[str] = []
EARLIER = "earlier<<ghadelimiter_0-1\nstep\nghadelimiter_0-1\n"  # an earlier step's output




def _rewrite_inputs(workspace: Workspace) -> dict[str, str]:
    (workspace.root / "version.py").write_text(EXTRA)
    return {"run-number": "7", "extra-files": "version.py"}


def _vcs_project(workspace: Workspace) -> None:
    """A hatch-vcs project released as v1.2.2, one commit on: version-rewrite exports
    to GITHUB_ENV and rewrites the extra files."""
    (workspace.root / "pyproject.toml").write_text(VCS_PROJECT)
    for args in (["add", "-A"], ["commit", "-qm", "vcs"], ["tag", "v1.2.2"],
                 ["commit", "-qm", "next", "--allow-empty"]):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
                       cwd=workspace.root, check=True, capture_output=True)


def _temp_files(workspace: Workspace) -> list[str]:
    return [path.name for path in workspace.root.rglob("*.tmp")]


@pytest.mark.parametrize("name", RUNNER_FILES)
def test_a_runner_file_that_fails_on_write_leaves_the_checkout_as_it_was(
    name: str, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a runner file that opens but refuses every byte (/dev/full), when version-rewrite
    has rewritten pyproject.toml and an extra file, then both are put back: exit 2, one error
    naming the file, no outputs half-written, no temp file."""
    TRIED.append(f"{name}=/dev/full")
    if name == "GITHUB_ENV":
        _vcs_project(workspace)
    inputs = _rewrite_inputs(workspace)
    before = tree_hash(workspace.root)
    run = run_in_process(workspace, ["version-rewrite"],
                         workspace.environ(inputs, **{name: "/dev/full"}), monkeypatch)
    assert run.code == 2, run.stdout
    assert len(run.errors()) == 1 and name in run.errors()[0], run.stdout
    assert "put back" in run.errors()[0]
    assert "Traceback" not in run.stdout + run.stderr
    assert tree_hash(workspace.root) == before
    assert _temp_files(workspace) == []
    assert "publish" not in run.outputs, "outputs of a change that was undone"


def test_a_failed_summary_cuts_the_outputs_back(workspace: Workspace,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Outputs written, then the summary fails: GITHUB_OUTPUT holds nothing of this step (a
    later `if: failure()` step must not read publish=true for a checkout put back)."""
    TRIED.append("outputs then summary=/dev/full")
    (workspace.runner / "github_output").write_text(EARLIER)
    inputs = _rewrite_inputs(workspace)
    run = run_in_process(workspace, ["version-rewrite"],
                         workspace.environ(inputs, GITHUB_STEP_SUMMARY="/dev/full"), monkeypatch)
    assert run.code == 2
    assert (workspace.runner / "github_output").read_text() == EARLIER


def _run_process(workspace: Workspace, environ: dict[str, str], timeout: float = 60) -> Result:
    env = clean_env(PYTHONPATH=str(ROOT / "src"))
    env.update(environ)
    proc = subprocess.run([sys.executable, "-m", "release_actions", "version-rewrite"],
                          cwd=workspace.root, env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.mark.parametrize("name", RUNNER_FILES)
def test_a_fifo_as_a_runner_file_is_refused_at_once(name: str, workspace: Workspace) -> None:
    """Given a FIFO nobody reads as a runner file, the command neither hangs at open nor
    changes the checkout: exit 2, one error that says it is a FIFO."""
    TRIED.append(f"{name}=FIFO")
    fifo = workspace.runner / "fifo"
    os.mkfifo(fifo)
    inputs = _rewrite_inputs(workspace)
    before = tree_hash(workspace.root)
    run = _run_process(workspace, workspace.environ(inputs, **{name: str(fifo)}))
    assert run.code == 2, run.stdout + run.stderr
    assert len(run.errors()) == 1 and "FIFO" in run.errors()[0], run.stdout
    assert tree_hash(workspace.root) == before


def test_dev_null_stays_a_sink(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """/dev/null for every runner file is a deliberate "throw it away" (a local run): it works."""
    TRIED.append("all=/dev/null")
    inputs = _rewrite_inputs(workspace)
    run = run_in_process(workspace, ["version-rewrite"],
                         workspace.environ(inputs, **dict.fromkeys(RUNNER_FILES, "/dev/null")),
                         monkeypatch)
    assert run.code == 0, run.stdout
    assert "1.2.3.dev7" in (workspace.root / "version.py").read_text()


def test_runner_file_cases_are_reported(report_figure: Callable[[str], None]) -> None:
    report_figure(f"runner-file cases tried: {len(TRIED)}")
    assert TRIED


def test_the_tree_hash_sees_every_kind_of_change(tmp_path: Path) -> None:
    """`tree_hash` stands behind every "nothing on disk changed" of these suites: a changed
    byte, a new empty file or folder, a removed file and a link's new target each change it."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "file").write_bytes(b"one")
    (tmp_path / "link").symlink_to("sub/file")
    seen = {tree_hash(tmp_path)}
    for change in (lambda: (tmp_path / "sub" / "file").write_bytes(b"two"),
                   lambda: (tmp_path / "empty").touch(),
                   lambda: (tmp_path / "folder").mkdir(),
                   lambda: ((tmp_path / "link").unlink(), (tmp_path / "link").symlink_to("sub")),
                   lambda: (tmp_path / "sub" / "file").unlink()):
        change()
        seen.add(tree_hash(tmp_path))
    assert len(seen) == 6
    assert tree_hash(tmp_path) == tree_hash(tmp_path)
