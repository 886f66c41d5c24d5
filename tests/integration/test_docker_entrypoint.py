"""The Docker flavour's entrypoint as a process, with the environment GitHub gives a Docker
action: every input of the root action.yml as `INPUT_<NAME>` with hyphens kept
(`INPUT_RUN-NUMBER`), empty when neither given nor defaulted, and the runner's files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import ROOT, Result, clean_env, parse_key_values

PYPROJECT = """\
[project]
name = "demo-pkg"
version = "1.2.3.dev0"  # next public release
description = "A package the Docker flavour rewrites."
"""


def github_docker_environ(workspace: Path, **given: str) -> dict[str, str]:
    """What the runner sets in a Docker action's container for `with: given`: every declared
    input (hyphens kept), defaults applied; expression defaults evaluate empty here, as they do
    on GitHub when their context is missing."""
    spec: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
    environ: dict[str, str] = {}
    for name, item in spec["inputs"].items():
        default = str(item.get("default", ""))
        environ[f"INPUT_{name.upper()}"] = "" if "${{" in default else default
    for key, value in spec["runs"].get("env", {}).items():
        environ[key] = "" if "${{" in str(value) else str(value)
    for name, value in given.items():
        environ[f"INPUT_{name.upper().replace('_', '-')}"] = value
    files = workspace.parent / "file_commands"
    files.mkdir(exist_ok=True)
    for name in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STEP_SUMMARY"):
        path = files / name.lower()
        path.write_text("")
        environ[name] = str(path)
    environ.update(GITHUB_ACTIONS="true", GITHUB_WORKSPACE=str(workspace))
    return environ


def run_entrypoint(argv: list[str], workspace: Path, environ: dict[str, str],
                   base: dict[str, str] | None = None) -> Result:
    proc = subprocess.run(
        argv, cwd=workspace, env={**(base or clean_env()), **environ},
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    return Result(
        proc.returncode, proc.stdout, proc.stderr,
        outputs=parse_key_values(Path(environ["GITHUB_OUTPUT"]).read_text()),
        env=parse_key_values(Path(environ["GITHUB_ENV"]).read_text()),
        summary=Path(environ["GITHUB_STEP_SUMMARY"]).read_text(),
    )


SOURCE_ENTRYPOINT = [sys.executable, "-m", "release_actions.docker"]


def source_env() -> dict[str, str]:
    return clean_env(PYTHONPATH=str(ROOT / "src"))


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "workspace"
    folder.mkdir()
    (folder / "pyproject.toml").write_text(PYPROJECT)
    return folder


def test_version_rewrite_reads_the_hyphenated_run_number(workspace: Path) -> None:
    """Given the Docker action with `command: version-rewrite` and `run-number: 7`, when the
    runner starts the container (INPUT_RUN-NUMBER=7, every other input set or empty), then the
    project holds 1.2.3.dev7, every other byte kept, and the outputs say so."""
    environ = github_docker_environ(workspace, command="version-rewrite", run_number="7")
    assert environ["INPUT_RUN-NUMBER"] == "7" and environ["INPUT_TAG"] == ""

    result = run_entrypoint(SOURCE_ENTRYPOINT, workspace, environ, source_env())

    assert result.code == 0, result.log
    assert result.outputs["version"] == "1.2.3.dev7"
    assert result.outputs["publish"] == "true"
    assert (workspace / "pyproject.toml").read_text() == PYPROJECT.replace(
        "1.2.3.dev0", "1.2.3.dev7")


@pytest.mark.parametrize(
    ("given", "message"),
    [
        pytest.param({}, "Input `command` is required", id="no-command"),
        pytest.param({"command": "deploy"}, "Input `command` must be one of", id="unknown"),
        pytest.param({"command": "version-rewrite", "run_number": "0"},
                     "Input `run-number` must be a positive whole number", id="bad-input"),
    ],
)
def test_bad_input_is_one_error_exit_2_and_nothing_changed(
    workspace: Path, given: dict[str, str], message: str
) -> None:
    environ = github_docker_environ(workspace, **{"run_number": "7", **given})
    if "command" not in given:
        environ["INPUT_COMMAND"] = ""

    result = run_entrypoint(SOURCE_ENTRYPOINT, workspace, environ, source_env())

    assert result.code == 2, result.log
    assert len(result.errors()) == 1 and message in result.errors()[0], result.log
    assert "Traceback" not in result.log
    assert (workspace / "pyproject.toml").read_text() == PYPROJECT
    assert result.outputs == {}
    assert message in result.summary


def test_an_unwritable_summary_met_while_reporting_no_command_stays_one_error(
    workspace: Path
) -> None:
    """The entrypoint refuses a missing `command` and cannot write the summary (/dev/full):
    still exit 2 and one `::error`, no traceback."""
    environ = github_docker_environ(workspace, run_number="7")
    environ.update(INPUT_COMMAND="", GITHUB_STEP_SUMMARY="/dev/full")
    proc = subprocess.run(SOURCE_ENTRYPOINT, cwd=workspace, env={**source_env(), **environ},
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    errors = [line for line in proc.stdout.splitlines() if line.startswith("::error")]
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert len(errors) == 1 and "Traceback" not in proc.stdout + proc.stderr


def test_a_secret_given_through_a_hyphenated_input_is_masked_first(workspace: Path) -> None:
    """Given a token in INPUT_GITHUB-TOKEN and a tag that tag-guard refuses, when the entrypoint
    runs, then the token is masked before any other line and appears nowhere else, not even in
    the refusal that quotes the tag."""
    canary = "ghs_canaryDockerToken0123456789"
    environ = github_docker_environ(
        workspace, command="tag-guard", tag=f"v9.9.9-{canary}", github_token=canary)

    result = run_entrypoint(SOURCE_ENTRYPOINT, workspace, environ, source_env())

    assert result.code == 1, result.log
    assert len(result.errors()) == 1 and "v9.9.9-***" in result.errors()[0]
    lines = result.stdout.splitlines()
    assert lines[0] == f"::add-mask::{canary}"
    assert canary not in "\n".join(lines[1:]) + result.stderr + result.summary
