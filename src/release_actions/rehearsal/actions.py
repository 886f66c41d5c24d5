"""These actions as a rehearsal runs them: every command's composite action.yml rendered from
the installed package (so any ref a workflow pins resolves to the version installed), its step
running the installed CLI through `shim` instead of the bootstrap (no venv, no network), forked
from the rehearsal's step server (`steps.py`) when one runs."""

from __future__ import annotations

from pathlib import Path

from release_actions import cli
from release_actions.action_files import render

# The interpreter of the installed package and the step client's file, handed in by the
# rehearsal's environment (-S: the client needs only the standard library).
RUN = '"$REHEARSAL_PYTHON" -I -S "$REHEARSAL_STEP_CLIENT" {command}'


def write_actions(folder: Path) -> Path:
    """`folder/<command>/action.yml` for every command; the folder act maps our actions to."""
    for name in cli.COMMANDS:
        (folder / name).mkdir(parents=True, exist_ok=True)
        (folder / name / "action.yml").write_text(render(cli.load(name), RUN))
    return folder
