"""What a rehearsal reports of a run: jobs by id whatever their `name:`, the Fix from an error a
step printed (never from a script act only shows), and every provider the gate knows stood in."""

from __future__ import annotations

from pathlib import Path

import yaml

from release_actions.rehearsal import shim
from release_actions.rehearsal.cli import _fix
from release_actions.rehearsal.run import _JOB_END, PROVIDER_NAMES, WorkflowRun
from release_actions.rehearsal.view import write_view
from release_actions.workflows import read_workflow

NAMED = """name: Ship
on: push
jobs:
  provenance:
    name: Find tested release provenance
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
"""


def test_the_view_drops_job_names_so_act_logs_job_ids(tmp_path: Path) -> None:
    path = tmp_path / "ship.yml"
    path.write_text(NAMED)

    view = write_view(read_workflow(path, tmp_path), tmp_path / "view.yml", {})

    job = yaml.safe_load(view.read_text())["jobs"]["provenance"]
    assert "name" not in job and job["steps"] == [{"run": "echo hi"}]
    assert _JOB_END.findall("[Ship/provenance] 🏁  Job succeeded") == [
        ("provenance", "succeeded")]


def _run(log: str) -> WorkflowRun:
    return WorkflowRun("test.yml", "test", "push", 1, 1, "0" * 40, 1, log, {"test": "failure"})


def test_the_fix_is_the_error_a_step_printed_not_one_its_script_shows() -> None:
    script = 'test -x "$UV" || { echo "::error::UV has no uv"; exit 1; }'
    log = "\n".join([
        f"[test/test] ⭐ Run Main {script}",
        f"[test/test]   ✅  Success - Main {script}",
        "[test/test]   | ::error file=pyproject.toml::the lock is stale",
        "[test/test]   ❌  Failure - Main uv sync --locked",
        f"[test/audit] ⭐ Run Main {script}",
    ])
    assert _fix(_run(log)) == "the lock is stale"
    assert "run the same command" in _fix(_run(f"[test/test] ⭐ Run Main {script}"))


def test_every_provider_the_gate_knows_is_sent_to_its_stand_in() -> None:
    """Gemini too: BenchFlow lists it, and a rehearsal never reaches a real provider."""
    from release_actions.providers import KNOWN

    assert {provider.name for provider in KNOWN} <= set(PROVIDER_NAMES)
    environ = {f"REHEARSAL_PROVIDER_{name.upper().replace('-', '_')}": f"http://local/{name}"
               for name in PROVIDER_NAMES}
    environ["GEMINI_BASE_URL"] = "https://generativelanguage.googleapis.com/v1beta/openai"

    shim.provider_stand_ins(environ)

    assert environ["GEMINI_BASE_URL"] == "http://local/gemini"
    assert environ["DEEPSEEK_BASE_URL"] == "http://local/deepseek"
