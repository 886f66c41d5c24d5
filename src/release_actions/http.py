"""The one way this project speaks HTTP: a requests session with urllib3 retries and timeouts.

Every wait is bounded: each request has a timeout, a whole network step has one deadline that
retries, `Retry-After` sleeps and body reads all count against, and a body is read in chunks up
to a byte cap. Imported only by commands that talk to a server, so version-rewrite and tag-guard
start without requests."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from release_actions import __version__

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
    after the step's deadline (`time.monotonic()` value; None: no deadline)."""

    def __init__(self, *args: Any, deadline: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline

    def new(self, **kw: Any) -> BoundedRetry:
        kw.setdefault("deadline", self.deadline)
        return super().new(**kw)

    def _remaining(self) -> float:
        return float("inf") if self.deadline is None else self.deadline - time.monotonic()

    def is_exhausted(self) -> bool:
        return self._remaining() <= 0 or super().is_exhausted()

    def get_retry_after(self, response: Any) -> float | None:
        seconds = super().get_retry_after(response)
        if seconds is None:
            return None
        return max(0.0, min(seconds, RETRY_AFTER_CAP, self._remaining()))

    def get_backoff_time(self) -> float:
        return max(0.0, min(super().get_backoff_time(), BACKOFF_CAP, self._remaining()))


@dataclass(frozen=True)
class Budget:
    """How long one network step may take: `timeout` per request, `deadline` for all of it."""

    timeout: float
    deadline: float

    @classmethod
    def starting_now(cls, timeout: float, total: float) -> Budget:
        return cls(timeout, time.monotonic() + total)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def request_timeout(self) -> float:
        """A request's timeout: never past the deadline (and never zero, which means none)."""
        return max(0.05, min(self.timeout, self.remaining()))


def session(*, retries: int = 3, backoff: float = 0.5,
            deadline: float | None = None) -> requests.Session:
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


def read_body(response: requests.Response, budget: Budget,
              max_bytes: int = MAX_BODY_BYTES) -> bytes:
    """The body of a streamed response, refused when it exceeds `max_bytes` or the deadline (a
    server trickling bytes would otherwise hold each read just under the timeout forever)."""
    body = bytearray()
    while chunk := _read_some(response):
        body += chunk
        if len(body) > max_bytes:
            raise BodyTooLarge(f"the answer is larger than {max_bytes // 1024} KiB")
        if budget.remaining() <= 0:
            raise BodyTooSlow("the answer did not arrive in time")
    return bytes(body)


def _read_some(response: requests.Response) -> bytes:
    """What has arrived, up to CHUNK bytes: `read1` returns as soon as bytes come, where
    `read(n)` would wait for all n of them while a server sends one byte at a time."""
    try:
        return bytes(response.raw.read1(CHUNK, decode_content=True))
    except (urllib3.exceptions.HTTPError, OSError) as error:
        raise requests.ConnectionError(str(error)) from None


def get(url: str, budget: Budget, *, retries: int = 2, max_bytes: int = MAX_BODY_BYTES,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None) -> tuple[requests.Response, bytes]:
    """GET `url` within `budget`: the response (its status and headers) and its capped body."""
    with session(retries=retries, deadline=budget.deadline) as http, http.get(
        url, timeout=budget.request_timeout(), stream=True, params=params, headers=headers
    ) as response:
        return response, read_body(response, budget, max_bytes)


def parse_json(body: bytes) -> Any:
    """JSON from a server, or ValueError: also for nesting too deep to parse."""
    try:
        return json.loads(body)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None
