"""`make demo` tells its story as it goes: each stage's header and each workflow run's start
reach a pipe when they happen, not when the process ends."""

from __future__ import annotations

import io
import types

import demo.__main__ as story
import pytest
from demo.pipeline import Pipelines, Step


class Pipe(io.StringIO):
    """stdout as a pipe sees it: only what was flushed has arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = ""

    def flush(self) -> None:
        self.arrived = self.getvalue()


def test_a_workflow_run_is_announced_before_it_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = Pipe()
    monkeypatch.setattr("sys.stdout", pipe)
    narrator = story.Narrator()

    narrator.started("test", "test.yml", "push")
    assert pipe.arrived.endswith("▸ test.yml (push) … ")

    narrator.finished(Step("test", "test.yml", 0, "log"))
    assert pipe.arrived.rstrip().endswith("ok in 0 s")


def test_each_stage_header_arrives_before_the_stage_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given stages that record what had arrived on the pipe when they started, then each saw
    its own header already there, and the simulated provider failure is labelled."""
    pipe = Pipe()
    monkeypatch.setattr("sys.stdout", pipe)
    seen: list[str] = []

    def act(run: Pipelines) -> str:
        seen.append(pipe.arrived)
        return "done"

    stages = (story.Stage("First", "does one", act), story.Stage("Second", "does two", act))
    monkeypatch.setattr(story, "STAGES", stages)
    monkeypatch.setattr(story, "report", lambda run, started: None)
    story.run_story(types.SimpleNamespace())  # type: ignore[arg-type]

    assert seen[0].rstrip().endswith("does one")
    assert "== Stage 2/2: Second" in seen[1] and "✔ done" in seen[1]
    line = story.explain_probe("deepseek: unauthorized (HTTP 401): refused")
    assert "simulated" in line


def test_the_refusing_stand_in_says_it_simulates_a_wrong_key() -> None:
    """The deepseek stand-in's 401 says what it simulates, and the demo's note says *** is the
    masked key, so `Bearer ***` is not read as a request without a key."""
    import requests

    from release_actions.rehearsal.providers import FakeProvider

    with FakeProvider("401") as server:
        answer = requests.post(f"{server.base_url}/chat/completions", json={}, timeout=10,
                               headers={"Authorization": "Bearer sk-wrong"})
    message = answer.json()["error"]["message"]
    assert answer.status_code == 401
    assert message.startswith("Stand-in provider simulating a wrong key:")
    line = story.explain_probe(f"deepseek: unauthorized (HTTP 401): {message}")
    assert "wrong" in line and "*** is the key, masked" in line


def test_the_judge_models_openai_prefix_is_explained() -> None:
    line = story.explain_selection("Selected glm (glm-5.1 at http://127.0.0.1:1/v1); rollout "
                                   "model glm/glm-5.1, judge model openai/glm-5.1")
    assert "OpenAI-compatible" in line and "not to OpenAI" in line
    assert story.explain_selection("rollout: provider=glm") == "rollout: provider=glm"


def test_the_demos_github_links_are_the_stand_ins_not_github_com(tmp_path) -> None:
    """A release the stand-in GitHub creates in the demo links to the stand-in's own address:
    its page, its generated notes and its assets."""
    import requests
    from demo.pipeline import REPOSITORY, pipelines

    with pipelines(tmp_path) as run:
        created = requests.post(
            f"{run.github.url}/repos/{REPOSITORY}/releases", timeout=10,
            json={"tag_name": "v9.9.9", "generate_release_notes": True},
            headers={"Authorization": "Bearer t"}).json()
    assert created["html_url"].startswith(f"{run.github.url}/")
    assert "https://github.com" not in created["html_url"] + created["body"]


def test_a_provider_never_probed_is_explained() -> None:
    assert "answered before its turn" in story.explain_probe("github-models: not probed")
