"""A repository's deployment environments as GitHub's API reports them: which exist, and the
protection rules each enforces (reviewers, wait timer, which branches and tags may deploy)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from github import GithubException, UnknownObjectException

from release_actions import github

TIMEOUT = 10  # seconds per request: a laptop without network must not wait minutes
RETRIES = 1


class Unavailable(Exception):
    """The API could not answer; says why in one line."""


@dataclass(frozen=True)
class Environment:
    name: str
    rules: tuple[str, ...]  # each protection rule in words
    protected_branches_only: bool


def _reviewer(entry: Any) -> str:
    who = entry.reviewer
    return str(getattr(who, "login", None) or getattr(who, "slug", None) or
               getattr(who, "name", None) or "?")


def _rule(rule: Any) -> str | None:
    if rule.type == "required_reviewers":
        names = ", ".join(_reviewer(entry) for entry in rule.reviewers or ())
        return f"required reviewers: {names or 'none named'}"
    if rule.type == "wait_timer":
        return f"wait timer: {rule.wait_timer} min"
    return None  # branch_policy is described by deployment_branch_policy


def _describe(found: Any) -> Environment:
    rules = [text for text in map(_rule, found.protection_rules or ()) if text]
    policy = found.deployment_branch_policy
    protected = bool(policy is not None and policy.protected_branches)
    if protected:
        rules.append("deployments from protected branches only")
    elif policy is not None and policy.custom_branch_policies:
        rules.append("deployments from selected branches and tags only")
    return Environment(str(found.name), tuple(rules), protected)


def _failure(error: Exception, repository: str) -> Unavailable:
    if isinstance(error, UnknownObjectException):
        return Unavailable(f"{repository} is not visible to the token (HTTP 404)")
    if isinstance(error, GithubException) and error.status in (401, 403):
        return Unavailable(
            f"the token may not read the environments of {repository} (HTTP {error.status}); "
            "give the job `permissions: actions: read`"
        )
    if isinstance(error, GithubException):
        return Unavailable(f"the API answered HTTP {error.status} for {repository}")
    if isinstance(error, requests.exceptions.RetryError):
        return Unavailable(f"the API kept failing for {repository} (server errors, retried)")
    return Unavailable(f"the API is unreachable ({type(error).__name__})")


def read_environments(
    token: str, environ: Mapping[str, str], repository: str, names: Sequence[str],
    seconds: float,
) -> dict[str, Environment | None]:
    """Each named environment, or None where the repository has none by that name; all of it
    within `seconds` (a server that trickles bytes never trips a per-read timeout)."""
    from release_actions.deadline import Deadline, DeadlineExceeded

    api = github.client(token, environ, timeout=TIMEOUT, retries=RETRIES)

    def read() -> dict[str, Environment | None]:
        repo = api.get_repo(repository)
        return {name: _environment(repo, name) for name in names}

    try:
        return Deadline.after(seconds).run(read)
    except DeadlineExceeded as error:
        raise Unavailable(f"the API gave no complete answer ({error})") from None
    except (GithubException, requests.RequestException) as error:
        raise _failure(error, repository) from None
    except github.unusable_answer() as error:
        raise Unavailable(str(github.malformed(error, environ))) from None


def _environment(repo: Any, name: str) -> Environment | None:
    try:
        return _describe(repo.get_environment(name))
    except UnknownObjectException:
        return None
