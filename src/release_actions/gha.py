"""The GitHub Actions runtime: inputs, outputs, env exports, masks, annotations, groups and the
job summary. Outside Actions (no `GITHUB_ACTIONS`) the same calls print plain messages."""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import stat
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote_from_bytes, quote_plus

from release_actions.errors import ConfigError

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
REDACTED = "***"
RUNNER_FILES = ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STEP_SUMMARY")
NOT_EXPORTED = (
    "GITHUB_ENV is not set (not in GitHub Actions), so nothing was exported; "
    "run these in your shell before the next step:"
)
COMMAND_GUARD = "| "  # put before an output line that would otherwise run as a workflow command
# The runner ends a line at any of these; each one can start a workflow command.
LINE_BREAK = re.compile(r"\r\n|\r|\n")
# `::name ...::` and the older `##[name ...]` form are both read as commands.
_COMMAND_START = ("::", "##[")
# Encoded forms of a secret shorter than this would redact ordinary text.
MIN_ENCODED_CHARS = 8


# --- inputs -------------------------------------------------------------------------------


def input_env_names(name: str) -> tuple[str, str]:
    """Both spellings runners use: Docker actions keep hyphens (`INPUT_RUN-NUMBER`)."""
    upper = name.replace(" ", "_").upper()
    return f"INPUT_{upper}", f"INPUT_{upper.replace('-', '_')}"


def read_input(environ: Mapping[str, str], name: str) -> str | None:
    """The trimmed value of input `name`, or None when the runner did not set it at all.

    A variable that is set but empty stays empty: GitHub applies action.yml defaults before
    the step runs, so an empty value is the caller's choice (e.g. `index-url: ''`)."""
    for key in dict.fromkeys(input_env_names(name)):
        if key in environ:
            return environ[key].strip()
    return None


# --- workflow commands ----------------------------------------------------------------------


def guard_lines(text: str) -> str:
    """`text` with every line, however it is broken (`\\n`, `\\r`, `\\r\\n`), kept from
    starting a workflow command: the runner reads one wherever a line starts with `::`."""
    return "\n".join(
        f"{COMMAND_GUARD}{line}" if line.lstrip().startswith(_COMMAND_START) else line
        for line in LINE_BREAK.split(text)
    )


def _base64_cores(data: bytes) -> list[str]:
    """The base64 characters that depend on `data` alone, at each of the three alignments it
    can have inside a longer encoded text (`Basic base64(user:secret)`)."""
    cores = []
    for shift in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * shift + data).decode("ascii")
            start, end = -(-8 * shift // 6), 8 * (shift + len(data)) // 6
            cores.append(encoded[start:end])
    return cores


def encoded_forms(secret: str) -> list[str]:
    """`secret` and how it looks URL-encoded, JSON-escaped, and in base64 (alone, as
    `__token__:secret`, or inside any `user:secret`)."""
    forms = [secret]
    if len(secret) < MIN_ENCODED_CHARS:
        return forms
    data = secret.encode("utf-8", "surrogateescape")
    forms += [quote_from_bytes(data, safe=""),
              quote_plus(secret, safe="", errors="surrogateescape"), json.dumps(secret)[1:-1],
              base64.b64encode(data).decode("ascii"),
              base64.b64encode(b"__token__:" + data).decode("ascii")]
    forms += [core for core in _base64_cores(data) if len(core) >= MIN_ENCODED_CHARS]
    return list(dict.fromkeys(forms))


def escape_data(text: str) -> str:
    """Escape a workflow command's message as @actions/core does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def unescape_data(text: str) -> str:
    """A workflow command's message as it was before `escape_data`."""
    return text.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value as @actions/core does."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(command: str, message: str, **properties: object) -> str:
    """`::command k=v,k=v::message` with every part escaped; None properties are left out."""
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in properties.items()
        if value is not None and value != ""
    )
    return f"::{command}{' ' + props if props else ''}::{escape_data(message)}"


class Console:
    """Where a command speaks to the person reading the log.

    Every secret registered with `mask` is announced to the runner before it is used, and is
    replaced by `***` in everything this console prints, writes to outputs or to the summary."""

    def __init__(
        self,
        *,
        actions: bool,
        debug: bool = False,
        stream: TextIO | None = None,
    ) -> None:
        self.actions = actions
        self.debug_enabled = debug
        # In Actions the runner reads workflow commands from stdout; locally, stdout is kept for
        # `name=value` outputs so the command can be scripted.
        self.stream = stream if stream is not None else (sys.stdout if actions else sys.stderr)
        self._secrets: list[str] = []

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], *, debug: bool = False) -> Console:
        return cls(
            actions=environ.get("GITHUB_ACTIONS") == "true",
            debug=debug or environ.get("RUNNER_DEBUG") == "1",
        )

    def mask(self, secret: str) -> None:
        """Mask `secret` and the forms a server may echo it in (URL-encoded, base64)."""
        secret = secret.strip()
        if not secret or secret in self._secrets:
            return
        for form in encoded_forms(secret):
            if form in self._secrets:
                continue
            self._secrets.append(form)
            if self.actions:
                for line in LINE_BREAK.split(form):
                    if line.strip():
                        self._emit(f"::add-mask::{escape_data(line)}", redact=False)
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets.sort(key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def _emit(self, line: str, *, redact: bool = True) -> None:
        self.stream.write((self.redact(line) if redact else line) + "\n")
        self.stream.flush()

    def info(self, message: str) -> None:
        """Plain text, never a workflow command: the runner reads a line whose text starts
        with `::` (after leading spaces) as one, and messages carry sub-process output."""
        if self.actions:
            message = guard_lines(message)
        self._emit(message)

    def debug(self, message: str) -> None:
        if self.actions:
            self._emit(workflow_command("debug", self.redact(message)))
        elif self.debug_enabled:
            self._emit(f"debug: {message}")

    def annotate(
        self,
        level: str,
        message: str,
        *,
        title: str | None = None,
        file: str | None = None,
        line: int | None = None,
        col: int | None = None,
    ) -> None:
        """`level` is `error`, `warning` or `notice`."""
        message = self.redact(message)
        if self.actions:
            self._emit(
                workflow_command(level, message, file=file, line=line, col=col, title=title),
                redact=False,
            )
            return
        where = ":".join(str(part) for part in (file, line, col) if part is not None)
        prefix = f"{where}: " if where else ""
        self._emit(f"{level}: {prefix}{message}")

    def error(self, message: str, **where: object) -> None:
        self.annotate("error", message, **where)  # type: ignore[arg-type]

    def warning(self, message: str, **where: object) -> None:
        self.annotate("warning", message, **where)  # type: ignore[arg-type]

    def notice(self, message: str, **where: object) -> None:
        self.annotate("notice", message, **where)  # type: ignore[arg-type]

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        """Fold long sub-process output in the Actions log."""
        self._emit(f"::group::{escape_data(title)}" if self.actions else f"--- {title}")
        try:
            yield
        finally:
            if self.actions:
                self._emit("::endgroup::")


# --- files the runner reads back -------------------------------------------------------------


def format_key_value(name: str, value: str, delimiter: str | None = None) -> str:
    """One `GITHUB_OUTPUT`/`GITHUB_ENV` record in heredoc form with a random delimiter, so nothing
    a value contains can end it early and start a second record."""
    if not _NAME.match(name):
        raise ValueError(f"not a valid output or variable name: {name!r}")
    # os.urandom, not uuid4: importing uuid costs a fast command 4 ms
    delimiter = delimiter or f"ghadelimiter_{os.urandom(16).hex()}"
    if delimiter in name or delimiter in value:
        raise ValueError(f"the value of {name!r} contains the delimiter; refusing to write it")
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def append_file(path: str | os.PathLike[str], text: str) -> None:
    with open(path, "a", encoding="utf-8", errors="backslashreplace") as handle:
        handle.write(text)


UNWRITABLE = (
    "{name} ({target!r}) cannot be written: {why}. The runner sets it to a writable file; do "
    "not override it in `env:`."
)
# A FIFO nobody reads would hang the step at open, a socket cannot be opened: only a regular
# file keeps what was written, and a character device (/dev/null) is a deliberate sink.
NOT_A_FILE = "it is a {what}, not a regular file"
_SPECIAL = ((stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"), (stat.S_ISBLK, "block device"))
# Windows has neither flag (nor FIFOs to block on).
_PROBE_FLAGS = (os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NONBLOCK", 0)
                | getattr(os, "O_NOCTTY", 0))


def _refuse_special(target: str) -> None:
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return  # missing: created on open; any other fault is reported by the open
    for test, what in _SPECIAL:
        if test(mode):
            raise OSError(0, NOT_A_FILE.format(what=what))


class Runner:
    """The runner's files for one command: outputs, env exports and the job summary."""

    def __init__(self, environ: Mapping[str, str], console: Console) -> None:
        self.environ = environ
        self.console = console
        self.unwritable: set[str] = set()  # runner files found unusable; a failure skips them
        self._writing = ""  # the runner file being written, named when a write fails

    def _unwritable(self, name: str, error: OSError) -> ConfigError:
        target = str(self.environ.get(name))[:120]
        why = error.strerror or type(error).__name__
        return ConfigError(UNWRITABLE.format(name=name, target=target, why=why))

    def check_writable(self) -> None:
        """Refuse before the project is changed when a runner file cannot take what we write.
        Opened without blocking, so a FIFO can never hold the step."""
        for name in RUNNER_FILES:
            target = self.environ.get(name)
            if not target:
                continue
            try:
                _refuse_special(target)
                os.close(os.open(target, _PROBE_FLAGS, 0o666))
            except OSError as error:
                self.unwritable.add(name)
                raise self._unwritable(name, error) from None

    @contextmanager
    def all_or_nothing(self) -> Iterator[None]:
        """Write the runner files together: when one write fails, the regular files are cut
        back to what they held before (no half record) and ConfigError says which failed."""
        sizes: dict[str, int] = {}
        for name in RUNNER_FILES:
            target = self.environ.get(name)
            with suppress(OSError):
                if target and stat.S_ISREG(os.stat(target).st_mode):
                    sizes[target] = os.stat(target).st_size
        try:
            yield
        except OSError as error:
            for target, size in sizes.items():
                with suppress(OSError):
                    os.truncate(target, size)
            self.unwritable.add(self._writing)
            raise self._unwritable(self._writing, error) from None

    def report_failure(self, outputs: Mapping[str, str], summary: str,
                       terminal: str | None) -> None:
        """What a failed command has, written where it can be: a runner file that cannot take
        it costs a warning, never a second error or a crash."""
        if outputs and "GITHUB_OUTPUT" not in self.unwritable:
            self._best_effort("GITHUB_OUTPUT", self.set_outputs, outputs)
        if "GITHUB_STEP_SUMMARY" not in self.unwritable:
            self._best_effort("GITHUB_STEP_SUMMARY", self.write_summary, summary, terminal)

    def _best_effort(self, name: str, write: Callable[..., None], *args: Any) -> None:
        try:
            write(*args)
        except OSError as error:
            self.console.warning(f"{name} could not be written: "
                                 f"{error.strerror or type(error).__name__}.")

    def set_outputs(self, outputs: Mapping[str, str]) -> None:
        """Append to `GITHUB_OUTPUT`; without it, print `name=value` lines on stdout."""
        target = self.environ.get("GITHUB_OUTPUT")
        records = []
        # Values are written as decided, never redacted: masks protect the log, not data (and no
        # secret is ever an output).
        for name, value in outputs.items():
            if target or "\n" in value:
                records.append(format_key_value(name, value))
            else:
                records.append(f"{name}={value}\n")
        if target:
            self._writing = "GITHUB_OUTPUT"
            append_file(target, "".join(records))
        else:
            sys.stdout.write("".join(records))
            sys.stdout.flush()

    def export_env(self, variables: Mapping[str, str]) -> None:
        """Append to `GITHUB_ENV` for later steps. Secrets belong here (masked already)."""
        target = self.environ.get("GITHUB_ENV")
        if not target:
            self.console.info(NOT_EXPORTED + "".join(
                f"\n  {self._export_line(name, value)}" for name, value in variables.items()
            ))
            return
        self._writing = "GITHUB_ENV"
        append_file(target, "".join(format_key_value(k, v) for k, v in variables.items()))

    def _export_line(self, name: str, value: str) -> str:
        # Quoting could split a secret so that its mask no longer matches: never print it.
        if self.console.redact(value) != value:
            return f"# export {name}=<a secret, not printed: set it yourself>"
        return f"export {name}={shlex.quote(value)}"

    def write_summary(self, markdown: str, terminal: str | None = None) -> None:
        """The job summary; outside Actions, where there is none, `terminal` (by default the
        same text) goes to the terminal, so a local run tells what it decided and why."""
        target = self.environ.get("GITHUB_STEP_SUMMARY")
        terminal = markdown if terminal is None else terminal
        if target and markdown:
            self._writing = "GITHUB_STEP_SUMMARY"
            append_file(target, self.console.redact(markdown).rstrip("\n") + "\n")
        elif terminal and not self.console.actions:
            self.console.info("\n" + terminal.rstrip("\n"))


def workspace_relative(path: str | Path, environ: Mapping[str, str]) -> str:
    """A path as annotations want it: relative to the workspace when it lies inside."""
    base = Path(environ.get("GITHUB_WORKSPACE") or os.getcwd()).resolve()
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(base).as_posix()
    except ValueError:
        return str(path)
