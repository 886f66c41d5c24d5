"""What a large uv.lock costs version-rewrite: the CLI run as a sub-process (as a runner runs it)
on a project without a lock and on the same project with a ~1.3 MB lock, in one run.

Run: `.venv/bin/python bench/lock.py [--rounds 7] [--size-mb 1.3] [--src src]`. `--src` points at
another checkout's `src` to measure it (e.g. the code before the targeted lock edit). Prints a
Markdown table and the ratio; exits 1 above the issue's target (1.5x)."""

from __future__ import annotations

import argparse
import hashlib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.5
PYPROJECT = '[project]\nname = "my-pkg"\nversion = "0.5.1.dev0"\ndependencies = []\n'
HEAD = 'version = 1\nrevision = 3\nrequires-python = ">=3.10"\n\n'
OWN = '[[package]]\nname = "my-pkg"\nversion = "0.5.1.dev0"\nsource = { editable = "." }\n\n'
PLATFORMS = ("macosx_11_0_arm64", "manylinux_2_17_x86_64", "musllinux_1_2_x86_64",
             "win_amd64", "manylinux_2_17_aarch64", "macosx_10_9_x86_64")


def _package(number: int) -> str:
    """One registry entry as uv writes it: sdist, wheels with hashes, dependencies."""
    name = f"package-{number:05d}"
    digest = hashlib.sha256(name.encode()).hexdigest()
    url = f"https://files.pythonhosted.org/packages/{digest[:2]}/{digest[2:4]}/{digest}"
    wheels = "".join(
        f'    {{ url = "{url}/{name}-1.{number}.0-cp311-cp311-{tag}.whl", '
        f'hash = "sha256:{digest}", size = {1000 + number} }},\n' for tag in PLATFORMS
    )
    return (
        f'[[package]]\nname = "{name}"\nversion = "1.{number}.0"\n'
        'source = { registry = "https://pypi.org/simple" }\n'
        f'dependencies = [\n    {{ name = "package-{(number + 1) % 9999:05d}" }},\n]\n'
        f'sdist = {{ url = "{url}/{name}-1.{number}.0.tar.gz", hash = "sha256:{digest}", '
        f"size = {2000 + number} }}\nwheels = [\n{wheels}]\n\n"
    )


def make_lock(size: int) -> str:
    """Registry entries around the project's own, until the lock holds `size` bytes."""
    entries: list[str] = []
    total = len(HEAD) + len(OWN)
    while total < size:
        entries.append(_package(len(entries)))
        total += len(entries[-1])
    middle = len(entries) // 2
    return HEAD + "".join(entries[:middle]) + OWN + "".join(entries[middle:])


def _time_once(folder: Path, files: dict[str, str], src: Path, run_number: int) -> float:
    for name, text in files.items():
        (folder / name).write_text(text)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "release_actions", "version-rewrite",
         "--run-number", str(run_number)],
        cwd=folder, env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"}, check=True,
        capture_output=True,
    )
    elapsed = time.perf_counter() - started
    assert f"0.5.1.dev{run_number}" in (folder / "pyproject.toml").read_text()
    return elapsed


def measure(files: dict[str, str], src: Path, rounds: int) -> float:
    """Median wall time of the CLI over `rounds` runs, each on fresh copies of `files`."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        _time_once(folder, files, src, 1)  # warm the OS caches and .pyc files
        return statistics.median(
            _time_once(folder, files, src, number) for number in range(2, rounds + 2)
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--size-mb", type=float, default=1.3)
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    args = parser.parse_args()
    lock = make_lock(int(args.size_mb * 1_000_000))
    without = measure({"pyproject.toml": PYPROJECT}, args.src.resolve(), args.rounds)
    with_lock = measure({"pyproject.toml": PYPROJECT, "uv.lock": lock}, args.src.resolve(),
                        args.rounds)
    ratio = with_lock / without
    print(f"| project | median of {args.rounds} | ÷ without a lock |\n|---|---|---|")
    print(f"| no uv.lock | {without * 1000:.0f} ms | 1.00 |")
    print(f"| uv.lock, {len(lock) / 1e6:.2f} MB | {with_lock * 1000:.0f} ms | {ratio:.2f} |")
    print(f"\ntarget ≤ {TARGET}x: {'met' if ratio <= TARGET else 'MISSED'}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
