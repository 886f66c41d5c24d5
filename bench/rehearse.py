"""`make demo` — now `release-actions rehearse` of examples/ (the four example workflows,
`--scenario all`, with doctor first and the install of what was published last) — against the
old `make demo`, which sequenced the same workflows itself (demo/pipeline.py, removed), on the
same machine, interleaved: wall time of each whole run. Run:
`.venv/bin/python bench/rehearse.py [--runs 1] [--old COMMIT]`.

The old demo runs from a copy of the commit that last had it (its files as git holds them, made
a git repository again, since it copies its own tracked tree as the actions a consumer
downloads), with this checkout's virtual environment and act. Prints a Markdown table and the
ratio of the medians; exits 1 when the rehearsal costs more than 1.3 times the old demo (the
issue's target)."""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from devtools.act import VENV_BIN, clean_env, git  # noqa: E402

TARGET = 1.3
# The last commit whose `make demo` sequenced the workflows itself.
OLD_DEMO = "d66f6ed6d664b82e4ed7f9e5ae6c7dae30d79fcb"


def old_checkout(commit: str, target: Path) -> Path:
    """The files of `commit`, as a git repository of one commit."""
    archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=ROOT,
                             check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as files:
        files.extractall(target, filter="data")
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    git(target, "commit", "-qm", f"The old demo ({commit[:12]})")
    return target


def timed(command: list[str], cwd: Path, **env: str) -> float:
    started = time.monotonic()
    done = subprocess.run(command, cwd=cwd, env=clean_env(**env), capture_output=True,
                          text=True, check=False)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{(done.stdout + done.stderr)[-3000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--old", default=OLD_DEMO, metavar="COMMIT",
                        help="the commit whose make demo is the baseline")
    args = parser.parse_args()
    old: list[float] = []
    new: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-rehearse-") as scratch:
        checkout = old_checkout(args.old, Path(scratch) / "old")
        # The old code first on the path: the environment's release_actions is this checkout's.
        path = os.pathsep.join([str(checkout / "src"), str(checkout)])
        for _ in range(args.runs):
            old.append(timed([str(VENV_BIN / "python"), "-m", "demo"], checkout,
                             PYTHONPATH=path))
            new.append(timed([str(VENV_BIN / "python"), "-m", "demo"], ROOT))
    ratio = statistics.median(new) / statistics.median(old)
    print("| run | old make demo (s) | make demo = rehearse of examples/ (s) |\n|---|---|---|")
    for number, (before, after) in enumerate(zip(old, new, strict=True), 1):
        print(f"| {number} | {before:.0f} | {after:.0f} |")
    print(f"\nrehearsal / old demo (medians): {ratio:.2f} (target ≤ {TARGET})")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
