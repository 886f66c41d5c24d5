"""The few git questions the actions ask, through the `git` program itself.

Every call runs `git` with its output captured; a failure becomes a `GitError` that quotes the
command and what git said, so the caller can decide whether git's silence is fatal."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from release_actions.errors import ConfigError

REMOTE = "origin"
# Bounded so a hung remote cannot hold a release job for the default six hours.
TIMEOUT_SECONDS = 300


class GitError(ConfigError):
    """git could not answer: not installed, not a repository, remote unreachable, bad ref."""

    title = "git failed"

    def __init__(self, args: list[str], detail: str, returncode: int | None = None) -> None:
        status = f" (exit {returncode})" if returncode is not None else ""
        super().__init__(f"`git {' '.join(args)}` failed{status}: {detail or 'no message'}")
        self.args_run = args
        self.detail = detail
        self.returncode = returncode


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: str
    stderr: str


def _environment(
    extra: Mapping[str, str] | None = None, config: Sequence[tuple[str, str]] = ()
) -> dict[str, str]:
    environ = dict(os.environ)
    # Never wait for a password or a host-key prompt: there is nobody to answer it.
    environ.update(GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="", SSH_ASKPASS="", LC_ALL="C")
    environ.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
    environ.update(extra or {})
    environ.update(config_env(environ, config))
    return environ


def config_env(environ: Mapping[str, str], settings: Sequence[tuple[str, str]]) -> dict[str, str]:
    """`settings` as GIT_CONFIG_COUNT/KEY/VALUE (git 2.31+), after those `environ` already
    holds: configuration for one command, never in argv (which any process can read), never in
    .git/config. A key may come twice (an empty value first resets a list)."""
    if not settings:
        return {}
    count = environ.get("GIT_CONFIG_COUNT", "0")
    start = int(count) if count.isdigit() else 0
    added = {"GIT_CONFIG_COUNT": str(start + len(settings))}
    for index, (key, value) in enumerate(settings, start=start):
        added[f"GIT_CONFIG_KEY_{index}"] = key
        added[f"GIT_CONFIG_VALUE_{index}"] = value
    return added


def run(
    cwd: Path,
    *args: str,
    ok_codes: tuple[int, ...] = (0,),
    env: Mapping[str, str] | None = None,
    config: Sequence[tuple[str, str]] = (),
    timeout: float = TIMEOUT_SECONDS,
) -> Completed:
    """`git <args>` in `cwd`; an exit code outside `ok_codes` raises `GitError`, and so does no
    answer within `timeout` seconds. `env` and `config` are for this one command (a credential
    passed there never shows in argv)."""
    argv = list(args)
    try:
        # Its own process group: on a timeout the helpers git starts (git-remote-http, ssh)
        # are killed with it, or they would keep the pipes open and the wait going.
        proc = subprocess.Popen(
            ["git", *argv], cwd=cwd, env=_environment(env, config), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, errors="replace",
            start_new_session=True,
        )
    except FileNotFoundError:
        raise GitError(argv, "git is not installed or not on PATH") from None
    except NotADirectoryError:
        raise GitError(argv, f"{cwd} is not a directory") from None
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise GitError(argv, f"no answer within {timeout:g} s") from None
    if proc.returncode not in ok_codes:
        raise GitError(argv, stderr.strip()[:2000], proc.returncode)
    return Completed(proc.returncode, stdout.strip(), stderr.strip())


def is_shallow(cwd: Path) -> bool:
    """True in a shallow clone (actions/checkout's default `fetch-depth: 1`)."""
    return run(cwd, "rev-parse", "--is-shallow-repository").stdout == "true"


def commit_of(cwd: Path, ref: str) -> str | None:
    """The commit `ref` points at, annotated tags peeled; None when the ref does not exist."""
    found = run(cwd, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", ok_codes=(0, 1))
    return found.stdout or None


def commit_time(cwd: Path) -> str | None:
    """HEAD's commit time (Unix seconds), or None outside a git checkout."""
    try:
        return run(cwd, "log", "-1", "--format=%ct").stdout or None
    except GitError:
        return None


def tag_commit(cwd: Path, tag: str) -> str | None:
    return commit_of(cwd, f"refs/tags/{tag}")


def fetch_tag(cwd: Path, tag: str, timeout: float = TIMEOUT_SECONDS) -> Completed:
    """Fetch one tag from origin, e.g. when the checkout was of a branch."""
    return run(cwd, "fetch", "--no-tags", REMOTE, f"+refs/tags/{tag}:refs/tags/{tag}",
               timeout=timeout)


def remote_branch(branch: str) -> str:
    return f"refs/remotes/{REMOTE}/{branch}"


def fetch_branch(cwd: Path, branch: str, timeout: float = TIMEOUT_SECONDS) -> Completed:
    """Bring `origin/<branch>` up to date with its whole history; a shallow clone is unshallowed
    first, since ancestry cannot be answered across a shallow boundary."""
    depth = ["--unshallow"] if is_shallow(cwd) else []
    return run(
        cwd, "fetch", "--no-tags", *depth, REMOTE,
        f"+refs/heads/{branch}:{remote_branch(branch)}", timeout=timeout,
    )


def missing_remote_ref(error: GitError) -> bool:
    """True when git reached origin and origin has no such ref (not a network failure)."""
    return "couldn't find remote ref" in error.detail


def is_ancestor(cwd: Path, commit: str, ref: str) -> bool:
    """`git merge-base --is-ancestor`: True when `commit` is reachable from `ref`."""
    return run(cwd, "merge-base", "--is-ancestor", commit, ref, ok_codes=(0, 1)).returncode == 0


def toplevel(cwd: Path) -> Path:
    """The root of the checkout that holds `cwd`."""
    return Path(run(cwd, "rev-parse", "--show-toplevel").stdout)


def add_detached_worktree(cwd: Path, folder: Path, commit: str) -> None:
    """Check `commit` out in `folder`, leaving the checkout at `cwd` as it is."""
    run(cwd, "worktree", "add", "--quiet", "--detach", str(folder), commit)


def remove_worktree(cwd: Path, folder: Path) -> None:
    run(cwd, "worktree", "remove", "--force", str(folder), ok_codes=(0, 128))
    run(cwd, "worktree", "prune", ok_codes=(0, 128))


def remote_url(cwd: Path) -> str:
    return run(cwd, "remote", "get-url", REMOTE).stdout


def merged_tags(cwd: Path) -> list[str]:
    """Every tag whose commit is reachable from HEAD, newest first."""
    return run(cwd, "tag", "--merged", "HEAD", "--sort=-creatordate").stdout.splitlines()


def fetch_history_and_tags(cwd: Path) -> Completed:
    """Complete a shallow clone: its whole history and every tag, so `merged_tags` can answer."""
    return run(cwd, "fetch", "--unshallow", "--tags", REMOTE)


def origin_url(cwd: Path) -> str | None:
    """The URL of the `origin` remote of the repository holding `cwd`; None when there is none."""
    try:
        found = run(cwd, "remote", "get-url", "origin", ok_codes=(0, 2, 128))
    except GitError:
        return None
    return found.stdout if found.returncode == 0 and found.stdout else None
