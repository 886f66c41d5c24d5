"""The fault suite, part one: the paths that reach GitHub's API (the Release, the pull request,
the runs of tested-run) against a real local server that misbehaves; each ends within its
deadline and memory bound with one `::error` (tests/hostile/faults.py says how)."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from devtools.fault_server import (
    MOVED_HERE,
    FaultServer,
)

from tests.helpers import ROOT, Result, clean_env
from tests.hostile.conftest import Workspace, make_workspace
from tests.hostile.faults import (
    DEADLINE,
    MARGIN,
    assert_bounded,
    in_threads,
    report_figures,
    run_faults,
)

pytestmark = pytest.mark.alone


# --- the GitHub Release and the pull request (called in-process: one network step each) ------


def test_github_release_is_bounded(servers: dict[str, FaultServer], tmp_path: Path) -> None:
    from packaging.version import Version

    from release_actions.errors import CheckFailed
    from release_actions.gha import Console
    from release_actions.release import ReleaseRequest, publish_release

    def call(url: str) -> object:
        request = ReleaseRequest(repository="octo/mypkg", tag="v1.0.0", title="mypkg 1.0.0",
                                 version=Version("1.0.0"), dists=[])
        console = Console(actions=True, stream=io.StringIO())
        return publish_release(request, "ghs_release-token-1234", {"GITHUB_API_URL": url},
                               console, timeout=DEADLINE)

    for fault, (outcome, seconds) in in_threads(call, servers, "publish GitHub Release",
                                                 DEADLINE).items():
        assert isinstance(outcome, CheckFailed), (fault, outcome)
        assert seconds <= DEADLINE + MARGIN, (fault, seconds)


def test_bump_dev_pull_request_is_bounded(servers: dict[str, FaultServer]) -> None:
    """bump-dev's pull request (find, then open or update) on the faulty server: one CheckFailed
    or ConfigError that says the branch is pushed, within the step's deadline."""
    from release_actions.errors import ReleaseActionsError
    from release_actions.pull_requests import Proposal, open_or_update

    proposal = Proposal(repository="octo/mypkg", head="release-actions/bump-dev",
                        base="main", title="Bump", body="body")

    def call(url: str) -> object:
        return open_or_update("ghs_pull-token-1234", {"GITHUB_API_URL": url}, proposal,
                              seconds=DEADLINE)

    for fault, (outcome, seconds) in in_threads(call, servers, "bump-dev pull request",
                                                 DEADLINE).items():
        assert isinstance(outcome, ReleaseActionsError), (fault, outcome)
        assert "release-actions/bump-dev" in outcome.message, (fault, outcome.message)
        assert seconds <= DEADLINE + MARGIN, (fault, seconds)


# --- tested-run and doctor (GitHub's API) ---------------------------------------------------------


def test_tested_run_resolve_is_bounded(tmp_path: Path) -> None:
    """The record of the tested run read through GitHub's API on the faulty server."""

    def scenario(workspace: Workspace, url: str) -> tuple[list[str], dict[str, str],
                                                            dict[str, str]]:
        inputs = {"mode": "resolve", "run-id": "42", "github-token": "ghs_tested-token-1234",
                  "timeout": str(DEADLINE)}
        return ["tested-run"], inputs, {"GITHUB_API_URL": url}

    results = run_faults(tmp_path, "tested-run resolve", scenario, DEADLINE)
    # A redirect (loop) on the listing is a refusal too, never read as "no tested run".
    assert_bounded(results, codes=(1, 2))


# The program as a runner starts it (`python -m release_actions`), threads switched as often as
# possible: a deadline that expires while its call imports PyGithub leaves that thread in the
# Rust of cryptography (a module's init calling back into Python) when the interpreter shuts down.
SWITCHING_PROGRAM = ("import runpy, sys\nsys.setswitchinterval(1e-6)\n"
                     "runpy.run_module('release_actions', run_name='__main__')\n")
# Timeouts that end anywhere in that import on this machine or a slower one, 2 runs at a time:
# before the exit was made safe, 1 or 2 of these 30 ended in SIGABRT.
EARLY_TIMEOUTS = tuple(round(0.05 + 0.01 * step, 2) for step in range(30))


def test_an_expired_deadline_never_crashes_the_exit(tmp_path: Path) -> None:
    """tested-run against a server that moves every path to itself, its deadline expiring at
    each moment of the import of PyGithub: each run ends with exit 1, one `::error` and the
    summary written, never a signal ("FATAL: exception not rethrown")."""

    def one(server: FaultServer, timeout: float) -> Result:
        base = tmp_path / str(timeout)
        base.mkdir()
        workspace = make_workspace(base)
        environ = clean_env(PYTHONPATH=str(ROOT / "src"))
        environ.update(workspace.environ({"mode": "resolve", "run-id": "42",
                                          "github-token": "ghs_tested-token-1234",
                                          "timeout": str(timeout)}, GITHUB_API_URL=server.url))
        proc = subprocess.run([sys.executable, "-c", SWITCHING_PROGRAM, "tested-run"],
                              cwd=workspace.root, env=environ, capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL)
        return workspace.read_runner_files(Result(proc.returncode, proc.stdout, proc.stderr))

    with FaultServer(MOVED_HERE) as server, ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda timeout: one(server, timeout), EARLY_TIMEOUTS))
    for timeout, run in zip(EARLY_TIMEOUTS, runs, strict=True):
        assert run.code == 1, (timeout, run.code, run.log)
        assert len(run.errors()) == 1, (timeout, run.log)
        assert run.summary.startswith("### ❌ `tested-run`"), (timeout, run.summary)


# --- the figures ---------------------------------------------------------------------------------


def test_zz_report_the_figures(report_figure: Callable[[str], None]) -> None:
    """Prints this file's faults tried and its longest run against its deadline (run last)."""
    report_figures(report_figure)
