"""Changing several files as one: all of them or none, also when the job is cancelled.

Every new text is written to a temp file beside its target, then the temp files are renamed
into place. SIGINT and SIGTERM (a cancelled job) are noted, not obeyed, while that happens: at
the next step the files already changed are put back, the temp files removed, and `Interrupted`
is raised; so no temp file and no half-done change survives a signal."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType

from release_actions.declaration import read_text
from release_actions.errors import ConfigError, Interrupted

INTERRUPTING = (signal.SIGINT, signal.SIGTERM)
NOT_WRITTEN = "Could not write the new version: {error}. No file was changed."
STOPPED = "Stopped by {signal} while writing the new version; no file was changed."


@contextlib.contextmanager
def signals_noted() -> Iterator[list[int]]:
    """SIGINT and SIGTERM collected in the yielded list instead of acted on; the previous
    handlers are back afterwards, and a signal noted but not handled is raised again then."""
    if threading.current_thread() is not threading.main_thread():
        yield []  # only the main thread may set handlers (and receives Python's signals)
        return
    caught: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        caught.append(signum)

    previous = {number: signal.signal(number, note) for number in INTERRUPTING}
    try:
        yield caught
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if caught:  # arrived after the last check, the change complete: act on it now
        signal.raise_signal(caught[0])


def _stop_if(caught: list[int]) -> None:
    if caught:
        number = caught.pop(0)
        caught.clear()
        raise Interrupted(STOPPED.format(signal=signal.Signals(number).name), number)


def _stage(path: Path, text: str, staged: list[str]) -> str:
    """`text` in a temp file beside `path`, with its mode; the temp's name goes to `staged`
    before anything is written, so a failure still finds it to remove."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    staged.append(temp)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    shutil.copymode(path, temp)
    return temp


def _discard(staged: list[str]) -> None:
    for temp in staged:
        with contextlib.suppress(OSError):
            os.unlink(temp)


def _put_back(originals: Mapping[Path, str]) -> None:
    """The old texts again, each renamed into place like the new ones were."""
    staged: list[str] = []
    try:
        for path, text in originals.items():
            os.replace(_stage(path, text, staged), path)
    finally:
        _discard(staged)


def write_atomically(contents: Mapping[Path, str]) -> dict[Path, str]:
    """Write every file or none; returns the old texts (by resolved path) for `put_back`."""
    # A link stays a link: its target gets the new text (confined to the workspace).
    targets = {named.resolve(): text for named, text in contents.items()}
    originals = {path: read_text(path, what="File") for path in targets}
    staged: list[str] = []
    replaced: dict[Path, str] = {}
    with signals_noted() as caught:
        try:
            temps = []
            for path, text in targets.items():
                temps.append((_stage(path, text, staged), path))
                _stop_if(caught)
            for temp, path in temps:
                os.replace(temp, path)
                replaced[path] = originals[path]
                _stop_if(caught)
        except (OSError, Interrupted) as error:
            _discard(staged)
            _put_back(replaced)
            if isinstance(error, Interrupted):
                raise
            raise ConfigError(NOT_WRITTEN.format(error=error)) from None
    return originals


def put_back(originals: Mapping[Path, str]) -> None:
    """Undo a `write_atomically`: every file gets its old text back, together."""
    write_atomically(originals)
