"""examples/benchflow: BenchFlow's four workflows rebuilt with these actions keep BenchFlow's
jobs, conditions and consumers (read from its repository at 62cc7e417c67, main), use no release
script, hand the rollout the variables it reads, and stay shorter than what they replace."""

from __future__ import annotations

import re
import subprocess
from typing import Any

import pytest
import yaml

from release_actions.commands import integration_gate, tested_run
from release_actions.context import Context
from release_actions.gha import Console
from release_actions.providers import Endpoint, named
from tests.helpers import ROOT

FOLDER = ROOT / "examples/benchflow"
VENV_BIN = ROOT / ".venv/bin"
# BenchFlow's jobs and what each needs, at 62cc7e417c67.
JOBS = {
    "test.yml": {"test": [], "pip-audit": []},
    "integration-light.yml": {
        "detect-scope": [], "rollout-smoke": ["detect-scope"],
        "fixture-scenarios": ["detect-scope"],
        "release-gate": ["detect-scope", "rollout-smoke", "fixture-scenarios"],
    },
    "internal-preview-release.yml": {"provenance": [], "publish": ["provenance"]},
    "public-release.yml": {"publish": []},
}
# What they replace at that commit: the four workflows (781 lines) and the two scripts they run
# for the release (select_integration_provider.py 234, tools/release_version.py 192).
REPLACED_LINES = 781 + 426
LINE_BUDGET = 640
RELEASE_SCRIPTS = ("select_integration_provider", "release_version.py", "twine", "uv publish",
                   "gh release", "internal-preview-provenance/")
_PIN = re.compile(r"[^@\s]+@[0-9a-f]{40}\Z")


def load(name: str) -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load((FOLDER / name).read_text())
    return spec


def job_steps(name: str, job: str) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = load(name)["jobs"][job]["steps"]
    return steps


def uses(step: dict[str, Any]) -> str:
    return str(step.get("uses", "")).split("@")[0]


def test_the_four_workflows_keep_benchflows_jobs_and_needs() -> None:
    assert sorted(p.name for p in FOLDER.glob("*.yml")) == sorted(JOBS)
    for name, jobs in JOBS.items():
        found = load(name)["jobs"]
        assert list(found) == list(jobs), name
        for job, needs in jobs.items():
            declared = found[job].get("needs", [])
            assert ([declared] if isinstance(declared, str) else declared) == needs, job


def test_no_release_script_is_left() -> None:
    for path in FOLDER.glob("*.yml"):
        for script in RELEASE_SCRIPTS:
            runs = " ".join(str(step.get("run", "")) for job in load(path.name)["jobs"].values()
                            for step in job.get("steps", []))
            assert script not in runs, f"{path.name} still runs {script}"


def test_the_line_count_against_what_they_replace() -> None:
    lines = sum(len(path.read_text().splitlines()) for path in FOLDER.glob("*.yml"))
    assert lines <= LINE_BUDGET < REPLACED_LINES
    readme = (FOLDER / "README.md").read_text()
    assert f"| **{lines}** |" in readme, "the README's line count is current"


def test_every_third_party_action_is_pinned_to_a_full_sha() -> None:
    for path in FOLDER.glob("*.yml"):
        for job in load(path.name)["jobs"].values():
            for step in job.get("steps", []):
                ref = str(step.get("uses", ""))
                if ref and not ref.startswith("benchflow-ai/release-actions/"):
                    assert _PIN.match(ref), f"{path.name}: {ref}"


def test_zizmor_finds_nothing() -> None:
    proc = subprocess.run(
        [str(VENV_BIN / "zizmor"), "--offline", "--no-progress", "--config",
         str(ROOT / "zizmor.yml"), *sorted(str(p) for p in FOLDER.glob("*.yml"))],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_workflows_match_githubs_schema() -> None:
    proc = subprocess.run(
        [str(VENV_BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
         *sorted(str(p) for p in FOLDER.glob("*.yml"))],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_gate_exports_every_variable_the_rollout_reads() -> None:
    """The gate's inputs in rollout-smoke are valid, and every BENCHFLOW_* variable a later step
    reads is one `export-names: benchflow` writes, for each provider it may choose."""
    steps = job_steps("integration-light.yml", "rollout-smoke")
    at = next(i for i, step in enumerate(steps)
              if uses(step) == "benchflow-ai/release-actions/integration-gate")
    given = steps[at]["with"]
    assert given["export-names"] == "benchflow"
    ctx = Context({}, Console(actions=False))
    providers = next(spec for spec in integration_gate.COMMAND.inputs if spec.name == "providers")
    listed = providers.value(given["providers"], ctx)
    read = {name for step in steps[at + 1:]
            for name in re.findall(r"\$\{?(BENCHFLOW_\w+)", str(step.get("run", "")))}
    assert read == {"BENCHFLOW_INTEGRATION_AGENT", "BENCHFLOW_INTEGRATION_MODEL",
                    "BENCHFLOW_JUDGE_MODEL"}
    for name in listed:
        provider = named(name)
        assert provider is not None
        endpoint = Endpoint(provider, "https://x.example/v1", provider.model, "k", "K")
        assert read <= set(integration_gate.benchflow_exports(endpoint, "openhands")), name
    env = load("integration-light.yml")["jobs"]["rollout-smoke"]["env"]
    for name in listed:
        provider = named(name)
        assert provider is not None and set(provider.key_envs) & set(env), name


@pytest.mark.parametrize(("name", "job", "mode"), [
    pytest.param("integration-light.yml", "release-gate", "record", id="record"),
    pytest.param("internal-preview-release.yml", "provenance", "resolve", id="resolve"),
])
def test_provenance_is_benchflows_artifact(name: str, job: str, mode: str) -> None:
    [step] = [s for s in job_steps(name, job)
              if uses(s) == "benchflow-ai/release-actions/tested-run"]
    given = step.get("with", {})
    assert (given.get("mode", "resolve"), given["format"]) == (mode, "benchflow")
    assert tested_run.FORMATS[given["format"]] == "internal-preview-provenance"
    assert "artifact" not in given


def test_the_release_gate_records_only_after_every_consumer_succeeded() -> None:
    """The record step is the last, not `always()`, after the step that checks the three jobs'
    results (`needs` alone would only wait for them)."""
    steps = job_steps("integration-light.yml", "release-gate")
    assert uses(steps[-1]) == "benchflow-ai/release-actions/tested-run"
    assert "if" not in steps[-1]
    checks = steps[-2]
    for job in ("DETECT_SCOPE", "ROLLOUT_SMOKE", "FIXTURE_SCENARIOS"):
        assert f'"${job}_RESULT" != "success"' in checks["run"]
        assert f"needs.{job.lower().replace('_', '-')}.result" in checks["env"][f"{job}_RESULT"]


def test_the_preview_builds_the_tested_commit_with_the_tested_run_number() -> None:
    spec = load("internal-preview-release.yml")["jobs"]
    assert spec["publish"]["if"] == "needs.provenance.outputs.available == 'true'"
    assert "environment" not in spec["provenance"]
    steps = job_steps("internal-preview-release.yml", "publish")
    checkout = next(s for s in steps if uses(s) == "actions/checkout")
    assert checkout["with"]["ref"] == "${{ needs.provenance.outputs.sha }}"
    version = next(s for s in steps if uses(s) == "benchflow-ai/release-actions/version-rewrite")
    assert version["with"]["run-number"] == "${{ needs.provenance.outputs.run-number }}"
    publish = next(s for s in steps if uses(s) == "benchflow-ai/release-actions/publish")
    assert publish["if"] == "steps.version.outputs.publish == 'true'"


def test_public_release_guards_the_tag_before_publishing() -> None:
    steps = job_steps("public-release.yml", "publish")
    names = [uses(s) for s in steps]
    assert names.index("benchflow-ai/release-actions/tag-guard") < names.index(
        "benchflow-ai/release-actions/publish")
    assert load("public-release.yml")["jobs"]["publish"]["environment"] == "pypi-public"
