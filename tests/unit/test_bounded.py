"""The one way to bound time (`deadline.Deadline`, the one capped reader), the one rule for a
malformed answer (`answers`), and errors rebuilt with their final text (`restated`): on a fake
clock where time is the subject, on real local servers where a socket is."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

import pytest

from release_actions import answers, http, probing, providers
from release_actions.deadline import (
    BodyTooLarge,
    BodyTooSlow,
    Deadline,
    DeadlineExceeded,
    read_capped,
)
from release_actions.errors import CheckFailed, ConfigError, Interrupted
from release_actions.processes import TimedOut
from release_actions.providers import Endpoint
from release_actions.rehearsal.servers import serving
from tests.helpers import ROOT, clean_env


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# --- Deadline ----------------------------------------------------------------------------------


def test_a_part_of_a_step_never_ends_after_the_step() -> None:
    clock = FakeClock()
    step = Deadline.after(30, clock)
    clock.now += 25

    part = step.sooner(10)

    assert (part.ends, part.seconds) == (step.ends, 10)
    assert step.sooner(2).ends == clock.now + 2


@pytest.mark.parametrize("left, per_request, expected", [
    (30.0, 10.0, 10.0),  # the request's own bound
    (3.0, 10.0, 3.0),  # what is left of the step
    (-5.0, 10.0, 0.05),  # past the deadline: the least timeout, never 0 (which means none)
])
def test_a_request_timeout_is_its_own_bound_cut_to_the_deadline(
        left: float, per_request: float, expected: float) -> None:
    clock = FakeClock()
    step = Deadline.after(left, clock)
    assert step.timeout(per_request) == pytest.approx(expected)


def test_run_gives_the_call_its_result_or_its_error() -> None:
    step = Deadline.after(5)
    assert step.run(lambda: 42) == 42
    with pytest.raises(KeyError, match="boom"):
        step.run(lambda: {}["boom"])


def test_run_stops_waiting_for_a_hung_call_at_the_deadline() -> None:
    never = threading.Event()
    started = time.monotonic()
    try:
        with pytest.raises(DeadlineExceeded, match=r"no answer within 0\.3 s"):
            Deadline.after(0.3).run(never.wait)
    finally:
        never.set()
    assert time.monotonic() - started < 3


# A call abandoned at its deadline inside native code that catches a forced unwind: the Rust of
# pydantic-core running a validator that never returns. The interpreter's shutdown stops such a
# thread with that unwind: SIGABRT ("FATAL: exception not rethrown") or SIGSEGV, each time.
ABANDONED_IN_RUST = """\
from pydantic import BaseModel, field_validator
from release_actions.cli import end
from release_actions.deadline import Deadline, DeadlineExceeded

class Busy(BaseModel):
    value: int

    @field_validator("value")
    @classmethod
    def forever(cls, value):
        while True:
            pass

try:
    Deadline.after(0.2).run(lambda: Busy(value=1))
except DeadlineExceeded:
    print("::error::no answer in time")
end(1)
"""
# No thread left: the interpreter shuts down as usual (what is registered to run at exit runs).
NOTHING_LEFT = ("import atexit\nfrom release_actions.cli import end\n"
                "atexit.register(print, 'shut down')\nend(2)\n")


@pytest.mark.parametrize(("program", "code", "stdout"), [
    (ABANDONED_IN_RUST, 1, "::error::no answer in time\n"),
    (NOTHING_LEFT, 2, "shut down\n"),
], ids=["abandoned-call", "no-thread"])
def test_the_process_ends_with_its_code_and_its_output(program: str, code: int,
                                                       stdout: str) -> None:
    for _ in range(3):
        proc = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                              timeout=60, env=clean_env(PYTHONPATH=str(ROOT / "src")))
        assert (proc.returncode, proc.stdout, proc.stderr) == (code, stdout, "")


# --- the one bounded reader --------------------------------------------------------------------


def chunks(*parts: bytes, clock: FakeClock | None = None,
           step: float = 0.0) -> Callable[[], bytes]:
    """A `read_some` giving `parts`, then b""; each read takes `step` seconds on `clock`."""
    queue = list(parts)

    def read_some() -> bytes:
        if clock is not None:
            clock.now += step
        return queue.pop(0) if queue else b""

    return read_some


def test_the_reader_gives_the_whole_body_within_its_bounds() -> None:
    assert read_capped(chunks(b"ab", b"cd"), Deadline.after(5), 4) == b"abcd"


def test_the_reader_refuses_a_body_past_its_cap() -> None:
    with pytest.raises(BodyTooLarge, match="larger than 1 KiB"):
        read_capped(chunks(b"x" * 1000, b"x" * 25), Deadline.after(5), 1024)


def test_the_reader_refuses_a_body_still_arriving_at_the_deadline() -> None:
    clock = FakeClock()
    trickle = chunks(*[b"x"] * 100, clock=clock, step=1.0)
    with pytest.raises(BodyTooSlow):
        read_capped(trickle, Deadline.after(10, clock), 1 << 20)
    assert clock.now == pytest.approx(110)  # stopped at the deadline, not at the body's end


# --- every path through it: requests and the probes' http.client --------------------------------


def handler(status: int, body: bytes, *, pause: float = 0.0) -> type[BaseHTTPRequestHandler]:
    """Answers `status` with `body`, sent a byte every `pause` seconds when `pause`."""

    class Answer(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _answer(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for index in range(len(body)) if pause else ():
                self.wfile.write(body[index:index + 1])
                self.wfile.flush()
                time.sleep(pause)
            if not pause:
                self.wfile.write(body)

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self._answer()

    return Answer


@contextmanager
def server(status: int, body: bytes, *, pause: float = 0.0) -> Iterator[str]:
    with serving(handler(status, body, pause=pause)) as port:
        yield f"http://127.0.0.1:{port}"


def test_http_refuses_a_trickled_body_at_the_steps_deadline() -> None:
    """Each byte arrives well within the request's timeout; the step's deadline ends it."""
    with server(200, b"x" * 200, pause=0.05) as url:
        started = time.monotonic()
        with pytest.raises(http.BodyTooSlow):
            http.get(url, Deadline.after(1.0), timeout=5)
    assert time.monotonic() - started < 4


def probe_to(url: str) -> Endpoint:
    resolved = providers.resolve(providers.BY_NAME["deepseek"], {}, "")
    return Endpoint(resolved.provider, f"{url}/v1/chat/completions", resolved.model, "k", "K")


def test_a_probe_refuses_a_trickled_answer_at_the_selections_deadline() -> None:
    with server(200, b'{"choices": [1]}' + b" " * 400, pause=0.05) as url:
        started = time.monotonic()
        probe = probing.probe_endpoint(probe_to(url), Deadline.after(1.0))
    assert (probe.ok, probe.reason) == (False, probing.TIMEOUT)
    assert time.monotonic() - started < 4


@pytest.mark.parametrize("status, reason", [
    (200, probing.BAD_RESPONSE), (401, probing.UNAUTHORIZED)])
def test_a_probe_refuses_an_answer_past_the_body_cap(status: int, reason: str) -> None:
    huge = b'{"choices": [1], "pad": "' + b"x" * probing.MAX_BODY_BYTES + b'"}'
    with server(status, huge) as url:
        probe = probing.probe_endpoint(probe_to(url), Deadline.after(30))
    assert (probe.ok, probe.reason, probe.status) == (False, reason, status)
    assert "larger than 1024 KiB" in probe.detail


def test_a_probe_within_its_bounds_is_live() -> None:
    with server(200, b'{"choices": [{"message": {"content": "OK"}}]}') as url:
        probe = probing.probe_endpoint(probe_to(url), Deadline.after(30))
    assert probe.ok, probe


# --- a malformed answer --------------------------------------------------------------------------


@pytest.mark.parametrize("body, why", [
    (b"<html>", "not JSON (Expecting value, line 1 column 1)"),
    (b"{\"a\": \"\xc3\x28\"}", "not UTF-8 text"),
    (b"[" * 100_000 + b"]" * 100_000, "JSON nested too deeply"),
])
def test_an_answer_that_is_not_json_is_malformed(body: bytes, why: str) -> None:
    with pytest.raises(answers.Malformed) as caught:
        answers.parse_json(body, "https://index.example/x")
    assert caught.value.why == why
    assert str(caught.value) == f"https://index.example/x gave a malformed answer: {why}"


@pytest.mark.parametrize("pick, why", [
    (lambda doc: doc["releases"], "no 'releases' in it"),
    (lambda doc: doc["files"].items(), "a field of another type than expected"),
])
def test_a_field_missing_or_of_another_type_is_malformed(
        pick: Callable[[dict[str, object]], object], why: str) -> None:
    with pytest.raises(answers.Malformed, match=f"the index gave a malformed answer: {why}"), \
            answers.reading("the index"):
        pick({"files": [1, 2]})


def test_a_field_of_an_answer_that_is_not_an_object_is_malformed() -> None:
    assert answers.json_field(b'{"value": "t"}', "value", "the runner") == "t"
    assert answers.json_field(b'{}', "value", "the runner") is None
    with pytest.raises(answers.Malformed, match="JSON list, not an object"):
        answers.json_field(b"[1]", "value", "the runner")


def test_the_index_names_its_url_and_what_was_wrong() -> None:
    from release_actions import index

    with server(200, b'{"releases": [1, 2]}') as url, \
            pytest.raises(index.IndexUnavailable) as caught:
        index.published_versions(url, "my-pkg", Deadline.after(30))
    assert str(caught.value) == (f"{url}/pypi/my-pkg/json gave a malformed answer: a field of "
                                 "another type than expected")


# --- errors built with their final text ----------------------------------------------------------


def test_a_restated_error_is_a_new_error_of_the_same_kind() -> None:
    raised = ConfigError("pyproject.toml: bad", file="/tmp/x/pyproject.toml", line=3,
                         summary="table", outputs={"version": "1"})

    restated = raised.restated("bad (on origin/main)", file=None)

    assert type(restated) is ConfigError and restated is not raised
    assert (restated.message, str(restated), restated.file, restated.line, restated.summary,
            restated.outputs) == ("bad (on origin/main)", "bad (on origin/main)", None, 3,
                                  "table", {"version": "1"})
    assert (raised.message, raised.file) == ("pyproject.toml: bad", "/tmp/x/pyproject.toml")


@pytest.mark.parametrize("raised", [
    TimedOut("slow"), CheckFailed("refused"), Interrupted("stopped", 15)])
def test_a_restated_error_keeps_its_title_and_exit_code(raised: CheckFailed) -> None:
    restated = raised.restated(raised.message + " More.")
    assert (type(restated), restated.title, restated.exit_code) == (
        type(raised), raised.title, raised.exit_code)
