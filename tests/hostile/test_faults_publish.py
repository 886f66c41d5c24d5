"""The fault suite, part three: publish's upload and its check-url against a real local server
that misbehaves; each ends within its deadline and memory bound with one `::error`
(tests/hostile/faults.py says how)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from devtools.fault_server import (
    ECHO,
    FAULTS,
    FaultServer,
)

from tests.hostile.conftest import Workspace
from tests.hostile.faults import (
    ANSWERS_200,
    DEADLINE,
    PUBLISH,
    assert_bounded,
    report_figures,
    run_faults,
    with_dist,
)

pytestmark = pytest.mark.alone


# --- publish -------------------------------------------------------------------------------------


def test_publish_upload_is_bounded(tmp_path: Path, built_dist: Path) -> None:
    """The upload endpoint faulty, no check-url: every fault but a 200 (whatever its body) is a
    failed upload."""

    def scenario(workspace: Workspace, url: str) -> tuple[list[str], dict[str, str],
                                                            dict[str, str]]:
        return ["publish"], {**PUBLISH, "repository-url": f"{url}/legacy/", "check-url": ""}, {}

    faults = tuple(fault for fault in FAULTS if fault not in ANSWERS_200)
    results = run_faults(tmp_path, "publish upload", scenario, DEADLINE, with_dist(built_dist),
                         faults)
    assert_bounded(results)


def test_publish_check_url_is_bounded(tmp_path: Path, built_dist: Path) -> None:
    """check-url faulty (uv asks it before uploading): refused within the upload deadline."""

    def scenario(workspace: Workspace, url: str) -> tuple[list[str], dict[str, str],
                                                            dict[str, str]]:
        inputs = {**PUBLISH, "repository-url": f"{url}/legacy/", "check-url": f"{url}/simple/"}
        return ["publish"], inputs, {}

    results = run_faults(tmp_path, "publish check-url", scenario, DEADLINE,
                         with_dist(built_dist))
    assert_bounded(results)


def test_publish_upload_answered_200_with_garbage_is_not_success(tmp_path: Path,
                                                                 built_dist: Path) -> None:
    """`uv publish` exits 0 on any 200; the verification reads the index back (here one that
    lists nothing) and refuses to call the files uploaded."""
    with FaultServer(ECHO, status=404) as empty_index:

        def scenario(workspace: Workspace, url: str) -> tuple[list[str], dict[str, str],
                                                                dict[str, str]]:
            inputs = {**PUBLISH, "repository-url": f"{url}/legacy/", "check-url": "",
                      "verify": "true", "verify-url": f"{empty_index.url}/simple/",
                      "verify-timeout": str(DEADLINE)}
            return ["publish"], inputs, {}

        results = run_faults(tmp_path, "publish upload (200) + verification", scenario,
                             2 * DEADLINE, with_dist(built_dist), ANSWERS_200)
    assert_bounded(results)
    for result in results:
        assert "uploaded |" not in result.run.summary, result.run.summary


# --- the figures ---------------------------------------------------------------------------------


def test_zz_report_the_figures(report_figure: Callable[[str], None]) -> None:
    """Prints this file's faults tried and its longest run against its deadline (run last)."""
    report_figures(report_figure)
