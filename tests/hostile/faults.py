"""The fault suites' machinery (test_faults_*.py, four files): every HTTP
path against a real local server that misbehaves (hang, trickle, reset, 5xx, 429 with
`Retry-After: 3600`, 200 with garbage, a huge body, nested JSON, a redirect loop, 301s to
another host, to the same URL and onward, a gzip bomb) must end within its configured deadline
(plus a margin for a loaded machine; a bound, not a benchmark) and within a memory bound, with
one `::error` and no traceback. The faults of one path run concurrently (all at once), each in
its own process (forked from a server that has imported the libraries: tests/forked.py), so a
suite costs about one deadline per path. `make test` hands the four files out after every
other (tests/conftest.py): they mostly wait on deadlines, on cores the others are leaving."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from devtools.fault_server import (
    ANSWERED_200,
    FAULTS,
    FaultServer,
)

from tests import forked
from tests.helpers import ROOT, Result, clean_env
from tests.hostile.conftest import Workspace, make_workspace

DEADLINE = 3.0  # seconds, given to every timeout input below
MARGIN = 10.0  # a loaded 2-core machine: start-up, imports, a killed child's clean-up
# Runs of one path at once: all its faults. Each is a fork of a server that has imported the
# libraries (tests/forked.py), so 14 start-ups cost a fraction of a second, not 2 s of CPU.
CONCURRENT_RUNS = len(FAULTS)
# An upload endpoint that answers 200 whatever the body: `uv publish` exits 0 on these.
ANSWERS_200 = ANSWERED_200
# Our process's peak memory (its children, uv and git, not counted): the interpreter and its
# imports take about 60 MiB (a forked run counts the pages it shares with its server too);
# every cap together (32 MiB API answers, 8 MiB bodies) stays below.
MEMORY_BOUND_MIB = 200
# (path, fault) -> (seconds taken, configured deadline): the figures the suite reports.
TIMINGS: dict[tuple[str, str], tuple[float, float]] = {}
# (path, fault) -> peak memory in MiB of the command's own process.
MEMORY: dict[tuple[str, str], int] = {}


@dataclass(frozen=True)
class Faulted:
    path: str
    fault: str
    run: Result
    seconds: float
    deadline: float

    @property
    def peak_mib(self) -> int:
        """The peak memory the run printed last (0 when it was killed before)."""
        lines = self.run.stderr.strip().splitlines()
        last = lines[-1] if lines else ""
        return int(last.partition("=")[2]) if last.startswith(forked.PEAK) else 0


def run_measured(workspace: Workspace, argv: list[str], inputs: dict[str, str],
         env: dict[str, str], limit: float = 120) -> Result:
    """The CLI in a process of its own (tests/forked.py), its peak memory printed last on
    stderr; one still running after `limit` seconds is killed and reported as exit code -1 (an
    unbounded wait)."""
    environ = clean_env(PYTHONPATH=str(ROOT / "src"))
    environ.update(workspace.environ(inputs, **env))
    environ["PATH"] = clean_env()["PATH"]
    ran = forked.run(argv, cwd=workspace.root, env=environ, limit=limit, peak=True)
    if ran.code is None:
        return Result(-1, ran.stdout, f"still running after {limit:g} s")
    return workspace.read_runner_files(Result(ran.code, ran.stdout, ran.stderr))


Scenario = Callable[[Workspace, str], tuple[list[str], dict[str, str], dict[str, str]]]


def run_faults(tmp_path: Path, path: str, scenario: Scenario, deadline: float,
               prepare: Callable[[Workspace], None] | None = None,
               faults: tuple[str, ...] = FAULTS) -> list[Faulted]:
    """`scenario` against a server of each fault, all at once; each run timed."""
    with ExitStack() as stack:
        servers = {fault: stack.enter_context(FaultServer(fault)) for fault in faults}

        def one(fault: str) -> Faulted:
            base = tmp_path / fault
            base.mkdir()
            workspace = make_workspace(base)
            if prepare:
                prepare(workspace)
            argv, inputs, env = scenario(workspace, servers[fault].url)
            started = time.monotonic()
            run = run_measured(workspace, argv, inputs, env, limit=deadline + MARGIN + 20)
            seconds = time.monotonic() - started
            TIMINGS[(path, fault)] = (seconds, deadline)
            faulted = Faulted(path, fault, run, seconds, deadline)
            MEMORY[(path, fault)] = faulted.peak_mib
            return faulted

        with ThreadPoolExecutor(min(len(faults), CONCURRENT_RUNS)) as pool:
            return list(pool.map(one, faults))


def assert_bounded(results: list[Faulted], *, codes: tuple[int, ...] = (1,),
                   checklist: bool = False) -> None:
    """Each run ended in time and within the memory bound with one `::error` (a checklist
    annotates each failed item)."""
    for result in results:
        log = result.run.stdout + result.run.stderr
        assert result.seconds <= result.deadline + MARGIN, (result.fault, result.seconds, log)
        assert 0 < result.peak_mib <= MEMORY_BOUND_MIB, (result.fault, result.peak_mib, log)
        assert result.run.code in codes, (result.fault, log)
        errors = result.run.errors()
        assert len(errors) == 1 or (checklist and errors), (result.fault, log)
        assert "Traceback" not in log, (result.fault, log)


def report_figures(report_figure: Callable[[str], None]) -> None:
    """The figures of the faulted runs since the last report (this file's): how many, the
    slowest against its deadline, the largest peak memory; then forgets them."""
    if not TIMINGS:
        pytest.skip("no faulted run in this session")
    (path, fault), (seconds, deadline) = max(TIMINGS.items(), key=lambda item: item[1][0])
    bounded = sum(s <= d + MARGIN for s, d in TIMINGS.values())
    report_figure(f"faults tried: {len(TIMINGS)}; each ended within its deadline plus "
                  f"{MARGIN:g} s for start-up: {bounded}; the slowest took {seconds:.1f} s "
                  f"(deadline {deadline:g} s; {path} / {fault})")
    if MEMORY:
        (path, fault), peak = max(MEMORY.items(), key=lambda item: item[1])
        report_figure(f"largest peak memory: {path} / {fault} {peak} MiB against a bound of "
                      f"{MEMORY_BOUND_MIB} MiB ({len(MEMORY)} runs measured)")
    assert all(s <= d + MARGIN for s, d in TIMINGS.values())
    TIMINGS.clear()
    MEMORY.clear()


def tagged(workspace: Workspace, origin: str) -> None:
    """The project at 1.2.3, committed and tagged v1.2.3, with `origin` as its remote."""
    root = workspace.root
    (root / "pyproject.toml").write_text('[project]\nname = "mypkg"\nversion = "1.2.3"\n')
    for args in (["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm",
                                 "1.2.3"], ["tag", "v1.2.3"], ["remote", "add", "origin", origin]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def bare_origin(workspace: Workspace) -> None:
    bare = workspace.runner / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    tagged(workspace, str(bare))
    subprocess.run(["git", "push", "-q", "origin", "HEAD:refs/heads/main"], cwd=workspace.root,
                   check=True, capture_output=True)


def with_dist(dist: Path) -> Callable[[Workspace], None]:
    def prepare(workspace: Workspace) -> None:
        shutil.copytree(dist, workspace.root / "dist")

    return prepare


# The upload alone (its verification is asked for only where it is under test).
PUBLISH = {"channel": "preview", "build": "false", "check": "false", "username": "uploader",
           "password": "pw-upload-secret-77", "trusted-publishing": "never",
           "upload-timeout": str(DEADLINE), "verify": "false"}


def in_threads(call: Callable[[str], object], servers: dict[str, FaultServer],
                path: str, deadline: float) -> dict[str, tuple[object, float]]:
    def one(fault: str) -> tuple[object, float]:
        started = time.monotonic()
        try:
            outcome: object = call(servers[fault].url)
        except Exception as error:  # the outcome is asserted by the caller
            outcome = error
        seconds = time.monotonic() - started
        TIMINGS[(path, fault)] = (seconds, deadline)
        return outcome, seconds

    with ThreadPoolExecutor(len(servers)) as pool:
        return dict(zip(servers, pool.map(one, servers), strict=True))
