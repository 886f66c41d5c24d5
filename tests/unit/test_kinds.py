"""Input kinds: what each accepts and refuses (the bad-input suite in tests/hostile covers them
through every command)."""

from __future__ import annotations

import pytest

from release_actions import kinds
from release_actions.context import Context
from release_actions.errors import InputError
from release_actions.gha import Console

CTX = Context({}, Console(actions=False))


@pytest.mark.parametrize(("raw", "value"), [("1", 1), ("00125", 125), ("123", 123)])
def test_positive_int(raw: str, value: int) -> None:
    assert kinds.positive_int()("run-number", raw, CTX) == value


@pytest.mark.parametrize("raw", ["0", "-1", "abc", "1.5", "", "1e3", "١٢٣", "+5", "000"])
def test_positive_int_refuses(raw: str) -> None:
    with pytest.raises(InputError, match="run-number"):
        kinds.positive_int()("run-number", raw, CTX)
