"""Helpers shared by the tests: run the CLI as a process, read the runner's files back, build
throw-away git repositories, run workflows under act."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
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


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    summary: str = ""

    @property
    def log(self) -> str:
        return self.stdout + self.stderr

    def errors(self) -> list[str]:
        return [line for line in self.log.splitlines() if line.startswith("::error")]


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without anything a runner would set."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("INPUT_", "GITHUB_", "RUNNER_", "ACTIONS_"))
    }
    env.update(extra)
    return env


def run_cli(
    command: str,
    *args: str,
    cwd: Path,
    inputs: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
    actions: bool = True,
    timeout: float = 120,
) -> Result:
    """Run `python -m release_actions <command>` as a runner would: INPUT_* variables and
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
    proc = subprocess.run(
        [sys.executable, "-m", "release_actions", command, *args],
        cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    result = Result(proc.returncode, proc.stdout, proc.stderr)
    if actions:
        result.outputs = parse_key_values(files["GITHUB_OUTPUT"].read_text())
        result.env = parse_key_values(files["GITHUB_ENV"].read_text())
        result.summary = files["GITHUB_STEP_SUMMARY"].read_text()
    shutil.rmtree(scratch, ignore_errors=True)
    return result


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


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file's bytes under `folder`, to prove nothing changed."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and ".git" not in path.parts
    }


def copy_tracked_tree(destination: Path) -> Path:
    """The files of this checkout that git tracks or would track (no .venv, no caches): what a
    consumer downloads for `uses: benchflow-ai/release-actions/...@v1`."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


# Full SHAs the example and test workflows pin; act maps each to a local stand-in folder.
CHECKOUT = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"


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
) -> ActRun:
    """`act <event>` in host mode against `workdir` (a git repository), with our actions
    resolved from `actions_repo`. `env` reaches every step (act's --env), `variables` are the
    `vars` context; secrets go through a file so they never sit on a command line."""
    command = [
        str(VENV_BIN / "act"), event,
        "-P", "ubuntu-latest=-self-hosted",
        "--local-repository", f"benchflow-ai/release-actions@v1={actions_repo}",
        "--no-cache-server",
    ]
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
