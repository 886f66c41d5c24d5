"""`release-actions rehearse` on tiny-lib (a static version): every stage green; a publishing
job without id-token and a file the sdist drops, each a red stage with its fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.consumers import ACME, TINY, Kind, make_consumer, snapshot
from tests.e2e.rehearsing import rehearse, versions

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("kind", [TINY], ids=lambda kind: kind.name)
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


def test_a_publishing_job_without_id_token_is_red_with_the_fix(tmp_path: Path) -> None:
    repository = make_consumer(tmp_path / "acme", ACME, edits={
        ".github/workflows/nightly-preview.yml": ("      id-token: write\n", "")})

    result = rehearse(repository, "--scenario", "preview")

    assert result.code == 1, result.output[-4000:]
    assert "id-token: write" in result.output.split("Fix:", 1)[1]
    assert result.report is not None
    assert {"workflow": "nightly-preview.yml", "job": "ship", "event": "workflow_run",
            "conclusion": "failure"} in result.report["stages"]
    assert result.report["published"] == []


def test_a_file_the_sdist_drops_is_red_with_the_fix(tmp_path: Path) -> None:
    """The sdist's `include` forgets a helper the module imports (nobody chose to leave it
    out): a wheel built from the sdist would break, so publish's inspection refuses before
    anything is uploaded."""
    repository = make_consumer(
        tmp_path / "tiny", TINY,
        edits={"pyproject.toml": ("[build-system]", '[tool.hatch.build.targets.sdist]\n'
                                                    'include = ["src/tiny_lib/__init__.py"]\n\n'
                                                    "[build-system]")},
        extra={"src/tiny_lib/helpers.py": "def help() -> str:\n    return 'help'\n"},
    )

    result = rehearse(repository, "--scenario", "preview")

    assert result.code == 1, result.output[-4000:]
    assert "helpers.py" in result.output.split("Fix:", 1)[1]
    assert result.report is not None and result.report["published"] == []
