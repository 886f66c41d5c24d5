"""What publish's inspection and verification add, on examples/sample-package.

Runs `release-actions publish` (preview channel, token upload) against a real pypiserver on
127.0.0.1, alternating runs with `inspect`/`verify` on and off, each run a fresh .devN version
so every run really uploads. Prints a Markdown table of median and fastest wall times (the
fastest is the least disturbed by other load on the machine) and what each mode adds.

    .venv/bin/python bench/publish_checks.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from devtools.act import VENV_BIN  # noqa: E402
from devtools.pypi import PypiServer  # noqa: E402

SAMPLE = ROOT / "examples/sample-package"
MODES = {
    "inspect + verify (default)": {"INPUT_INSPECT": "true", "INPUT_VERIFY": "true"},
    "inspect only": {"INPUT_INSPECT": "true", "INPUT_VERIFY": "false"},
    "verify only": {"INPUT_INSPECT": "false", "INPUT_VERIFY": "true"},
    "neither": {"INPUT_INSPECT": "false", "INPUT_VERIFY": "false"},
}


def set_version(project: Path, version: str) -> None:
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    start = text.index('version = "')
    end = text.index('"', start + len('version = "'))
    pyproject.write_text(text[:start] + f'version = "{version}' + text[end:])


def phase_seconds(log: str, pattern: str) -> float | None:
    """A phase's own duration, as publish logs it."""
    found = re.search(pattern, log)
    return float(found.group(1)) if found else None


def publish_once(project: Path, index: PypiServer, version: str,
                 mode: dict[str, str]) -> tuple[float, float | None, float | None]:
    set_version(project, version)
    shutil.rmtree(project / "dist", ignore_errors=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("INPUT_")}
    env.update(INPUT_CHANNEL="preview", INPUT_REPOSITORY_URL=index.upload_url,
               INPUT_CHECK_URL=index.simple_url, INPUT_TRUSTED_PUBLISHING="never",
               INPUT_USERNAME=index.username, INPUT_PASSWORD=index.password, **mode)
    started = time.monotonic()
    done = subprocess.run([str(VENV_BIN / "release-actions"), "publish"], cwd=project, env=env,
                          capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"publish failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    log = done.stdout + done.stderr
    return (elapsed, phase_seconds(log, r"Inspection passed: .*\(([0-9.]+) s\)"),
            phase_seconds(log, r"Verified: .*\(([0-9.]+) s, "))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    try:
        project = work / "sample"
        shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns(".venv", "dist"))
        times: dict[str, list[float]] = {name: [] for name in MODES}
        phases: dict[str, list[float]] = {"inspection": [], "verification": []}
        with PypiServer.start(work / "index") as index:
            number = 0
            publish_once(project, index, "0.0.1.dev0", MODES["neither"])  # warm uv's cache
            for _ in range(args.runs):
                for name, mode in MODES.items():  # interleaved: drift hits every mode alike
                    number += 1
                    elapsed, inspected, verified = publish_once(
                        project, index, f"0.1.0.dev{number}", mode)
                    times[name].append(elapsed)
                    for phase, seconds in (("inspection", inspected),
                                           ("verification", verified)):
                        if seconds is not None:
                            phases[phase].append(seconds)
        base = statistics.median(times["neither"])
        print(f"publish of examples/sample-package, median of {args.runs} runs\n")
        fastest = min(times["neither"])
        print("| mode | median | added | ÷ neither | fastest | added |\n|---|---|---|---|---|---|")
        for name, values in times.items():
            median, low = statistics.median(values), min(values)
            print(f"| {name} | {median:.2f} s | {median - base:+.2f} s | {median / base:.2f} "
                  f"| {low:.2f} s | {low - fastest:+.2f} s |")
        print("\n| phase, as publish logs it | median | fastest | runs |\n|---|---|---|---|")
        for phase, values in phases.items():
            print(f"| {phase} | {statistics.median(values):.2f} s | {min(values):.2f} s "
                  f"| {len(values)} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
