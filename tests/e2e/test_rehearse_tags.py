"""`release-actions rehearse`: a version from git tags released by the tag; a canary that reaches
an artifact; a trusted publisher registered for another workflow file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.consumers import ACME, TAGGED, TINY, make_consumer
from tests.e2e.rehearsing import rehearse, versions
from tests.helpers import git

pytestmark = pytest.mark.e2e


def test_a_version_from_git_tags_is_released_by_the_tag(tmp_path: Path) -> None:
    """Tried as a new user would on a hatch-vcs project: after its last release tag main's
    preview counts from the next patch, and the public scenario tags main (no release pull
    request: there is no version in a file), publishes it and installs it back."""
    repository = make_consumer(tmp_path / "tagged", TAGGED)
    git(repository, "tag", "v1.2.0")
    (repository / "NEWS.md").write_text("After 1.2.0.\n")
    git(repository, "add", "-A")
    git(repository, "commit", "-qm", "After the last release")

    result = rehearse(repository)

    assert result.code == 0, result.output[-6000:]
    report = result.report
    assert report is not None
    assert {stage["conclusion"] for stage in report["stages"]} == {"success"}, report["stages"]
    assert versions(report, "preview") == {"1.2.1.dev1"}
    assert versions(report, "public") == {"1.2.1"}
    assert report["release"]["tag"] == "v1.2.1"
    assert "Release pull request" not in result.output
    assert "pip install tagged-log  → 1.2.1 (import tagged_log ok)" in result.output


def test_a_canary_that_reaches_an_artifact_is_reported_and_fails(tmp_path: Path) -> None:
    """A step that writes a secret into an uploaded file: the report counts the canary and the
    rehearsal exits 1, although every job succeeded."""
    leak = (
        "      - name: Keep the key in a file (the mistake)\n"
        "        env:\n"
        "          KEY: ${{ secrets.UPLOAD_KEY }}\n"
        "        run: mkdir -p out && printf '%s' \"$KEY\" > out/key.txt\n"
        "      - uses: actions/upload-artifact@v4\n"
        "        with:\n"
        "          name: leaked\n"
        "          path: out/\n"
    )
    repository = make_consumer(tmp_path / "acme", ACME, edits={
        ".github/workflows/gate.yaml": ("        with:\n          mode: record\n",
                                        "        with:\n          mode: record\n" + leak)})

    result = rehearse(repository, "--scenario", "preview")

    assert result.report is not None, result.output[-4000:]
    assert {stage["conclusion"] for stage in result.report["stages"]} == {"success"}
    assert result.report["canaries_leaked"] == 1
    assert result.code == 1


def test_a_trusted_publisher_for_another_workflow_file_is_red_with_pypis_words(
        tmp_path: Path) -> None:
    """The user registered `publish.yml` on PyPI, but `release.yml` publishes: the index answers
    PyPI's invalid-publisher to the token exchange, nothing is uploaded, and the Fix says what
    the publisher form must hold."""
    repository = make_consumer(tmp_path / "tiny", TINY)

    result = rehearse(repository, "--scenario", "public",
                      "--trusted-publisher", "publish.yml:pypi-public")

    assert result.code == 1, result.output[-4000:]
    fix = result.output.split("Fix:", 1)[1]
    assert "(invalid-publisher)" in fix
    assert "Repository name `tiny-lib`, Workflow name `release.yml`, Environment name " \
           "`pypi-public`" in fix
    assert "octo/tiny-lib:publish.yml:pypi-public" in fix
    assert result.report is not None
    assert result.report["published"] == [] and result.report["release"] is None
    assert {"workflow": "release.yml", "job": "release", "event": "push",
            "conclusion": "failure"} in result.report["stages"]


def test_a_release_published_on_github_starts_the_public_workflow(tmp_path: Path) -> None:
    """Many projects release when a GitHub Release is published (`on: release`), not on the
    tag push. The rehearsal publishes the release of the tag as a maintainer would, runs the
    workflow with the `release` event (its tag as the ref: tag-guard passes, the attestations
    name the tag), and publish adds the changelog's section to the release that exists."""
    repository = make_consumer(tmp_path / "tiny", TINY, edits={
        ".github/workflows/release.yml": ('on:\n  push:\n    tags: ["v*"]\n',
                                          "on:\n  release:\n    types: [published]\n")})

    result = rehearse(repository, "--scenario", "public")

    assert result.code == 0, result.output[-6000:]
    report = result.report
    assert report is not None
    assert {"workflow": "release.yml", "job": "release", "event": "release",
            "conclusion": "success"} in report["stages"], report["stages"]
    assert versions(report, "public") == {"0.4.0"}
    assert {item["provenance"] for item in report["published"]
            if item["channel"] == "public"} == {"verified"}
    assert report["release"]["tag"] == "v0.4.0"
    assert "First public release of tiny-lib" in report["release"]["body"]
    assert "its GitHub Release published" in result.output


def test_a_public_release_through_a_reusable_workflow_is_red_with_the_fix(
        tmp_path: Path) -> None:
    """release.yml's jobs moved into a reusable workflow of the repository that release.yml
    calls: the rehearsal runs the caller (it used to leave it out and pass having published
    nothing) and stops with the fix; PyPI would refuse the upload from a called workflow."""
    repository = make_consumer(tmp_path / "tiny", TINY)
    workflows = repository / ".github" / "workflows"
    text = (workflows / "release.yml").read_text()
    head, jobs = text.split("\njobs:\n", 1)
    (workflows / "publish.yml").write_text(
        "name: Publish\non:\n  workflow_call:\npermissions: {}\njobs:\n" + jobs)
    (workflows / "release.yml").write_text(
        head + "\njobs:\n  release:\n    permissions:\n      contents: write\n"
        "      id-token: write\n      pull-requests: write\n"
        "    uses: ./.github/workflows/publish.yml\n")
    git(repository, "add", "-A")
    git(repository, "commit", "-qm", "Publish from a reusable workflow")

    result = rehearse(repository, "--scenario", "public")

    assert result.code == 1, result.output[-4000:]
    fix = result.output.split("Fix:", 1)[1]
    assert "calls `./.github/workflows/publish.yml`" in fix and "Move the called jobs" in fix
    assert result.report is not None and result.report["published"] == []


def test_workflow_files_not_committed_are_refused_before_anything_runs(tmp_path: Path) -> None:
    """The copy is HEAD: a workflow file copied in but not committed used to be listed and
    half run (act checked out the old HEAD). Now it is exit 2 with the fix, and nothing runs."""
    repository = make_consumer(tmp_path / "tiny", TINY)
    (repository / ".github" / "workflows" / "extra.yml").write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: 'true'\n")

    result = rehearse(repository)

    assert result.code == 2, result.output[-3000:]
    assert "changed but not committed (.github/workflows/extra.yml)" in result.output
    assert "▸" not in result.output
