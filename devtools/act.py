"""This checkout as a consumer downloads it, and the pins the test workflows use; the act runner
itself is `release_actions.rehearsal.act`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from release_actions.rehearsal.act import VENV_BIN, ActRun, clean_env, git, run_act

__all__ = ["CHECKOUT", "ROOT", "VENV_BIN", "ActRun", "clean_env", "copy_tracked_tree", "git",
           "run_act"]

ROOT = Path(__file__).resolve().parents[1]


def copy_tracked_tree(destination: Path) -> Path:
    """The files of this checkout that git tracks or would track (no .venv, no caches): what a
    consumer downloads for `uses: benchflow-ai/release-actions/...@v1`."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


# Full SHAs the example and test workflows pin; act maps each to a local stand-in folder.
CHECKOUT = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"


