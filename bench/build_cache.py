"""What `make test`'s compiled uv cache (devtools/uv_cache.py) saves one `uv build`: a small
hatchling project built with a cache as uv leaves it and with the same cache after the build
backends were compiled in it, round by round so both sides run under the same load.

Run: `.venv/bin/python bench/build_cache.py [--rounds 5]`. Prints the CPU seconds (user + sys of
uv and every process it starts) per build on each side and their ratio; asserts nothing."""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from devtools import uv_cache  # noqa: E402

from release_actions.processes import uv_binary  # noqa: E402

PYPROJECT = ('[project]\nname = "bench-pkg"\nversion = "1.0"\n'
             '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n')


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def build(project: Path, cache: Path) -> float:
    """CPU seconds of one `uv build` (sdist, then the wheel from it) with `cache`."""
    shutil.rmtree(project / "dist", ignore_errors=True)
    before = children_cpu()
    subprocess.run([uv_binary(), "build", "--quiet", "--out-dir", "dist"], cwd=project,
                   check=True, env={**os.environ, "UV_CACHE_DIR": str(cache)})
    return children_cpu() - before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # as `make test` runs
    with tempfile.TemporaryDirectory(prefix="bench-build-cache-") as scratch:
        project = Path(scratch) / "project"
        (project / "src/bench_pkg").mkdir(parents=True)
        (project / "src/bench_pkg/__init__.py").write_text("")
        (project / "pyproject.toml").write_text(PYPROJECT)
        plain, compiled = Path(scratch) / "plain", Path(scratch) / "compiled"
        build(project, plain)  # fills the cache (downloads); not measured
        shutil.copytree(plain, compiled, symlinks=True)
        os.environ["UV_CACHE_DIR"] = str(compiled)
        uv_cache.compiled(uv_binary(), ["hatchling"])
        sides: dict[str, list[float]] = {"as uv leaves it": [], "backends compiled": []}
        for _ in range(args.rounds):
            sides["as uv leaves it"].append(build(project, plain))
            sides["backends compiled"].append(build(project, compiled))
    medians = {side: statistics.median(cpu) for side, cpu in sides.items()}
    print("| uv cache | CPU s per build (median) | rounds |\n|---|---|---|")
    for side, median in medians.items():
        print(f"| {side} | {median:.2f} | {args.rounds} |")
    ratio = medians["backends compiled"] / medians["as uv leaves it"]
    print(f"\ncompiled / plain: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
