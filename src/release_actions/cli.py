"""`release-actions <command>`: the one place that reads argv and the runner's environment.

Path of a value: `INPUT_*` or a flag → `command.read_values` → the command's `run()` decides →
`gha.Runner` writes outputs, env exports and the job summary."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from types import ModuleType

from release_actions import __version__
from release_actions.command import Input, Outcome, read_values
from release_actions.errors import ReleaseActionsError
from release_actions.gha import Console, Runner, read_input, workspace_relative

# name -> (module, one-line summary); a command's module is imported only when it runs, so a
# command never pays for what another one needs (requests, PyGithub).
COMMANDS: dict[str, tuple[str, str]] = {
    "version-rewrite": (
        "release_actions.commands.version_rewrite",
        "Rewrite the project version to the preview version X.Y.Z.devN in the checkout.",
    ),
    "tag-guard": (
        "release_actions.commands.tag_guard",
        "Refuse a public release unless the tag, the project version and main agree.",
    ),
    "integration-gate": (
        "release_actions.commands.integration_gate",
        "Pick the first live LLM provider for the smoke test and the judge.",
    ),
    "publish": (
        "release_actions.commands.publish",
        "Build, check and upload the distributions; make the GitHub Release.",
    ),
}

EXIT_INTERNAL = 3


def load(name: str) -> ModuleType:
    return importlib.import_module(COMMANDS[name][0])


def _add_input(parser: argparse.ArgumentParser, spec: Input) -> None:
    default = "required" if spec.default is None else repr(spec.default)
    help_text = f"{spec.help} (input `{spec.name}`, default: {default})"
    if spec.is_flag:
        parser.add_argument(
            f"--{spec.name}", dest=spec.field, nargs="?", const="true", metavar="BOOL",
            help=help_text,
        )
    else:
        parser.add_argument(f"--{spec.name}", dest=spec.field, metavar="VALUE", help=help_text)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="release-actions",
        description="Release actions for Python packages: run one command as an Action would.",
        epilog="Every flag can also come from INPUT_<NAME>; flags win. "
        "Exit codes: 0 done or skipped, 1 a check refused, 2 bad input or configuration.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (_module, summary) in COMMANDS.items():
        child = sub.add_parser(name, help=summary, description=summary)
        child.add_argument(
            "--debug", action="store_true", help="show tracebacks (also RUNNER_DEBUG=1)"
        )
        if name == command:
            for spec in load(name).INPUTS:
                _add_input(child, spec)
    return parser


def _command_name(argv: Sequence[str]) -> str | None:
    return next((arg for arg in argv if arg in COMMANDS), None)


def _fail_summary(command: str, error: ReleaseActionsError, file: str | None) -> str:
    where = f" ({file}{f':{error.line}' if error.line else ''})" if file else ""
    details = f"\n{error.summary.rstrip()}\n" if error.summary else ""
    return f"### ❌ `{command}`: {error.title}{where}\n\n{error.message}\n{details}"


def execute(
    command: str,
    environ: Mapping[str, str],
    console: Console,
    flags: Mapping[str, str | None] | None = None,
) -> int:
    """Run one command against an environment; returns the exit code."""
    module = load(command)
    runner = Runner(environ, console)
    try:
        # Masks go out before anything else is printed.
        for spec in module.INPUTS:
            if spec.secret:
                raw = (flags or {}).get(spec.field) or read_input(environ, spec.name)
                if raw:
                    console.mask(raw)
        values = read_values(module.INPUTS, environ, flags)
        inputs = module.make_inputs(values, environ)
        outcome: Outcome = module.run(inputs, console)
    except ReleaseActionsError as error:
        if console.debug_enabled:
            console.info(console.redact(traceback.format_exc()))
        file = workspace_relative(error.file, environ) if error.file else None
        console.error(error.message, title=error.title, file=file, line=error.line,
                      col=error.col)
        runner.write_summary(_fail_summary(command, error, file))
        return error.exit_code
    runner.set_outputs(outcome.outputs)
    if outcome.env:
        runner.export_env(outcome.env)
    runner.write_summary(outcome.summary)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(_command_name(argv)).parse_args(argv)
    environ = dict(os.environ)
    console = Console.from_environ(environ, debug=args.debug)
    module = load(args.command)
    flags = {spec.field: getattr(args, spec.field) for spec in module.INPUTS}
    try:
        return execute(args.command, environ, console, flags)
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a bug: say so, keep the traceback, never a secret
        console.info(console.redact(traceback.format_exc()))
        console.error(
            f"Internal error in `{args.command}`: {type(error).__name__}: {error}. "
            "This is a bug in release-actions; please report it with this log.",
            title="Internal error",
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())
