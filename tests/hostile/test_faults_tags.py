"""The fault suite, part two: tag-guard's paths (the index check; git, then the compare API)
and doctor's (the environments) against a real local server that misbehaves, and a project's
own catastrophic tag regex; each ends within its deadline and memory bound with one `::error`
(tests/hostile/faults.py says how)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.helpers import Result
from tests.hostile.conftest import Workspace, make_workspace
from tests.hostile.faults import (
    DEADLINE,
    MARGIN,
    TIMINGS,
    assert_bounded,
    bare_origin,
    report_figures,
    run_faults,
    run_measured,
    tagged,
)
from tests.integration.regex_bound import SECONDS, short_regex_bound

pytestmark = pytest.mark.alone


# --- tag-guard ---------------------------------------------------------------------------------


def test_tag_guard_index_check_is_bounded(tmp_path: Path) -> None:
    """The index check (git answers): refused, since `index-unreachable` defaults to fail."""

    def scenario(workspace: Workspace, url: str) -> tuple[list[str], dict[str, str],
                                                            dict[str, str]]:
        return ["tag-guard"], {"tag": "v1.2.3", "index-url": url, "timeout": str(DEADLINE)}, {}

    results = run_faults(tmp_path, "tag-guard index", scenario, DEADLINE, bare_origin)
    assert_bounded(results)
    for result in results:
        assert "index-unreachable: warn" in result.run.errors()[0], result.run.errors()[0]


def test_tag_guard_git_fetch_then_compare_api_is_bounded(tmp_path: Path) -> None:
    """origin and GitHub's API both on the faulty server: git fetch, then the compare API, each
    within its own deadline."""

    def scenario(workspace: Workspace, url: str) -> tuple[list[str], dict[str, str],
                                                            dict[str, str]]:
        tagged(workspace, f"{url}/octo/mypkg.git")
        inputs = {"tag": "v1.2.3", "index-url": "", "timeout": str(DEADLINE),
                  "git-timeout": str(DEADLINE), "github-token": "ghs_compare-token-1234"}
        return ["tag-guard"], inputs, {"GITHUB_API_URL": url}

    results = run_faults(tmp_path, "tag-guard git + compare API", scenario, 2 * DEADLINE)
    # A server that lists no refs (200 with garbage) tells git origin has no such branch: a
    # configuration error (exit 2) that names the branch.
    assert_bounded(results, codes=(1, 2))


# --- a project's own regex (no server: the fault is the pattern) ------------------------------

# (where the pattern is declared, the pattern, a tag it backtracks on for 2**40 steps).
HOSTILE_TAG_PATTERNS = {
    "setuptools-scm tag_regex": ('[tool.setuptools_scm]\ntag_regex = "{pattern}"\n',
                                 "^(v+)+$", "v" * 40 + "1x"),
    "hatch-vcs tag-pattern": ('[tool.hatch.version]\nsource = "vcs"\ntag-pattern = "{pattern}"\n',
                              "^(?P<version>(\\\\d|\\\\d\\\\d)+)$", "1" * 40 + "x"),
    "pdm-backend tag_regex": ('[tool.pdm.version]\nsource = "scm"\ntag_regex = "{pattern}"\n',
                              "^(?P<version>(.*)*)-$", "1." * 20 + "0"),
    "uv-dynamic-versioning pattern": ('[tool.hatch.version]\nsource = "uv-dynamic-versioning"\n'
                                      '[tool.uv-dynamic-versioning]\npattern = "{pattern}"\n',
                                      "^(?P<base>(v|vv)+)1$", "v" * 40 + "1.x"),
}


def test_a_catastrophic_tag_pattern_is_bounded(tmp_path: Path) -> None:
    """Each place a project declares its tag regex, with a pattern that backtracks for ever on
    one of its tags: version-rewrite ends within the bound, exit 2, naming the pattern."""
    bound = short_regex_bound(tmp_path)  # the bound itself is not the subject

    def one(name: str) -> tuple[str, Result, float]:
        table, pattern, tag = HOSTILE_TAG_PATTERNS[name]
        base = tmp_path / name.replace(" ", "-")
        base.mkdir()
        workspace = make_workspace(base)
        root = workspace.root
        (root / "pyproject.toml").write_text(
            '[project]\nname = "mypkg"\ndynamic = ["version"]\n'
            '[build-system]\nrequires = ["setuptools-scm"]\n' + table.format(pattern=pattern))
        for args in (["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit",
                                     "-qm", "vcs"], ["tag", tag]):
            subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
        started = time.monotonic()
        run = run_measured(workspace, ["version-rewrite"], {"run-number": "3"}, bound,
                           limit=SECONDS + MARGIN + 20)
        seconds = time.monotonic() - started
        TIMINGS[("version-rewrite tag regex", name)] = (seconds, SECONDS)
        return name, run, seconds

    with ThreadPoolExecutor(len(HOSTILE_TAG_PATTERNS)) as pool:
        results = list(pool.map(one, HOSTILE_TAG_PATTERNS))
    for name, run, seconds in results:
        log = run.stdout + run.stderr
        assert seconds <= SECONDS + MARGIN, (name, seconds, log)
        assert run.code == 2, (name, log)
        [error] = run.errors()
        assert "backtracks catastrophically" in error, (name, error)
        assert f"no answer within {SECONDS:g} s" in error, (name, error)
        assert "Traceback" not in log and run.env == {}, (name, log)


# --- doctor (GitHub's API; here to even out the four files' times) -------------------------


def test_doctor_environments_are_bounded(tmp_path: Path) -> None:
    """The environments read through GitHub's API on the faulty server."""

    def scenario(workspace: Workspace, url: str) -> tuple[list[str], dict[str, str],
                                                            dict[str, str]]:
        inputs = {"github-token": "ghs_doctor-token-1234", "repository": "octo/mypkg",
                  "timeout": str(DEADLINE)}
        return ["doctor"], inputs, {"GITHUB_API_URL": url}

    results = run_faults(tmp_path, "doctor environments", scenario, DEADLINE)
    assert_bounded(results, codes=(1, 2), checklist=True)


# --- the figures ---------------------------------------------------------------------------------


def test_zz_report_the_figures(report_figure: Callable[[str], None]) -> None:
    """Prints this file's faults tried and its longest run against its deadline (run last)."""
    report_figures(report_figure)
