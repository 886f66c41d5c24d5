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


def test_a_provider_never_probed_is_explained() -> None:
    assert "answered before its turn" in story.explain_probe("github-models: not probed")
