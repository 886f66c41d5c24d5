"""The four example workflows end to end under act, as `make demo` runs them: the published
files, the skip of a final version, the public release and its GitHub Release, the refusal of a
tag that is not on main, and canary keys that never appear unmasked anywhere."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from demo.pipeline import CANARIES, GITHUB_TOKEN, Pipelines, Step, pipelines

from tests.helpers import git

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipelines]:
    with pipelines(tmp_path_factory.mktemp("pipelines")) as started:
        yield started


@pytest.fixture(scope="module")
def history(run: Pipelines) -> dict[str, list[Step] | str]:
    """main at 0.1.0.dev0 → preview (installed back); 0.1.0 on main → preview skipped; tag
    v0.1.0 → public release; a tag on a branch that is not main → refused."""
    steps: dict[str, list[Step] | str] = {"preview-sha": run.head()}
    steps["preview"] = run.preview_pipeline(test_run=41)
    steps["installed-pre"] = run.install(pre=True)
    # An integration-eval run that recorded nothing (a pull request's): nothing to publish.
    run.github.add_run(run.eval_run_id(7), 7)
    steps["no-record"] = [run.internal_preview(eval_run=7)]
    run.set_version("0.1.0")
    steps["skip"] = run.preview_pipeline(test_run=42)
    steps["public-tip"] = git(run.origin, "rev-parse", "refs/heads/main")
    steps["public"] = [run.public_release("v0.1.0")]
    git(run.consumer, "checkout", "-q", "-b", "side")
    run.set_version("0.1.1", branch="side")
    steps["side"] = [run.public_release("v0.1.1", branch="side")]
    return steps


def test_preview_publishes_the_tested_run_number(run: Pipelines, history) -> None:
    assert [step.ok for step in history["preview"]] == [True, True, True], _logs(history["preview"])
    assert "release_actions_sample-0.1.0.dev41-py3-none-any.whl" in run.published()
    assert "release_actions_sample-0.1.0.dev41.tar.gz" in run.published()


def test_the_tested_commit_and_run_number_are_handed_over(run: Pipelines, history) -> None:
    """integration-eval recorded the tested commit; the preview resolved it through the GitHub
    stand-in (the zip fetched from its storage host without the token) and built from it."""
    tested_sha = history["preview-sha"]
    preview = history["preview"][2].log
    assert f"Tested commit {tested_sha} (on main), run number 41, from run " \
        f"{run.eval_run_id(1041)}" in preview
    assert f"GET /repos/benchflow-ai/release-actions-sample/compare/main...{tested_sha}" in \
        run.github.requests
    storage = [auth for request, auth in zip(run.github.requests, run.github.authorizations,
                                             strict=True) if request.startswith("GET /storage/")]
    assert storage and set(storage) == {""}


def test_a_run_that_recorded_nothing_publishes_nothing(run: Pipelines, history) -> None:
    [step] = history["no-record"]
    assert step.ok, step.log[-3000:]
    assert "holds no artifact 'tested-run'" in step.log
    assert "Rewrote" not in step.log and "uv publish" not in step.log


def test_the_gate_chose_the_live_provider_after_a_refusing_one(run: Pipelines, history) -> None:
    log = history["preview"][1].log
    assert "rollout: provider=glm model=glm-5.1" in log
    assert "judge: model=glm-5.1 verdict=OK" in log
    assert run.providers["deepseek"].received, "deepseek was never probed"
    assert "unauthorized" in log


def test_final_version_on_main_skips_the_preview(run: Pipelines, history) -> None:
    assert [step.ok for step in history["skip"]] == [True, True, True], _logs(history["skip"])
    assert "0.1.0 is a final version" in history["skip"][2].log
    assert not any("0.1.0.dev42" in name for name in run.published())


def test_public_release_publishes_and_makes_the_github_release(run: Pipelines, history) -> None:
    public = history["public"][0]
    assert public.ok, public.log[-4000:]
    assert {"release_actions_sample-0.1.0-py3-none-any.whl",
            "release_actions_sample-0.1.0.tar.gz"} <= set(run.published())
    release = run.github.release("v0.1.0")
    assert release is not None
    assert (release["draft"], release["prerelease"]) == (False, False)
    assert sorted(asset["name"] for asset in release["_assets"]) == [
        "release_actions_sample-0.1.0-py3-none-any.whl", "release_actions_sample-0.1.0.tar.gz",
    ]
    # The sample's CHANGELOG.md section for 0.1.0 on top, GitHub's generated notes below.
    assert release["body"].startswith("### Added\n\n- The `release-actions-sample` command")
    assert release["body"].endswith(
        f"**Full Changelog**: {run.github.url}/stand-in/benchflow-ai/release-actions-sample/"
        "commits/v0.1.0")
    assert "Verified: " in public.log and "Inspection passed" in public.log
    assert f"Bearer {GITHUB_TOKEN}" in run.github.authorizations or \
        f"token {GITHUB_TOKEN}" in run.github.authorizations


def test_public_release_opens_the_bump_pull_request(run: Pipelines, history) -> None:
    """After the release, bump-dev (its own job) pushed one branch moving main to 0.1.1.dev0,
    pyproject.toml and uv.lock alike, and opened one pull request into main."""
    public = history["public"][0]
    assert public.ok, public.log[-4000:]
    head = "release-actions/bump-v0.1.1.dev0"
    assert [(p["head"], p["base"]) for p in run.github.pulls] == [(head, "main")]
    assert 'version = "0.1.1.dev0"' in run.branch_file(head, "pyproject.toml")
    lock = run.branch_file(head, "uv.lock")
    assert 'name = "release-actions-sample"\nversion = "0.1.1.dev0"' in lock
    assert git(run.origin, "rev-parse", f"refs/heads/{head}^") == history["public-tip"]


def test_tag_not_on_main_is_refused(run: Pipelines, history) -> None:
    side = history["side"][0]
    assert side.code != 0
    errors = [line for line in side.log.splitlines() if "::error" in line]
    assert any(re.search(r"The tag v0\.1\.1 points at commit [0-9a-f]{40}, which is not on "
                         r"origin/main", line) for line in errors), side.log[-3000:]
    assert not any("release_actions_sample-0.1.1" in name for name in run.published())
    assert run.github.release("v0.1.1-side") is None
    assert len(run.github.pulls) == 1  # no bump after a refused release


def test_the_preview_installs_back_with_pip_pre(run: Pipelines, history) -> None:
    assert history["installed-pre"] == "release-actions-sample 0.1.0.dev41"
    assert run.install(pre=False) == "release-actions-sample 0.1.0"


def test_canary_keys_never_appear_unmasked(run: Pipelines, history) -> None:
    """No provider key or token in any act log, in any artifact, or on the index."""
    secrets = [*CANARIES.values(), GITHUB_TOKEN]
    for steps in history.values():
        for step in steps if isinstance(steps, list) else []:
            for secret in secrets:
                assert secret not in step.log, f"{secret[:12]}… leaked in {step.workflow}"
    for path in run.artifacts.rglob("*"):
        if path.is_file():
            text = path.read_bytes()
            assert not any(secret.encode() in text for secret in secrets), path


def test_doctor_finds_the_sample_consumer_ready(run: Pipelines) -> None:
    """`release-actions doctor` in the consumer's checkout, as `make demo` runs it: the
    example workflows and the stand-in's environments pass, the forms name the workflow
    files, and the token never shows."""
    step = run.doctor()

    assert step.ok, step.log
    assert "failed=0" in step.log.splitlines()
    assert "✅ environment `pypi-public`: exists" in step.log
    assert "Repository name:   release-actions-sample" in step.log
    assert "Workflow name:     public-release.yml" in step.log
    assert GITHUB_TOKEN not in step.log


def _logs(steps: list[Step]) -> str:
    return "\n".join(f"--- {s.workflow} exit {s.code}\n{s.log[-3000:]}" for s in steps)
