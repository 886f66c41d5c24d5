"""Helpers shared by the tests: run the CLI as a process, read the runner's files back, build
throw-away git repositories, run workflows under act."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools.act import (  # noqa: F401  (re-exported for the tests)
    CHECKOUT,
    ROOT,
    VENV_BIN,
    ActRun,
    clean_env,
    copy_tracked_tree,
    git,
    run_act,
)

from tests import forked

# The runner ends a line at any of these (actions/runner reads the step's output line by line).
RUNNER_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_HEREDOC = re.compile(r"^([^\n<=]+)<<(ghadelimiter_[0-9a-f-]+)\n(.*?)\n\2\n", re.S | re.M)


def parse_key_values(text: str) -> dict[str, str]:
    """Read a GITHUB_OUTPUT / GITHUB_ENV file as the runner does (heredoc records only)."""
    records: dict[str, str] = {}
    position = 0
    while position < len(text):
        match = _HEREDOC.match(text, position)
        assert match, f"unreadable record at {position}: {text[position:position + 80]!r}"
        records[match.group(1)] = match.group(3)
        position = match.end()
    return records


def runner_lines(text: str) -> list[str]:
    """The log as the runner splits it into lines."""
    return RUNNER_LINE_BREAK.split(text)


def commands_in(text: str) -> list[str]:
    """Every line the runner would read as a workflow command (`::x` or the older `##[x]`)."""
    return [line.strip() for line in runner_lines(text)
            if line.lstrip().startswith(("::", "##["))]


@dataclass
class Result:
    """One run of a command, in a process or in this one: its exit code, its log and the
    runner's files it wrote."""

    code: int
    stdout: str
    stderr: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    summary: str = ""

    @property
    def log(self) -> str:
        return self.stdout + self.stderr

    def errors(self) -> list[str]:
        """Every `::error` the runner would read from the log."""
        return [line for line in commands_in(self.log) if line.startswith("::error")]


def run_cli(
    command: str,
    *args: str,
    cwd: Path,
    inputs: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
    actions: bool = True,
    timeout: float = 120,
) -> Result:
    """Run `release-actions <command>` in a process of its own as a runner would (forked from a
    server that has imported the libraries: tests/forked.py): INPUT_* variables and
    GITHUB_OUTPUT/GITHUB_ENV/GITHUB_STEP_SUMMARY files in a scratch folder."""
    scratch = cwd / ".runner" if (cwd / ".runner").exists() else Path(
        subprocess.check_output(["mktemp", "-d"], text=True).strip()
    )
    files = {name: scratch / name.lower() for name in
             ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STEP_SUMMARY")}
    for path in files.values():
        path.write_text("")
    environment = clean_env(PYTHONPATH=str(ROOT / "src"))
    if actions:
        environment.update({name: str(path) for name, path in files.items()})
        environment["GITHUB_ACTIONS"] = "true"
        environment["GITHUB_WORKSPACE"] = str(cwd)
    for name, value in (inputs or {}).items():
        environment[f"INPUT_{name.upper().replace('-', '_')}"] = value
    environment.update(env or {})
    ran = forked.run([command, *args], cwd=cwd, env=environment, limit=timeout)
    if ran.code is None:
        raise subprocess.TimeoutExpired(["release-actions", command, *args], timeout, ran.stdout)
    result = Result(ran.code, ran.stdout, ran.stderr)
    if actions:
        result.outputs = parse_key_values(files["GITHUB_OUTPUT"].read_text())
        result.env = parse_key_values(files["GITHUB_ENV"].read_text())
        result.summary = files["GITHUB_STEP_SUMMARY"].read_text()
    shutil.rmtree(scratch, ignore_errors=True)
    return result


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file's bytes under `folder`, to prove nothing changed."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and ".git" not in path.parts
    }




def parse_inputs(
    declared: Any, inputs: dict[str, str], environ: dict[str, str] | None = None
) -> Any:
    """A command's typed inputs from `INPUT_*` values, as the CLI reads them."""
    from release_actions.command import read_inputs
    from release_actions.context import Context
    from release_actions.gha import Console

    env = {f"INPUT_{name.upper().replace('-', '_')}": value for name, value in inputs.items()}
    return read_inputs(declared, Context({**env, **(environ or {})}, Console(actions=False)))
