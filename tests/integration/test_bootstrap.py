"""The composite bootstrap, run as GitHub's runner runs an action's step (devtools/composite.py):
one venv per job keyed by uv.lock, holding only the dependency sets the job's commands needed,
made with uv when it is on PATH and works and with python -m venv + pip otherwise, reused and
extended by later actions; every failure ends in one ::error of ours."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from devtools.composite import base_python, run_step, runner_path, start_step

from tests.helpers import VENV_BIN, parse_key_values

OLD_UV = "0.4.30"
# What uv 0.4.30 prints for our uv.lock (`uv sync --locked`), and its exit code.
OLD_UV_ERROR = """error: Failed to parse `uv.lock`
  Caused by: TOML parse error at line 1814, column 1
     |
1814 | [[package]]
     | ^^^^^^^^^^^
missing field `version`
"""
INPUTS = {"run-number": "5", "dry-run": "true"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1.0.dev0"\n')
    return folder


@pytest.fixture
def runner_temp(tmp_path: Path) -> Path:
    return tmp_path / "runner-temp"


def runner_with_pip(folder: Path, *, uv: Path | None = None) -> str:
    """`runner_path`, whose `python3` has a recent pip as a runner's Python does: the tests'
    interpreter with the pip uv.lock pins, not whatever pip the machine's Python has. A link
    would lose the tests' venv (Python finds it beside the path it is run as)."""
    path = runner_path(folder, python=False, uv=uv)
    fake_tool(folder, "python3", f'exec "{sys.executable}" "$@"')
    return path


@pytest.fixture
def no_uv(tmp_path: Path) -> str:
    return runner_with_pip(tmp_path / "no-uv")


@pytest.fixture
def with_uv(tmp_path: Path) -> str:
    return runner_path(tmp_path / "with-uv", uv=VENV_BIN / "uv")


@pytest.fixture(scope="module")
def made_by_uv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The venv a first version-rewrite of a job leaves with uv on PATH, made once per module
    by the real bootstrap; `given_the_jobs_venv` copies it for a test that starts from it."""
    folder = tmp_path_factory.mktemp("made-by-uv")
    project, runner_temp = folder / "project", folder / "runner-temp"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1.0.dev0"\n')
    made = rewrite(project, runner_temp, runner_path(folder / "with-uv", uv=VENV_BIN / "uv"))
    assert made.returncode == 0, made.stdout + made.stderr
    return venv_of(runner_temp)


def given_the_jobs_venv(made_by_uv: Path, runner_temp: Path) -> Path:
    """A copy of the venv an earlier version-rewrite of the job made (with uv), in this test's
    RUNNER_TEMP: new files (a test may change them) that its manifest describes."""
    runner_temp.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copytree(made_by_uv, runner_temp / made_by_uv.name, symlinks=True))


@pytest.fixture(scope="session")
def old_uv(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real uv 0.4.30 binary, from its wheel on PyPI (cached between test runs when
    pytest's cache is on)."""
    cache = getattr(request.config, "cache", None)
    folder = (cache.mkdir(f"uv-{OLD_UV}") if cache is not None
              else tmp_path_factory.mktemp(f"uv-{OLD_UV}"))
    binary = folder / "bin/uv"
    if not binary.exists():
        subprocess.run([str(base_python()), "-m", "pip", "download", "--quiet", "--no-deps",
                        "--only-binary=:all:", f"uv=={OLD_UV}", "-d", str(folder)], check=True)
        wheel = next(folder.glob(f"uv-{OLD_UV}-*.whl"))
        subprocess.run([str(base_python()), "-m", "zipfile", "-e", str(wheel), str(folder)],
                       check=True)
        binary.parent.mkdir()
        (folder / f"uv-{OLD_UV}.data/scripts/uv").rename(binary)
        binary.chmod(0o755)
    return binary


def fake_tool(folder: Path, name: str, script: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    tool = folder / name
    tool.write_text(f"#!/bin/bash\n{script}\n")
    tool.chmod(0o755)
    return tool


def failing_uv(folder: Path) -> Path:
    """A uv that fails as 0.4.30 does on our lock, whatever it is asked."""
    return fake_tool(folder, "uv", f'if [ "$1" = --version ]; then echo "uv {OLD_UV}"; exit 0; fi\n'
                                   f"cat >&2 <<'EOF'\n{OLD_UV_ERROR}EOF\nexit 2")


def venv_of(runner_temp: Path) -> Path:
    (venv,) = runner_temp.glob("release-actions-venv-" + "?" * 16)  # not .log, .partial
    return venv


def errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in (result.stdout + result.stderr).splitlines()
            if line.startswith("::error")]


def outputs(runner_temp: Path) -> dict[str, str]:
    return parse_key_values((runner_temp / "github_output").read_text())


def imports(venv: Path, modules: str) -> bool:
    return subprocess.run([str(venv / "bin/python"), "-I", "-c", f"import {modules}"],
                          capture_output=True).returncode == 0


def rewrite(project: Path, runner_temp: Path, path: str,
            **env: str) -> subprocess.CompletedProcess[str]:
    return run_step("version-rewrite", cwd=project, runner_temp=runner_temp, path=path,
                    inputs=INPUTS, env=env)


def test_uv_makes_the_venv_and_the_second_action_reuses_it(project: Path, runner_temp: Path,
                                                           with_uv: str) -> None:
    first = rewrite(project, runner_temp, with_uv)
    second = rewrite(project, runner_temp, with_uv)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "creating the environment" in first.stdout and "(uv 0." in first.stdout
    assert "reusing the environment" in second.stdout
    assert outputs(runner_temp)["version"] == "1.0.dev5"
    assert not (venv_of(runner_temp) / "bin/pip").exists()  # uv made it


def test_an_old_uv_still_makes_the_venv(project: Path, runner_temp: Path, tmp_path: Path,
                                        old_uv: Path) -> None:
    """Given uv 0.4.30 first on PATH (it cannot read our uv.lock), the bootstrap never asks it
    to: it installs the hashed requirements exported from the lock, which 0.4.30 reads."""
    path = runner_path(tmp_path / "old-uv", uv=old_uv)
    result = rewrite(project, runner_temp, path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"(uv {OLD_UV})" in result.stdout
    assert errors(result) == []
    assert outputs(runner_temp)["version"] == "1.0.dev5"


def test_without_python_one_error_says_what_to_add(project: Path, runner_temp: Path,
                                                   tmp_path: Path) -> None:
    """Given a runner whose PATH has bash and coreutils but no Python, the step fails with
    exactly one ::error that names what is missing and actions/setup-python."""
    path = runner_path(tmp_path / "bare", python=False)
    result = rewrite(project, runner_temp, path)
    assert result.returncode == 2
    (error,) = errors(result)
    assert "Python 3.10 or later" in error and "no `python3`, no `python`" in error
    assert "actions/setup-python" in error
    assert "command not found" not in result.stdout + result.stderr
    assert not list(runner_temp.glob("release-actions-venv-*"))


def test_an_old_python3_is_refused_but_a_new_python_is_used(project: Path, runner_temp: Path,
                                                            tmp_path: Path) -> None:
    """Given `python3` 3.8 first on PATH, the bootstrap says so; given also a `python` 3.10+
    (as on Windows runners), it uses that one."""
    fake = tmp_path / "fake"
    fake_tool(fake, "python3", 'echo "3.8"; exit 1')
    tools = runner_path(tmp_path / "bare", python=False, uv=VENV_BIN / "uv")
    refused = rewrite(project, runner_temp, f"{fake}{os.pathsep}{tools}")
    assert refused.returncode == 2
    (error,) = errors(refused)
    assert "found: `python3` 3.8, no `python`" in error
    (fake / "python").symlink_to(base_python())
    used = rewrite(project, runner_temp, f"{fake}{os.pathsep}{tools}")
    assert used.returncode == 0, used.stdout + used.stderr
    assert outputs(runner_temp)["version"] == "1.0.dev5"


def test_a_cancelled_step_leaves_no_environment(project: Path, runner_temp: Path,
                                                tmp_path: Path, with_uv: str) -> None:
    """Given a step cancelled while the venv is being made (the runner interrupts the step's
    processes), the half-made venv is removed, and the next action makes a whole one."""
    started = tmp_path / "started"
    # The process that marks `started` is the one that then sleeps: once the mark exists, the
    # interrupt reaches the sleeper. (A shell's `touch` then `exec sleep` left a window: an
    # interrupt there ended `touch` normally, and the shell went on to sleep for 60 s.)
    sleeper = ("import sys, time; open(sys.argv[1], 'w').close(); time.sleep(60)")
    slow_uv = fake_tool(tmp_path / "fake", "uv",
                        'if [ "$1" = --version ]; then echo "uv 9.9"; exit 0; fi\n'
                        f'mkdir -p "${{!#}}"; exec "{sys.executable}" -c "{sleeper}" '
                        f'"{started}"')
    path = runner_path(tmp_path / "slow-uv", uv=slow_uv)
    step = start_step("version-rewrite", cwd=project, runner_temp=runner_temp, path=path,
                      inputs=INPUTS)
    deadline = time.monotonic() + 60
    while not started.exists() and time.monotonic() < deadline and step.poll() is None:
        time.sleep(0.05)
    assert list(runner_temp.glob("*.partial")), "the fake uv did not start"
    os.killpg(step.pid, signal.SIGINT)
    stdout, _ = step.communicate(timeout=60)
    assert step.returncode == 130
    assert "cancelled; the unfinished environment was removed" in stdout
    assert not list(runner_temp.glob("release-actions-venv-*"))
    again = rewrite(project, runner_temp, with_uv)
    assert again.returncode == 0, again.stdout + again.stderr


def test_a_killed_step_leftover_is_made_again(project: Path, runner_temp: Path,
                                              with_uv: str, made_by_uv: Path) -> None:
    """Given a venv without `.complete` and a stray `.partial` (a step killed outright), the
    next action makes the venv again rather than trusting either."""
    venv = given_the_jobs_venv(made_by_uv, runner_temp)
    (venv / ".complete").unlink()
    Path(f"{venv}.partial").mkdir()
    again = rewrite(project, runner_temp, with_uv)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "creating the environment" in again.stdout
    assert (venv / ".complete").exists() and not Path(f"{venv}.partial").exists()


def test_an_unknown_command_is_one_error(project: Path, runner_temp: Path, with_uv: str,
                                         tmp_path: Path) -> None:
    script = tmp_path / "step.sh"
    script.write_text(f'"{Path(__file__).parents[2]}/bootstrap/run.sh" nonsense\n')
    result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                            cwd=project, capture_output=True, text=True,
                            env={"PATH": with_uv, "RUNNER_TEMP": str(runner_temp)})
    assert result.returncode == 2
    (error,) = errors(result)
    assert "no command `nonsense`" in error and "version-rewrite, tag-guard" in error


def test_the_callers_checkout_cannot_shadow_a_module(project: Path, runner_temp: Path,
                                                     with_uv: str) -> None:
    """Given a checkout with a top-level `packaging/` (or any module name we import), the action
    still runs our code and its dependencies, never the checkout's."""
    (project / "packaging").mkdir()
    (project / "packaging/__init__.py").write_text(
        'print("::error::hijacked")\nraise SystemExit(9)\n'
    )
    (project / "release_actions.py").write_text("raise SystemExit(8)\n")
    result = rewrite(project, runner_temp, with_uv)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "hijacked" not in result.stdout
    assert outputs(runner_temp)["version"] == "1.0.dev5"


@pytest.mark.skipif(sys.platform == "win32", reason="the composite steps run bash")
def test_the_runner_temp_of_a_windows_runner_is_converted(project: Path, tmp_path: Path,
                                                          with_uv: str) -> None:
    """Given RUNNER_TEMP as Windows spells it (D:\\a\\_temp) and Git Bash's cygpath, the venv is
    made under the converted path."""
    converted = tmp_path / "converted"
    converted.mkdir()
    cygpath = fake_tool(tmp_path / "fake", "cygpath", f'echo "{converted}"')
    path = f"{cygpath.parent}{os.pathsep}{with_uv}"
    result = run_step("version-rewrite", cwd=project, runner_temp=tmp_path / "temp", path=path,
                      inputs=INPUTS, env={"RUNNER_TEMP": "D:\\a\\_temp"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert venv_of(converted).is_dir()


# --- a venv an earlier step of the job wrote into ---------------------------------------------

PLANTED = "import os; open({marker!r}, 'w').write(os.environ.get('INPUT_RUN_NUMBER', ''))\n"


def _site_packages(venv: Path) -> Path:
    (site,) = venv.glob("lib/python3*/site-packages")
    return site


def _plant_pth(venv: Path, marker: Path) -> None:
    (_site_packages(venv) / "zz-planted.pth").write_text(PLANTED.format(marker=str(marker)))


def _change_module(venv: Path, marker: Path) -> None:
    """A new file in the module's place: uv hard-links a venv's files to its cache, and
    changing one in place would change every venv made from that cache."""
    module = _site_packages(venv) / "packaging" / "__init__.py"
    text = module.read_text()
    module.unlink()
    module.write_text(text + PLANTED.format(marker=str(marker)))


def _relink_python(venv: Path, marker: Path) -> None:
    """The venv's interpreter replaced by a script that records the step's inputs first."""
    python = venv / "bin" / "python"
    real = os.path.realpath(python)
    python.unlink()
    python.write_text(f'#!/bin/bash\necho "$INPUT_RUN_NUMBER" > {marker}\nexec {real} "$@"\n')
    python.chmod(0o755)


@pytest.mark.parametrize("plant", [_plant_pth, _change_module, _relink_python],
                         ids=["pth", "changed-module", "interpreter"])
def test_a_venv_changed_by_an_earlier_step_is_made_again_unrun(
    plant: object, project: Path, runner_temp: Path, with_uv: str, tmp_path: Path,
    made_by_uv: Path
) -> None:
    """Given the job's venv, then an earlier step that plants code in it (a `.pth`, a changed
    module, the interpreter), when the next action runs, then nothing planted runs: the venv
    is made again, with one warning that names what changed."""
    venv = given_the_jobs_venv(made_by_uv, runner_temp)
    marker = tmp_path / "planted-ran"
    plant(venv, marker)  # type: ignore[operator]
    result = rewrite(project, runner_temp, with_uv)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not marker.exists(), f"planted code ran: {result.stdout}"
    warnings = [line for line in result.stdout.splitlines() if line.startswith("::warning")]
    assert len(warnings) == 1 and "changed since release-actions made it" in warnings[0]
    assert "creating the environment" in result.stdout
    again = rewrite(project, runner_temp, with_uv)
    assert "reusing the environment" in again.stdout and "::warning" not in again.stdout
    assert not marker.exists()


def test_running_the_command_leaves_the_venv_as_its_manifest_says(
    project: Path, runner_temp: Path, no_uv: str
) -> None:
    """Python writes no bytecode into the venv at run time (compiled when made, run with -B):
    the third action still finds the venv its manifest describes."""
    for _ in range(3):
        result = rewrite(project, runner_temp, no_uv)
        assert result.returncode == 0 and "::warning" not in result.stdout, result.stdout
    assert "reusing the environment" in result.stdout


def test_a_runner_temp_with_line_breaks_forges_no_workflow_command(
    project: Path, tmp_path: Path, with_uv: str
) -> None:
    """RUNNER_TEMP is printed in the bootstrap's lines: a line break in it must not start a
    line of its own that the runner would read as a command."""
    temp = tmp_path / "t\n::error::forged\r::warning::forged"
    temp.mkdir()
    result = run_step("version-rewrite", cwd=project, runner_temp=temp, path=with_uv,
                      inputs=INPUTS, env={"RUNNER_TEMP": str(temp)})
    assert result.returncode == 0, result.stdout + result.stderr
    lines = re.split(r"\r\n|\r|\n", result.stdout + result.stderr)
    assert not [line for line in lines if line.lstrip().startswith(("::error", "::warning"))]


def test_a_planted_file_is_not_blessed_by_extending_the_venv(
    project: Path, runner_temp: Path, with_uv: str, tmp_path: Path, made_by_uv: Path
) -> None:
    """The venv is checked before a set is added to it, so the new manifest never records a
    planted file as ours."""
    marker = tmp_path / "planted-ran"
    _plant_pth(given_the_jobs_venv(made_by_uv, runner_temp), marker)
    result = run_step("tag-guard", cwd=project, runner_temp=runner_temp, path=with_uv)
    assert "changed since release-actions made it" in result.stdout
    assert "zz-planted.pth was added" in result.stdout
    assert not (_site_packages(venv_of(runner_temp)) / "zz-planted.pth").exists()
    assert not marker.exists()
