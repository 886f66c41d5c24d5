"""Running a composite action's step as GitHub's runner does, without act: the step's `env:`
with its `${{ inputs.* }}` filled in, `GITHUB_ACTION_PATH` and the runner's files set, and the
`run:` text written to a script that `bash --noprofile --norc -eo pipefail` runs (the template
of `shell: bash`). Used by the bootstrap's tests and its benchmark."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from devtools.act import ROOT, clean_env

INPUT_EXPRESSION = re.compile(r"\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}")
# What bootstrap/run.sh calls besides bash and Python: a runner without them is not supported.
SHELL_TOOLS = ("bash", "env", "dirname", "sha256sum", "cut", "rm", "mv", "mkdir", "touch", "tail",
               "od", "tr", "cat", "sleep")
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


def base_python() -> Path:
    """The real interpreter behind this process (not a venv's, not a pyenv shim)."""
    return Path(sys.base_prefix) / "bin" / "python3"


def runner_path(folder: Path, *, python: bool = True, uv: Path | None = None,
                extra: Sequence[str] = ()) -> str:
    """A PATH of one folder holding bash and the coreutils the bootstrap uses (and `extra`),
    plus `python3` (the real interpreter) and `uv` when given: a runner with just these."""
    folder.mkdir(parents=True, exist_ok=True)
    tools: dict[str, Path] = {}
    for name in (*SHELL_TOOLS, *extra):
        found = shutil.which(name, path=SYSTEM_PATH)
        assert found, f"{name} is not installed"
        tools[name] = Path(found)
    if python:
        tools["python3"] = base_python()
    if uv is not None:
        tools["uv"] = uv
    for name, target in tools.items():
        (folder / name).symlink_to(target)
    return str(folder)


def step_env(action: Mapping[str, object], inputs: Mapping[str, str]) -> dict[str, str]:
    """The first step's `env:` with `${{ inputs.NAME }}` replaced as the runner would. The
    `github` context is not emulated: a default that is an expression of it is empty (pass the
    input to give it a value)."""
    declared = action["inputs"]
    assert isinstance(declared, dict)
    steps = action["runs"]["steps"]  # type: ignore[index]

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in inputs:
            return inputs[name]
        default = str(declared[name].get("default", ""))
        return "" if "${{" in default else default

    return {key: INPUT_EXPRESSION.sub(value, str(text))
            for key, text in (steps[0].get("env") or {}).items()}


def run_step(
    action_name: str,
    *,
    cwd: Path,
    runner_temp: Path,
    path: str,
    inputs: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    root: Path = ROOT,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """Run `<action_name>/action.yml`'s step in `cwd` (the workspace) with `path` as PATH."""
    process = start_step(action_name, cwd=cwd, runner_temp=runner_temp, path=path,
                         inputs=inputs, env=env, root=root)
    stdout, stderr = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def start_step(
    action_name: str,
    *,
    cwd: Path,
    runner_temp: Path,
    path: str,
    inputs: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    root: Path = ROOT,
) -> subprocess.Popen[str]:
    """`run_step` without waiting: the step runs in its own process group, as on a runner."""
    action_dir = root / action_name
    action = yaml.safe_load((action_dir / "action.yml").read_text())
    runner_temp.mkdir(parents=True, exist_ok=True)
    script = runner_temp / f"step-{action_name}-{len(list(runner_temp.glob('step-*')))}.sh"
    script.write_text(action["runs"]["steps"][0]["run"] + "\n")
    environment = runner_env(runner_temp, cwd, path)
    environment.update(step_env(action, inputs or {}))
    environment.update(GITHUB_ACTION_PATH=str(action_dir), **(env or {}))
    return subprocess.Popen(
        bash_command(path, script), cwd=cwd, env=environment, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def bash_command(path: str, script: Path) -> Sequence[str]:
    bash = shutil.which("bash", path=path)
    assert bash, "the runner's PATH has no bash"
    return [bash, "--noprofile", "--norc", "-eo", "pipefail", str(script)]


def runner_env(runner_temp: Path, workspace: Path, path: str) -> dict[str, str]:
    """What the runner sets for every step, with no variable of this process's venv."""
    environment = clean_env(
        PATH=path, CI="true", GITHUB_ACTIONS="true", RUNNER_OS="Linux",
        RUNNER_TEMP=str(runner_temp), GITHUB_WORKSPACE=str(workspace),
    )
    for name in ("OUTPUT", "ENV", "STEP_SUMMARY"):
        target = runner_temp / f"github_{name.lower()}"
        target.touch()
        environment[f"GITHUB_{name}"] = str(target)
    for name in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"):
        environment.pop(name, None)
    return environment
