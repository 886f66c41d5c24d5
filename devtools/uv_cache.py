"""`python -m devtools.uv_cache`: `make test` first puts the build backends its tests build with
into uv's cache (the tree's own, `.cache/uv`) and compiles their modules to bytecode there.

Every `uv build` makes a fresh build environment whose files uv links from its cache, and calls
the backend in it four times or more (the requirements and the build of the sdist, then of the
wheel). Without bytecode in the cache each call compiles the backend again: about 0.5 s of CPU
of the 1.2 s a small hatchling build takes, over several hundred builds in a run. The bytecode
is what Python would write itself; builds, backends and their results are unchanged.

Best effort: when this fails, the run is slower, never different."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The backends (and the plugins they load) that the tests' projects name in `build-system`.
BACKENDS = (
    "hatchling", "hatch-vcs", "uv-dynamic-versioning", "setuptools", "setuptools-scm",
    "flit-core", "poetry-core", "poetry-dynamic-versioning", "pdm-backend", "scikit-build-core",
    "meson-python",
)


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


def warm(uv: str) -> str:
    """Installs BACKENDS once through the cache and compiles the entries they came from."""
    with tempfile.TemporaryDirectory(prefix="release-actions-uv-cache-") as scratch:
        venv = Path(scratch) / "venv"
        subprocess.run([uv, "venv", "--quiet", str(venv)], check=True, capture_output=True)
        python = venv / "bin/python"
        subprocess.run([uv, "pip", "install", "--quiet", "--link-mode", "symlink", "--python",
                        str(python), *BACKENDS], check=True, capture_output=True)
        (site_packages,) = venv.glob("lib/python*/site-packages")
        roots = sorted(archive_roots(site_packages))
        # The venv's Python is the one uv gives build environments, so the bytecode fits them.
        subprocess.run([str(python), "-m", "compileall", "-q", "-j", "0", *map(str, roots)],
                       check=True, capture_output=True)
    return f"{len(BACKENDS)} build backends, {len(roots)} packages in the cache compiled"


def main() -> int:
    from release_actions.errors import ReleaseActionsError
    from release_actions.processes import uv_binary

    uv = uv_binary()
    started = time.monotonic()
    try:
        done = warm(uv)
    except (OSError, ValueError, ReleaseActionsError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", b"") or b""
        print(f"uv cache not prepared (the run is only slower): {error} "
              f"{detail.decode(errors='replace').strip()}", file=sys.stderr)
        return 0
    print(f"uv cache: {done} ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
