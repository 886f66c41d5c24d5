"""What publish's inspection and verification add, on examples/sample-package.

Runs `release-actions publish` (preview channel, token upload) against a real pypiserver on
127.0.0.1, alternating runs with `inspect`/`verify` on and off, each run a fresh .devN version
so every run really uploads. Prints a Markdown table of median wall times and the ratio.

    .venv/bin/python bench/publish_checks.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from devtools.act import ROOT, VENV_BIN
from devtools.pypi import PypiServer

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


def publish_once(project: Path, index: PypiServer, version: str, mode: dict[str, str]) -> float:
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
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    try:
        project = work / "sample"
        shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns(".venv", "dist"))
        times: dict[str, list[float]] = {name: [] for name in MODES}
        with PypiServer.start(work / "index") as index:
            number = 0
            publish_once(project, index, "0.0.1.dev0", MODES["neither"])  # warm uv's cache
            for _ in range(args.runs):
                for name, mode in MODES.items():  # interleaved: drift hits every mode alike
                    number += 1
                    times[name].append(publish_once(project, index, f"0.1.0.dev{number}", mode))
        base = statistics.median(times["neither"])
        print(f"publish of examples/sample-package, median of {args.runs} runs\n")
        print("| mode | median | added | ÷ neither |\n|---|---|---|---|")
        for name, values in times.items():
            median = statistics.median(values)
            print(f"| {name} | {median:.2f} s | {median - base:+.2f} s | {median / base:.2f} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
