"""After the upload: does the index serve every file, with our sha256?

An index can answer an upload with 200 and not store it, and PyPI takes a while before a new
file shows in its simple API. So the project's simple page is polled (PEP 691 JSON when the
index offers it, else the PEP 503 HTML anchors with `#sha256=`), with backoff, each request and
the whole wait bounded, until every file is listed with our hash or the deadline passes. Each
look is one step with its own `Deadline` (what is left of the wait, at least a second), its
page read by the one bounded reader: capped in decoded bytes, so a small gzip answer cannot
expand in memory."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from packaging.utils import canonicalize_name

from release_actions.answers import Malformed, reading
from release_actions.distributions import Distribution

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
ACCEPT = f"{JSON_TYPE}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
FIRST_DELAY = 1.0
MAX_DELAY = 15.0
REQUEST_TIMEOUT = 10.0
MIN_REQUEST_TIMEOUT = 1.0
# PyPI's largest simple pages (projects with ~10,000 files) are a few MiB.
MAX_PAGE_BYTES = 32 << 20

Listing = dict[str, str]  # file name -> sha256 the index gives ("" when it gives none)


def project_page(index_url: str, name: str) -> str:
    """The simple API page of a project (PEP 503: the normalized name, a trailing slash)."""
    return f"{index_url.rstrip('/')}/{canonicalize_name(name)}/"


def parse_json_page(body: str) -> Listing:
    """PEP 691: `files` with `filename` and `hashes`."""
    files = json.loads(body).get("files", [])
    return {str(f["filename"]): str(f.get("hashes", {}).get("sha256", "")).lower()
            for f in files if isinstance(f, dict) and "filename" in f}


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def parse_html_page(body: str, page_url: str) -> Listing:
    """PEP 503: one anchor per file, the file name last in its path, `#sha256=<hex>`."""
    parser = _Anchors()
    parser.feed(body)
    listing: Listing = {}
    for href in parser.hrefs:
        url = urlsplit(urljoin(page_url, href))
        name = unquote(url.path.rsplit("/", 1)[-1])
        algorithm, _, digest = url.fragment.partition("=")
        listing[name] = digest.lower() if algorithm == "sha256" else ""
    return listing


def parse_page(body: str, content_type: str, page_url: str) -> Listing:
    if content_type.split(";")[0].strip() == JSON_TYPE:
        return parse_json_page(body)
    return parse_html_page(body, page_url)


def _text(body: bytes, encoding: str | None) -> str:
    """The page as text, in the charset its answer names (UTF-8 when none, or an unknown one)."""
    try:
        return body.decode(encoding or "utf-8", "replace")
    except LookupError:
        return body.decode("utf-8", "replace")


@dataclass
class Verification:
    """What the index served at the last look."""

    page: str
    served: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    different: dict[str, str] = field(default_factory=dict)  # file -> the index's sha256
    unhashed: list[str] = field(default_factory=list)  # listed without a sha256
    attempts: int = 0
    seconds: float = 0.0
    last_problem: str = ""  # why the last look failed (HTTP status, connection error)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.different


def compare(dists: Sequence[Distribution], listing: Listing, page: str) -> Verification:
    result = Verification(page)
    for dist in dists:
        found = listing.get(dist.filename)
        if found is None:
            result.missing.append(dist.filename)
        elif found and found != dist.sha256:
            result.different[dist.filename] = found
        else:
            result.served.append(dist.filename)
            if not found:  # PEP 503 lets an index omit hashes: listed, bytes unproven
                result.unhashed.append(dist.filename)
    return result


class Poller:
    """Reads a simple page until it lists every file with our hash, or the deadline passes."""

    def __init__(self, http: Any, *, timeout: float,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.http = http
        self.timeout = timeout
        self.clock = clock
        self.sleep = sleep

    def fetch(self, page: str, budget: float) -> tuple[Listing | None, str]:
        """The page's listing (a 404 is an empty one), or None and why it could not be read;
        one look, given `budget` seconds of the wait (at least MIN_REQUEST_TIMEOUT)."""
        import requests

        from release_actions import http
        from release_actions.deadline import Deadline, DeadlineExceeded

        wait = max(MIN_REQUEST_TIMEOUT, min(REQUEST_TIMEOUT, budget))
        look = Deadline.after(wait + 1)
        try:
            # In a thread under the look's deadline: a server trickling header bytes never
            # trips a per-read timeout (the body reader checks the deadline itself).
            response, body = look.run(lambda: http.get(
                page, look, timeout=wait, max_bytes=MAX_PAGE_BYTES, client=self.http,
                headers={"Accept": ACCEPT, "Cache-Control": "no-cache"}))
        except http.BodyTooLarge:
            return None, f"a page larger than {MAX_PAGE_BYTES >> 20} MiB"
        except (DeadlineExceeded, http.BodyTooSlow):
            return None, f"no complete answer within {look.seconds:g} s"
        except requests.RequestException as error:
            return None, type(error).__name__
        if response.status_code == 404:
            return {}, "404 Not Found"
        if response.status_code != 200:
            return None, f"HTTP {response.status_code}"
        try:
            with reading(page):
                return parse_page(_text(body, response.encoding),
                                  response.headers.get("Content-Type", ""),
                                  response.url or page), ""
        except Malformed as error:
            return None, f"unreadable page ({error.why})"

    def verify(self, dists: Sequence[Distribution], index_url: str) -> Verification:
        from release_actions.deadline import Deadline

        page = project_page(index_url, dists[0].name)
        step = Deadline.after(self.timeout, self.clock)
        delay = FIRST_DELAY
        attempts = 0
        while True:
            attempts += 1
            listing, problem = self.fetch(page, step.remaining())
            result = compare(dists, listing or {}, page)
            result.attempts, result.last_problem = attempts, problem
            remaining = step.remaining()
            # Index files are immutable: another hash will not turn into ours by waiting.
            settled = listing is not None and (result.ok or bool(result.different))
            if settled or remaining <= 0:
                result.seconds = step.seconds - remaining
                return result
            self.sleep(min(delay, remaining))
            delay = min(delay * 2, MAX_DELAY)
