"""`run_cli` without a new interpreter, for the many runs of a command whose subject is what
the command decides, not its process: the command's own code in the test's process, with the
environment and the runner's files `run_cli` gives it (real HTTP, real git as ever)."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from release_actions import cli
from tests.helpers import Result, clean_env, parse_key_values

RUNNER_FILES = ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STEP_SUMMARY")


def run_here(command: str, *, cwd: Path, inputs: dict[str, str] | None = None,
             env: dict[str, str] | None = None) -> Result:
    """`release-actions <command>` as `run_cli` runs it (a runner's INPUT_* variables and
    files, `cwd` the workspace), in this process."""
    scratch = Path(tempfile.mkdtemp())
    files = {name: scratch / name.lower() for name in RUNNER_FILES}
    for path in files.values():
        path.write_text("")
    environment = clean_env(GITHUB_ACTIONS="true", GITHUB_WORKSPACE=str(cwd),
                            **{name: str(path) for name, path in files.items()})
    for name, value in (inputs or {}).items():
        environment[f"INPUT_{name.upper().replace('-', '_')}"] = value
    environment.update(env or {})
    stdout, stderr = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        with redirect_stdout(stdout), redirect_stderr(stderr):
            code = cli.main([command], environment)
    finally:
        os.chdir(here)
    result = Result(code, stdout.getvalue(), stderr.getvalue(),
                    outputs=parse_key_values(files["GITHUB_OUTPUT"].read_text()),
                    env=parse_key_values(files["GITHUB_ENV"].read_text()),
                    summary=files["GITHUB_STEP_SUMMARY"].read_text())
    shutil.rmtree(scratch)
    return result
