"""`release-actions rehearse` of the four example workflows against today's `make demo`, on the
same machine, interleaved: wall time of each whole run. Run:
`.venv/bin/python bench/rehearse.py [--runs 1]`.

The rehearsal runs on a git repository made from examples/ (the sample package with the example
workflows in .github/workflows/), with `--scenario all`: the preview chain, the release commit
and its chain, the public release with the bump pull request, and the next preview. The demo
runs doctor, then the same workflows. Prints a Markdown table and the ratio of the medians;
exits 1 when the rehearsal costs more than 1.3 times the demo (the issue's target)."""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from devtools.act import VENV_BIN, clean_env, git  # noqa: E402

TARGET = 1.3


def example_repository(root: Path) -> Path:
    shutil.copytree(ROOT / "examples/sample-package", root)
    shutil.copytree(ROOT / "examples/workflows", root / ".github/workflows")
    (root / ".gitignore").write_text(".venv/\ndist/\njobs/\n__pycache__/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Initial commit")
    git(root, "remote", "add", "origin",
        "https://github.com/benchflow-ai/release-actions-sample.git")
    return root


def timed(command: list[str], cwd: Path) -> float:
    started = time.monotonic()
    done = subprocess.run(command, cwd=cwd, env=clean_env(), capture_output=True, text=True,
                          check=False)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{(done.stdout + done.stderr)[-3000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    demo: list[float] = []
    rehearsal: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-rehearse-") as scratch:
        repository = example_repository(Path(scratch) / "sample")
        for _ in range(args.runs):
            demo.append(timed([str(VENV_BIN / "python"), "-m", "demo"], ROOT))
            rehearsal.append(timed([str(VENV_BIN / "release-actions"), "rehearse"], repository))
    ratio = statistics.median(rehearsal) / statistics.median(demo)
    print("| run | make demo (s) | release-actions rehearse (s) |\n|---|---|---|")
    for number, (d, r) in enumerate(zip(demo, rehearsal, strict=True), 1):
        print(f"| {number} | {d:.0f} | {r:.0f} |")
    print(f"\nrehearse / demo (medians): {ratio:.2f} (target ≤ {TARGET})")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
