"""`release-actions <command>`: the one place that reads argv and the runner's environment (the
Docker entrypoint, docker.py, hands in the environment it adapted).

Path of a value: `INPUT_*` or a flag → `command.read_values` → the command's `run()` decides →
`gha.Runner` writes outputs, env exports and the job summary."""

from __future__ import annotations

import argparse
import contextlib
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
PUT_BACK = " The files this step changed were put back as they were."
EXIT_CODES = (
    "Exit codes: 0 done or skipped, 1 a check refused, 2 bad input or configuration, "
    "3 a bug in release-actions (please report it)."
)
# What each command's exit codes mean; its README says the same words (a test keeps them so).
EXIT_MEANINGS: dict[str, dict[int, str]] = {
    "version-rewrite": {
        0: "the preview version written (or, with `dry-run`, decided), or a deliberate skip "
           "(`publish=false`: a final version, or HEAD is the release tag's commit)",
        2: "bad input or configuration (no version found, a version that is not X.Y.Z.devK, "
           "files that disagree, no release tag for a VCS-versioned project)",
    },
    "tag-guard": {
        0: "the tag may be released",
        1: "a check refused it (mismatch, not on the branch, policy, already on the index)",
        2: "bad input or configuration (hostile or empty tag, no pyproject version, the "
           "checkout is not the tag's commit, the tag does not exist)",
    },
    "integration-gate": {
        0: "a live provider was chosen, or none with `require: false`",
        1: "no live provider (`require: true`)",
        2: "bad input or configuration (an unknown provider, a base URL that is not http(s))",
    },
    "tested-run": {
        0: "recorded, or resolved (`available=false` when there is nothing to release)",
        1: "the record was refused (more than one, a field that fails its check, a commit not "
           "on the branch), or GitHub's API was unreachable (re-run the job)",
        2: "bad input or configuration (an unknown run, a token without `actions: read`)",
    },
    "publish": {
        0: "published, or skipped by the channel policy",
        1: "a check refused (channel policy, `expected-version`, `twine check`, the "
           "inspection, the index refused the upload or does not serve it)",
        2: "bad input or configuration (unknown channel, a `dist/` holding two versions, a "
           "failed build, missing `id-token: write`, `invalid-publisher`)",
    },
    "doctor": {
        0: "the setup is ready (notes, skips and acknowledged findings included)",
        1: "an item failed (one `::error` per failed item, then one that counts them)",
        2: "bad input, a workflow file GitHub could not run either, or a malformed "
           "acknowledgement (one `::error` with its file and line)",
    },
    "bump-dev": {
        0: "a pull request opened or updated, or nothing to do (`reason` says why)",
        1: "GitHub unreachable or failing (re-run: the branch and the pull request are picked "
           "up where they were)",
        2: "bad input (a tag that is not a final release, an unknown `part`) or a repository "
           "setting or permission in the way (the message names it)",
    },
}
EXIT_BUG = "a bug in release-actions (please report it with the log)"
HELP_WIDTH = 79


def exit_codes_sentence(command: str) -> str:
    """The README's form: `Exit codes: 0 ...; 1 ...; 2 ....`"""
    meanings = EXIT_MEANINGS[command]
    return "Exit codes: " + "; ".join(f"{code} {text}" for code, text in meanings.items()) + "."


def _exit_codes_help(command: str) -> str:
    """The command's exit codes as an indented list, wrapped without breaking at hyphens."""
    import textwrap

    rows = [*EXIT_MEANINGS[command].items(), (EXIT_INTERNAL, EXIT_BUG)]
    lines = ["exit codes:"]
    for code, text in rows:
        lines += textwrap.wrap(text, HELP_WIDTH, initial_indent=f"  {code}  ",
                               subsequent_indent="     ", break_on_hyphens=False)
    return "\n".join(lines)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's layout, but never a line break inside `index-unreachable` or `--run-number`,
    and the epilog kept as written (the exit-code list)."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=HELP_WIDTH)

    def _split_lines(self, text: str, width: int) -> list[str]:
        import textwrap

        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False,
                             break_long_words=False)


def load(name: str) -> Command[Any]:
    return COMMANDS[name][1]()


def _add_input(parser: argparse.ArgumentParser, spec: Input) -> None:
    if spec.default is None:
        where = "required"
    else:
        where = f"default: {spec.default!r}" if spec.default else "default: empty"
    help_text = f"{spec.help} (input `{spec.name}`, {where})".replace("%", "%%")
    if spec.is_flag:
        parser.add_argument(
            f"--{spec.name}", dest=spec.field, nargs="?", const="true", metavar="BOOL",
            help=help_text,
        )
    else:
        parser.add_argument(f"--{spec.name}", dest=spec.field, metavar="VALUE", help=help_text)


def _usage(name: str, inputs: Sequence[Input]) -> str:
    """Required flags outside the brackets: argparse cannot mark them required, since their
    value may come from INPUT_* instead."""
    required = " ".join(f"--{spec.name} VALUE" for spec in inputs if spec.default is None)
    return " ".join(part for part in ("%(prog)s", required, "[options]") if part)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    import textwrap

    parser = _Parser(
        prog="release-actions",
        description="Release actions for Python packages: run one command as an Action would.",
        epilog="\n".join(textwrap.wrap(
            f"Every flag can also come from INPUT_<NAME>; flags win. {EXIT_CODES} Each "
            "command's --help says what its exit codes mean. "
            f"`release-actions {REHEARSE} --help`: run this repository's release workflows "
            "end to end on a throw-away copy (needs release-actions[rehearse]).", HELP_WIDTH,
            break_on_hyphens=False)),
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (summary, _load) in COMMANDS.items():
        inputs = load(name).inputs if name == command else ()
        child = sub.add_parser(name, help=summary, description=summary,
                               epilog=_exit_codes_help(name), formatter_class=_Formatter,
                               usage=_usage(name, inputs) if inputs else None)
        child.add_argument(
            "--debug", action="store_true", help="show tracebacks (also RUNNER_DEBUG=1)"
        )
        for spec in inputs:
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
        if outcome.undo is None:
            raise
        outcome.undo()
        raise error.restated(error.message + PUT_BACK) from None


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

        return rehearse(argv[1:], console=Console.from_environ(environ))
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


def end(code: int) -> NoReturn:
    """End the process with `code`. A daemon thread still running (a call abandoned at its
    deadline) is stopped by the interpreter's shutdown with a forced unwind, which aborts the
    process ("FATAL: exception not rethrown", SIGABRT) or crashes it when the thread is in
    native code that catches it (the Rust of cryptography, imported by PyGithub, or of
    pydantic-core); so then the output is flushed and the process ends without that shutdown."""
    import threading

    if any(thread.daemon and thread.is_alive() for thread in threading.enumerate()):
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing to keep
                stream.flush()
        os._exit(code)
    raise SystemExit(code)


def program() -> NoReturn:
    """The process `release-actions`: `main()` on its own command line, ended by `end`."""
    end(main())


if __name__ == "__main__":
    program()
