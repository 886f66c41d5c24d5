"""Building with `uv` for publish: the distributions into `dist/`, and a wheel straight from the
tree for the inspection to compare with. Builds never see the job's credentials (the caller
passes `processes.child_environment(..., publishing=False)`) and are stamped with the commit's
time, so a rebuild gives the same bytes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from release_actions import processes
from release_actions.errors import ConfigError
from release_actions.gha import Console

DIST = "dist"
BUILD_FAILED = (
    "`{command}` failed with exit code {code} in {directory}: {detail}. Reproduce it with the "
    "same command in that directory."
)
PROJECT_FILES = ("pyproject.toml", "setup.py")  # what `uv build` can build from
NO_PROJECT = (
    "{directory} holds no pyproject.toml (nor setup.py), so there is nothing to build. Set "
    "`working-directory` to the project's folder (the one holding pyproject.toml)."
)
NO_TREE_WHEEL = (
    "`uv build --wheel` in {directory} exited 0 but wrote {count} wheel(s) to its output "
    "directory (expected 1). Reproduce it with `uv build --wheel --out-dir /tmp/w`."
)


def _uv_build(console: Console, extra: Sequence[str], out_dir: Path | str, *, project: Path,
              env: Mapping[str, str]) -> None:
    command = " ".join(["uv build", *extra])
    argv = [processes.uv_binary(), "build", *extra, "--no-progress", "--color", "never",
            "--out-dir", str(out_dir)]
    code, output = processes.stream(console, command, argv, cwd=project,
                                    env=processes.reproducible(env, project))
    if code != 0:
        raise ConfigError(BUILD_FAILED.format(command=command, code=code, directory=project,
                                              detail=processes.last_lines(output)))


def build_distributions(project: Path, console: Console, env: Mapping[str, str],
                        out_dir: Path | str = DIST) -> None:
    """The sdist, then the wheel built from that sdist (uv's default), into `dist/`."""
    if not any((project / name).is_file() for name in PROJECT_FILES):
        raise ConfigError(NO_PROJECT.format(directory=project))
    _uv_build(console, ["--no-sources"], out_dir, project=project, env=env)


def build_tree_wheel(project: Path, out_dir: Path, console: Console,
                     env: Mapping[str, str]) -> Path:
    """A wheel built straight from the working tree into `out_dir` (no sdist in between)."""
    _uv_build(console, ["--wheel", "--no-sources"], out_dir, project=project, env=env)
    wheels = sorted(out_dir.glob("*.whl"))
    if len(wheels) != 1:
        raise ConfigError(NO_TREE_WHEEL.format(directory=project, count=len(wheels)))
    return wheels[0]
