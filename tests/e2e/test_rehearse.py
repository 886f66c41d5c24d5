"""`release-actions rehearse` on consumer repositories that are not examples/: every stage green
with the preview and public versions, the files and the bump pull request in the report; each
broken setup a red stage with its fix; the user's repository never touched. The tests are
split over test_rehearse*.py files (each is one rehearsal after another: one file per worker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.consumers import ACME, TINY, Kind, make_consumer
from tests.e2e.rehearsing import every_stage_green, rehearse
from tests.helpers import git

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("kind", [ACME], ids=lambda kind: kind.name)
def test_every_stage_green_on_a_consumer_repository(tmp_path: Path, kind: Kind) -> None:
    """Every stage green on acme (tests/e2e/rehearsing.every_stage_green says what is checked;
    each kind's run in its own file)."""
    every_stage_green(tmp_path, kind)


def test_an_action_nothing_stands_in_for_is_listed_before_anything_runs(tmp_path: Path) -> None:
    repository = make_consumer(tmp_path / "acme", ACME, edits={
        ".github/workflows/checks.yml": ("      - name: Import", "      - uses: octo/lint@v2\n"
                                                               "      - name: Import")})

    result = rehearse(repository)

    assert result.code == 2, result.output[-4000:]
    assert ".github/workflows/checks.yml:15: octo/lint@v2" in result.output.replace("%0A", "\n")
    assert "--map octo/lint=" in result.output
    assert "▸" not in result.output and result.report is None


def test_a_tag_that_is_not_on_main_is_red_with_the_fix(tmp_path: Path) -> None:
    repository = make_consumer(tmp_path / "acme", ACME)
    git(repository, "checkout", "-q", "-b", "side")
    init = repository / "src/acme_widgets/__init__.py"
    init.write_text(init.read_text().replace("2.3.0.dev0", "2.3.0"))
    git(repository, "commit", "-qam", "2.3.0 on a side branch")
    git(repository, "checkout", "-q", "main")

    result = rehearse(repository, "--scenario", "public", "--tag", "v2.3.0", "--tag-at", "side")

    assert result.code == 1, result.output[-4000:]
    assert "main" in result.output.split("Fix:", 1)[1]
    assert result.report is not None and result.report["published"] == []


def test_an_environment_the_repository_lacks_is_red_with_the_fix(tmp_path: Path) -> None:
    repository = make_consumer(tmp_path / "tiny", TINY, edits={
        ".github/workflows/release.yml": ("name: pypi-public", "name: pypi-pubic")})

    result = rehearse(repository, "--scenario", "public")

    assert result.code == 1, result.output[-4000:]
    fix = result.output.split("Fix:", 1)[1]
    assert "`pypi-pubic`" in fix and "Settings → Environments" in fix
    assert result.report is not None and result.report["release"] is None


def test_a_resolve_job_without_actions_read_is_red_with_the_fix(tmp_path: Path) -> None:
    repository = make_consumer(tmp_path / "acme", ACME, edits={
        ".github/workflows/nightly-preview.yml": ("      actions: read\n", "")})

    result = rehearse(repository, "--scenario", "preview")

    assert result.code == 1, result.output[-4000:]
    assert "actions: read" in result.output.split("Fix:", 1)[1]
    assert result.report is not None and result.report["published"] == []
    assert {"workflow": "nightly-preview.yml", "job": "ship", "event": "workflow_run",
            "conclusion": "failure"} in result.report["stages"]
