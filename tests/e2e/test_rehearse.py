"""`release-actions rehearse` on consumer repositories that are not examples/: every stage green
with the preview and public versions, the files and the bump pull request in the report; each
broken setup a red stage with its fix; the user's repository never touched."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.consumers import ACME, TAGGED, TINY, Kind, make_consumer, snapshot
from tests.helpers import VENV_BIN, clean_env, git

pytestmark = pytest.mark.e2e


@dataclass
class Rehearsed:
    code: int
    output: str
    report: dict[str, Any] | None


def rehearse(repository: Path, *args: str) -> Rehearsed:
    report = repository.parent / f"{repository.name}-report.json"
    done = subprocess.run(
        [str(VENV_BIN / "release-actions"), "rehearse", "--report", str(report), *args],
        cwd=repository, env=clean_env(), capture_output=True, text=True, timeout=1200,
    )
    document = json.loads(report.read_text()) if report.is_file() else None
    return Rehearsed(done.returncode, done.stdout + done.stderr, document)


def _versions(report: dict[str, Any], channel: str) -> set[str]:
    return {item["version"] for item in report["published"] if item["channel"] == channel}


@pytest.mark.parametrize("kind", [ACME, TINY], ids=lambda kind: kind.name)
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
    assert f"{kind.final}.dev1" in _versions(report, "preview")
    assert _versions(report, "public") == {kind.final}
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


def test_an_environment_the_repository_lacks_is_red_with_the_fix(tmp_path: Path) -> None:
    repository = make_consumer(tmp_path / "tiny", TINY, edits={
        ".github/workflows/release.yml": ("name: pypi-public", "name: pypi-pubic")})

    result = rehearse(repository, "--scenario", "public")

    assert result.code == 1, result.output[-4000:]
    fix = result.output.split("Fix:", 1)[1]
    assert "`pypi-pubic`" in fix and "Settings → Environments" in fix
    assert result.report is not None and result.report["release"] is None


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


def test_an_action_nothing_stands_in_for_is_listed_before_anything_runs(tmp_path: Path) -> None:
    repository = make_consumer(tmp_path / "acme", ACME, edits={
        ".github/workflows/checks.yml": ("      - name: Import", "      - uses: octo/lint@v2\n"
                                                               "      - name: Import")})

    result = rehearse(repository)

    assert result.code == 2, result.output[-4000:]
    assert ".github/workflows/checks.yml:15: octo/lint@v2" in result.output.replace("%0A", "\n")
    assert "--map octo/lint=" in result.output
    assert "▸" not in result.output and result.report is None


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


def test_a_resolve_job_without_actions_read_is_red_with_the_fix(tmp_path: Path) -> None:
    repository = make_consumer(tmp_path / "acme", ACME, edits={
        ".github/workflows/nightly-preview.yml": ("      actions: read\n", "")})

    result = rehearse(repository, "--scenario", "preview")

    assert result.code == 1, result.output[-4000:]
    assert "actions: read" in result.output.split("Fix:", 1)[1]
    assert result.report is not None and result.report["published"] == []
    assert {"workflow": "nightly-preview.yml", "job": "ship", "event": "workflow_run",
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
    fix = result.output.split("Fix:", 1)[1]
    assert "job `bump` of release.yml" in fix and "persist-credentials: true" in fix
    assert result.report["canaries_leaked"] == 0


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
    assert _versions(report, "preview") == {"1.2.1.dev1"}
    assert _versions(report, "public") == {"1.2.1"}
    assert report["release"]["tag"] == "v1.2.1"
    assert "Release pull request" not in result.output
    assert "pip install tagged-log  → 1.2.1 (import tagged_log ok)" in result.output
