"""Probing LLM providers: one tiny chat completion per provider, hedged in priority order (the
next starts only when those above failed or are slow), and the first live one in priority order
decided as soon as no higher-priority probe is still pending."""

from __future__ import annotations

import json
import queue
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from release_actions import __version__
from release_actions.answers import Malformed, parse_json
from release_actions.deadline import BodyTooLarge, BodyTooSlow, Deadline, read_capped
from release_actions.providers import Endpoint

PROBE_PROMPT = "Return OK only."
PROBE_MAX_TOKENS = 8
MAX_BODY_BYTES = 1 << 20
CHUNK = 16384
DETAIL_CHARS = 160
USER_AGENT = f"release-actions/{__version__} (+https://github.com/benchflow-ai/release-actions)"

# Failure reasons, as the probes output and the error name them.
UNAUTHORIZED = "unauthorized"
MODEL_NOT_FOUND = "model not found"
RATE_LIMITED = "rate limited"
TIMEOUT = "timeout"
CONNECTION_ERROR = "connection error"
BAD_RESPONSE = "bad response"
ABANDONED = "abandoned"  # still running when a higher-priority provider had already answered
NOT_PROBED = "not probed"  # never started: decided (or out of time) before its turn

# Provider error bodies can echo what was sent; anything shaped like a credential is cut.
# Patterns as text: `re` compiles them on first use, not on every start of the gate.
_CREDENTIAL = (
    r"(?i)\b(?:sk|pk|rk|ghp|gho|ghs|ghu|github_pat)[-_][A-Za-z0-9_\-]{6,}|[A-Za-z0-9_\-]{24,}"
)
_OS_ERROR = r"\[Errno -?\d+\] ([^'\")]+)"


@dataclass(frozen=True)
class Probe:
    """What one provider answered. `detail` is for the log only and has credentials cut."""

    name: str
    configured: bool
    ok: bool
    reason: str = ""
    status: int | None = None
    latency_ms: int | None = None
    detail: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name, "configured": self.configured, "ok": self.ok,
            "status": self.status, "reason": self.reason, "latency_ms": self.latency_ms,
        }


def probe_body(model: str) -> dict[str, object]:
    return {
        "model": model,
        "messages": [{"role": "user", "content": PROBE_PROMPT}],
        "max_tokens": PROBE_MAX_TOKENS,
    }


def scrub(text: str) -> str:
    """One short line of provider text with anything shaped like a credential cut out."""
    line = " ".join(text.split())
    line = re.sub(_CREDENTIAL, "***", line)
    return line if len(line) <= DETAIL_CHARS else line[: DETAIL_CHARS - 1] + "…"


def _error_message(body: bytes) -> str:
    """The message of an OpenAI-style error body (`{"error": {"message": ...}}`), else its text."""
    text = body.decode("utf-8", "replace")
    try:
        document = parse_json(text, "the provider")
    except Malformed:
        return scrub(text)
    error = document.get("error", document) if isinstance(document, dict) else document
    if isinstance(error, dict):
        error = error.get("message") or error.get("msg") or error
    return scrub(error if isinstance(error, str) else json.dumps(error))


def classify(status: int, body: bytes) -> tuple[bool, str, str]:
    """(ok, reason, detail) for an HTTP answer: success is a 2xx JSON object with `choices`."""
    if 200 <= status < 300:
        try:
            document = parse_json(body, "the provider")
        except Malformed:
            return False, BAD_RESPONSE, "the body is not JSON"
        choices = document.get("choices") if isinstance(document, dict) else None
        if isinstance(choices, list) and choices:
            return True, "", ""
        return False, BAD_RESPONSE, "a JSON body without `choices`"
    return False, _status_reason(status), _error_message(body)


def _status_reason(status: int) -> str:
    return {401: UNAUTHORIZED, 403: UNAUTHORIZED, 404: MODEL_NOT_FOUND, 429: RATE_LIMITED}.get(
        status, f"HTTP {status}"
    )


def _too_large(status: int, error: BodyTooLarge) -> tuple[bool, str, str]:
    """(ok, reason, detail) for an answer past the body cap: never a live provider."""
    return False, BAD_RESPONSE if 200 <= status < 300 else _status_reason(status), str(error)


def _is_timeout(error: BaseException) -> bool:
    import requests
    from urllib3.exceptions import TimeoutError as Urllib3Timeout

    # A timeout while streaming the body reaches us wrapped in a ConnectionError.
    return isinstance(error, requests.Timeout) or any(
        isinstance(arg, (Urllib3Timeout, TimeoutError)) for arg in error.args
    )


def _connection_detail(error: BaseException) -> str:
    found = re.search(_OS_ERROR, str(error))
    return scrub(found.group(1)) if found else type(error).__name__


def _proxied(url: str) -> bool:
    """Whether the environment sends `url` through a proxy (then requests, which knows how)."""
    import os

    if not any(name.lower().endswith("_proxy") for name in os.environ):
        return False  # the usual runner: no urllib.request import
    import urllib.request
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return bool(urllib.request.getproxies_environment().get(parts.scheme)) and not (
        urllib.request.proxy_bypass(parts.hostname or "")
    )


def probe_endpoint(endpoint: Endpoint, deadline: Deadline) -> Probe:
    """POST the tiny chat completion to one provider, once (no retries: a retry hides faults).

    The standard library's http.client, not requests: one request without retries needs none
    of it, and its import alone would cost more than the whole sequential selector this gate
    replaces takes when the top provider answers. Through a proxy, requests is used. Either way
    every socket wait ends by the selection's `deadline` and the body is read by the one bounded
    reader."""
    if _proxied(endpoint.url):
        return _probe_with_requests(endpoint, deadline)
    import http.client
    from urllib.parse import urlsplit

    started = time.monotonic()
    timeout = deadline.timeout(deadline.seconds)

    def answered(ok: bool, reason: str, status: int | None = None, detail: str = "") -> Probe:
        elapsed = round((time.monotonic() - started) * 1000)
        return Probe(endpoint.name, True, ok, reason, status, elapsed, detail)

    url = urlsplit(endpoint.url)
    connection: http.client.HTTPConnection
    if url.scheme == "https":
        import ssl

        connection = http.client.HTTPSConnection(
            url.hostname or "", url.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=timeout)
    target = url.path + (f"?{url.query}" if url.query else "")
    try:
        connection.request("POST", target, body=json.dumps(probe_body(endpoint.model)),
                           headers={"Authorization": f"Bearer {endpoint.key}",
                                    "Content-Type": "application/json",
                                    "User-Agent": USER_AGENT})
        response = connection.getresponse()  # a redirect is returned, never followed
        ok, reason, detail = _read_answer(response.status, lambda: response.read1(CHUNK),
                                          deadline)
    except (TimeoutError, BodyTooSlow):  # BodyTooSlow: a server trickling bytes
        return answered(False, TIMEOUT)
    except (OSError, http.client.HTTPException) as error:
        return answered(False, CONNECTION_ERROR, detail=_os_detail(error))
    finally:
        connection.close()
    return answered(ok, reason, response.status, detail)


def _read_answer(status: int, read_some: Callable[[], bytes],
                 deadline: Deadline) -> tuple[bool, str, str]:
    """(ok, reason, detail) of an answer whose body `read_some` reads, capped in bytes and time."""
    try:
        return classify(status, read_capped(read_some, deadline, MAX_BODY_BYTES))
    except BodyTooLarge as error:
        return _too_large(status, error)


def _os_detail(error: BaseException) -> str:
    strerror = getattr(error, "strerror", None)
    return scrub(strerror) if isinstance(strerror, str) else type(error).__name__


def _probe_with_requests(endpoint: Endpoint, deadline: Deadline) -> Probe:
    import requests

    from release_actions import http

    started = time.monotonic()

    def answered(ok: bool, reason: str, status: int | None = None, detail: str = "") -> Probe:
        elapsed = round((time.monotonic() - started) * 1000)
        return Probe(endpoint.name, True, ok, reason, status, elapsed, detail)

    timeout = deadline.timeout(deadline.seconds)
    try:
        with http.session(retries=0) as client, client.post(
            endpoint.url,
            json=probe_body(endpoint.model),
            headers={"Authorization": f"Bearer {endpoint.key}"},
            timeout=(timeout, timeout),
            allow_redirects=False,  # a redirect is a misconfigured base URL, not an answer
            stream=True,
        ) as response:
            ok, reason, detail = _read_answer(
                response.status_code, partial(http.read_some, response), deadline)
    except BodyTooSlow:
        return answered(False, TIMEOUT)
    except requests.RequestException as error:
        if _is_timeout(error):
            return answered(False, TIMEOUT)
        return answered(False, CONNECTION_ERROR, detail=_connection_detail(error))
    return answered(ok, reason, response.status_code, detail)


# --- all probes, decided early -----------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    winner: Probe | None
    probes: tuple[Probe, ...]  # in priority order
    elapsed_ms: int


def first_live(by_priority: Sequence[Probe | None]) -> tuple[bool, Probe | None]:
    """(decided, winner) over probes in priority order, None for one still pending: decided as
    soon as every probe before the first success has failed."""
    for probe in by_priority:
        if probe is None:
            return False, None
        if probe.ok:
            return True, probe
    return True, None


def unconfigured(endpoint: Endpoint) -> Probe:
    return Probe(endpoint.name, False, False, endpoint.problem, detail=endpoint.hint)


Prober = Callable[[Endpoint, Deadline], Probe]


def select(endpoints: Sequence[Endpoint], timeout: float,
           prober: Prober = probe_endpoint, *, hedge: float = 0.0) -> Selection:
    """Probe the configured endpoints in priority order and pick the first live one.

    A probe starts when every one above it has failed, or `hedge` seconds after the one before
    it started without a decision (0: all at once); none starts once a started one has answered
    ok. `timeout` is the wall limit of the whole selection: one `Deadline` every probe is given,
    so a probe started late gets what is left of it. Threads are daemons: one left hanging never
    holds the process."""
    import http.client  # noqa: F401  # once, here, not under the import lock in 6 threads

    started = time.monotonic()
    deadline = Deadline(timeout, started + timeout)
    results: dict[str, Probe] = {e.name: unconfigured(e) for e in endpoints if not e.configured}
    waiting = [e for e in endpoints if e.configured]  # not started yet, in priority order
    running: set[str] = set()
    answers: queue.SimpleQueue[tuple[str, Probe | BaseException]] = queue.SimpleQueue()
    last_start = started

    def probe_into_queue(endpoint: Endpoint) -> None:
        try:
            answers.put((endpoint.name, prober(endpoint, deadline)))
        except BaseException as error:  # a bug: handed to the main thread to report
            answers.put((endpoint.name, error))

    def may_start() -> bool:
        # A live answer already in hand: whoever is below it can never win.
        return bool(waiting) and not any(probe.ok for probe in results.values())

    def start_due() -> None:
        nonlocal last_start
        while may_start() and (not running or time.monotonic() - last_start >= hedge):
            endpoint = waiting.pop(0)
            running.add(endpoint.name)
            last_start = time.monotonic()
            threading.Thread(target=probe_into_queue, args=(endpoint,),
                             name=f"probe-{endpoint.name}", daemon=True).start()

    def in_order() -> list[Probe | None]:
        return [results.get(endpoint.name) for endpoint in endpoints]

    decided, winner = first_live(in_order())
    while not decided:
        start_due()
        now = time.monotonic()
        wait = deadline.ends - now
        if may_start() and running:
            wait = min(wait, last_start + hedge - now)
        if now >= deadline.ends:
            break
        try:
            name, answer = answers.get(timeout=max(0.0, wait))
        except queue.Empty:
            continue
        if isinstance(answer, BaseException):
            raise answer
        running.discard(name)
        results[name] = answer
        decided, winner = first_live(in_order())

    elapsed_ms = round((time.monotonic() - started) * 1000)
    for endpoint in endpoints:
        if endpoint.name in running:
            results[endpoint.name] = (
                Probe(endpoint.name, True, False, ABANDONED) if decided
                else Probe(endpoint.name, True, False, TIMEOUT, latency_ms=elapsed_ms)
            )
        elif endpoint.name not in results:
            results[endpoint.name] = Probe(endpoint.name, True, False, NOT_PROBED)
    if not decided:
        decided, winner = first_live(in_order())
    return Selection(winner, tuple(results[endpoint.name] for endpoint in endpoints), elapsed_ms)
