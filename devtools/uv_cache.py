"""`python -m devtools.uv_cache`: `make test` first puts the build backends its tests build with,
and the actions' own dependencies, into uv's cache (the tree's own, `.cache/uv`) and compiles
their modules to bytecode there.

Every `uv build` makes a fresh build environment whose files uv links from its cache, and calls
the backend in it four times or more (the requirements and the build of the sdist, then of the
wheel). Without bytecode in the cache each call compiles the backend again: about 0.5 s of CPU
of the 1.2 s a small hatchling build takes, over several hundred builds in a run. The bytecode
is what Python would write itself; builds, backends and their results are unchanged. hatchling
is compiled for the local Python 3.12 as well, which the BenchFlow stand-in builds with.

Done once per cache: a stamp in it names the lists and the Python it was done for (a newer
release of a backend that appears later is used uncompiled until the lists change). Best
effort: when this fails, the run is slower, never different."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# The backends (and the plugins they load) that the tests' projects name in `build-system`.
BACKENDS = (
    "hatchling", "hatch-vcs", "uv-dynamic-versioning", "setuptools", "setuptools-scm",
    "flit-core", "poetry-core", "poetry-dynamic-versioning", "pdm-backend", "scikit-build-core",
    "meson-python",
)
# Every runtime dependency, pinned with hashes: what the composite bootstrap installs into the
# venv it makes per job, then compiles (then finding the bytecode in place).
RUNTIME = Path(__file__).resolve().parents[1] / "bootstrap/requirements.txt"


def archive_roots(site_packages: Path) -> set[Path]:
    """The cache entries a venv installed with `--link-mode symlink` points into: each file is a
    link to `<cache>/archive-v0/<entry>/...`."""
    roots = set()
    for link in site_packages.rglob("*.py"):
        if not link.is_symlink():
            continue
        target = link.resolve()
        for parent in target.parents:
            if parent.parent.name == "archive-v0":
                roots.add(parent)
                break
    return roots


def compiled(uv: str, requirements: list[str], python: Path | None = None) -> int:
    """Installs `requirements` once through the cache into a throw-away venv (of `python`,
    else this one) and compiles the cache entries they came from with the venv's Python, the
    one uv gives the build environments; returns how many entries."""
    with tempfile.TemporaryDirectory(prefix="release-actions-uv-cache-") as scratch:
        venv = Path(scratch) / "venv"
        subprocess.run([uv, "venv", "--quiet", *(["--python", str(python)] if python else []),
                        str(venv)], check=True, capture_output=True)
        subprocess.run([uv, "pip", "install", "--quiet", "--link-mode", "symlink", "--python",
                        str(venv / "bin/python"), *requirements], check=True,
                       capture_output=True)
        (site_packages,) = venv.glob("lib/python*/site-packages")
        roots = sorted(archive_roots(site_packages))
        subprocess.run([str(venv / "bin/python"), "-m", "compileall", "-q", "-j", "0",
                        *map(str, roots)], check=True, capture_output=True)
    return len(roots)


def python_312() -> list[Path]:
    """The newest local Python 3.12 (none: []): the BenchFlow stand-in (requires-python >= 3.12,
    hatchling) builds and syncs with it in its rehearsal (tests/e2e/benchflow_repo.py), about
    30 backend calls, each compiling hatchling again without bytecode of its own (0.3 s of
    CPU a call)."""
    from release_actions.rehearsal.pythons import local_installs

    found = {tuple(int(part) for part in version.split(".")): prefix
             for version, prefix in local_installs().items() if version.startswith("3.12.")}
    return [found[max(found)] / "bin" / "python3.12"] if found else []


def warm(uv: str) -> str:
    """The lists at once: on a fresh machine most of the time is downloads."""
    jobs = [(list(BACKENDS), None), (["--no-deps", "--require-hashes", "-r", str(RUNTIME)], None),
            *((["hatchling"], python) for python in python_312())]
    with ThreadPoolExecutor(len(jobs)) as pool:
        counts = list(pool.map(lambda job: compiled(uv, *job), jobs))
    return (f"{len(BACKENDS)} build backends ({counts[0]} packages), the actions' own "
            f"dependencies ({counts[1]} packages)"
            f"{', hatchling for Python 3.12' if len(jobs) > 2 else ''} compiled")


def stamp() -> str:
    """What the compiled entries depend on: the lists, this Python, uv's cache folder."""
    return hashlib.sha256("\n".join([
        *BACKENDS, RUNTIME.read_text(), sys.version, os.environ.get("UV_CACHE_DIR", ""),
        *map(str, python_312()),
    ]).encode()).hexdigest()


def main() -> int:
    from release_actions.errors import ReleaseActionsError
    from release_actions.processes import uv_binary

    uv = uv_binary()
    started = time.monotonic()
    done_before = Path(os.environ.get("UV_CACHE_DIR", ".cache/uv")) / ".release-actions-compiled"
    if done_before.is_file() and done_before.read_text() == stamp():
        return 0
    try:
        done = warm(uv)
        done_before.write_text(stamp())
    except (OSError, ValueError, ReleaseActionsError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", b"") or b""
        print(f"uv cache not prepared (the run is only slower): {error} "
              f"{detail.decode(errors='replace').strip()}", file=sys.stderr)
        return 0
    print(f"uv cache: {done} ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
