"""This repository's own workflows (.github/workflows): pinned, least privilege, no template
expressions in shell text; and the release workflow's shell steps run for real against a git
repository with a bare `origin`."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import ROOT, git

WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))
PINNED = re.compile(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}\Z")
VERSION_COMMENT = re.compile(r"@[0-9a-f]{40} # v\d+(\.\d+)*\b")


def load(path: Path) -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(path.read_text())
    # PyYAML reads the key `on` as the boolean True (YAML 1.1).
    if True in spec:
        spec["on"] = spec.pop(True)
    return spec


def steps(path: Path) -> list[dict[str, Any]]:
    return [step for job in load(path)["jobs"].values() for step in job.get("steps", [])]


def test_the_ci_and_release_workflows_exist() -> None:
    assert {path.name for path in WORKFLOWS} >= {"ci.yml", "release.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_uses_is_pinned_to_a_full_sha_with_its_version(path: Path) -> None:
    text = path.read_text()
    for step in steps(path):
        # `$/`: this repository's own action at the running commit, pinned by the run itself.
        if "uses" in step and not step["uses"].startswith("$/"):
            assert PINNED.match(step["uses"]), f"{path.name}: {step['uses']} is not pinned"
            line = next(line for line in text.splitlines() if step["uses"] in line)
            assert VERSION_COMMENT.search(line), f"{path.name}: say the version: {line.strip()}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_top_level_permissions_are_present_and_read_only(path: Path) -> None:
    permissions = load(path).get("permissions")
    assert isinstance(permissions, dict), f"{path.name}: set `permissions:` at the top"
    assert set(permissions.values()) <= {"read", "none"}, f"{path.name}: {permissions}"


# The only jobs that may write, and what: the tag move pushes a tag, the PyPI job mints the
# Trusted Publishing token and nothing else.
WRITERS = {("release.yml", "move-major-tag"): {"contents"},
           ("release.yml", "publish-pypi"): {"id-token"}}


def test_only_the_release_jobs_may_write_and_only_what_each_needs() -> None:
    for path in WORKFLOWS:
        for name, job in load(path)["jobs"].items():
            granted = job.get("permissions", {})
            assert granted not in ("write-all", "read-all"), f"{path.name}:{name}"
            writes = {scope for scope, level in granted.items() if level == "write"}
            expected = WRITERS.get((path.name, name), set())
            assert writes == expected, f"{path.name}:{name} writes {writes}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_expression_inside_run_text(path: Path) -> None:
    for step in steps(path):
        assert "${{" not in step.get("run", ""), f"{path.name}: ${{{{ in {step['run'][:60]!r}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_checkout_says_whether_it_keeps_credentials(path: Path) -> None:
    for step in steps(path):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert "persist-credentials" in (step.get("with") or {}), path.name


def test_ci_runs_make_test_and_zizmor_and_cancels_superseded_pull_request_runs() -> None:
    spec = load(ROOT / ".github/workflows/ci.yml")
    assert set(spec["on"]) == {"push", "pull_request"}
    assert spec["on"]["push"]["branches"] == ["main"]
    runs = "\n".join(step.get("run", "") for step in steps(ROOT / ".github/workflows/ci.yml"))
    assert "make test" in runs and "zizmor --offline" in runs
    assert spec["concurrency"]["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
    assert "pull_request.number" in spec["concurrency"]["group"]


# --- the release workflow's shell, run for real -------------------------------------------------

RELEASE = ROOT / ".github/workflows/release.yml"


def test_a_published_release_goes_to_pypi_with_this_repositorys_own_actions() -> None:
    """The released commit is checked out without credentials, guarded by its own tag-guard
    and published by its own publish through Trusted Publishing (an environment, no password),
    the GitHub Release left as it is; the major tag moves only after PyPI has it."""
    jobs = load(RELEASE)["jobs"]
    job = jobs["publish-pypi"]
    assert job["environment"]["name"] == "pypi"
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    checkout, guard, publish = job["steps"]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["persist-credentials"] is False
    assert "fetch-depth" not in checkout["with"]
    assert checkout["with"]["ref"] == "refs/tags/${{ github.event.release.tag_name }}"
    assert (guard["uses"], guard["id"]) == ("$/tag-guard", "guard")
    assert guard["with"]["tag"] == "${{ github.event.release.tag_name }}"
    assert publish["uses"] == "$/publish"
    assert publish["with"] == {
        "channel": "public", "expected-version": "${{ steps.guard.outputs.version }}",
        "allow-prerelease": "${{ github.event.release.prerelease }}", "github-release": False,
    }
    assert not {"password", "username", "trusted-publishing"} & set(publish["with"])
    assert jobs["move-major-tag"]["needs"] == "publish-pypi"
    own = {path.parent.name for path in ROOT.glob("*/action.yml")}
    assert {"tag-guard", "publish"} <= own


def release_step(name_part: str) -> str:
    return next(step["run"] for step in steps(RELEASE) if name_part in step.get("name", ""))


def run_step(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": os.environ["PATH"], "HOME": str(cwd),
                   "GIT_CONFIG_NOSYSTEM": "1", **env}
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=60)


def test_the_release_tag_reaches_the_shell_only_through_env() -> None:
    job = load(RELEASE)["jobs"]["move-major-tag"]
    assert "RELEASE_TAG" in job["env"]
    assert "$RELEASE_TAG" in release_step("Refuse")


@pytest.mark.parametrize(
    ("tag", "major"),
    [
        pytest.param("v1.2.3", "v1", id="v1.2.3"),
        pytest.param("v1.0.0", "v1", id="v1.0.0"),
        pytest.param("v12.30.4", "v12", id="two-digit-parts"),
    ],
)
def test_a_final_release_tag_is_accepted_and_names_its_major(
    tmp_path: Path, tag: str, major: str
) -> None:
    env_file = tmp_path / "github_env"
    env_file.write_text("")
    proc = run_step(release_step("Refuse"), tmp_path,
                    {"RELEASE_TAG": tag, "GITHUB_ENV": str(env_file)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert env_file.read_text() == f"MAJOR_TAG={major}\n"


@pytest.mark.parametrize(
    "tag",
    [
        pytest.param("v1.2", id="two-parts"),
        pytest.param("v1.2.3rc1", id="pre-release"),
        pytest.param("v1.2.3.post1", id="post-release"),
        pytest.param("1.2.3", id="no-v"),
        pytest.param("v01.2.3", id="leading-zero"),
        pytest.param("v1.2.3-beta", id="suffix"),
        pytest.param("v1", id="major-only"),
        pytest.param("v1.2.3\nMAJOR_TAG=main", id="newline"),
        pytest.param("x\n::warning::injected", id="workflow-command"),
        pytest.param("", id="empty"),
    ],
)
def test_a_tag_that_is_not_major_minor_patch_is_refused(tmp_path: Path, tag: str) -> None:
    env_file = tmp_path / "github_env"
    env_file.write_text("")
    proc = run_step(release_step("Refuse"), tmp_path,
                    {"RELEASE_TAG": tag, "GITHUB_ENV": str(env_file)})
    assert proc.returncode == 1
    commands = [line for line in proc.stdout.splitlines() if line.startswith("::")]
    assert len(commands) == 1 and commands[0].startswith("::error title=Not a release tag::")
    assert env_file.read_text() == ""


def test_the_major_tag_is_force_moved_to_the_released_commit_on_origin(tmp_path: Path) -> None:
    """Given origin with v1 on the previous release and a checkout of the new tag v1.3.0, when
    the move step runs, then origin's v1 points at v1.3.0's commit and nothing else moved."""
    origin = tmp_path / "origin.git"
    work = tmp_path / "work"
    origin.mkdir()
    work.mkdir()
    git(origin, "init", "--bare", "-q")
    git(work, "init", "-q")
    git(work, "remote", "add", "origin", str(origin))
    git(work, "commit", "-q", "--allow-empty", "-m", "1.2.0")
    old = git(work, "rev-parse", "HEAD")
    git(work, "tag", "v1")
    git(work, "tag", "v1.2.0")
    git(work, "commit", "-q", "--allow-empty", "-m", "1.3.0")
    new = git(work, "rev-parse", "HEAD")
    git(work, "tag", "v1.3.0")
    git(work, "push", "-q", "origin", "main", "--tags")
    assert git(origin, "rev-parse", "v1^{commit}") == old

    summary = tmp_path / "summary.md"
    proc = run_step(release_step("Move"), work, {
        "MAJOR_TAG": "v1", "RELEASE_TAG": "v1.3.0", "GITHUB_STEP_SUMMARY": str(summary),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
    })

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert git(origin, "rev-parse", "v1^{commit}") == new
    assert git(origin, "rev-parse", "v1.2.0^{commit}") == old
    assert summary.read_text() == f"Moved v1 to {new} (v1.3.0)\n"
