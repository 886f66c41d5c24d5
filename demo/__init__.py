"""`make demo`: a rehearsal of examples/ (see __main__.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from release_actions.rehearsal.act import git

ROOT = Path(__file__).resolve().parents[1]
REMOTE_URL = "https://github.com/benchflow-ai/release-actions-sample.git"


def example_repository(root: Path) -> Path:
    """The sample package with the example workflows in .github/workflows/, as a consumer's
    git repository with one commit on main and its GitHub URL as origin."""
    shutil.copytree(ROOT / "examples/sample-package", root)
    shutil.copytree(ROOT / "examples/workflows", root / ".github/workflows")
    (root / ".gitignore").write_text(".venv/\ndist/\njobs/\n__pycache__/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Initial commit")
    git(root, "remote", "add", "origin", REMOTE_URL)
    return root
