"""Running things as a runner would: the environment without a runner's variables, throw-away
git repositories, and `act` (the `rehearse` extra) in host mode."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without anything a runner would set."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("INPUT_", "GITHUB_", "RUNNER_", "ACTIONS_"))
    }
    env.update(extra)
    return env


def git(cwd: Path, *args: str) -> str:
    env = clean_env(
        GIT_AUTHOR_NAME="Test", GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="Test", GIT_COMMITTER_EMAIL="test@example.com",
        GIT_CONFIG_NOSYSTEM="1", HOME=str(cwd),
    )
    return subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "-c", "protocol.file.allow=always", *args],
        cwd=cwd, env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()


@dataclass
class ActRun:
    code: int
    log: str


def run_act(
    workdir: Path,
    event: str,
    *,
    actions_repo: Path,
    workflow: str | None = None,
    event_payload: Path | None = None,
    local_repositories: dict[str, Path] | None = None,
    env: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
    variables: dict[str, str] | None = None,
    timeout: float = 600,
    skip_checkout: bool = True,
    cache: Path | None = None,
) -> ActRun:
    """`act <event>` in host mode against `workdir` (a git repository), with our actions
    resolved from `actions_repo`. `env` reaches every step (act's --env), `variables` are the
    `vars` context; secrets go through a file so they never sit on a command line. Act skips an
    `actions/checkout` of the repository itself and copies `workdir` in its place, unless
    `skip_checkout` is false (the rehearsal's checkout stand-in then runs for every one).
    `cache`: where act makes the jobs' workspaces (default ~/.cache/act); act removes one when
    its job ends, not when act itself is stopped."""
    command = [
        str(VENV_BIN / "act"), event,
        "-P", "ubuntu-latest=-self-hosted",
        "--local-repository", f"benchflow-ai/release-actions@v1={actions_repo}",
        "--no-cache-server",
    ]
    if not skip_checkout:
        command.append("--no-skip-checkout")
    if cache is not None:
        command += ["--action-cache-path", str(cache)]
    for name, folder in (local_repositories or {}).items():
        command += ["--local-repository", f"{name}={folder}"]
    if workflow:
        command += ["-W", workflow]
    if event_payload:
        command += ["-e", str(event_payload)]
    for name, value in (variables or {}).items():
        command += ["--var", f"{name}={value}"]
    for name, value in (env or {}).items():
        command += ["--env", f"{name}={value}"]
    if secrets:
        secret_file = workdir.parent / f"{workdir.name}.secrets"
        secret_file.write_text("".join(f"{k}={v}\n" for k, v in secrets.items()))
        command += ["--secret-file", str(secret_file)]
    environment = clean_env(PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    environment.pop("PYTHONPATH", None)
    proc = subprocess.run(
        command, cwd=workdir, env=environment, capture_output=True, text=True,
        timeout=timeout, stdin=subprocess.DEVNULL,
    )
    return ActRun(proc.returncode, proc.stdout + proc.stderr)
