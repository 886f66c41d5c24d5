"""Input kinds: what each accepts and refuses (the bad-input suite in tests/hostile covers them
through every command)."""

from __future__ import annotations

import re
from pathlib import Path

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


@pytest.mark.parametrize(
    ("kind", "raw"),
    [(kinds.word, "claude-code@1.2"), (kinds.workflow_file, "public-release.yaml"),
     (kinds.environment_name, "pypi public ✓"), (kinds.workflow_file, ""),
     (kinds.environment_name, ""),
     (kinds.commit_sha, "0123456789abcdef" * 2 + "0" * 8),
     (kinds.commit_sha, ""), (kinds.artifact_name, "tested run (1)"), (kinds.artifact_name, ""),
     (kinds.tag_prefix, "mypkg-v"), (kinds.tag_prefix, "")],
)
def test_matching_kinds_accept_what_their_pattern_matches(kind: kinds.Kind[str], raw: str) -> None:
    assert kind("x", raw, CTX) == raw


@pytest.mark.parametrize(
    ("kind", "raw", "message"),
    [(kinds.word, "", "`agent` must be one name"),
     (kinds.workflow_file, ".github/workflows/a.yml", "`agent` must be a workflow file name"),
     (kinds.environment_name, "a\nb", "`agent` must be an environment name"),
     (kinds.commit_sha, "A" * 40, r"40 lowercase hex digits\), got 'AAAA"),
     (kinds.artifact_name, "a:b", r'without " : < > \| \* \? \\ / or line breaks; got'),
     (kinds.tag_prefix, "v 1", "may hold letters")],
)
def test_matching_kinds_refuse_with_their_own_text(kind: kinds.Kind[str], raw: str,
                                                   message: str) -> None:
    with pytest.raises(InputError, match=message):
        kind("agent", raw, CTX)


def test_matching_formats_the_input_and_the_quoted_value() -> None:
    kind = kinds.matching(re.compile(r"[a-z]+\Z"), "`{name}` wants letters, got {got}.")
    assert kind("n", "abc", CTX) == "abc"
    with pytest.raises(InputError) as caught:
        kind("n", "x\n" + "y" * 100, CTX)
    assert str(caught.value) == f"`n` wants letters, got {kinds.quote('x' + chr(10) + 'y' * 100)}."


def test_names_keep_the_order_given_and_an_alias_counts_once() -> None:
    kind = kinds.names({"qwen": "qwen", "qwen-dashscope": "qwen", "glm": "glm"},
                       "`{name}` is empty.", "`{name}`: unknown {got}.")
    assert kind("providers", "glm, qwen-dashscope\nqwen,glm", CTX) == ("glm", "qwen-dashscope")
    with pytest.raises(InputError, match=r"^`providers` is empty\.$"):
        kind("providers", " ,\n,", CTX)
    with pytest.raises(InputError, match=r"^`providers`: unknown 'gpt'\.$"):
        kind("providers", "glm,gpt", CTX)


def test_tag_drops_refs_tags_and_says_how_to_pass_one() -> None:
    kind = kinds.tag("Pass `tag: v1.2.3`.")
    assert kind("tag", "refs/tags/v1.2.3", CTX) == "v1.2.3"
    assert kind("tag", "v1.2.3", CTX) == "v1.2.3"
    with pytest.raises(InputError, match=r"^Input `tag` is empty\. Pass `tag: v1\.2\.3`\.$"):
        kind("tag", "", CTX)
    with pytest.raises(InputError, match="not a plain git ref"):
        kind("tag", "refs/tags/-x", CTX)


def test_workspace_folder_takes_its_default_and_refuses_a_file(tmp_path: Path) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "file").write_text("")
    ctx = Context({"GITHUB_WORKSPACE": str(tmp_path)}, Console(actions=False))
    kind = kinds.workspace_folder(str(tmp_path / "flows"), "`{name}`: {got} is no folder.")
    assert kind("workflows", "", ctx) == tmp_path / "flows"
    with pytest.raises(InputError, match=r"^`workflows`: '.*(file|…)' is no folder\.$"):
        kind("workflows", str(tmp_path / "file"), ctx)
    with pytest.raises(InputError, match="leads outside the workspace"):
        kind("workflows", "/", ctx)


def test_any_folder_may_lie_outside_the_workspace_but_is_one_line(tmp_path: Path) -> None:
    ctx = Context({"GITHUB_WORKSPACE": str(tmp_path)}, Console(actions=False))
    kind = kinds.any_folder("${{ runner.temp }}/x")
    assert kind("path", "/tmp/x", ctx) == Path("/tmp/x")
    with pytest.raises(InputError, match=r"empty; give a directory, e\.g\. `\$\{\{ runner"):
        kind("path", "", ctx)
    with pytest.raises(InputError, match="one line"):
        kind("path", "a\nb", ctx)


def test_optional_base_url_drops_trailing_slashes() -> None:
    assert kinds.optional_base_url("index-url", "https://pypi.org//", CTX) == "https://pypi.org"
    assert kinds.optional_base_url("index-url", "", CTX) == ""
    with pytest.raises(InputError, match="http"):
        kinds.optional_base_url("index-url", "ftp://pypi.org", CTX)


def test_optional_positive_int_is_none_when_empty_and_keeps_its_limit() -> None:
    kind = kinds.optional_positive_int(99)
    assert kind("run-number", "", CTX) is None
    assert kind("run-number", "099", CTX) == 99
    with pytest.raises(InputError, match="up to 99"):
        kind("run-number", "100", CTX)


@pytest.mark.parametrize(("raw", "value"), [("", None), ("7", 7), ("9" * 20, int("9" * 20))])
def test_run_id(raw: str, value: int | None) -> None:
    assert kinds.run_id("run-id", raw, CTX) == value


@pytest.mark.parametrize("raw", ["0", "000", "9" * 21, "-1", "1.0", "\uff11"])
def test_run_id_refuses(raw: str) -> None:
    with pytest.raises(InputError, match=r"must be a workflow run id .* Leave the default "
                                         r"`\$\{\{ github\.event\.workflow_run\.id \}\}`"):
        kinds.run_id("run-id", raw, CTX)


def test_a_version_of_thousands_of_digits_is_refused_not_a_crash() -> None:
    with pytest.raises(InputError, match="must be a PEP 440 version"):
        kinds.version("expected-version", "9" * 5000, CTX)
