"""One overall deadline for a call whose library has only per-request timeouts (PyGithub)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class DeadlineExceeded(Exception):
    """The call did not finish in time; it is abandoned (its thread is a daemon)."""


def within(seconds: float, call: Callable[[], T]) -> T:
    """`call()`'s result, or DeadlineExceeded after `seconds`. Exceptions are re-raised here.

    The call runs in a daemon thread, so one still blocked on a socket never holds the
    process: the command reports and exits."""
    answers: queue.SimpleQueue[tuple[bool, object]] = queue.SimpleQueue()

    def target() -> None:
        try:
            answers.put((True, call()))
        except BaseException as error:  # handed to the caller's thread
            answers.put((False, error))

    threading.Thread(target=target, name="deadline", daemon=True).start()
    try:
        ok, value = answers.get(timeout=seconds)
    except queue.Empty:
        raise DeadlineExceeded(f"no answer within {seconds:g} s") from None
    if not ok:
        assert isinstance(value, BaseException)
        raise value
    return value  # type: ignore[return-value]
