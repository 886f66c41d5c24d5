"""verification: reading simple pages (PEP 691 JSON and PEP 503 HTML) and the polling policy,
on `responses` with a fake clock (the real index and the never-listing one: integration)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
import responses
from packaging.version import Version

from release_actions import verification
from release_actions.distributions import Distribution

INDEX = "https://index.example/simple/"
PAGE = "https://index.example/simple/my-pkg/"
WHEEL = "my_pkg-1.0-py3-none-any.whl"
SDIST = "my_pkg-1.0.tar.gz"
OURS = {WHEEL: "a" * 64, SDIST: "b" * 64}


def dists() -> list[Distribution]:
    return [Distribution(Path(name), "My.Pkg", Version("1.0"), digest)
            for name, digest in OURS.items()]


def html(files: dict[str, str]) -> str:
    anchors = "".join(f'<a href="../../packages/{name}#sha256={digest}">{name}</a><br>'
                      for name, digest in files.items())
    return f"<!DOCTYPE html><html><body>{anchors}</body></html>"


def json_page(files: dict[str, str]) -> str:
    return json.dumps({"meta": {"api-version": "1.1"}, "name": "my-pkg", "files": [
        {"filename": name, "url": f"https://files.example/{name}", "hashes": {"sha256": digest}}
        for name, digest in files.items()]})


class FakeClock:
    """Time that passes only when the poller sleeps (or a request is said to take long)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def poller(timeout: float, clock: FakeClock) -> verification.Poller:
    return verification.Poller(requests.Session(), timeout=timeout, clock=clock,
                               sleep=clock.sleep)


def test_project_page_uses_the_normalized_name() -> None:
    assert verification.project_page("https://i.example/simple", "My.Pkg_x") == (
        "https://i.example/simple/my-pkg-x/")


def test_html_page_anchors_with_hashes_and_quoted_names() -> None:
    body = ('<a href="/p/my_pkg-1.0.tar.gz#sha256=ABC">x</a>'
            '<a href="https://f.example/my_pkg%2B1-1.0-py3-none-any.whl#md5=00">y</a>'
            '<a href="my_pkg-0.9.tar.gz">z</a>')
    assert verification.parse_html_page(body, PAGE) == {
        "my_pkg-1.0.tar.gz": "abc", "my_pkg+1-1.0-py3-none-any.whl": "", "my_pkg-0.9.tar.gz": ""}


def test_json_page_is_read_when_the_index_answers_json() -> None:
    listing = verification.parse_page(json_page(OURS), verification.JSON_TYPE, PAGE)
    assert listing == OURS


@responses.activate
def test_json_offered_is_asked_for_and_everything_listed_verifies_at_once() -> None:
    responses.get(PAGE, body=json_page(OURS), content_type=verification.JSON_TYPE)
    clock = FakeClock()

    result = poller(300, clock).verify(dists(), INDEX)

    assert result.ok and result.served == [WHEEL, SDIST]
    assert result.attempts == 1 and clock.sleeps == []
    assert "application/vnd.pypi.simple.v1+json" in responses.calls[0].request.headers["Accept"]


@responses.activate
def test_files_appearing_late_are_waited_for_with_backoff() -> None:
    """Given an index that lists nothing (404), then the wheel only, then both files, then the
    poller waits 1 s, then 2 s, and succeeds at the third look."""
    responses.get(PAGE, status=404)
    responses.get(PAGE, body=html({WHEEL: OURS[WHEEL]}))
    responses.get(PAGE, body=html(OURS))
    clock = FakeClock()

    result = poller(300, clock).verify(dists(), INDEX)

    assert result.ok and result.attempts == 3
    assert clock.sleeps == [1.0, 2.0]


@responses.activate
def test_never_listed_fails_at_the_deadline_with_bounded_waits() -> None:
    responses.get(PAGE, body=html({}))
    clock = FakeClock()

    result = poller(40, clock).verify(dists(), INDEX)

    assert not result.ok
    assert result.missing == [WHEEL, SDIST]
    assert clock.now == 40  # stopped at the deadline, not after it
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 15.0, 10.0]  # doubling, capped, cut to the end


@responses.activate
def test_another_hash_fails_without_waiting_for_the_deadline() -> None:
    responses.get(PAGE, body=html({WHEEL: "c" * 64, SDIST: OURS[SDIST]}))
    clock = FakeClock()

    result = poller(300, clock).verify(dists(), INDEX)

    assert not result.ok and result.different == {WHEEL: "c" * 64}
    assert clock.sleeps == []


@responses.activate
def test_server_errors_are_retried_until_the_deadline_and_reported() -> None:
    responses.get(PAGE, status=503)
    clock = FakeClock()

    result = poller(5, clock).verify(dists(), INDEX)

    assert not result.ok and result.last_problem == "HTTP 503"
    assert result.missing == [WHEEL, SDIST]


@responses.activate
def test_connection_error_is_a_problem_not_a_crash() -> None:
    responses.get(PAGE, body=requests.ConnectionError("refused"))
    clock = FakeClock()

    result = poller(2, clock).verify(dists(), INDEX)

    assert result.last_problem == "ConnectionError"


@pytest.mark.parametrize("budget, expected", [(300.0, 10.0), (3.0, 3.0), (0.01, 1.0)])
@responses.activate
def test_each_request_is_bounded_by_the_time_left(budget: float, expected: float) -> None:
    seen: list[float] = []

    class Recording(requests.Session):
        def get(self, url: str | bytes, **kw: object) -> requests.Response:  # type: ignore[override]
            seen.append(kw["timeout"])  # type: ignore[arg-type]
            return super().get(url, **kw)  # type: ignore[arg-type]

    responses.get(PAGE, body=html(OURS))
    verification.Poller(Recording(), timeout=1).fetch(PAGE, budget)

    assert seen == [expected]


def test_listing_without_hashes_counts_as_listed_but_unproven() -> None:
    result = verification.compare(dists(), {WHEEL: "", SDIST: OURS[SDIST]}, PAGE)
    assert result.ok and result.unhashed == [WHEEL]
