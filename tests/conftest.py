from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import copy_tracked_tree


@pytest.fixture(scope="session")
def actions_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean copy of this repository, as a consumer's runner would download it."""
    return copy_tracked_tree(tmp_path_factory.mktemp("release-actions"))


def pytest_configure(config: pytest.Config) -> None:
    """A launcher that ignores SIGINT (a `&` job of a non-interactive shell, nohup) passes the
    ignore on to every process the tests start, and bash cannot trap a signal ignored at its
    start: a test that interrupts a step waited 60 s on a step that could not be interrupted. A
    runner starts its steps with the default, so the tests' processes get it too."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _working_directory_kept() -> Iterator[None]:
    """A test that changes the working directory puts it back (monkeypatch.chdir does): a
    passed test's folder is removed at its teardown, and the next test would start in a folder
    that no longer exists."""
    before = os.getcwd()
    yield
    assert os.getcwd() == before, f"the test left the working directory at {os.getcwd()}"


# The hostile suites' figures (cases tried, leaks, the longest faulted run): a test hands its
# line to `report_figure`; the line travels with the test's report (so it also reaches the
# main process under pytest-xdist) and is printed in the closing summary.
_FIGURES: list[str] = []


@pytest.fixture
def report_figure(request: pytest.FixtureRequest) -> Callable[[str], None]:
    def report(line: str) -> None:
        request.node.user_properties.append(("figure", line))

    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        _FIGURES.extend(str(value) for name, value in report.user_properties if name == "figure")
    if report.when == "teardown" and _HEARTBEAT is not None:
        _HEARTBEAT.ended(report.nodeid)


# Under pytest-xdist the main process only reports; when no test has ended for SILENT_SECONDS it
# names the tests still running, so a long run never looks stuck.
SILENT_SECONDS = 30.0


class _Heartbeat:
    def __init__(self, reporter: Any) -> None:
        self.reporter = reporter
        self.running: dict[str, float] = {}
        self.last = time.monotonic()
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        threading.Thread(target=self._watch, name="heartbeat", daemon=True).start()

    def started(self, nodeid: str) -> None:
        with self.lock:
            self.running[nodeid] = time.monotonic()

    def ended(self, nodeid: str) -> None:
        with self.lock:
            self.running.pop(nodeid, None)
            self.last = time.monotonic()

    def _watch(self) -> None:
        while not self.stopped.wait(5):
            now = time.monotonic()
            with self.lock:
                if now - self.last < SILENT_SECONDS or not self.running:
                    continue
                self.last = now
                longest = sorted(self.running.items(), key=lambda item: item[1])[:3]
                count = len(self.running)
            names = ", ".join(f"{nodeid} ({now - since:.0f} s)" for nodeid, since in longest)
            more = f" and {count - len(longest)} more" if count > len(longest) else ""
            self.reporter.write_line(f"still running: {names}{more}")


_HEARTBEAT: _Heartbeat | None = None


def pytest_sessionstart(session: pytest.Session) -> None:
    global _HEARTBEAT
    config = session.config
    workers = config.getoption("numprocesses", None) if config.pluginmanager.hasplugin(
        "xdist") else None
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if workers and not hasattr(config, "workerinput") and reporter is not None:
        _HEARTBEAT = _Heartbeat(reporter)


def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    if _HEARTBEAT is not None:
        _HEARTBEAT.started(nodeid)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _HEARTBEAT is not None:
        _HEARTBEAT.stopped.set()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _FIGURES:
        terminalreporter.section("hostile suites")
        for line in _FIGURES:
            terminalreporter.write_line(line)


# The slow kinds first: a worker that takes an act run or a build-heavy file late would run on
# alone after the others finish (pytest-xdist hands out files in this order: `make test` gives
# it --no-loadscope-reorder). The tests that bound time (marked `alone`, the fault suite's
# files) come last of all: they spend most of their time waiting on deadlines, so they fill the
# cores the other files leave idle as they finish, and they run while the machine is least
# loaded (each bound allows for a loaded machine: tests/hostile/faults.py's MARGIN).
KIND_ORDER = ("e2e", "integration", "hostile", "unit", "static")
# Where the tests marked `alone` live (a static test keeps it so): whole files, so that each
# such file is handed out as one, after every other.
ALONE_FILES = "test_faults_*.py"


def _rank(item: pytest.Item) -> tuple[bool, int]:
    parts = item.nodeid.split("/")
    kind = parts[1] if len(parts) > 2 and parts[0] == "tests" else ""
    return (item.get_closest_marker("alone") is not None,
            KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The slow kinds of test first, the time-bounded ones last; a file's tests stay together
    and in order (the sort is stable)."""
    items.sort(key=_rank)
