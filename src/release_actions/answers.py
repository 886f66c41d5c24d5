"""The one rule for an answer from outside (a server, a downloaded record) that is not what it
should be: picking it apart happens inside `reading(source)` (or through `parse_json`), and
whatever goes wrong there (not UTF-8, not JSON, nested too deeply, a field missing or of another
type) comes out as one `Malformed` naming who answered and what was wrong. Each caller then says
what it did about it. Standard library only: the integration gate's probes use it too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# What taking apart a malformed answer raises (UnicodeDecodeError and json's errors are
# ValueErrors; RecursionError: JSON nested deeper than the parser goes).
MALFORMED_ERRORS: tuple[type[Exception], ...] = (
    ValueError, KeyError, IndexError, TypeError, AttributeError, RecursionError)
WHY_CHARS = 200


class Malformed(Exception):
    """`source` answered something this project cannot read; `why` says what was wrong."""

    def __init__(self, source: str, why: str) -> None:
        super().__init__(f"{source} gave a malformed answer: {why}")
        self.source = source
        self.why = why


def why(error: BaseException) -> str:
    """What was wrong with an answer, from the error picking it apart raised."""
    if isinstance(error, RecursionError):
        return "JSON nested too deeply"
    if isinstance(error, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(error, json.JSONDecodeError):
        return f"not JSON ({error.msg}, line {error.lineno} column {error.colno})"
    if isinstance(error, KeyError | IndexError):
        return f"no {error} in it"[:WHY_CHARS]
    if isinstance(error, TypeError | AttributeError):
        return "a field of another type than expected"
    return " ".join(str(error).split())[:WHY_CHARS] or type(error).__name__


@contextmanager
def reading(source: str) -> Iterator[None]:
    """Any error picking apart `source`'s answer inside the block is raised as Malformed."""
    try:
        yield
    except MALFORMED_ERRORS as error:
        raise Malformed(source, why(error)) from None


def parse_json(body: bytes | str, source: str) -> Any:
    """`source`'s answer as JSON, or Malformed."""
    with reading(source):
        return json.loads(body)


def json_field(body: bytes | str, name: str, source: str) -> Any:
    """The field `name` of `source`'s answer, a JSON object (None when it lacks the field), or
    Malformed."""
    document = parse_json(body, source)
    if not isinstance(document, dict):
        raise Malformed(source, f"JSON {type(document).__name__}, not an object")
    return document.get(name)
