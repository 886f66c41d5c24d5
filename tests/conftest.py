from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import copy_tracked_tree


@pytest.fixture(scope="session")
def actions_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean copy of this repository, as a consumer's runner would download it."""
    return copy_tracked_tree(tmp_path_factory.mktemp("release-actions"))


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


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _FIGURES:
        terminalreporter.section("hostile suites")
        for line in _FIGURES:
            terminalreporter.write_line(line)

