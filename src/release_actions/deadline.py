"""The one way this project bounds time: a `Deadline`, made once per network step and passed
down. Every request's timeout, every body read, every wait and poll, and a call whose library has
only per-request timeouts (PyGithub, sigstore) end when it ends. Standard library only, so the
integration gate's probes use it without importing requests."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")
# A timeout of zero means "none" to sockets: the least a request is given, even at the end.
LEAST_TIMEOUT = 0.05


class DeadlineExceeded(Exception):
    """The step did not finish in time; a call still running is abandoned (a daemon thread)."""


class BodyTooLarge(Exception):
    """The answer is larger than anything this project expects from that server."""


class BodyTooSlow(DeadlineExceeded):
    """The server did not finish sending its answer before the step's deadline."""


@dataclass(frozen=True)
class Deadline:
    """When a step must be over: `seconds` granted, ending at `ends` on `clock`."""

    seconds: float
    ends: float
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)

    @classmethod
    def after(cls, seconds: float, clock: Callable[[], float] = time.monotonic) -> Deadline:
        return cls(seconds, clock() + seconds, clock)

    def remaining(self) -> float:
        return self.ends - self.clock()

    def sooner(self, seconds: float) -> Deadline:
        """A part of this step: `seconds` from now, never past this deadline."""
        now = self.clock()
        return Deadline(seconds, min(self.ends, now + seconds), self.clock)

    def timeout(self, per_request: float) -> float:
        """One request's timeout: at most `per_request`, never past the deadline (never 0)."""
        return max(LEAST_TIMEOUT, min(per_request, self.remaining()))

    def run(self, call: Callable[[], T]) -> T:
        """`call()`'s result, or DeadlineExceeded when the deadline passes first. Exceptions are
        re-raised here. The call runs in a daemon thread, so one still blocked on a socket (a
        server trickling header bytes never trips a per-read timeout) never holds the process;
        the process then ends through `cli.end` (the interpreter's shutdown can crash on it)."""
        answers: queue.SimpleQueue[tuple[bool, object]] = queue.SimpleQueue()

        def target() -> None:
            try:
                answers.put((True, call()))
            except BaseException as error:  # handed to the caller's thread
                answers.put((False, error))

        threading.Thread(target=target, name="deadline", daemon=True).start()
        try:
            ok, value = answers.get(timeout=max(0.0, self.remaining()))
        except queue.Empty:
            raise DeadlineExceeded(f"no answer within {self.seconds:g} s") from None
        if not ok:
            assert isinstance(value, BaseException)
            raise value
        return value  # type: ignore[return-value]


def read_capped(read_some: Callable[[], bytes], deadline: Deadline, max_bytes: int) -> bytes:
    """The one bounded reader: a body read with `read_some` (what has arrived, `b""` at the end)
    until it ends, refused with BodyTooLarge past `max_bytes` (counted after decoding) or with
    BodyTooSlow past the deadline (a server trickling bytes would otherwise hold each read just
    under the timeout forever)."""
    body = bytearray()
    while chunk := read_some():
        body += chunk
        if len(body) > max_bytes:
            raise BodyTooLarge(f"the answer is larger than {max_bytes // 1024} KiB")
        if deadline.remaining() <= 0:
            raise BodyTooSlow("the answer did not arrive in time")
    return bytes(body)
