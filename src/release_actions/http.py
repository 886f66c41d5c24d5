"""The one way this project speaks HTTP: a requests session with urllib3 retries and timeouts.

Imported only by commands that talk to a server, so version-rewrite and tag-guard start
without requests."""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from release_actions import __version__

USER_AGENT = f"release-actions/{__version__} (+https://github.com/benchflow-ai/release-actions)"
DEFAULT_TIMEOUT = 15.0


def session(*, retries: int = 3, backoff: float = 0.5) -> requests.Session:
    """A session that retries idempotent requests on connection errors, 429 and 5xx.

    `retries=0` gives a session that tries once (probes, where a retry would hide a fault)."""
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD", "OPTIONS"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry)
    http = requests.Session()
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    http.headers["User-Agent"] = USER_AGENT
    return http
