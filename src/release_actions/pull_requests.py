"""One pull request per head branch, through PyGithub: opened once, updated on every re-run.
GitHub's refusals are translated into the setting or permission that lifts them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from release_actions import github
from release_actions.errors import CheckFailed, ConfigError, ReleaseActionsError

ACTIONS_MAY_NOT_OPEN = (
    "GitHub refused to open the pull request: \"{message}\". The repository (or its "
    "organization) does not let GitHub Actions create pull requests. Turn on Settings → "
    "Actions → General → Workflow permissions → \"Allow GitHub Actions to create and approve "
    "pull requests\", or pass a GitHub App token as `github-token`. The branch {head} is "
    "pushed; open the pull request by hand meanwhile."
)
TOKEN_MAY_NOT_WRITE = (
    "The token may not {action} pull requests in {repository} (HTTP {status}: {message}). "
    "Give the job `permissions: pull-requests: write` and `contents: write`, or pass a GitHub "
    "App token or PAT with that access as `github-token`."
)
API_REFUSED = (
    "GitHub answered HTTP {status} to {action} the pull request {head} → {base} in "
    "{repository}: {message}. Check that {base} exists and re-run the job."
)
API_UNREACHABLE = (
    "The GitHub API is unreachable ({error}); the branch {head} is pushed. Re-run the job: it "
    "opens the pull request, or updates the one already open."
)
NOT_PERMITTED_SIGN = "not permitted to create or approve pull requests"
# Finding, then opening or updating, the pull request: a handful of API calls.
PULL_REQUEST_SECONDS = 120.0


@dataclass(frozen=True)
class PullRequest:
    number: int
    url: str
    created: bool


@dataclass(frozen=True)
class Proposal:
    repository: str  # owner/name
    head: str  # a branch of the same repository
    base: str
    title: str
    body: str


def open_or_update(token: str, environ: Mapping[str, str], proposal: Proposal, *,
                   seconds: float = PULL_REQUEST_SECONDS) -> PullRequest:
    """The open pull request from `proposal.head`, its title and body refreshed; a new one when
    none is open; all of it within `seconds`."""
    import requests
    from github import GithubException

    from release_actions.deadline import Deadline, DeadlineExceeded

    action = ["find"]  # the call in progress, for the error

    def work() -> PullRequest:
        repo = github.client(token, environ).get_repo(proposal.repository)
        found = _open_pull(repo, proposal)
        if found is not None:
            action[0] = "update"
            found.edit(title=proposal.title, body=proposal.body)
            return PullRequest(found.number, found.html_url, created=False)
        action[0] = "open"
        pull = repo.create_pull(base=proposal.base, head=proposal.head, title=proposal.title,
                                body=proposal.body)
        return PullRequest(pull.number, pull.html_url, created=True)

    try:
        return Deadline.after(seconds).run(work)
    except DeadlineExceeded as error:
        raise CheckFailed(API_UNREACHABLE.format(error=error, head=proposal.head)) from None
    except GithubException as error:
        raise translate(error, action[0], proposal) from None
    except requests.RequestException as error:
        raise CheckFailed(API_UNREACHABLE.format(error=type(error).__name__,
                                                 head=proposal.head)) from None
    except github.unusable_answer() as error:
        raise CheckFailed(API_UNREACHABLE.format(error=github.malformed(error, environ),
                                                 head=proposal.head)) from None


def _open_pull(repo: Any, proposal: Proposal) -> Any:
    owner = proposal.repository.split("/")[0]
    pulls = repo.get_pulls(state="open", base=proposal.base, head=f"{owner}:{proposal.head}")
    return next(iter(pulls), None)


def _message(error: Any) -> str:
    data = error.data if isinstance(error.data, dict) else {}
    return str(data.get("message") or "no message").replace("\n", " ")[:300]


def translate(error: Any, action: str, proposal: Proposal) -> ReleaseActionsError:
    """A GithubException as the fix it calls for."""
    message = _message(error)
    if error.status == 403 and NOT_PERMITTED_SIGN in message:
        return ConfigError(ACTIONS_MAY_NOT_OPEN.format(message=message, head=proposal.head))
    if error.status in (401, 403, 404):
        return ConfigError(TOKEN_MAY_NOT_WRITE.format(
            action=action, repository=proposal.repository, status=error.status,
            message=message))
    refused = API_REFUSED.format(
        status=error.status, action=action, head=proposal.head, base=proposal.base,
        repository=proposal.repository, message=message)
    # GitHub's own outage (or an API that moved away) is worth a re-run; anything else is how
    # the repository is set up.
    return CheckFailed(refused) if not 400 <= error.status < 500 else ConfigError(refused)
