"""Cost of the composite bootstrap, measured in one run against this machine's own yardsticks:
the first action of a job on a runner without uv (the venv is made with python -m venv + pip)
against creating a bare venv, and the second action (the venv is reused) against a bare
interpreter start. Run: `.venv/bin/python bench/bootstrap.py [--rounds 3] [--root DIR]`.

Every action is version-rewrite's composite step run as GitHub's runner runs it
(devtools/composite.py) on a PATH of bash, coreutils and the real `python3`. `--root` measures
another checkout of release-actions (e.g. `git archive` of an older commit)."""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devtools.act import VENV_BIN  # noqa: E402
from devtools.composite import base_python, run_step, runner_path  # noqa: E402

INPUTS = {"run-number": "5", "dry-run": "true"}
FIRST_TARGET = 1.6  # x creating a bare venv
SECOND_TARGET = 15.0  # x a bare interpreter start


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def check(process: subprocess.CompletedProcess[str], codes: tuple[int, ...]) -> None:
    """The step ran the command: exit 0, or the command's own refusal of its empty inputs."""
    if process.returncode not in codes or "title=release-actions bootstrap" in process.stdout:
        raise SystemExit(f"the step failed:\n{process.stdout}{process.stderr}")


class Job:
    """Steps of one job after another: one RUNNER_TEMP, one workspace, one PATH."""

    def __init__(self, work: Path, path: str, root: Path) -> None:
        self.temp, self.workspace, self.path, self.root = work / "temp", work / "ws", path, root
        self.workspace.mkdir(parents=True)
        (self.workspace / "pyproject.toml").write_text(
            '[project]\nname = "x"\nversion = "1.0.dev0"\n')

    def step(self, action: str = "version-rewrite") -> None:
        """Run one action; tag-guard, given no tag, refuses after its imports (exit 2)."""
        codes = (0,) if action == "version-rewrite" else (2,)
        check(run_step(action, cwd=self.workspace, runner_temp=self.temp, path=self.path,
                       inputs=INPUTS if action == "version-rewrite" else {}, root=self.root),
              codes)


def median_time(action: Callable[[], object], runs: int) -> float:
    return statistics.median(timed(action) for _ in range(runs))


def measure_round(args: argparse.Namespace, scratch: Path, paths: dict[str, str],
                  number: int) -> dict[str, float]:
    """Every measurement once, one after another, so that a ratio compares times taken under
    the same load (other processes on the machine)."""
    python = str(base_python())
    first = Job(scratch / f"first-{number}", paths["no uv"], args.root)
    extended = Job(scratch / f"extended-{number}", paths["no uv"], args.root)
    extended.step()
    return {
        "bare venv": timed(lambda: subprocess.run(
            [python, "-m", "venv", str(scratch / f"bare-{number}")], check=True)),
        "first (no uv)": timed(first.step),
        "bare start": median_time(lambda: subprocess.run([python, "-c", "pass"], check=True), 9),
        "second": median_time(first.step, 5),
        "first (uv)": timed(Job(scratch / f"uv-{number}", paths["uv"], args.root).step),
        "adding a set": timed(lambda: extended.step("tag-guard")),
    }


def measure(args: argparse.Namespace, scratch: Path) -> list[dict[str, float]]:
    paths = {"no uv": runner_path(scratch / "no-uv", extra=args.tools),
             "uv": runner_path(scratch / "with-uv", uv=VENV_BIN / "uv", extra=args.tools)}
    return [measure_round(args, scratch, paths, number) for number in range(args.rounds)]


def median(rounds: list[dict[str, float]], value: Callable[[dict[str, float]], float]) -> float:
    return statistics.median(value(times) for times in rounds)


def report(rounds: list[dict[str, float]]) -> bool:
    """A Markdown table of medians over the rounds; True when both targets are met."""
    def seconds(name: str) -> float:
        return median(rounds, lambda times: times[name])

    def ratio(name: str, base: str) -> float:
        return median(rounds, lambda times: times[name] / times[base])

    first, second = ratio("first (no uv)", "bare venv"), ratio("second", "bare start")
    rows = [
        ("bare venv (`python3 -m venv`)", "bare venv", "1", ""),
        ("bare interpreter start (`python3 -c pass`)", "bare start", "1", ""),
        ("first action, no uv", "first (no uv)", f"{first:.2f} x bare venv",
         f"≤ {FIRST_TARGET}"),
        ("second action (reuses the venv)", "second", f"{second:.1f} x bare start",
         f"≤ {SECOND_TARGET:g}"),
        ("first action, uv on PATH", "first (uv)",
         f"{ratio('first (uv)', 'bare venv'):.2f} x bare venv", ""),
        ("tag-guard after version-rewrite, no uv (adds the github set)", "adding a set",
         f"{ratio('adding a set', 'bare venv'):.2f} x bare venv", ""),
    ]
    print(f"Medians of {len(rounds)} rounds (a ratio is the median of the rounds' ratios).\n")
    print("| measurement | seconds | ratio | target |\n|---|---|---|---|")
    for label, name, ratio_text, target in rows:
        print(f"| {label} | {seconds(name):.3f} | {ratio_text} | {target} |")
    return first <= FIRST_TARGET and second <= SECOND_TARGET


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the release-actions checkout to measure")
    parser.add_argument("--tools", nargs="*", default=[],
                        help="more commands the runner's PATH must have (an older bootstrap's)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-bootstrap-") as scratch:
        met = report(measure(args, Path(scratch)))
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
