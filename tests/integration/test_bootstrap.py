"""The composite bootstrap: one venv per job keyed by uv.lock, made with uv when it is on PATH
and with python3 -m venv + pip otherwise, reused by every later action."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, VENV_BIN, clean_env

BOOTSTRAP = ROOT / "bootstrap/run.sh"


def bootstrap(project: Path, runner_temp: Path, path: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(
        PATH=path, RUNNER_TEMP=str(runner_temp), INPUT_RUN_NUMBER="5", INPUT_DRY_RUN="true",
    )
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(["bash", str(BOOTSTRAP), "version-rewrite"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=600)


def path_without_uv(tmp_path: Path) -> str:
    """PATH with python3, git and coreutils but no uv."""
    tools = tmp_path / "tools"
    tools.mkdir()
    for name in ("python3", "bash", "sha256sum", "cut", "uname", "dirname", "rm", "touch"):
        found = shutil.which(name, path="/usr/local/bin:/usr/bin:/bin")
        if name == "python3":  # the real interpreter, not a shim or this venv
            found = str(Path(sys.base_prefix) / "bin" / "python3")
        assert found, name
        (tools / name).symlink_to(found)
    return str(tools)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1.0.dev0"\n')
    return folder


def test_uv_path_creates_once_and_reuses(project: Path, tmp_path: Path) -> None:
    path = f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"
    first = bootstrap(project, tmp_path, path)
    second = bootstrap(project, tmp_path, path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "creating the environment" in first.stdout
    assert "version=1.0.dev5" in first.stdout and "version=1.0.dev5" in second.stdout
    assert "reusing the environment" in second.stdout
    venvs = list(tmp_path.glob("release-actions-venv-*"))
    assert len(venvs) == 1 and (venvs[0] / ".complete").exists()


@pytest.mark.e2e
def test_pip_path_without_uv(project: Path, tmp_path: Path) -> None:
    """Given a runner without uv, the bootstrap makes the venv with pip from the hashed
    requirements, and the command runs in it."""
    result = bootstrap(project, tmp_path, path_without_uv(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "creating the environment" in result.stdout
    venv = next(tmp_path.glob("release-actions-venv-*"))
    assert (venv / ".complete").exists()
    assert (venv / "bin/pip").exists()  # made by python3 -m venv, not uv
    assert "version=1.0.dev5" in result.stdout


def test_half_made_venv_is_made_again(project: Path, tmp_path: Path) -> None:
    path = f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"
    bootstrap(project, tmp_path, path)
    key_venv = next(tmp_path.glob("release-actions-venv-*"))
    (key_venv / ".complete").unlink()
    again = bootstrap(project, tmp_path, path)
    assert again.returncode == 0
    assert "creating the environment" in again.stdout


def test_requirements_agree_with_the_lock() -> None:
    exported = subprocess.run(
        [str(VENV_BIN / "uv"), "export", "--locked", "--no-dev", "--no-emit-project",
         "--format", "requirements-txt", "--quiet"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    committed = (ROOT / "bootstrap/requirements.txt").read_text()

    def requirement_lines(text: str) -> list[str]:
        return [line for line in text.splitlines() if not line.startswith("#")]

    assert requirement_lines(exported) == requirement_lines(committed), (
        "run: uv export --locked --no-dev --no-emit-project --format requirements-txt "
        "-o bootstrap/requirements.txt"
    )


def test_the_callers_checkout_cannot_shadow_a_module(project: Path, tmp_path: Path) -> None:
    """Given a checkout with a top-level `packaging/` (or any module name we import), the action
    still runs our code and its dependencies, never the checkout's."""
    (project / "packaging").mkdir()
    (project / "packaging/__init__.py").write_text(
        'print("::error::hijacked")\nraise SystemExit(9)\n'
    )
    (project / "release_actions.py").write_text('raise SystemExit(8)\n')
    result = bootstrap(project, tmp_path, f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "hijacked" not in result.stdout
    assert "version=1.0.dev5" in result.stdout
