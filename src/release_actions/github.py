"""The GitHub API through PyGithub. Imported only when a command needs the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DEFAULT_API_URL = "https://api.github.com"
# A rate limit is waited out for this long at most, then it is an error (PyGithub's default
# waits until the limit resets, up to an hour, with the job hanging).
MAX_RATE_LIMIT_WAIT = 120


def api_url(environ: Mapping[str, str]) -> str:
    """`GITHUB_API_URL` when the runner sets it (GitHub Enterprise Server), else github.com."""
    return (environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")


def client(
    token: str, environ: Mapping[str, str], *, lazy: bool = False, timeout: float = 30,
    retries: int = 3,
) -> Any:
    """A PyGithub client for `token` against the runner's API URL, with bounded retries: each
    request waits at most `timeout`, a `Retry-After` or backoff at most a few seconds.
    `lazy`: objects are made without a request until a field is read."""
    from github import Auth, Github, GithubRetry

    from release_actions.http import BACKOFF_CAP, RETRY_AFTER_CAP

    class BoundedGithubRetry(GithubRetry):
        def get_retry_after(self, response: Any) -> float | None:
            seconds = super().get_retry_after(response)
            return None if seconds is None else min(seconds, RETRY_AFTER_CAP)

    return Github(
        auth=Auth.Token(token) if token else None,
        base_url=api_url(environ),
        retry=BoundedGithubRetry(total=retries, max_rate_limit_wait=MAX_RATE_LIMIT_WAIT,
                                 secondary_rate_wait=RETRY_AFTER_CAP, backoff_max=BACKOFF_CAP),
        timeout=max(1, round(timeout)),
        per_page=100,
        lazy=lazy,
    )


def branch_contains(repo: Any, branch: str, sha: str) -> tuple[bool, str]:
    """GitHub's compare API: `{branch}...{sha}` is `identical` or `behind` when the branch
    contains the commit. Returns (contained, the status GitHub gave)."""
    status = str(repo.compare(branch, sha).status)
    return status in ("identical", "behind"), status
