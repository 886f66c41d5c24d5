"""The command contract: each input declared once, as a field of the command's `Inputs`
dataclass, and each command one typed `Command` value.

From that one declaration come the typed value `run()` receives, the CLI flags and `--help`,
`INPUT_*` reading, and (through `make docs`) the composite `<name>/action.yml`, the root Docker
`action.yml` and the README tables."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from release_actions import gha, kinds
from release_actions.context import Context
from release_actions.errors import InputError

I = TypeVar("I")  # noqa: E741  (the command's Inputs type)
_META = "release_actions.input"


@dataclass(frozen=True)
class Input:
    """One action input. `default` is what the command uses when the input is not given (None:
    required); `expression` is the default the composite action.yml asks GitHub to evaluate
    (`${{ github.token }}`), when it differs."""

    name: str
    help: str
    kind: kinds.Kind[Any]
    default: str | None = None
    expression: str | None = None
    secret: bool = False

    @property
    def field(self) -> str:
        return self.name.replace("-", "_")

    @property
    def is_flag(self) -> bool:
        return self.kind is kinds.boolean

    @property
    def action_default(self) -> str | None:
        return self.expression if self.expression is not None else self.default

    def value(self, raw: str | None, ctx: Context) -> Any:
        if raw is None:
            raw = self.default
        if raw is None:
            raise InputError(
                f"Input `{self.name}` is required: {self.help} "
                f"Set `with: {self.name}: ...` (or `--{self.name}` on the command line)."
            )
        kinds.require_text(f"Input `{self.name}`", raw, show=not self.secret)
        return self.kind(self.name, raw, ctx)


def option(
    kind: kinds.Kind[Any],
    help: str,
    *,
    default: str | None = None,
    expression: str | None = None,
    secret: bool = False,
) -> Any:
    """Declare an input as a field of a command's frozen `Inputs` dataclass; the field's name,
    with `-` for `_`, is the input's name."""
    return field(metadata={_META: (kind, help, default, expression, secret)})


def declared(inputs_type: type[Any]) -> tuple[Input, ...]:
    """The inputs an `Inputs` dataclass declares, in field order."""
    found = []
    for item in dataclasses.fields(inputs_type):
        if _META in item.metadata:
            kind, help, default, expression, secret = item.metadata[_META]
            found.append(Input(item.name.replace("_", "-"), help, kind, default, expression,
                               secret))
    return tuple(found)


@dataclass(frozen=True)
class Output:
    name: str
    help: str


@dataclass
class Outcome:
    """What a command decided: outputs for later steps, variables to export, a summary."""

    outputs: dict[str, str]
    summary: str
    env: dict[str, str] = field(default_factory=dict)
    # Puts back what the command changed in the checkout, if the runner cannot take its files.
    undo: Callable[[], None] | None = None
    # Outside Actions, what the terminal gets instead of the summary ("": already printed).
    terminal: str | None = None


@dataclass(frozen=True)
class Command(Generic[I]):
    """One command: what it reads, what it returns and how it decides."""

    name: str
    # The composite action's description; the CLI's one-line summary is cli.COMMANDS' own (so
    # `--help` imports no command).
    description: str
    icon: str  # the action's branding (a Feather icon name)
    inputs_type: type[I]
    outputs: tuple[Output, ...]
    run: Callable[[I, Context], Outcome]
    # Values of the environment that are secrets (provider keys): masked before anything else.
    env_secrets: Callable[[Mapping[str, str]], list[str]] = lambda environ: []
    # Composite steps after the command's own step (e.g. uploading what it wrote).
    extra_steps: tuple[dict[str, Any], ...] = ()

    @property
    def inputs(self) -> tuple[Input, ...]:
        return declared(self.inputs_type)


def raw_values(
    inputs: tuple[Input, ...],
    environ: Mapping[str, str],
    flags: Mapping[str, str | None] | None = None,
) -> dict[str, str | None]:
    """Raw text by input name, trimmed: a command-line flag wins over `INPUT_*`; None when
    neither is given."""
    flags = flags or {}
    values: dict[str, str | None] = {}
    for spec in inputs:
        raw = flags.get(spec.field)
        if raw is None:
            raw = gha.read_input(environ, spec.name)
        values[spec.name] = raw.strip() if raw is not None else None
    return values


def read_values(
    inputs: tuple[Input, ...], ctx: Context, flags: Mapping[str, str | None] | None = None
) -> dict[str, Any]:
    """Parsed values by field name: each by its kind, the declared default when not given."""
    raw = raw_values(inputs, ctx.environ, flags)
    return {spec.field: spec.value(raw[spec.name], ctx) for spec in inputs}


def read_inputs(
    command: Command[I], ctx: Context, flags: Mapping[str, str | None] | None = None
) -> I:
    """The typed inputs of `command`. Checks across inputs belong in the dataclass's
    `__post_init__`."""
    return command.inputs_type(**read_values(command.inputs, ctx, flags))
