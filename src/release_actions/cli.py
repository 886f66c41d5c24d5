"""`release-actions <command>`: the one place that reads argv and the runner's environment.

Path of a value: `INPUT_*` or a flag → `command.read_values` → the command's `run()` decides →
`gha.Runner` writes outputs, env exports and the job summary."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

from release_actions import __version__
from release_actions.command import Command, Input, Outcome, raw_values, read_inputs
from release_actions.context import Context
from release_actions.errors import ReleaseActionsError
from release_actions.gha import Console, Runner, workspace_relative


def _version_rewrite() -> Command[Any]:
    from release_actions.commands import version_rewrite

    return version_rewrite.COMMAND


def _tag_guard() -> Command[Any]:
    from release_actions.commands import tag_guard

    return tag_guard.COMMAND


def _integration_gate() -> Command[Any]:
    from release_actions.commands import integration_gate

    return integration_gate.COMMAND


def _publish() -> Command[Any]:
    from release_actions.commands import publish

    return publish.COMMAND


def _tested_run() -> Command[Any]:
    from release_actions.commands import tested_run

    return tested_run.COMMAND


def _doctor() -> Command[Any]:
    from release_actions.commands import doctor

    return doctor.COMMAND


def _bump_dev() -> Command[Any]:
    from release_actions.commands import bump_dev

    return bump_dev.COMMAND


# name -> (one-line summary, loader). A command's module is imported only when it runs, so a
# command never pays for what another one needs (requests, PyGithub).
COMMANDS: dict[str, tuple[str, Callable[[], Command[Any]]]] = {
    "version-rewrite": (
        "Rewrite the project version to the preview version X.Y.Z.devN in the checkout.",
        _version_rewrite,
    ),
    "tag-guard": (
        "Refuse a public release unless the tag, the project version and main agree.",
        _tag_guard,
    ),
    "integration-gate": (
        "Pick the first live LLM provider for the smoke test and the judge.",
        _integration_gate,
    ),
    "publish": (
        "Build, check and upload the distributions; make the GitHub Release.",
        _publish,
    ),
    "tested-run": (
        "Record the tested commit and run number, or resolve them for the preview release.",
        _tested_run,
    ),
    "doctor": (
        "Check the one-time release setup: workflows, environments, PyPI's publisher form.",
        _doctor,
    ),
    "bump-dev": (
        "After a public release, open a pull request that moves main to the next .dev0.",
        _bump_dev,
    ),
}

REHEARSE = "rehearse"
EXIT_INTERNAL = 3
EXIT_CODES = (
    "Exit codes: 0 done or skipped, 1 a check refused, 2 bad input or configuration, "
    "3 a bug in release-actions (please report it)."
)


def load(name: str) -> Command[Any]:
    return COMMANDS[name][1]()


def _add_input(parser: argparse.ArgumentParser, spec: Input) -> None:
    default = "required" if spec.default is None else repr(spec.default)
    help_text = f"{spec.help} (input `{spec.name}`, default: {default})".replace("%", "%%")
    if spec.is_flag:
        parser.add_argument(
            f"--{spec.name}", dest=spec.field, nargs="?", const="true", metavar="BOOL",
            help=help_text,
        )
    else:
        parser.add_argument(f"--{spec.name}", dest=spec.field, metavar="VALUE", help=help_text)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="release-actions",
        description="Release actions for Python packages: run one command as an Action would.",
        epilog=f"Every flag can also come from INPUT_<NAME>; flags win. {EXIT_CODES} "
               f"`release-actions {REHEARSE} --help`: run this repository's release workflows "
               "end to end on a throw-away copy (needs release-actions[rehearse]).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (summary, _load) in COMMANDS.items():
        child = sub.add_parser(name, help=summary, description=summary, epilog=EXIT_CODES)
        child.add_argument(
            "--debug", action="store_true", help="show tracebacks (also RUNNER_DEBUG=1)"
        )
        if name == command:
            for spec in load(name).inputs:
                _add_input(child, spec)
    return parser


def _command_name(argv: Sequence[str]) -> str | None:
    return next((arg for arg in argv if arg in COMMANDS), None)


def _fail_summary(command: str, error: ReleaseActionsError, file: str | None) -> str:
    where = f" ({file}{f':{error.line}' if error.line else ''})" if file else ""
    details = f"\n{error.summary.rstrip()}\n" if error.summary else ""
    return f"### ❌ `{command}`: {error.title}{where}\n\n{error.message}\n{details}"


def mask_secrets(command: Command[Any], environ: Mapping[str, str],
                 flags: Mapping[str, str | None] | None, console: Console) -> None:
    """Masks go out before anything else is printed, also when an input turns out invalid."""
    raw = raw_values(command.inputs, environ, flags)
    for spec in command.inputs:
        value = raw[spec.name]
        if spec.secret and value:
            console.mask(value)
    for secret in command.env_secrets(environ):
        console.mask(secret)


def execute(
    command: str,
    environ: Mapping[str, str],
    console: Console,
    flags: Mapping[str, str | None] | None = None,
) -> int:
    """Run one command against an environment; returns the exit code."""
    declared = load(command)
    runner = Runner(environ, console)
    ctx = Context(environ, console)
    try:
        mask_secrets(declared, environ, flags, console)
        runner.check_writable()
        outcome = declared.run(read_inputs(declared, ctx, flags), ctx)
        _write_runner_files(runner, outcome)
    except ReleaseActionsError as error:
        if console.debug_enabled:
            import traceback

            console.info(console.redact(traceback.format_exc()))
        file = workspace_relative(error.file, environ) if error.file else None
        console.error(error.message, title=error.title, file=file, line=error.line,
                      col=error.col)
        runner.report_failure(error.outputs, _fail_summary(command, error, file), error.terminal)
        return error.exit_code
    return 0


def _write_runner_files(runner: Runner, outcome: Outcome) -> None:
    """Outputs, exports and summary together; when the runner cannot take them, the files the
    command changed are put back, so the failed step leaves the checkout as it found it."""
    try:
        with runner.all_or_nothing():
            runner.set_outputs(outcome.outputs)
            if outcome.env:
                runner.export_env(outcome.env)
            runner.write_summary(outcome.summary, terminal=outcome.terminal)
    except ReleaseActionsError as error:
        if outcome.undo is not None:
            outcome.undo()
            error.message += " The files this step changed were put back as they were."
        raise


class _Parser(argparse.ArgumentParser):
    """A usage error is bad input like any other: one `::error`, exit 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}. See `{self.prog} --help`.")


class UsageError(Exception):
    pass


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    environ = dict(os.environ if environ is None else environ)
    if argv[:1] == [REHEARSE]:  # a laptop command, not an action: its own flags
        from release_actions.rehearsal.cli import main as rehearse

        return rehearse(argv[1:])
    for stream in (sys.stdout, sys.stderr):
        # Bytes that are not UTF-8 (in a value from outside) are shown escaped, never a crash.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    flags: dict[str, str | None] | None = None
    if len(argv) == 1 and argv[0] in COMMANDS:
        # How a runner calls it, every value from INPUT_*: no parser to build (~10 ms).
        command, debug = argv[0], False
    else:
        try:
            args = build_parser(_command_name(argv)).parse_args(argv)
        except UsageError as error:
            console = Console.from_environ(environ)
            console.error(str(error), title="Invalid command line")
            return 2
        command, debug = args.command, args.debug
        flags = {spec.field: getattr(args, spec.field) for spec in load(command).inputs}
    console = Console.from_environ(environ, debug=debug)
    try:
        return execute(command, environ, console, flags)
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a bug: say so, keep the traceback, never a secret
        import traceback

        console.info(console.redact(traceback.format_exc()))
        console.error(
            f"Internal error in `{command}`: {type(error).__name__}: {error}. "
            "This is a bug in release-actions; please report it with this log.",
            title="Internal error",
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())
