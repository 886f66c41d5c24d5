"""The root action.yml (Docker flavour) is the union of every command's inputs and outputs, is
generated (so it cannot drift), and gives each command the defaults its composite action gives."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from devtools import docker_action

from release_actions import cli, docker
from release_actions.gha import read_input
from tests.helpers import ROOT

ROOT_ACTION = ROOT / "action.yml"


def root_action() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(ROOT_ACTION.read_text())
    return spec


def evaluated(value: object) -> str:
    """GitHub's evaluation of a default, as an opaque token: the same expression evaluates to
    the same value wherever it is written."""
    text = str(value)
    return f"<evaluated {text}>" if "${{" in text else text


def test_root_action_yml_is_current() -> None:
    assert ROOT_ACTION.read_text() == docker_action.render(), (
        "run `.venv/bin/python -m devtools.docker_action --write` and commit action.yml"
    )


def test_it_is_a_docker_action_built_from_the_dockerfile() -> None:
    runs = root_action()["runs"]
    assert (runs["using"], runs["image"]) == ("docker", "Dockerfile")
    assert (ROOT / runs["image"]).is_file()


def test_inputs_are_command_plus_the_union_of_every_commands_inputs() -> None:
    union = {spec.name for name in cli.COMMANDS for spec in cli.load(name).inputs}
    assert docker.COMMAND_INPUT not in union, "a command may not declare an input `command`"
    inputs = root_action()["inputs"]
    assert set(inputs) == union | {docker.COMMAND_INPUT}
    assert inputs[docker.COMMAND_INPUT]["required"] is True


def test_outputs_are_the_union_of_every_commands_outputs() -> None:
    union = {name for command in cli.COMMANDS
             for name in {o.name: o for o in cli.load(command).outputs}}
    outputs = root_action()["outputs"]
    assert set(outputs) == union
    # A Docker action's outputs come from GITHUB_OUTPUT in the container, not from a step.
    assert all("value" not in item for item in outputs.values())


def test_no_expression_in_any_description() -> None:
    spec = root_action()
    for kind in ("inputs", "outputs"):
        for name, item in spec[kind].items():
            assert "${{" not in item["description"], f"{kind}.{name}"


@pytest.mark.parametrize("command", list(cli.COMMANDS))
def test_each_command_gets_the_defaults_its_composite_action_gives(command: str) -> None:
    """Given the Docker flavour with only `command` set, when GitHub fills every other input
    (its default, else empty) and evaluates runs.env, then each input the command reads holds
    exactly what the command's composite action would have passed it."""
    spec = root_action()
    environ = {
        f"INPUT_{name.upper()}": evaluated(item.get("default", ""))
        for name, item in spec["inputs"].items()
    }
    environ["INPUT_COMMAND"] = command
    environ.update({key: evaluated(value) for key, value in spec["runs"].get("env", {}).items()})

    _, seen = docker.command_environ(environ)

    composite_inputs = yaml.safe_load((ROOT / command / "action.yml").read_text())["inputs"]
    for declared in cli.load(command).inputs:
        raw = read_input(seen, declared.name)
        got = declared.default if raw is None else raw
        composite_default = composite_inputs[declared.name].get("default")
        expected = declared.default if composite_default is None else evaluated(
            composite_default)
        assert got == expected, f"{command}: input {declared.name}"
