"""`git` for the tests' own repositories, without the housekeeping git starts after a commit,
a push or a fetch (`git maintenance run --auto`, `gc --auto`): one to three extra processes per
call, and the throw-away repositories never grow enough to need it. Only the commands a test
runs itself: the CLI under test runs git with its own, untouched, configuration."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import git as plain_git

NO_HOUSEKEEPING = ("-c", "maintenance.auto=false", "-c", "gc.auto=0",
                   "-c", "receive.autogc=false", "-c", "fetch.writeCommitGraph=false")


def git(cwd: Path, *args: str) -> str:
    """tests.helpers.git (the rehearsal's), without git's automatic housekeeping."""
    return plain_git(cwd, *NO_HOUSEKEEPING, *args)
