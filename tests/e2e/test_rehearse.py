"""`release-actions rehearse` on consumer repositories that are not examples/: every stage green
with the preview and public versions, the files and the bump pull request in the report; each
broken setup a red stage with its fix; the user's repository never touched. The tests are
split over test_rehearse*.py files (each is one rehearsal after another: one file per worker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.consumers import ACME, TINY, Kind, make_consumer, snapshot
from tests.e2e.rehearsing import rehearse, versions
from tests.helpers import git

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("kind", [ACME], ids=lambda kind: kind.name)
def test_every_stage_green_on_a_consumer_repository(tmp_path: Path, kind: Kind) -> None:
    """Given a consumer with its own names, version layout and pins, when it is rehearsed, then
    every job of every workflow run succeeded, main's preview and the public release are on
    the index with their sha256, the release and the bump pull request are reported, no
    canary leaked, and the user's repository is as it was."""
    repository = make_consumer(tmp_path / kind.name, kind)
    before = snapshot(repository)

    result = rehearse(repository)

    assert result.code == 0, result.output[-6000:]
    report = result.report
    assert report is not None
    assert {stage["conclusion"] for stage in report["stages"]} == {"success"}, report["stages"]
    assert {stage["workflow"] for stage in report["stages"]} == set(kind.files)
    assert f"{kind.final}.dev1" in versions(report, "preview")
    assert versions(report, "public") == {kind.final}
    module = kind.module
    names = {item["file"] for item in report["published"]}
    assert {f"{module}-{kind.final}.tar.gz", f"{module}-{kind.final}-py3-none-any.whl"} <= names
    assert all(len(item["sha256"]) == 64 for item in report["published"])
    # Uploaded through the index's Trusted Publishing exchange; the public files carry PEP 740
    # attestations the local Sigstore minted, which verify for the workflow that uploaded them.
    assert "Published through Trusted Publishing" in result.output
    assert {item["provenance"] for item in report["published"]
            if item["channel"] == "public"} == {"verified"}
    assert {item["provenance"] for item in report["published"]
            if item["channel"] == "preview"} == {"none"}
    assert f"(public {kind.final}, provenance verified)" in result.output
    assert report["empty_secrets"] == ([kind.password] if kind.password else [])
    if kind.password:
        assert f"Secret {kind.password} given empty" in result.output
    assert report["release"]["tag"] == f"v{kind.final}"
    assert f"First public release of {kind.name}" in report["release"]["body"]
    major, minor, patch = kind.final.split(".")
    assert report["pull_request"]["title"].startswith(
        f"Bump version to {major}.{minor}.{int(patch) + 1}.dev0")
    assert report["canaries_leaked"] == 0
    assert "none reached a log" in result.output
    # doctor before any workflow runs; the public release installed back from the index
    assert result.output.index("== One-time setup") < result.output.index("▸")
    # doctor's findings (each kind pins an action by tag) are advice: every stage ran green
    assert "item(s) to fix before the first real release" in result.output
    assert f"pip install {kind.name}  → {kind.final} (import {module} ok)" in result.output
    assert snapshot(repository) == before


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
