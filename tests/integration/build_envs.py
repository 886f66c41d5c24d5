"""Real `uv build`s for the version tests, each in a build environment holding exactly what the
project's `[build-system] requires` names (what uv's isolation installs), made once per
requirement list and reused: a fresh isolated environment per build recompiles every module of
the backend (meson alone: ~1 CPU-s per start), which is setup, not what the tests check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import tomlkit

from tests.helpers import VENV_BIN, clean_env

# PEP 517's default when a project declares no `[build-system]`.
DEFAULT_REQUIRES = ("setuptools>=40.8.0",)


class BuildEnvs:
    """One virtual environment per distinct `requires` list, under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pythons: dict[tuple[str, ...], Path] = {}

    def python_for(self, project: Path) -> Path:
        """The interpreter of the environment holding `project`'s build requirements."""
        pyproject = project / "pyproject.toml"  # none at all: a setup.py project, PEP 517's default
        declared = tomlkit.parse(pyproject.read_text()).unwrap() if pyproject.exists() else {}
        requires = tuple(sorted(declared.get("build-system", {}).get("requires",
                                                                     DEFAULT_REQUIRES)))
        if requires not in self.pythons:
            venv = self.root / f"env{len(self.pythons)}"
            uv = str(VENV_BIN / "uv")
            subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
                           env=clean_env(), check=True, capture_output=True, timeout=300)
            subprocess.run([uv, "pip", "install", "--quiet", "--python", str(venv / "bin/python"),
                            *requires], env=clean_env(), check=True, capture_output=True,
                           timeout=300)
            self.pythons[requires] = venv / "bin/python"
        return self.pythons[requires]

    def flags(self, project: Path) -> list[str]:
        """`uv build` flags that build in the prepared environment instead of a fresh one."""
        return ["--no-build-isolation", "--python", str(self.python_for(project))]

    def environment(self, project: Path) -> dict[str, str]:
        """The same, for a `uv build` the product runs: uv reads these variables."""
        return {"UV_NO_BUILD_ISOLATION": "1", "UV_PYTHON": str(self.python_for(project))}

    def uv_build(self, project: Path, *flags: str, env: dict[str, str] | None = None,
                 ) -> subprocess.CompletedProcess[str]:
        """`uv build --out-dir dist <flags>` in `project`, in its prepared environment."""
        return subprocess.run(
            [str(VENV_BIN / "uv"), "build", "--out-dir", "dist", *self.flags(project), *flags],
            cwd=project, env=clean_env(**(env or {})), capture_output=True, text=True,
            timeout=600,
        )
