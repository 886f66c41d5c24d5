"""Every composite `<name>/action.yml`, rendered from its command's declaration.

`make docs` writes them; a test fails when a committed file differs from what this renders."""

from __future__ import annotations

import sys
from pathlib import Path

from release_actions import cli
from release_actions.action_files import render

ROOT = Path(__file__).resolve().parents[1]


def targets() -> dict[Path, str]:
    """Each composite action.yml and what it must hold."""
    return {ROOT / name / "action.yml": render(cli.load(name)) for name in cli.COMMANDS}


def stale() -> list[Path]:
    return [path for path, text in targets().items()
            if not path.exists() or path.read_text() != text]


def write() -> None:
    for path, text in targets().items():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)


if __name__ == "__main__":
    if "--write" in sys.argv:
        write()
    else:
        print("\n".join(map(str, stale())) or "all action.yml files current")
