"""The Docker flavour's entrypoint: one action (the root action.yml) whose `command` input picks
the command, and whose inputs are the union of every command's inputs.

GitHub sets `INPUT_<NAME>` (hyphens kept) in the container for every input the root action.yml
declares, empty when the caller gave none and it has no default. An input whose commands
disagree on the default has no default there, so its empty value means "not given": the chosen
command's own default applies. Where that default is an expression GitHub evaluates
(`${{ github.ref_name }}`), the root action.yml's `runs.env` hands its value over in
`RELEASE_ACTIONS_DEFAULT__<COMMAND>__<INPUT>`."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from release_actions import cli
from release_actions.command import Command, Input
from release_actions.errors import InputError
from release_actions.gha import Console, Runner, input_env_names, read_input

COMMAND_INPUT = "command"
DEFAULT_PREFIX = "RELEASE_ACTIONS_DEFAULT"


def declarations(modules: Mapping[str, Command[Any]]) -> dict[str, dict[str, Input]]:
    """Input name -> {command: its declaration}, in the order commands and inputs are listed."""
    union: dict[str, dict[str, Input]] = {}
    for command, module in modules.items():
        for spec in module.inputs:
            union.setdefault(spec.name, {})[command] = spec
    return union


def shared_default(specs: Iterable[Input]) -> str | None:
    """The action default every command declaring an input agrees on; None when they differ or
    when the input is required."""
    defaults = {spec.action_default for spec in specs}
    return defaults.pop() if len(defaults) == 1 else None


def command_modules() -> dict[str, Command[Any]]:
    return {name: cli.load(name) for name in cli.COMMANDS}


def default_env_name(command: str, name: str) -> str:
    """The variable through which the root action.yml passes `command`'s own default of input
    `name`, evaluated by GitHub, when the union has no default for it."""
    return f"{DEFAULT_PREFIX}__{command}__{name}".upper().replace("-", "_")


def chosen_command(
    environ: Mapping[str, str], commands: Iterable[str] = tuple(cli.COMMANDS)
) -> str:
    commands = tuple(commands)
    choices = ", ".join(commands)
    name = read_input(environ, COMMAND_INPUT)
    if not name:
        raise InputError(
            f"Input `{COMMAND_INPUT}` is required: it picks what runs, one of {choices}. "
            f"Set `with: {COMMAND_INPUT}: version-rewrite` (for example)."
        )
    if name not in commands:
        raise InputError(
            f"Input `{COMMAND_INPUT}` must be one of {choices}; got {name[:80]!r}."
        )
    return name


def command_environ(
    environ: Mapping[str, str], modules: Mapping[str, Command[Any]] | None = None
) -> tuple[str, dict[str, str]]:
    """The command to run and the environment to run it in, where an input the caller left
    empty carries what the composite action would have given it."""
    modules = modules if modules is not None else command_modules()
    command = chosen_command(environ, modules)
    union = declarations(modules)
    result = {key: value for key, value in environ.items()
              if not key.startswith(f"{DEFAULT_PREFIX}__")}
    for spec in modules[command].inputs:
        keys = [key for key in dict.fromkeys(input_env_names(spec.name)) if key in environ]
        if not keys or any(environ[key].strip() for key in keys):
            continue
        fallback = environ.get(default_env_name(command, spec.name))
        if fallback is not None:
            result[keys[0]] = fallback
        elif shared_default(union[spec.name].values()) is None:
            for key in keys:
                del result[key]
    return command, result


def main() -> int:
    try:
        command, environ = command_environ(os.environ)
    except InputError as error:
        console = Console.from_environ(os.environ)
        console.error(error.message, title=error.title)
        Runner(os.environ, console).report_failure(
            {}, f"### ❌ release-actions: {error.title}\n\n{error.message}\n", None)
        return error.exit_code
    return cli.main([command], environ)


if __name__ == "__main__":
    cli.end(main())
