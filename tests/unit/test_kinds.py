"""Input kinds: what each accepts and refuses (the bad-input suite in tests/hostile covers them
through every command)."""

from __future__ import annotations

import pytest

from release_actions import kinds
from release_actions.context import Context
from release_actions.errors import InputError
from release_actions.gha import Console

CTX = Context({}, Console(actions=False))


@pytest.mark.parametrize("word", ["true", "True", "TRUE"])
def test_yaml_core_true(word: str) -> None:
    assert kinds.boolean("dry-run", word, CTX) is True


@pytest.mark.parametrize("word", ["false", "False", "FALSE"])
def test_yaml_core_false(word: str) -> None:
    assert kinds.boolean("dry-run", word, CTX) is False


@pytest.mark.parametrize("word", ["yes", "no", "1", "0", "tRUE", "on", ""])
def test_other_booleans_are_input_errors(word: str) -> None:
    with pytest.raises(InputError, match="dry-run"):
        kinds.boolean("dry-run", word, CTX)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("a,b", ["a", "b"], id="commas"),
        pytest.param("a\nb\n", ["a", "b"], id="newlines"),
        pytest.param(" a , \n b ,,", ["a", "b"], id="mixed-trimmed-empties-dropped"),
        pytest.param("", [], id="empty"),
    ],
)
def test_listed(raw: str, expected: list[str]) -> None:
    assert kinds.listed(raw) == expected


@pytest.mark.parametrize(("raw", "value"), [("1", 1), ("00125", 125), ("123", 123)])
def test_positive_int(raw: str, value: int) -> None:
    assert kinds.positive_int()("run-number", raw, CTX) == value


@pytest.mark.parametrize("raw", ["0", "-1", "abc", "1.5", "", "1e3", "١٢٣", "+5", "000"])
def test_positive_int_refuses(raw: str) -> None:
    with pytest.raises(InputError, match="run-number"):
        kinds.positive_int()("run-number", raw, CTX)


@pytest.mark.parametrize(
    "raw",
    ["octo/sample", "octo-cat/sample.js", "o/.github", "a1/_x", "octo_ent/x-y_z.1",
     "a" * 39 + "/" + "b" * 100],
)
def test_repository_accepts_what_github_allows(raw: str) -> None:
    assert kinds.repository("repository", raw, CTX) == raw


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("../..", id="dot-dot"),
        pytest.param("octo/..", id="name-dot-dot"),
        pytest.param("octo/.", id="name-dot"),
        pytest.param("../octo", id="owner-dot-dot"),
        pytest.param("octo/sample/environments", id="three-segments"),
        pytest.param("octo", id="no-slash"),
        pytest.param("-octo/sample", id="leading-hyphen"),
        pytest.param("octo-/sample", id="trailing-hyphen"),
        pytest.param("a" * 40 + "/x", id="owner-too-long"),
        pytest.param("octo/" + "x" * 101, id="name-too-long"),
        pytest.param("octo/sa mple", id="space"),
        pytest.param("octo/%2e%2e", id="percent"),
    ],
)
def test_repository_refuses_what_would_walk_other_api_paths(raw: str) -> None:
    with pytest.raises(InputError, match="`repository` must be owner/name"):
        kinds.repository("repository", raw, CTX)


def test_repository_falls_back_to_github_repository_and_checks_it_too() -> None:
    assert kinds.repository("repository", "", Context(
        {"GITHUB_REPOSITORY": "octo/sample"}, Console(actions=False))) == "octo/sample"
    with pytest.raises(InputError, match="GITHUB_REPOSITORY must be owner/name"):
        kinds.repository("repository", "", Context({"GITHUB_REPOSITORY": "octo/.."},
                                                   Console(actions=False)))
