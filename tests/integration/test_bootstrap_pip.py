"""The composite bootstrap without uv, or when uv fails (devtools/composite.py runs the step as
GitHub's runner does): python -m venv and pip make or extend the job's venv, ensurepip gives it
a pip where no pip is at hand, and a pip failure is one ::error of ours. The fixtures and
helpers are test_bootstrap.py's (a file of its own so that neither file is long to run)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from devtools.composite import base_python, run_step, runner_path

from tests.integration.test_bootstrap import (
    OLD_UV,
    errors,
    failing_uv,
    fake_tool,
    imports,
    no_uv,
    outputs,
    project,
    rewrite,
    runner_temp,
    runner_with_pip,
    venv_of,
    with_uv,
)

__all__ = ["no_uv", "project", "runner_temp", "with_uv"]  # fixtures, used by name


@pytest.fixture(scope="session")
def python_without_pip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose `python3` is a Python 3.10+ that has no pip (a venv made without it)."""
    folder = tmp_path_factory.mktemp("python-without-pip")
    subprocess.run([str(base_python()), "-m", "venv", "--without-pip", str(folder / "venv")],
                   check=True)
    fake_tool(folder / "bin", "python3", f'exec "{folder}/venv/bin/python" "$@"')
    return folder / "bin"


def test_without_uv_pip_installs_only_the_core_set(project: Path, runner_temp: Path,
                                                    no_uv: str) -> None:
    """Given a runner with Python (and its pip) but no uv, when version-rewrite runs, then
    python -m venv makes a venv without pip, the interpreter's pip installs the core set only
    into it (not PyGithub, twine, uv), and the command runs."""
    result = rewrite(project, runner_temp, no_uv)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("uv is not on PATH; using python -m venv and pip") == 1
    assert outputs(runner_temp)["version"] == "1.0.dev5"
    venv = venv_of(runner_temp)
    assert (venv / "pyvenv.cfg").exists() and not (venv / "bin/pip").exists()
    assert sorted(marker.name for marker in venv.glob(".set-*")) == [".set-core"]
    assert (venv / ".complete").exists()
    assert imports(venv, "packaging, tomlkit, yaml")
    assert not imports(venv, "requests") and not imports(venv, "github")
    assert not list(runner_temp.glob("*.partial")) and not list(runner_temp.glob("*.log"))


def test_two_actions_in_one_job_reuse_and_extend_one_venv(project: Path, runner_temp: Path,
                                                          no_uv: str) -> None:
    """Given a job that runs version-rewrite, tag-guard, then version-rewrite again, the first
    makes the venv, the second adds the github set to the same venv, the third reuses it."""
    first = rewrite(project, runner_temp, no_uv)
    venv = venv_of(runner_temp)
    second = run_step("tag-guard", cwd=project, runner_temp=runner_temp, path=no_uv)
    third = rewrite(project, runner_temp, no_uv)
    assert first.returncode == 0 and third.returncode == 0, third.stdout + third.stderr
    assert "adding github to the environment" in second.stdout
    # tag-guard ran and refused its empty input itself: one ::error, its own.
    assert second.returncode == 2 and len(errors(second)) == 1
    assert "Input `tag` is empty" in errors(second)[0]
    assert f"reusing the environment {venv}" in third.stdout
    assert venv_of(runner_temp) == venv
    assert sorted(marker.name for marker in venv.glob(".set-*")) == [".set-core", ".set-github"]
    assert imports(venv, "github, requests, packaging")


def test_a_failing_uv_falls_back_to_pip_in_one_line(project: Path, runner_temp: Path,
                                                    tmp_path: Path) -> None:
    path = runner_with_pip(tmp_path / "bad-uv", uv=failing_uv(tmp_path / "fake"))
    result = rewrite(project, runner_temp, path)
    assert result.returncode == 0, result.stdout + result.stderr
    fallback = [line for line in result.stdout.splitlines() if "failed" in line]
    assert fallback == [f"release-actions: uv {OLD_UV} failed (missing field `version`); "
                        "using python -m venv and pip instead."]
    assert "TOML parse error" not in result.stdout + result.stderr
    assert errors(result) == [] and "(pip)" in result.stdout
    assert "uv = " not in (venv_of(runner_temp) / "pyvenv.cfg").read_text()  # not made by uv


def test_a_python_without_pip_gets_a_venv_with_pip(project: Path, runner_temp: Path,
                                                   tmp_path: Path,
                                                   python_without_pip: Path) -> None:
    tools = runner_path(tmp_path / "bare", python=False)
    result = rewrite(project, runner_temp, f"{python_without_pip}{os.pathsep}{tools}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (venv_of(runner_temp) / "bin/pip").exists()
    assert outputs(runner_temp)["version"] == "1.0.dev5"


def test_a_venv_made_by_uv_is_extended_by_pip_when_uv_fails(
    project: Path, runner_temp: Path, with_uv: str, tmp_path: Path, python_without_pip: Path
) -> None:
    """Given a venv that uv made (without pip), when a later action's uv fails and the Python
    on PATH has no pip either, then pip is put into the venv and adds the set."""
    assert rewrite(project, runner_temp, with_uv).returncode == 0
    tools = runner_path(tmp_path / "bad-uv", python=False, uv=failing_uv(tmp_path / "fake"))
    path = f"{python_without_pip}{os.pathsep}{tools}"
    result = run_step("integration-gate", cwd=project, runner_temp=runner_temp, path=path)
    assert "adding gate to the environment" in result.stdout
    assert "using python -m venv and pip instead" in result.stdout
    assert not any("release-actions bootstrap" in line for line in errors(result))
    venv = venv_of(runner_temp)
    assert imports(venv, "requests") and (venv / ".complete").exists()
    assert (venv / "bin/pip").exists()


def test_a_pip_failure_is_one_error_with_its_tail_folded(project: Path, runner_temp: Path,
                                                         no_uv: str, tmp_path: Path) -> None:
    """Given an index that has none of the packages, pip fails: its last lines are shown in a
    group that cannot issue workflow commands, then one ::error of ours; nothing is left."""
    empty = tmp_path / "empty-index"
    empty.mkdir()
    result = rewrite(project, runner_temp, no_uv, PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1",
                     PIP_FIND_LINKS=str(empty))
    assert result.returncode == 2
    (error,) = errors(result)
    assert "pip could not install the dependencies of `version-rewrite` (core)" in error
    lines = result.stdout.splitlines()
    start = lines.index("::group::pip: last lines of its output")
    token = lines[start + 1].removeprefix("::stop-commands::")
    assert token != lines[start + 1] and len(token) > 20
    folded = lines[start + 2:lines.index(f"::{token}::")]
    assert any("No matching distribution" in line or "Could not find" in line for line in folded)
    assert not list(runner_temp.glob("release-actions-venv-*"))
