"""What a command knows of the job it runs in: the runner's environment, read once by an entry
point (`cli.py`; `docker.py` for the Docker flavour; `rehearsal/shim.py`, which first points it
at the stand-ins) and passed down, and the console it speaks through.

Commands read the environment only through it. Below them, two modules read `os.environ`
themselves for what they hand on: `git.py` (the allow-list of it that git is given, so no
caller can pass a token along) and `probing.py` (whether a proxy is set, as urllib reads it);
the rehearsal reads its own environment: `rehearsal/act.py` (to run act), `rehearsal/pythons.py`
(where uv keeps the Pythons) and `rehearsal/tp_index.py` (the roots this machine trusts); a
rehearsal's step hands its environment on: `rehearsal/step_client.py` sends it to the step
server, and `rehearsal/steps.py` gives it to the step it forks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from release_actions.gha import Console


@dataclass(frozen=True)
class Context:
    environ: Mapping[str, str]
    console: Console

    def get(self, name: str, default: str = "") -> str:
        return self.environ.get(name, default)

    @property
    def workspace(self) -> Path | None:
        """`GITHUB_WORKSPACE`: paths given as inputs must stay inside it (None outside Actions)."""
        value = self.environ.get("GITHUB_WORKSPACE", "")
        return Path(value) if value else None

    @property
    def repository(self) -> str:
        return self.get("GITHUB_REPOSITORY")

    @property
    def run_attempt(self) -> int:
        attempt = self.get("GITHUB_RUN_ATTEMPT", "1")
        return int(attempt) if attempt.isdigit() and len(attempt) < 10 else 1
