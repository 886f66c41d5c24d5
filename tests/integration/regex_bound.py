"""A shorter bound on a project's regular expression for the CLI processes of the tests that
prove a catastrophic pattern is refused: the child burns CPU for the whole bound, and what those
tests check is that the run stops and says why, not how long the bound is."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import ROOT

SECONDS = 0.5


def short_regex_bound(folder: Path) -> dict[str, str]:
    """The environment for `run_cli` whose process bounds project patterns at SECONDS
    (a sitecustomize in `folder`, which must be outside the project)."""
    (folder / "sitecustomize.py").write_text(
        "import release_actions.project_regex as project_regex\n"
        f"project_regex.TIMEOUT_SECONDS = {SECONDS!r}\n"
    )
    return {"PYTHONPATH": f"{folder}:{ROOT / 'src'}"}
