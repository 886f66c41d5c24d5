"""`make demo`: `release-actions rehearse` of examples/ — the sample package and the four
example workflows put together as a consumer repository in a temporary folder — on this
machine, with no Docker engine and no network. The rehearsal tells the story stage by stage as
it runs: doctor on the one-time setup; the preview built from the tested commit; the release
pull request, whose final version the preview pipeline skips; the public release with its
GitHub Release and the bump pull request; the next preview; `pip install --pre` and
`pip install` of what was published. The deepseek stand-in is down (`--providers-down`) to
show the integration gate falling through to the next provider.

Exit codes are the rehearsal's: 0 every stage green, 1 a red stage, 2 bad input."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from demo import example_repository
from release_actions.rehearsal import cli

ARGUMENTS = ("--providers-down", "deepseek")


def main(argv: Sequence[str] = ()) -> int:
    print("release-actions demo: `release-actions rehearse` of examples/ (the sample package "
          "with the four example workflows,\nas a consumer repository in a temporary folder), "
          "under act on this machine against local stand-ins.", flush=True)
    with tempfile.TemporaryDirectory(prefix="release-actions-demo-") as scratch:
        repository = example_repository(Path(scratch) / "release-actions-sample")
        return cli.main([*ARGUMENTS, *argv], cwd=repository)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
