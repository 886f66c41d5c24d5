"""What every command declares: its inputs (read from flags or `INPUT_*`) and what it returns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from release_actions import gha
from release_actions.errors import InputError


def _text(name: str, raw: str) -> str:
    return raw


def _boolean(name: str, raw: str) -> bool:
    return gha.parse_bool(name, raw)


def _items(name: str, raw: str) -> list[str]:
    return gha.parse_list(raw)


@dataclass(frozen=True)
class Input:
    """One action input. `default=None` means required (or filled in by action.yml)."""

    name: str
    help: str
    default: str | None = None
    parse: Callable[[str, str], Any] = _text
    secret: bool = False
    choices: tuple[str, ...] = ()

    @property
    def is_flag(self) -> bool:
        return self.parse is _boolean

    @property
    def field(self) -> str:
        return self.name.replace("-", "_")

    def value(self, raw: str | None) -> Any:
        if raw is None:
            raw = self.default
        if raw is None:
            raise InputError(
                f"Input `{self.name}` is required: {self.help} "
                f"Set `with: {self.name}: ...` (or `--{self.name}` on the command line)."
            )
        if self.choices and raw not in self.choices:
            raise InputError(
                f"Input `{self.name}` must be one of {', '.join(self.choices)}; got {raw!r}."
            )
        return self.parse(self.name, raw)


def text(name: str, help: str, default: str | None = None, **kw: Any) -> Input:
    return Input(name, help, default, _text, **kw)


def boolean(name: str, help: str, default: str = "false") -> Input:
    return Input(name, help, default, _boolean)


def items(name: str, help: str, default: str = "") -> Input:
    return Input(name, help, default, _items)


def custom(
    name: str, help: str, parse: Callable[[str, str], Any], default: str | None = None
) -> Input:
    return Input(name, help, default, parse)


@dataclass
class Outcome:
    """What a command decided: outputs for later steps, variables to export, a summary."""

    outputs: dict[str, str]
    summary: str
    env: dict[str, str] = field(default_factory=dict)


def read_values(
    inputs: tuple[Input, ...],
    environ: Mapping[str, str],
    flags: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """Parsed values by field name: a command-line flag wins over `INPUT_*`, which wins over the
    declared default."""
    flags = flags or {}
    values: dict[str, Any] = {}
    for spec in inputs:
        raw = flags.get(spec.field)
        if raw is None:
            raw = gha.read_input(environ, spec.name)
        values[spec.field] = spec.value(raw.strip() if raw is not None else None)
    return values
