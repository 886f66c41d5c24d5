"""examples/benchflow rehearsed end to end on a stand-in BenchFlow repository (tests/e2e/
benchflow_repo.py): BenchFlow's four workflows, unchanged, under act, every stage green, and
what BenchFlow's own steps read from these actions (the selector's exports, the provenance
artifact) is what they get."""

from __future__ import annotations

import io
import os
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from release_actions.rehearsal.actions import write_actions
from release_actions.rehearsal.cli import Story, preview, public, report_document
from release_actions.rehearsal.discovery import discover
from release_actions.rehearsal.run import Options, Rehearsal, WorkflowRun, rehearsal
from tests.e2e.benchflow_repo import (
    FINAL,
    JUDGE_NEEDS,
    ROLLOUT_NEEDS,
    WORKFLOWS,
    make_benchflow,
    python_312,
)
from tests.e2e.consumers import snapshot

pytestmark = pytest.mark.e2e
SMOKE_TASK = "jax-computing-basics"  # integration-light's default task


@pytest.fixture
def python312() -> Path:
    try:
        return python_312()
    except LookupError as missing:
        pytest.skip(str(missing))


def _plain(log: str) -> str:
    """The log without the colours uv and pytest give it under act."""
    return re.sub(r"\x1b\[[0-9;]*m", "", log)


def _provenance(run: Rehearsal, gate: WorkflowRun) -> dict[str, str]:
    [artifact] = [a for a in run.github.artifacts
                  if a["run_id"] == gate.run_id and a["name"] == "internal-preview-provenance"]
    with zipfile.ZipFile(io.BytesIO(run.github.zips[artifact["id"]])) as files:
        return {name: files.read(name).decode() for name in files.namelist()}


@pytest.mark.timeout(1500)
def test_benchflows_four_workflows_are_green_end_to_end(tmp_path: Path, python312: Path) -> None:
    """Given the stand-in BenchFlow with examples/benchflow as its workflows, when its push to
    main, the release pull request and the tag are rehearsed, then every job of every run is
    green: the preview X.Y.Z.dev<test run number> is built from the tested commit, the tag
    publishes X.Y.Z with its GitHub Release, and on the way BenchFlow's rollout, judge and
    scenarios got the selector's variables from integration-gate and the internal preview got
    `tested-sha` and `source-run-number` in `internal-preview-provenance`."""
    source = make_benchflow(tmp_path / "benchflow")
    before = snapshot(source)
    work = tmp_path / "work"
    pipeline = discover(source, write_actions(work / "actions"))
    assert sorted(w.name for w in pipeline.workflows) == sorted(WORKFLOWS)

    with rehearsal(work, source, pipeline, Options("benchflow-ai/benchflow")) as run:
        story = Story(run)
        preview(story, "Preview")
        public(story, None)
        report = report_document(story)

        assert {s["conclusion"] for s in report["stages"]} == {"success"}, report["stages"]
        names = [r.workflow for r in run.runs]
        assert names == [*WORKFLOWS[:3], *WORKFLOWS[:3], WORKFLOWS[3]], names
        first_test, first_gate = run.runs[0], run.runs[1]
        assert {r.jobs["release-gate"] for r in run.runs if r.workflow == WORKFLOWS[1]} == \
            {"success"}
        # The provenance is BenchFlow's: the `test` run's commit and number, as its printf
        # '%s\n' wrote them.
        assert _provenance(run, first_gate) == {"tested-sha": f"{first_test.head_sha}\n",
                                                "source-run-number": f"{first_test.run_number}\n"}
        published = {(p["version"], p["channel"]) for p in report["published"]}
        assert published == {(f"{FINAL}.dev{first_test.run_number}", "preview"),
                             (FINAL, "public")}
        assert report["release"]["tag"] == f"v{FINAL}"
        assert "first public release" in report["release"]["body"]
        assert report["canaries_leaked"] == 0

        # The selector's exports reached BenchFlow's steps: the top provider answered the
        # gate's probe, then the rollout (the task as prompt) and the judge (the rollout's
        # answer) with the same key; nobody else was asked (hedged probing).
        deepseek = run.providers["deepseek"].received
        key = f"Bearer {run.canaries['DEEPSEEK_API_KEY']}"
        assert {r.authorization for r in deepseek} == {key}
        prompts = [str(r.body["messages"][0]["content"]) for r in deepseek]
        assert prompts.count(SMOKE_TASK) == 2 and prompts.count("OK") == 2, prompts
        assert all(not p.received for n, p in run.providers.items() if n != "deepseek")
        rollout = _plain(first_gate.log)
        assert f"rollout of {SMOKE_TASK}: openhands with deepseek/deepseek-v4-flash" in rollout
        assert '"judge_model": "openai/deepseek-v4-flash"' in rollout
        assert "test_sandbox_parity PASSED" in rollout
        assert "test_oracle_determinism PASSED" in rollout
        # `uv python install 3.12` was served the local 3.12, installed in the copy.
        assert run.pythons is not None
        assert [v for v in run.pythons.requested if v.startswith("3.12.")] == \
            [python312.parent.parent.name]
        assert (work / "pythons/bin/python3.12").exists()
        # pip-audit ran as written, asking PyPI (see examples/benchflow/README.md).
        assert "No known vulnerabilities found" in _plain(first_test.log)
    assert snapshot(source) == before


@pytest.mark.parametrize(("command", "needs"), [
    (["-c", "import sys; from benchflow.cli import main; sys.exit(main())", "eval", "run",
      *(f"--{o}=x" for o in ("source-repo", "source-path", "source-ref", "include", "sandbox",
                             "skill-mode", "usage-tracking", "concurrency",
                             "agent-idle-timeout", "agent", "model")), "--jobs-dir=jobs"],
     ROLLOUT_NEEDS),
    (["tests/integration/agent_judge.py", "jobs", "--model", "m", "--json"], JUDGE_NEEDS),
], ids=["rollout", "judge"])
def test_benchflows_steps_fail_without_the_selectors_exports(
        tmp_path: Path, python312: Path, command: list[str], needs: tuple[str, ...]) -> None:
    """The stand-ins are no pushover: run without what the gate exports (as with
    `export-names: generic`), the rollout and the judge stop and name every missing one."""
    source = make_benchflow(tmp_path / "benchflow")
    env = {k: v for k, v in os.environ.items() if k not in needs}
    env["PYTHONPATH"] = str(source / "src")
    done = subprocess.run([str(python312), *command], cwd=source, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"::error::not exported by the provider selector: {', '.join(needs)}" in done.stdout
    assert not (source / "jobs").exists()
