"""`release-actions rehearse`: what a job's token may do is what its `permissions:` and its
checkout grant; each refusal is a red stage naming the job and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.consumers import TINY, make_consumer
from tests.e2e.rehearsing import rehearse
from tests.helpers import git

pytestmark = pytest.mark.e2e


def test_a_release_job_without_contents_write_is_red_with_the_fix(tmp_path: Path) -> None:
    """The API stand-in gives the job's token only what `permissions:` grant: creating the
    GitHub Release answers 403, and the Fix names the permission."""
    repository = make_consumer(tmp_path / "tiny", TINY, edits={
        ".github/workflows/release.yml": ("      contents: write\n      id-token: write\n",
                                          "      contents: read\n      id-token: write\n")})

    result = rehearse(repository, "--scenario", "public")

    assert result.code == 1, result.output[-4000:]
    assert "contents: write" in result.output.split("Fix:", 1)[1]
    assert result.report is not None and result.report["release"] is None
    assert {"workflow": "release.yml", "job": "release", "event": "push",
            "conclusion": "failure"} in result.report["stages"]


def test_a_bump_job_without_contents_write_is_red_with_the_fix(tmp_path: Path) -> None:
    """git reaches origin through the git server with the job's own token: bump-dev's push of
    its branch answers GitHub's 403 for a token that may only read, and the Fix names the job
    and the permission (the same consumer with `contents: write` is green above)."""
    repository = make_consumer(tmp_path / "tiny", TINY, edits={
        ".github/workflows/release.yml": ("      contents: write\n      pull-requests: write\n",
                                          "      contents: read\n      pull-requests: write\n")})

    result = rehearse(repository, "--scenario", "public")

    assert result.code == 1, result.output[-4000:]
    assert "Permission to octo/tiny-lib.git denied to github-actions[bot]" in result.output
    fix = result.output.split("Fix:", 1)[1]
    assert "job `bump` of release.yml" in fix and "permissions: contents: write" in fix
    assert result.report is not None and result.report["pull_request"] is None
    assert {"workflow": "release.yml", "job": "bump", "event": "push",
            "conclusion": "failure"} in result.report["stages"]
    assert result.report["canaries_leaked"] == 0


def test_a_push_after_a_checkout_without_persisted_credentials_is_red(tmp_path: Path) -> None:
    """As actions/checkout does, the checkout keeps the job's token for later git commands:
    the release job (`persist-credentials: true`) pushes a branch; the bump job's checkout
    says `persist-credentials: false`, so its push has no credential and fails, with the Fix."""
    repository = make_consumer(tmp_path / "tiny", TINY)
    workflow = repository / ".github/workflows/release.yml"
    text = workflow.read_text()
    text = text.replace(
        "          persist-credentials: false\n      - id: guard\n",
        "          persist-credentials: true\n"
        "      - run: git push origin HEAD:refs/heads/released\n      - id: guard\n")
    text = text.replace(
        "          persist-credentials: false\n      - uses: benchflow-ai/",
        "          persist-credentials: false\n"
        "      - run: git push origin HEAD:refs/heads/bumped\n      - uses: benchflow-ai/")
    workflow.write_text(text)
    git(repository, "commit", "-qam", "Push from the release jobs")

    result = rehearse(repository, "--scenario", "public")

    assert result.code == 1, result.output[-4000:]
    assert result.report is not None
    assert {"workflow": "release.yml", "job": "release", "event": "push",
            "conclusion": "success"} in result.report["stages"]
    assert {"workflow": "release.yml", "job": "bump", "event": "push",
            "conclusion": "failure"} in result.report["stages"]
    # The preflight's own items come first, each with a Fix: the stage's is after them.
    fix = result.output.split("Fix:", 1)[1]
    assert "job `bump` of release.yml" in fix and "persist-credentials: true" in fix, (
        result.output[-6000:])
    assert result.report["canaries_leaked"] == 0
