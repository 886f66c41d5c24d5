"""Running the packaging tools as sub-processes: which binary, with which environment, and their
output relayed to the log folded and redacted."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from release_actions import git
from release_actions.deadline import Deadline
from release_actions.errors import CheckFailed, ConfigError
from release_actions.gha import Console

# The runner's own settings must not change where or as whom this action uploads, and no child
# uses the job's tokens (the `github-token` input is an INPUT_* too).
CHILD_ENV_DROPPED = ("INPUT_", "UV_PUBLISH_", "ACTIONS_RUNTIME_TOKEN", "GITHUB_TOKEN")
# Build backends, build requirements and twine must not be able to mint a PyPI token (OIDC):
# only `uv publish` gets these, for Trusted Publishing.
CREDENTIALS_ENV = ("ACTIONS_ID_TOKEN_REQUEST_",)


def uv_binary() -> str:
    """The `uv` installed with this package (never the runner's PATH)."""
    from uv import find_uv_bin

    try:
        return find_uv_bin()
    except FileNotFoundError:
        raise ConfigError("The `uv` binary of release-actions' environment is missing; "
                          "reinstall release-actions (its `uv` dependency).") from None


def child_environment(environ: Mapping[str, str], *, publishing: bool) -> dict[str, str]:
    """The sub-processes' environment; the job's credentials only when `publishing`."""
    dropped = CHILD_ENV_DROPPED if publishing else CHILD_ENV_DROPPED + CREDENTIALS_ENV
    return {key: value for key, value in environ.items() if not key.startswith(dropped)}


class TimedOut(CheckFailed):
    """A sub-process did not finish within its deadline and was stopped (exit 1)."""

    title = "Timed out"


def _stop(proc: subprocess.Popen[str], stopped: threading.Event) -> None:
    stopped.set()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def stream(console: Console, title: str, argv: Sequence[str], *, cwd: Path,
           env: Mapping[str, str], obey_masks: bool = False, deadline: Deadline | None = None,
           on_timeout: str = "") -> tuple[int, str]:
    """Run `argv`, its output folded in a log group (secrets redacted); returns (exit code,
    output). A child's `::add-mask::` is honoured only when `obey_masks` (uv publish masking
    its upload token); a build backend's is printed as text, so it cannot rewrite the log.
    When the step's `deadline` passes, the child and everything it started are killed and
    `TimedOut` (ending with `on_timeout`, how to go on) is raised."""
    lines = []
    stopped = threading.Event()
    with console.group(title):
        # Its own process group, so a timeout stops the helpers it started too.
        proc = subprocess.Popen(
            list(argv), cwd=cwd, env=dict(env), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, errors="replace",
            start_new_session=True,
        )
        timer = threading.Timer(max(0.0, deadline.remaining()), _stop,
                                (proc, stopped)) if deadline else None
        if timer:
            timer.daemon = True
            timer.start()
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip("\n")
            if obey_masks and line.startswith("::add-mask::"):
                console.mask(line.removeprefix("::add-mask::"))
                continue
            lines.append(console.redact(line))
            console.info(line)
        code = proc.wait()
        if timer:
            timer.cancel()
    if stopped.is_set() and deadline:
        raise TimedOut(f"`{title}` did not finish within {deadline.seconds:g} s and was stopped. "
                       f"{on_timeout}".rstrip())
    return code, "\n".join(lines)


def last_lines(output: str, count: int = 6) -> str:
    tail = [line.strip() for line in output.splitlines() if line.strip()][-count:]
    return " / ".join(tail) or "no output"


def reproducible(env: Mapping[str, str], cwd: Path) -> dict[str, str]:
    """`SOURCE_DATE_EPOCH` = the commit's time unless set: backends that stamp times (setuptools)
    then build the same bytes again, so a re-run after a partial upload matches the index."""
    env = dict(env)
    if "SOURCE_DATE_EPOCH" not in env:
        stamp = git.commit_time(cwd)
        if stamp:
            env["SOURCE_DATE_EPOCH"] = stamp
    return env
