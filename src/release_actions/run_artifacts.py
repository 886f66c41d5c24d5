"""A workflow run's artifacts through GitHub's REST API: listed by name (PyGithub), one
downloaded as its zip (requests), bounded in size and time.

GitHub answers an artifact's `archive_download_url` with a redirect to short-lived storage; the
token goes to GitHub's own API host only, never to the host it redirects to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from github import GithubException, RateLimitExceededException

from release_actions import github, http
from release_actions.deadline import Deadline
from release_actions.errors import CheckFailed, ConfigError, InputError

MAX_ZIP_BYTES = 1024 * 1024
DOWNLOAD_SECONDS = 60.0  # the whole download, redirects included
REQUEST_TIMEOUT = (10.0, 30.0)  # connect, read (each)
MAX_REDIRECTS = 3
REDIRECTS = (301, 302, 303, 307, 308)

RUN_NOT_FOUND = (
    "Workflow run {run_id} of {repository} was not found (HTTP 404 from {api}). `run-id` must "
    "be the id of the run that recorded the artifact: the default "
    "`${{{{ github.event.workflow_run.id }}}}` in a workflow started by `on: workflow_run`. "
    "If the run exists, the token cannot see {repository}."
)
FORBIDDEN = (
    "The token may not read the artifacts of {repository} (HTTP {status} from {api}). Give the "
    "job `permissions: actions: read` (at the job level, beside `contents: read`), or pass a "
    "`github-token` that has it."
)
API_FAILED = (
    "GitHub's API answered HTTP {status} for {what} of {repository}. Re-run the job; if it "
    "persists, check {api} and GitHub's status page."
)
RATE_LIMITED = (
    "GitHub's API rate limit for this token is used up ({what} of {repository}, at {api}); it "
    "resets later than this job should wait. Re-run the job after the reset."
)
UNREACHABLE = (
    "GitHub's API could not be reached for {what} ({error}, at {api}). Re-run the job."
)
TOO_LARGE = (
    "The artifact {name!r} of run {run_id} is larger than {limit} bytes; a tested-run record "
    "is a few bytes. It was not written by tested-run: check what uploads {name!r} in that run."
)
SLOW = (
    "Downloading the artifact {name!r} took longer than {seconds:g} s; re-run the job."
)
NO_LISTING = (
    "GitHub's API answered {what} of {repository} without the list of artifacts (at {api}): "
    "a redirect or an unexpected body. Re-run the job; if it persists, check {api}."
)
BAD_REDIRECT = (
    "Downloading the artifact {name!r}: GitHub redirected to {where!r}, which is not an "
    "http(s) URL (or redirected more than {limit} times). Re-run the job."
)


@dataclass(frozen=True)
class Found:
    """An artifact the listing named."""

    id: int
    name: str
    size: int
    download_url: str


@dataclass(frozen=True)
class Where:
    """Which repository and API a request went to: for messages."""

    repository: str
    api: str


def _translate(error: GithubException, where: Where, what: str, run_id: int) -> Exception:
    fields = {"repository": where.repository, "api": where.api, "status": error.status}
    if isinstance(error, RateLimitExceededException):
        return CheckFailed(RATE_LIMITED.format(what=what, **fields))
    if error.status == 404:
        return InputError(RUN_NOT_FOUND.format(run_id=run_id, **fields))
    if error.status in (401, 403):
        return ConfigError(FORBIDDEN.format(**fields))
    return CheckFailed(API_FAILED.format(what=what, **fields))


def unreachable(error: Exception, where: Where, what: str) -> CheckFailed:
    return CheckFailed(UNREACHABLE.format(what=what, error=type(error).__name__, api=where.api))


def live_artifacts(repo: Any, run_id: int, name: str, where: Where) -> list[Found]:
    """The artifacts called `name` of run `run_id` that have not expired. One page of 100 is
    enough: a run records one; more than one is refused anyway."""
    what = f"the artifacts of run {run_id}"
    try:
        _headers, data = repo.requester.requestJsonAndCheck(
            "GET", f"{repo.url}/actions/runs/{run_id}/artifacts",
            parameters={"name": name, "per_page": 100},
        )
    except GithubException as error:
        raise _translate(error, where, what, run_id) from None
    except requests.RequestException as error:
        raise unreachable(error, where, what) from None
    listed = data.get("artifacts") if isinstance(data, dict) else None
    if not isinstance(listed, list):
        # A redirect or a body without the list: never read as "no tested run".
        raise CheckFailed(NO_LISTING.format(what=what, repository=where.repository,
                                            api=where.api))
    return [found for item in listed if (found := _artifact(item, name)) is not None]


def _artifact(item: object, name: str) -> Found | None:
    """One listed artifact called `name` that has not expired; None for any other."""
    if not isinstance(item, dict) or item.get("name") != name or item.get("expired") is not False:
        return None
    ident, size, url = item.get("id"), item.get("size_in_bytes"), item.get("archive_download_url")
    if not (isinstance(ident, int) and isinstance(size, int) and isinstance(url, str)):
        return None
    return Found(ident, name, size, url)


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, parts.hostname, parts.port or default_port


def _same_origin(url: str, api: str) -> bool:
    return _origin(url) == _origin(api)


def _next_location(response: requests.Response, url: str, found: Found) -> str:
    location = urljoin(url, response.headers.get("Location", ""))
    if urlsplit(location).scheme not in ("http", "https"):
        raise CheckFailed(BAD_REDIRECT.format(name=found.name, where=location[:100],
                                              limit=MAX_REDIRECTS))
    return location


def _get(session: requests.Session, url: str, token: str, api: str,
         step: Deadline) -> requests.Response:
    """One GET, the token sent only to the API's own origin."""
    headers = {"Authorization": f"Bearer {token}"} if token and _same_origin(url, api) else {}
    connect, read = REQUEST_TIMEOUT
    return session.get(url, headers=headers, allow_redirects=False, stream=True,
                       timeout=(step.timeout(connect), step.timeout(read)))


def _read_capped(response: requests.Response, found: Found, run_id: int,
                 step: Deadline) -> bytes:
    try:
        return http.read_body(response, step, max_bytes=MAX_ZIP_BYTES)
    except http.BodyTooLarge:
        raise CheckFailed(TOO_LARGE.format(name=found.name, run_id=run_id,
                                           limit=MAX_ZIP_BYTES)) from None
    except http.BodyTooSlow:
        raise CheckFailed(SLOW.format(name=found.name, seconds=step.seconds)) from None


def _check_status(response: requests.Response, what: str, where: Where) -> None:
    status = response.status_code
    if status in (401, 403):
        raise ConfigError(FORBIDDEN.format(repository=where.repository, status=status,
                                           api=where.api))
    if status != 200:
        raise CheckFailed(API_FAILED.format(status=status, what=what,
                                            repository=where.repository, api=where.api))


def _follow(session: requests.Session, found: Found, token: str,
            where: Where, step: Deadline) -> requests.Response:
    """The final answer for the zip, after at most MAX_REDIRECTS redirects."""
    url = found.download_url
    for _ in range(MAX_REDIRECTS + 1):
        response = _get(session, url, token, where.api, step)
        if response.status_code not in REDIRECTS:
            return response
        url = _next_location(response, url, found)
    raise CheckFailed(BAD_REDIRECT.format(name=found.name, where=url[:100], limit=MAX_REDIRECTS))


def download(found: Found, run_id: int, token: str, where: Where,
             seconds: float = DOWNLOAD_SECONDS) -> bytes:
    """The artifact's zip, following GitHub's redirect to storage without the token, within
    `seconds` for the whole download."""
    if found.size > MAX_ZIP_BYTES:
        raise CheckFailed(TOO_LARGE.format(name=found.name, run_id=run_id, limit=MAX_ZIP_BYTES))
    step = Deadline.after(seconds)
    what = f"the artifact {found.name!r} of run {run_id}"
    try:
        response = _follow(http.session(retries=2, deadline=step), found, token, where, step)
        _check_status(response, what, where)
        return _read_capped(response, found, run_id, step)
    except requests.RequestException as error:
        raise unreachable(error, where, what) from None


def repository(token: str, environ: Mapping[str, str], full_name: str) -> tuple[Any, Where]:
    """The repository (lazy: no request yet) and where its API lives."""
    repo = github.client(token, environ, lazy=True).get_repo(full_name)
    return repo, Where(full_name, github.api_url(environ))
