"""Every action file: inputs mapped through env:, no template expressions in run: text, the
README table current, the command's declared inputs equal to the action's, zizmor and the
GitHub Actions schema clean."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from devtools import actions, docs

from release_actions import cli
from tests.helpers import ROOT, VENV_BIN

ACTIONS = docs.action_dirs()
COMPOSITES = [path for path in ACTIONS if path.name in cli.COMMANDS]
EXPRESSION = re.compile(r"\$\{\{")


def load(folder: Path) -> dict:
    return yaml.safe_load((folder / "action.yml").read_text())


def test_every_command_has_a_composite_action() -> None:
    assert {path.name for path in COMPOSITES} == set(cli.COMMANDS)


@pytest.mark.parametrize("folder", COMPOSITES, ids=lambda p: p.name)
def test_every_input_is_mapped_through_env(folder: Path) -> None:
    """Given a composite action, when GitHub runs it (which sets no INPUT_* for composites),
    then every input still reaches the command through an explicit env: mapping."""
    spec = load(folder)
    steps = spec["runs"]["steps"]
    mapped = {}
    for step in steps:
        for key, value in (step.get("env") or {}).items():
            mapped[key] = str(value)
    for name in spec.get("inputs", {}):
        key = f"INPUT_{name.upper().replace('-', '_')}"
        assert mapped.get(key) == f"${{{{ inputs.{name} }}}}", f"{folder.name}: {key} not mapped"


@pytest.mark.parametrize("folder", COMPOSITES, ids=lambda p: p.name)
def test_no_expression_inside_run_text(folder: Path) -> None:
    for step in load(folder)["runs"]["steps"]:
        assert not EXPRESSION.search(step.get("run", "")), f"{folder.name}: ${{{{ in run:"


@pytest.mark.parametrize("folder", COMPOSITES, ids=lambda p: p.name)
def test_action_inputs_equal_the_command_inputs(folder: Path) -> None:
    """The CLI flags and the action inputs are one list: names and literal defaults agree."""
    declared = {spec.name: spec for spec in cli.load(folder.name).inputs}
    action_inputs = load(folder).get("inputs", {})
    assert set(action_inputs) == set(declared)
    for name, item in action_inputs.items():
        default = str(item.get("default", ""))
        if "${{" not in default and declared[name].default is not None:
            assert default == declared[name].default, f"{folder.name}: default of {name}"


@pytest.mark.parametrize("folder", COMPOSITES, ids=lambda p: p.name)
def test_outputs_come_from_the_run_step(folder: Path) -> None:
    for name, item in (load(folder).get("outputs") or {}).items():
        assert item["value"] == f"${{{{ steps.run.outputs.{name} }}}}"


def test_composite_action_files_are_generated_from_the_declarations() -> None:
    """Each `<name>/action.yml` is what `make docs` renders from the command's declaration."""
    assert actions.stale() == [], "run `make docs` to regenerate the action.yml files"


def test_readme_tables_are_current() -> None:
    assert docs.stale() == [], "run `make docs` to refresh the README tables"


def test_zizmor_finds_nothing() -> None:
    targets = [str(path / "action.yml") for path in ACTIONS]
    targets += [str(p) for folder in (ROOT / ".github/workflows", ROOT / "examples/workflows")
                for p in sorted(folder.glob("*.yml"))]
    # The rehearsal's stand-ins for third-party actions run in the user's workflows too.
    targets += [str(p) for p in sorted((ROOT / "src/release_actions/rehearsal/standins")
                                       .glob("*/action.yml"))]
    if (ROOT / "action.yml").exists():
        targets.append(str(ROOT / "action.yml"))
    proc = subprocess.run(
        [str(VENV_BIN / "zizmor"), "--offline", "--no-progress", "--config",
         str(ROOT / "zizmor.yml"), *targets],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_action_files_match_the_github_schema() -> None:
    files = [str(path / "action.yml") for path in ACTIONS]
    if (ROOT / "action.yml").exists():
        files.append(str(ROOT / "action.yml"))
    proc = subprocess.run(
        [str(VENV_BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-actions", *files],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_workflow_files_match_the_github_schema() -> None:
    files = sorted(str(p) for folder in (ROOT / ".github/workflows", ROOT / "examples/workflows")
                   for p in folder.glob("*.yml"))
    if not files:
        pytest.skip("no workflow files yet")
    proc = subprocess.run(
        [str(VENV_BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
         *files],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
