"""The one way this project speaks HTTP: a requests session with urllib3 retries and timeouts.

Every wait is bounded by the step's `deadline.Deadline`: each request's timeout, the retries and
`Retry-After` sleeps, and the body, read by the one bounded reader (`deadline.read_capped`) up to
a byte cap. Imported only by commands that talk to a server, so version-rewrite and tag-guard
start without requests."""

from __future__ import annotations

import contextlib
from functools import partial
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from release_actions import __version__, deadline
from release_actions.deadline import Deadline

USER_AGENT = f"release-actions/{__version__} (+https://github.com/benchflow-ai/release-actions)"
DEFAULT_TIMEOUT = 15.0
# A server asking for more than this in Retry-After is treated as down for this run.
RETRY_AFTER_CAP = 10.0
BACKOFF_CAP = 5.0
MAX_BODY_BYTES = 8 << 20
CHUNK = 65536


class BodyTooSlow(requests.RequestException):
    """The server did not finish sending its answer before the step's deadline."""


class BodyTooLarge(requests.RequestException):
    """The answer is larger than anything this project expects from that server."""


class BoundedRetry(Retry):
    """urllib3's Retry with every sleep capped (`Retry-After` and backoff) and no retry started
    after the step's deadline (None: no deadline)."""

    def __init__(self, *args: Any, deadline: Deadline | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline

    def new(self, **kw: Any) -> BoundedRetry:
        kw.setdefault("deadline", self.deadline)
        return super().new(**kw)

    def _remaining(self) -> float:
        return float("inf") if self.deadline is None else self.deadline.remaining()

    def is_exhausted(self) -> bool:
        return self._remaining() <= 0 or super().is_exhausted()

    def get_retry_after(self, response: Any) -> float | None:
        seconds = super().get_retry_after(response)
        if seconds is None:
            return None
        return max(0.0, min(seconds, RETRY_AFTER_CAP, self._remaining()))

    def get_backoff_time(self) -> float:
        return max(0.0, min(super().get_backoff_time(), BACKOFF_CAP, self._remaining()))


def session(*, retries: int = 3, backoff: float = 0.5,
            deadline: Deadline | None = None) -> requests.Session:
    """A session that retries idempotent requests on connection errors, 429 and 5xx.

    `retries=0` gives a session that tries once (probes, where a retry would hide a fault)."""
    retry = BoundedRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        redirect=5,
        backoff_factor=backoff,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD", "OPTIONS"}),
        respect_retry_after_header=True,
        raise_on_status=False,
        deadline=deadline,
    )
    adapter = HTTPAdapter(max_retries=retry)
    http = requests.Session()
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    http.headers["User-Agent"] = USER_AGENT
    return http


def read_body(response: requests.Response, step: Deadline,
              max_bytes: int = MAX_BODY_BYTES) -> bytes:
    """The body of a streamed response through the one bounded reader, its refusals as
    requests errors (callers handle a body that never came like a connection that broke)."""
    try:
        return deadline.read_capped(partial(read_some, response), step, max_bytes)
    except deadline.BodyTooLarge as error:
        raise BodyTooLarge(str(error)) from None
    except deadline.BodyTooSlow as error:
        raise BodyTooSlow(str(error)) from None


def read_some(response: requests.Response) -> bytes:
    """What has arrived, up to CHUNK bytes: `read1` returns as soon as bytes come, where
    `read(n)` would wait for all n of them while a server sends one byte at a time."""
    try:
        return bytes(response.raw.read1(CHUNK, decode_content=True))
    except (urllib3.exceptions.HTTPError, OSError) as error:
        raise requests.ConnectionError(str(error)) from None


def get(url: str, step: Deadline, *, timeout: float = DEFAULT_TIMEOUT, retries: int = 2,
        max_bytes: int = MAX_BODY_BYTES, params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        client: requests.Session | None = None) -> tuple[requests.Response, bytes]:
    """GET `url` within the step's deadline, each request waiting at most `timeout`: the
    response (its status and headers) and its capped body. `client`: a session of the caller's
    (its own retries), else one made here with `retries`, bounded by the deadline."""
    owned: contextlib.AbstractContextManager[requests.Session] = (
        session(retries=retries, deadline=step) if client is None
        else contextlib.nullcontext(client))
    with owned as http, http.get(url, timeout=step.timeout(timeout), stream=True, params=params,
                                 headers=headers) as response:
        return response, read_body(response, step, max_bytes)

