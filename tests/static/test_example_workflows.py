"""The example workflows stay short and script-free: every decision is one of our actions, the
shell runs only the project's own commands, and the preview publishes only what tested-run
resolved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import ROOT

EXAMPLES = sorted((ROOT / "examples/workflows").glob("*.yml"))
# The four workflows together, blank lines and comments not counted: at most 200 for the
# release itself, plus the 12 lines of the bump-dev job in public-release.yml.
LINE_BUDGET = 200 + 12


def steps(path: Path) -> list[dict[str, Any]]:
    spec = yaml.safe_load(path.read_text())
    return [step for job in spec["jobs"].values() for step in job.get("steps", [])]


def meaningful_lines(path: Path) -> int:
    return sum(1 for line in path.read_text().splitlines()
               if line.strip() and not line.lstrip().startswith("#"))


def test_the_four_workflows_fit_the_line_budget() -> None:
    assert len(EXAMPLES) == 4
    assert sum(meaningful_lines(path) for path in EXAMPLES) <= LINE_BUDGET


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_no_inline_script(path: Path) -> None:
    """A `run:` is one command line, never a script (a heredoc, a printf into a file)."""
    for step in steps(path):
        text = step.get("run", "")
        assert "\n" not in text.strip() and "<<" not in text, f"{path.name}: {text!r}"


def test_the_preview_publishes_only_what_tested_run_resolved() -> None:
    preview = steps(ROOT / "examples/workflows/internal-preview-release.yml")
    names = [step.get("uses", "").split("@")[0] for step in preview]
    resolved_at = names.index("benchflow-ai/release-actions/tested-run")
    assert preview[resolved_at].get("with", {}).get("mode", "resolve") == "resolve"
    for step in preview[resolved_at + 1:]:
        assert "steps.tested.outputs.available == 'true'" in step.get("if", "") or \
            step.get("if") == "steps.version.outputs.publish == 'true'", step
    checkout = next(step for step in preview if "checkout" in step.get("uses", ""))
    assert checkout["with"]["ref"] == "${{ steps.tested.outputs.sha }}"


def test_integration_eval_records_after_the_judge() -> None:
    gate = steps(ROOT / "examples/workflows/integration-eval.yml")
    judged = next(i for i, step in enumerate(gate) if "judge.py" in step.get("run", ""))
    recorded = next(i for i, step in enumerate(gate)
                    if step.get("uses", "").startswith("benchflow-ai/release-actions/tested-run@"))
    assert recorded > judged
    assert gate[recorded]["with"]["mode"] == "record"
    assert "if" not in gate[recorded] or "always()" not in gate[recorded]["if"]
