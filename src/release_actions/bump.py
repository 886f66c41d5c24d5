"""A version bump as a branch on `origin`: built on the tip of the target branch in a worktree of
its own (the job's checkout stays as it is), committed by the bot, pushed with the token handed
to that one git command through its environment (never argv, never .git/config)."""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from release_actions import git
from release_actions.errors import ConfigError

BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"

PROTECTED_BRANCH = (
    "origin refused the branch {branch}: a branch protection rule or ruleset covers it "
    "({detail}). Exempt `release-actions/bump-*` from the rule (Settings → Rules or "
    "Branches), or let the token's actor bypass it."
)
NO_WRITE_ACCESS = (
    "The token may not push to origin ({detail}). Give the job `permissions: contents: "
    "write` (and `pull-requests: write`), or pass a GitHub App token or PAT with that access "
    "as `github-token`."
)
NO_BRANCH = (
    "Cannot fetch origin/{branch} ({detail}). Check that the branch exists on origin and that "
    "the token may read the repository (`permissions: contents: read` or more)."
)
_PROTECTED_SIGNS = ("GH006", "GH013", "protected branch", "rule violations")
_DENIED_SIGNS = ("403", "Permission to", "denied to", "not granted", "Authentication failed",
                 "could not read Username")


@dataclass(frozen=True)
class Remote:
    """How to reach origin: the checkout that knows it and the credential for one command."""

    checkout: Path
    token: str = ""

    def auth_config(self) -> list[tuple[str, str]]:
        """An Authorization header for origin's URL, replacing any persisted one (the empty
        value resets git's list); none when origin is not reached over http(s)."""
        url = git.remote_url(self.checkout)
        if not self.token or urlsplit(url).scheme not in ("http", "https"):
            return []
        key = f"http.{url}.extraheader"
        return [(key, ""), (key, f"AUTHORIZATION: basic {basic_credential(self.token)}")]


def basic_credential(token: str) -> str:
    """What GitHub's git endpoint takes for a token; mask it like the token itself."""
    return base64.b64encode(f"x-access-token:{token}".encode()).decode()


def fetch_tip(remote: Remote, branch: str) -> str:
    try:
        git.run(remote.checkout, "fetch", "--no-tags", git.REMOTE,
                f"+refs/heads/{branch}:{git.remote_branch(branch)}", config=remote.auth_config())
    except git.GitError as error:
        raise ConfigError(NO_BRANCH.format(branch=branch, detail=error.detail)) from None
    tip = git.commit_of(remote.checkout, git.remote_branch(branch))
    if tip is None:
        raise ConfigError(NO_BRANCH.format(branch=branch, detail="no such ref after the fetch"))
    return tip


@contextmanager
def worktree_at(checkout: Path, commit: str, temp_root: str = "") -> Iterator[Path]:
    """A detached worktree of `commit` in a temp folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="bump-dev-", dir=temp_root or None) as temp:
        folder = Path(temp) / "tip"
        git.add_detached_worktree(checkout, folder, commit)
        try:
            yield folder
        finally:
            git.remove_worktree(checkout, folder)


def commit(folder: Path, paths: Sequence[Path], message: str) -> str:
    """Commit `paths` as the bot (GIT_AUTHOR_* in the environment win), dated like the parent so
    a re-run on the same tip makes the same commit and its push changes nothing."""
    date = git.run(folder, "log", "-1", "--format=%cI", "HEAD").stdout
    git.run(folder, "add", "--", *map(str, paths))
    git.run(
        folder, "-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}",
        "-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify", "-m", message,
        env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date},
    )
    return git.run(folder, "rev-parse", "HEAD").stdout


def push(remote: Remote, folder: Path, branch: str) -> None:
    """Force-push HEAD to `branch` on origin: a re-run replaces the branch it pushed before."""
    try:
        git.run(folder, "push", "--force", "--quiet", git.REMOTE, f"HEAD:refs/heads/{branch}",
                config=remote.auth_config())
    except git.GitError as error:
        raise translate_push_error(branch, error) from None


def translate_push_error(branch: str, error: git.GitError) -> ConfigError:
    detail = error.detail.replace("\n", " ")
    if any(sign.lower() in detail.lower() for sign in _PROTECTED_SIGNS):
        return ConfigError(PROTECTED_BRANCH.format(branch=branch, detail=detail))
    if any(sign.lower() in detail.lower() for sign in _DENIED_SIGNS):
        return ConfigError(NO_WRITE_ACCESS.format(detail=detail))
    return error
