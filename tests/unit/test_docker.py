"""The Docker flavour's input rules: which command runs, and what each of its inputs holds when
GitHub sets every declared input of the union (empty when not given)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from release_actions import command, docker, kinds
from release_actions.context import Context
from release_actions.errors import InputError
from release_actions.gha import Console


def modules(**inputs: tuple[command.Input, ...]) -> dict[str, Any]:
    """Stand-in commands: only their inputs matter to the union."""
    return {name.replace("_", "-"): SimpleNamespace(inputs=specs) for name, specs in inputs.items()}


def text(name: str, help: str, default: str | None = None) -> command.Input:
    return command.Input(name, help, kinds.text, default)


def read(specs: tuple[command.Input, ...], environ: dict[str, str]) -> dict[str, Any]:
    return command.read_values(specs, Context(environ, Console(actions=False)))


FAKE = modules(
    version_rewrite=(
        text("path", "Project file.", "pyproject.toml"),
        command.Input("run-number", "N of .devN.", kinds.positive_int()),
        command.Input("dry-run", "Write nothing.", kinds.boolean, "false"),
    ),
    tag_guard=(
        text("path", "Project file.", "pyproject.toml"),
        text("tag", "The tag.", ""),
        text("index-url", "Index; empty disables.", "https://pypi.org"),
    ),
    publish=(
        text("working-directory", "The project.", "."),
        text("tag", "The release tag.", ""),
        command.Input("dry-run", "Upload nothing.", kinds.boolean, "false"),
        command.Input("channel", "preview or public.", kinds.choice("preview", "public")),
    ),
)


@pytest.mark.parametrize(
    ("defaults", "expected"),
    [
        pytest.param(["pyproject.toml", "pyproject.toml"], "pyproject.toml", id="agree"),
        pytest.param(["", ""], "", id="agree-on-empty"),
        pytest.param(["pyproject.toml", "."], None, id="differ"),
        pytest.param([None], None, id="required"),
        pytest.param([None, ""], None, id="required-by-one"),
    ],
)
def test_shared_default(defaults: list[str | None], expected: str | None) -> None:
    specs = [text("x", "x", default) for default in defaults]
    assert docker.shared_default(specs) == expected


def test_declarations_group_every_command_declaring_an_input() -> None:
    union = docker.declarations(FAKE)
    assert list(union) == ["path", "run-number", "dry-run", "tag", "index-url",
                           "working-directory", "channel"]
    assert list(union["path"]) == ["version-rewrite", "tag-guard"]
    assert list(union["channel"]) == ["publish"]


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        pytest.param({}, "is required", id="unset"),
        pytest.param({"INPUT_COMMAND": "  "}, "is required", id="blank"),
        pytest.param({"INPUT_COMMAND": "deploy"}, "must be one of", id="unknown"),
        pytest.param({"INPUT_COMMAND": "Publish"}, "must be one of", id="case-matters"),
    ],
)
def test_a_missing_or_unknown_command_is_an_input_error(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(InputError, match=message) as caught:
        docker.chosen_command(environ)
    assert "version-rewrite, tag-guard, integration-gate, publish" in caught.value.message


def test_the_command_is_read_trimmed() -> None:
    assert docker.chosen_command({"INPUT_COMMAND": " tag-guard\n"}) == "tag-guard"


def github_sets(command_name: str, **given: str) -> dict[str, str]:
    """What GitHub puts in a Docker action's environment: every input of the union, hyphens
    kept; the default the commands agree on, else empty, when not given."""
    environ = {
        f"INPUT_{name.upper()}": docker.shared_default(specs.values()) or ""
        for name, specs in docker.declarations(FAKE).items()
    }
    environ["INPUT_COMMAND"] = command_name
    for name, value in given.items():
        environ[f"INPUT_{name.upper().replace('_', '-')}"] = value
    return environ


def test_an_empty_input_whose_commands_disagree_falls_back_to_the_commands_default() -> None:
    """Given `path` declared with different defaults by two commands (so no default in the
    union), when the caller leaves it out, then GitHub sets it empty and the chosen command
    sees no value at all, so its own default applies."""
    fake = modules(
        a=(text("path", "p", "pyproject.toml"),),
        b=(text("path", "p", "."),),
    )
    name, environ = docker.command_environ({"INPUT_COMMAND": "a", "INPUT_PATH": ""}, fake)
    assert name == "a"
    assert "INPUT_PATH" not in environ
    assert read(fake["a"].inputs, environ) == {"path": "pyproject.toml"}


def test_a_required_input_left_empty_is_reported_as_required() -> None:
    name, environ = docker.command_environ(github_sets("publish"), FAKE)
    with pytest.raises(InputError, match="Input `channel` is required"):
        read(FAKE[name].inputs, environ)


def test_an_empty_value_is_kept_where_every_command_agrees_on_the_default() -> None:
    """`index-url: ''` disables tag-guard's index check: an explicit empty value of an input
    with one shared default stays the caller's choice."""
    _, environ = docker.command_environ(github_sets("tag-guard", index_url=""), FAKE)
    assert environ["INPUT_INDEX-URL"] == ""


def test_given_values_pass_unchanged_with_hyphens_kept() -> None:
    _, environ = docker.command_environ(
        github_sets("version-rewrite", run_number="7", path="sub/pyproject.toml"), FAKE
    )
    values = read(FAKE["version-rewrite"].inputs, environ)
    assert values == {"path": "sub/pyproject.toml", "run_number": 7, "dry_run": False}


def test_inputs_of_other_commands_are_left_alone() -> None:
    environ = github_sets("version-rewrite", channel="public")
    _, result = docker.command_environ(environ, FAKE)
    assert result["INPUT_CHANNEL"] == "public"
    assert result["INPUT_TAG"] == ""


def test_an_evaluated_default_from_runs_env_fills_an_empty_input() -> None:
    """Given `tag`, whose composite defaults are expressions that differ per command, when the
    caller leaves it out, then the value GitHub evaluated for the chosen command (passed in
    RELEASE_ACTIONS_DEFAULT__<COMMAND>__<INPUT>) becomes the input, and the hand-over
    variables do not reach the command."""
    environ = github_sets("publish", channel="public")
    environ[docker.default_env_name("tag-guard", "tag")] = ""
    environ[docker.default_env_name("publish", "tag")] = "v1.2.3"
    _, result = docker.command_environ(environ, FAKE)
    assert result["INPUT_TAG"] == "v1.2.3"
    assert not [key for key in result if key.startswith(docker.DEFAULT_PREFIX)]


def test_a_given_value_wins_over_an_evaluated_default() -> None:
    environ = github_sets("publish", tag="v9.9.9")
    environ[docker.default_env_name("publish", "tag")] = "main"
    assert docker.command_environ(environ, FAKE)[1]["INPUT_TAG"] == "v9.9.9"


@pytest.mark.parametrize(
    ("command_name", "name", "expected"),
    [
        pytest.param("tag-guard", "tag", "RELEASE_ACTIONS_DEFAULT__TAG_GUARD__TAG", id="tag"),
        pytest.param("publish", "github-token", "RELEASE_ACTIONS_DEFAULT__PUBLISH__GITHUB_TOKEN",
                     id="hyphens"),
    ],
)
def test_default_env_name(command_name: str, name: str, expected: str) -> None:
    assert docker.default_env_name(command_name, name) == expected


def test_the_underscore_spelling_is_handled_like_the_hyphen_one() -> None:
    """act and hand-written env: use INPUT_RUN_NUMBER; both spellings mean the same input."""
    fake = modules(
        a=(text("run-number", "n", "1"),),
        b=(text("run-number", "n", "2"),),
    )
    _, environ = docker.command_environ({"INPUT_COMMAND": "a", "INPUT_RUN_NUMBER": ""}, fake)
    assert "INPUT_RUN_NUMBER" not in environ
