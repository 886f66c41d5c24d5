"""The GitHub API through PyGithub. Imported only when a command needs the API.

Every PyGithub request goes through one transport of ours (PyGithub's connection class hook):
an answer is read capped in decoded bytes and in time, and a 301 that PyGithub would turn into
a `RuntimeError` (another host or scheme, the same path) or follow without end is a
GithubException with status 301, which every caller already reports."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

from release_actions import answers
from release_actions.answers import Malformed

DEFAULT_API_URL = "https://api.github.com"
# A rate limit is waited out for this long at most, then it is an error (PyGithub's default
# waits until the limit resets, up to an hour, with the job hanging).
MAX_RATE_LIMIT_WAIT = 120
# GitHub's largest answers here: a page of 100 releases, each body up to 125,000 characters.
MAX_ANSWER_BYTES = 32 << 20
# A 403's body, read to tell a rate limit from a refusal: GitHub's message is a few hundred bytes.
MAX_ERROR_BYTES = 64 << 10
# Same-host 301s followed in a row (a renamed repository takes one).
MAX_REDIRECTS = 5
# The whole answer of a request made without a timeout (PyGithub's upload connections).
UNTIMED_READ_SECONDS = 60.0
_hops = threading.local()  # consecutive 301s of the request this thread is making
_installed: list[bool] = []  # whether PyGithub's connections are ours yet


def unusable_answer(*more: type[BaseException]) -> tuple[type[BaseException], ...]:
    """What PyGithub raises on an answer that is not the API's JSON (and `more`): a field of
    another type (BadAttributeException, raised when the field is read), a body that is not
    JSON or not UTF-8, JSON nested too deeply."""
    from github import BadAttributeException

    return (*more, BadAttributeException, *answers.MALFORMED_ERRORS)


def malformed(error: BaseException, environ: Mapping[str, str]) -> Malformed:
    """The one account of an API answer that is not its JSON (an error of `unusable_answer`)."""
    from github import BadAttributeException

    why = ("a field of another type than expected" if isinstance(error, BadAttributeException)
           else answers.why(error))
    return Malformed(f"GitHub's API ({api_url(environ)})", why)


def redirected(location: str) -> Exception:
    """The GithubException for a 301 that is not followed."""
    from github import GithubException

    return GithubException(301, {"message": f"moved to {location[:200]}"}, None,
                           "GitHub's API answered 301 to a place it is not followed to")


def _check_redirect(url: str, response: Any) -> None:
    """Refuse a 301 PyGithub would crash on or follow forever; make a relative one absolute
    (PyGithub compares the raw header with its own scheme and host)."""
    if response.status_code != 301 or "location" not in response.headers:
        _hops.count = 0
        return
    location = urljoin(url, response.headers["location"])
    response.headers["location"] = location
    here, there = urlsplit(url), urlsplit(location)
    _hops.count = getattr(_hops, "count", 0) + 1
    if ((there.scheme, there.hostname) != (here.scheme, here.hostname)
            or there.path == here.path or _hops.count > MAX_REDIRECTS):
        _hops.count = 0
        raise redirected(location)


def _bounded(base: type[Any]) -> type[Any]:
    """PyGithub's connection class `base`, its answers read capped and its 301s checked."""
    from github.Requester import RequestsResponse

    from release_actions import http
    from release_actions.deadline import Deadline

    class Answer(RequestsResponse):
        def __init__(self, response: Any, body: bytes) -> None:
            super().__init__(response)
            self.body = body

        def read(self) -> str:
            return self.body.decode("utf-8")

        def iter_content(self, chunk_size: int | None = 1) -> Any:
            size = max(1, chunk_size or len(self.body) or 1)
            return (self.body[i:i + size] for i in range(0, len(self.body), size))

    class Bounded(base):  # type: ignore[misc]
        def getresponse(self) -> Any:
            url = f"{self.protocol}://{self.host}:{self.port}{self.url}"
            seconds = float(self.timeout or UNTIMED_READ_SECONDS)
            with getattr(self.session, self.verb.lower())(
                url, headers=self.headers, data=self.input, timeout=self.timeout,
                verify=self.verify, allow_redirects=False, stream=True,
            ) as response:
                body = http.read_body(response, Deadline.after(seconds),
                                      MAX_ANSWER_BYTES)
            _check_redirect(url, response)
            return Answer(response, body)

    return Bounded


def _install_transport() -> None:
    """Route PyGithub's requests through `_bounded` connections (once per process; this also
    turns off PyGithub's connection reuse, which a handful of calls per run does not miss)."""
    from github.Requester import (
        HTTPRequestsConnectionClass,
        HTTPSRequestsConnectionClass,
        Requester,
    )

    if not _installed:
        Requester.injectConnectionClasses(_bounded(HTTPRequestsConnectionClass),
                                          _bounded(HTTPSRequestsConnectionClass))
        _installed.append(True)


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

    _install_transport()
    class BoundedGithubRetry(GithubRetry):
        def get_retry_after(self, response: Any) -> float | None:
            seconds = super().get_retry_after(response)
            return None if seconds is None else min(seconds, RETRY_AFTER_CAP)

        @staticmethod
        def get_content(resp: Any, url: str) -> bytes:
            """A 403's body, read as far as a rate-limit message goes (PyGithub reads it all,
            before our transport sees the answer)."""
            return bytes(resp.read(MAX_ERROR_BYTES, decode_content=True) or b"")

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
