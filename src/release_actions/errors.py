"""The exception tree: every expected failure is one of these, and the CLI turns it into one
`::error` line and an exit code. Anything else is a bug and keeps its traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

E = TypeVar("E", bound="ReleaseActionsError")


class ReleaseActionsError(Exception):
    """An expected failure with a message that says what, where and how to fix."""

    exit_code = 2
    title = "release-actions"

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        col: int | None = None,
        summary: str = "",
        outputs: dict[str, str] | None = None,
        terminal: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.summary = summary  # more Markdown for the job summary (e.g. a table of checks)
        self._terminal = terminal
        self.file = str(file) if file is not None else None
        self.line = line
        self.col = col
        # Outputs already decided when it failed: a later `if: failure()` step reads them.
        self.outputs = outputs or {}

    @property
    def terminal(self) -> str:
        """Outside Actions, what the terminal gets instead of `summary` ("": already printed)."""
        return self.summary if self._terminal is None else self._terminal

    def restated(self: E, message: str, **changes: Any) -> E:
        """A new error of this kind (title, exit code) built with its final text `message`, its
        other fields kept unless `changes` gives them: what a caller adds on the way up is
        built into a new error, never edited into one already raised."""
        fields = {"file": self.file, "line": self.line, "col": self.col,
                  "summary": self.summary, "outputs": self.outputs, "terminal": self._terminal,
                  **changes}
        error = type(self).__new__(type(self))
        ReleaseActionsError.__init__(error, message, **fields)
        error.exit_code = self.exit_code
        return error


class InputError(ReleaseActionsError):
    """An action input is missing or malformed (exit 2)."""

    title = "Invalid input"


class ConfigError(ReleaseActionsError):
    """The project's files are not in a state the action can work with (exit 2)."""

    title = "Invalid project configuration"


class CheckFailed(ReleaseActionsError):
    """A release check refused to go on: guard, gate or publishing policy (exit 1)."""

    exit_code = 1
    title = "Check failed"


class Interrupted(ReleaseActionsError):
    """SIGINT or SIGTERM arrived during a change that was then undone (exit 128 + signal)."""

    title = "Interrupted"

    def __init__(self, message: str, signal_number: int) -> None:
        super().__init__(message)
        self.exit_code = 128 + signal_number
