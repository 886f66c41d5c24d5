"""`make demo` end to end: one rehearsal of examples/ (the sample package with the four example
workflows) through the code path of `release-actions rehearse`, shared by every test here. The
published files, the tested commit handed over, the gate's choice, the skip of a final version,
the public release with its GitHub Release and bump pull request, the install back from the
index, the story as it was told, doctor first, and canary keys never unmasked; then, on the
same copy, a preview of a run that recorded nothing and the refusal of a tag not on main."""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
from demo import example_repository
from demo.__main__ import ARGUMENTS

from release_actions.rehearsal.actions import write_actions
from release_actions.rehearsal.cli import Story, build_parser, conclude, play
from release_actions.rehearsal.discovery import FOLDER, discover
from release_actions.rehearsal.narration import Narrator
from release_actions.rehearsal.run import (
    ENVIRONMENTS,
    Options,
    Rehearsal,
    WorkflowRun,
    rehearsal,
    repository_name,
)
from tests.helpers import VENV_BIN, git

pytestmark = pytest.mark.e2e

REPOSITORY = "benchflow-ai/release-actions-sample"
BUMP = "release-actions/bump-v0.1.1.dev0"


@dataclass
class Demo:
    run: Rehearsal
    story: Story
    output: str  # what the rehearsal told, as `make demo` prints it
    code: int  # make demo's exit code
    no_record: WorkflowRun
    side: list[WorkflowRun]

    def runs(self, workflow: str, title: str) -> list[WorkflowRun]:
        return [run for stage, run in self.story.stages
                if run.workflow == workflow and stage.startswith(title)]

    def published(self) -> list[str]:
        return sorted(self.run.index.files)

    def branch_file(self, branch: str, path: str) -> str:
        return git(self.run.origin, "show", f"refs/heads/{branch}:{path}")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """`make demo`'s rehearsal (its arguments, the CLI's stages), once for the module."""
    root = tmp_path_factory.mktemp("demo")
    repository = example_repository(root / "release-actions-sample")
    args = build_parser().parse_args(list(ARGUMENTS))
    work = root / "rehearsal"
    pipeline = discover(repository, write_actions(work / "actions"))
    down = tuple(args.providers_down.split(","))
    options = Options(repository_name(repository), ENVIRONMENTS, down)
    told = io.StringIO()
    with rehearsal(work, repository, pipeline, options, Narrator(down)) as run:
        with redirect_stdout(told):
            story = play(run, args.scenario, args.tag, args.tag_at)
            code = conclude(story)
        no_record = _preview_of_a_run_that_recorded_nothing(run)
        side = _tag_on_a_side_branch(run)
        yield Demo(run, story, told.getvalue(), code, no_record, side)


def _preview_of_a_run_that_recorded_nothing(run: Rehearsal) -> WorkflowRun:
    """An integration-eval run that recorded nothing (a pull request's): nothing to publish."""
    run.github.add_run(7007, 7, run.head())
    workflow = next(w for w in run.pipeline.workflows if w.name == "internal-preview-release.yml")
    return run.run(workflow, "workflow_run", {
        "action": "completed",
        "workflow": {"name": "integration-eval", "path": f"{FOLDER}/integration-eval.yml"},
        "workflow_run": {"id": 7007, "name": "integration-eval", "run_number": 7,
                         "status": "completed", "conclusion": "success",
                         "event": "workflow_run", "head_branch": "main",
                         "head_sha": run.head(), "path": f"{FOLDER}/integration-eval.yml"}})


def _tag_on_a_side_branch(run: Rehearsal) -> list[WorkflowRun]:
    """0.1.1 set on a branch that is not main, tagged v0.1.1 there and pushed."""
    git(run.consumer, "checkout", "-q", "-b", "side")
    subprocess.run([str(VENV_BIN / "uv"), "version", "0.1.1", "--no-sync", "--quiet"],
                   cwd=run.consumer, check=True, capture_output=True)
    sha = run.commit_all("Set the version to 0.1.1")
    run.push("HEAD:refs/heads/side")
    git(run.consumer, "checkout", "-q", "main")
    return run.push_tag("v0.1.1", sha)


def test_every_stage_of_the_demo_is_green(demo: Demo) -> None:
    assert (demo.code, demo.story.refused) == (0, None), demo.output[-6000:]
    assert [r.ok for _stage, r in demo.story.stages] == [True] * 10, _logs(demo.story.stages)


def test_preview_publishes_the_tested_run_number(demo: Demo) -> None:
    assert [r.ok for r in demo.runs("test.yml", "Preview")] == [True]
    assert "release_actions_sample-0.1.0.dev1-py3-none-any.whl" in demo.published()
    assert "release_actions_sample-0.1.0.dev1.tar.gz" in demo.published()


def test_the_tested_commit_and_run_number_are_handed_over(demo: Demo) -> None:
    """integration-eval recorded the tested commit; the preview resolved it through the GitHub
    stand-in (the zip fetched from its storage host without the token) and built from it."""
    [test] = demo.runs("test.yml", "Preview")
    [gate] = demo.runs("integration-eval.yml", "Preview")
    [preview] = demo.runs("internal-preview-release.yml", "Preview")
    assert f"Tested commit {test.head_sha} (on main), run number {test.run_number}, from run " \
        f"{gate.run_id}" in preview.log
    assert f"GET /repos/{REPOSITORY}/compare/main...{test.head_sha}" in demo.run.github.requests
    github = demo.run.github
    storage = [auth for request, auth in zip(github.requests, github.authorizations,
                                             strict=True) if request.startswith("GET /storage/")]
    assert storage and set(storage) == {""}


def test_a_run_that_recorded_nothing_publishes_nothing(demo: Demo) -> None:
    step = demo.no_record
    assert step.ok, step.log[-3000:]
    assert "holds no artifact 'tested-run'" in step.log
    assert "Rewrote" not in step.log and "uv publish" not in step.log


def test_the_gate_chose_the_live_provider_after_a_refusing_one(demo: Demo) -> None:
    [gate] = demo.runs("integration-eval.yml", "Preview")
    assert "rollout: provider=glm model=glm-5.1" in gate.log
    assert "judge: model=glm-5.1 verdict=OK" in gate.log
    assert demo.run.providers["deepseek"].received, "deepseek was never probed"
    assert "deepseek: HTTP 503" in gate.log


def test_final_version_on_main_skips_the_preview(demo: Demo) -> None:
    skip = demo.runs("internal-preview-release.yml", "release pull request")
    assert [r.ok for _s, r in demo.story.stages if _s.startswith("release pull request")] == \
        [True, True, True]
    assert "0.1.0 is a final version" in skip[0].log
    assert not any(re.search(r"0\.1\.0\.dev([2-9]|\d\d)", name) for name in demo.published())


def test_public_release_publishes_and_makes_the_github_release(demo: Demo) -> None:
    [public] = demo.runs("public-release.yml", "public release v0.1.0")
    assert public.ok, public.log[-4000:]
    assert {"release_actions_sample-0.1.0-py3-none-any.whl",
            "release_actions_sample-0.1.0.tar.gz"} <= set(demo.published())
    github = demo.run.github
    release = github.release("v0.1.0")
    assert release is not None
    assert (release["draft"], release["prerelease"]) == (False, False)
    assert sorted(asset["name"] for asset in release["_assets"]) == [
        "release_actions_sample-0.1.0-py3-none-any.whl", "release_actions_sample-0.1.0.tar.gz",
    ]
    # The sample's CHANGELOG.md section for 0.1.0 on top, GitHub's generated notes below.
    assert release["body"].startswith("### Added\n\n- The `release-actions-sample` command")
    assert release["body"].endswith(
        f"**Full Changelog**: {github.url}/stand-in/{REPOSITORY}/commits/v0.1.0")
    assert "Verified: " in public.log and "Inspection passed" in public.log
    job_tokens = {value for name, value in demo.run.canaries.items()
                  if name.startswith("REHEARSAL_TOKEN_")}
    assert {f"Bearer {token}" for token in job_tokens} & set(github.authorizations) or \
        {f"token {token}" for token in job_tokens} & set(github.authorizations)


def test_public_release_opens_the_bump_pull_request(demo: Demo) -> None:
    """After the release, bump-dev (its own job) pushed one branch moving main to 0.1.1.dev0,
    pyproject.toml and uv.lock alike, and opened one pull request into main."""
    [public] = demo.runs("public-release.yml", "public release v0.1.0")
    assert public.ok, public.log[-4000:]
    assert [(p["head"], p["base"]) for p in demo.run.github.pulls] == [(BUMP, "main")]
    assert 'version = "0.1.1.dev0"' in demo.branch_file(BUMP, "pyproject.toml")
    lock = demo.branch_file(BUMP, "uv.lock")
    assert 'name = "release-actions-sample"\nversion = "0.1.1.dev0"' in lock
    assert git(demo.run.origin, "rev-parse", f"refs/heads/{BUMP}^") == public.head_sha


def test_the_merged_bump_is_the_next_preview(demo: Demo) -> None:
    [test] = demo.runs("test.yml", "Next preview")
    assert f"release_actions_sample-0.1.1.dev{test.run_number}-py3-none-any.whl" in \
        demo.published()


def test_tag_not_on_main_is_refused(demo: Demo) -> None:
    [side] = demo.side
    assert not side.ok
    errors = [line for line in side.log.splitlines() if "::error" in line]
    assert any(re.search(r"The tag v0\.1\.1 points at commit [0-9a-f]{40}, which is not on "
                         r"origin/main", line) for line in errors), side.log[-3000:]
    assert not any(re.search(r"release_actions_sample-0\.1\.1(-py3|\.tar)", name)
                   for name in demo.published())
    assert demo.run.github.release("v0.1.1") is None
    assert demo.run.github.release("v0.1.1-side") is None
    assert len(demo.run.github.pulls) == 1  # no bump after a refused release


def test_the_preview_installs_back_with_pip_pre(demo: Demo) -> None:
    """`pip install --pre` gets the newest preview (the next one), plain `pip install` the
    public release; the module imports in both."""
    [test] = demo.runs("test.yml", "Next preview")
    newest, public = demo.story.installed
    assert (newest.name, newest.version) == ("release-actions-sample",
                                             f"0.1.1.dev{test.run_number}")
    assert public.version == "0.1.0"
    assert newest.modules == public.modules == ["release_actions_sample"]
    assert newest.missing is None


def test_the_story_is_told_doctor_first_with_each_decision(demo: Demo) -> None:
    """What `make demo` prints: doctor's findings before any workflow runs, the gate's probes
    explained, the preview's and the release's decisions, the skip, the install."""
    told = demo.output
    order = ["== One-time setup", "PyPI publisher (public): workflow public-release.yml, "
             "environment pypi-public", "no item failed", "== Preview", "▸ test.yml (push)",
             "→ gate deepseek: HTTP 503", "`--providers-down` made this stand-in answer 503",
             "judge model openai/glm-5.1  (`openai/` is LiteLLM's prefix",
             "→ Tested commit", "→ Rewrote 0.1.0.dev0 → 0.1.0.dev1",
             "== Release pull request: main 0.1.0.dev0 → 0.1.0",
             "✔ Skipping the preview: 0.1.0 is a final version",
             "== Public release v0.1.0", "→ v0.1.0 may be released as 0.1.0",
             "→ GitHub Release: ", "→ Opened pull request #1", "== Next preview",
             "== Install from the index", "→ pip install --pre release-actions-sample  → 0.1.1",
             "→ pip install release-actions-sample  → 0.1.0 (import release_actions_sample ok)",
             "# What happened", "Setup (doctor): no item failed",
             "Published through Trusted Publishing"]
    positions = [told.find(text) for text in order]
    assert -1 not in positions, [t for t, p in zip(order, positions, strict=True) if p < 0]
    assert positions == sorted(positions)


def test_canary_keys_never_appear_unmasked(demo: Demo) -> None:
    """No provider key or token in any act log, artifact, file of the copy or on the index,
    nor in what the demo printed."""
    secrets = [value for value in demo.run.canaries.values() if value]  # PYPI_PASSWORD: empty
    for run in [*demo.run.runs]:
        for secret in secrets:
            assert secret not in run.log, f"{secret[:12]}… leaked in {run.workflow}"
    assert demo.run.leaked() == []
    assert not any(secret in demo.output for secret in secrets)
    assert demo.story.doctor is not None
    assert not any(secret in demo.story.doctor.log for secret in secrets)


def test_doctor_finds_the_sample_consumer_ready(demo: Demo) -> None:
    """`release-actions doctor` in the copy's checkout, as `make demo` runs it first: the
    example workflows and the stand-in's environments pass, the forms name the workflow
    files, and the token never shows."""
    step = demo.story.doctor

    assert step is not None and step.code == 0, step and step.log
    assert "failed=0" in step.log.splitlines()
    assert "✅ environment `pypi-public`: exists" in step.log
    assert "Repository name:   release-actions-sample" in step.log
    assert "Workflow name:     public-release.yml" in step.log
    assert demo.run.canaries["DOCTOR_GITHUB_TOKEN"] not in step.log


def _logs(stages: list[tuple[str, WorkflowRun]]) -> str:
    return "\n".join(f"--- {r.workflow} exit {r.code}\n{r.log[-3000:]}" for _s, r in stages)


def test_the_example_repository_is_a_consumer_of_its_own(tmp_path: Path) -> None:
    """What `make demo` rehearses: the sample package at the root, the example workflows in
    .github/workflows/, one commit on main, the sample's GitHub URL as origin."""
    repository = example_repository(tmp_path / "sample")
    assert sorted(p.name for p in (repository / FOLDER).iterdir()) == [
        "integration-eval.yml", "internal-preview-release.yml", "public-release.yml",
        "test.yml"]
    assert (repository / "pyproject.toml").is_file()
    assert git(repository, "status", "--porcelain") == ""
    assert git(repository, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert repository_name(repository) == REPOSITORY
