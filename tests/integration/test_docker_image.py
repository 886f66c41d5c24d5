"""The Dockerfile, without a Docker engine: its instructions are read and its build commands run
as written in a scratch folder standing in for the image's root; then the image's ENTRYPOINT runs
a command with the inputs GitHub gives a Docker action. The system-package layer (apt-get, needs
root and Debian) is checked by its text only."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from release_actions import cli
from tests.helpers import ROOT, VENV_BIN, clean_env
from tests.integration.test_docker_entrypoint import (
    PYPROJECT,
    github_docker_environ,
    run_entrypoint,
)

DOCKERFILE = ROOT / "Dockerfile"
_VARIABLE = re.compile(r"\$(\w+)|\$\{(\w+)\}")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    result: list[tuple[str, str]] = []
    current = ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1].strip() + " "
            continue
        instruction, _, arguments = (current + stripped).partition(" ")
        result.append((instruction.upper(), arguments.strip()))
        current = ""
    return result


def of(kind: str) -> list[str]:
    return [arguments for instruction, arguments in instructions() if instruction == kind]


def test_the_base_image_is_python_slim_pinned_by_digest() -> None:
    (base,) = of("FROM")
    assert re.fullmatch(r"python:3\.\d+-slim@sha256:[0-9a-f]{64}", base), base


def test_the_entrypoint_is_exec_form_with_an_absolute_path_and_no_user_is_set() -> None:
    (entrypoint,) = of("ENTRYPOINT")
    argv = json.loads(entrypoint)
    assert isinstance(argv, list) and Path(argv[0]).is_absolute()
    assert argv[1:] == ["-I", "-m", "release_actions.docker"]
    # GitHub runs Docker actions as root and mounts the workspace: USER would break writes.
    assert of("USER") == []


def test_the_system_layer_installs_git_trusts_the_workspace_and_keeps_no_lists() -> None:
    (system,) = [run for run in of("RUN") if run.startswith("apt-get")]
    assert "apt-get install --yes --no-install-recommends git" in system
    assert "rm -rf /var/lib/apt/lists/*" in system
    assert "safe.directory" in system


def test_the_image_copies_only_what_the_dockerignore_lets_in() -> None:
    sources = {arguments.split()[0] for arguments in of("COPY")}
    assert sources == {"bootstrap/requirements.txt", "src"}
    allowed = [line[1:] for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.startswith("!")]
    assert all(any(source == entry.rstrip("/") for entry in allowed) for source in sources)


def test_the_requirements_are_exactly_the_lock_exported() -> None:
    """The image installs bootstrap/requirements.txt; it must be what uv.lock says today."""
    exported = subprocess.run(
        [str(VENV_BIN / "uv"), "export", "--locked", "--no-dev", "--no-emit-project",
         "--format", "requirements-txt", "--quiet", "--offline"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout

    def body(text: str) -> list[str]:
        return [line for line in text.splitlines() if not line.startswith("#")]

    assert body(exported) == body((ROOT / "bootstrap/requirements.txt").read_text()), (
        "bootstrap/requirements.txt is stale: re-export it from uv.lock"
    )


def _expand(text: str, environ: dict[str, str]) -> str:
    return _VARIABLE.sub(lambda m: environ.get(m.group(1) or m.group(2), ""), text)


def build(image_root: Path) -> tuple[list[str], dict[str, str]]:
    """Run the Dockerfile's build steps with `image_root` standing for its WORKDIR; returns the
    ENTRYPOINT argv and the image's environment."""
    (workdir,) = of("WORKDIR")
    here = lambda text: text.replace(workdir, str(image_root))  # noqa: E731
    shims = image_root.parent / "bin"
    shims.mkdir()
    # `python` in RUN is the base image's interpreter, with its pip: here, the one running the
    # tests, with the pip uv.lock pins (the image's is as recent), not whatever pip the machine's
    # Python has. A link would lose the tests' venv (Python finds it beside the path it is run as).
    (shims / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (shims / "python").chmod(0o755)
    environ = clean_env(PATH=f"{shims}{os.pathsep}{os.environ['PATH']}")
    cwd = image_root
    entrypoint: list[str] = []
    for instruction, arguments in instructions():
        if instruction == "WORKDIR":
            cwd = Path(here(arguments))
            cwd.mkdir(parents=True, exist_ok=True)
        elif instruction == "ENV":
            for pair in shlex.split(arguments):
                key, _, value = pair.partition("=")
                environ[key] = here(_expand(value, environ))
            # The image keeps no pip cache; here the machine's cache keeps the test fast.
            environ.pop("PIP_NO_CACHE_DIR", None)
        elif instruction == "COPY":
            source, target = (ROOT / arguments.split()[0]), cwd / arguments.split()[1]
            if source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
        elif instruction == "RUN" and not arguments.startswith("apt-get"):
            proc = subprocess.run(["sh", "-c", here(arguments)], cwd=cwd, env=environ,
                                  capture_output=True, text=True, timeout=300)
            assert proc.returncode == 0, f"RUN {arguments}\n{proc.stdout}{proc.stderr}"
        elif instruction == "ENTRYPOINT":
            entrypoint = [here(part) for part in json.loads(arguments)]
    return entrypoint, environ


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], dict[str, str]]:
    root = tmp_path_factory.mktemp("image") / "release-actions"
    root.mkdir()
    return build(root)


def test_the_image_compiles_nothing_at_build(image: tuple[list[str], dict[str, str]]) -> None:
    """GitHub builds the image in every job: its pip writes no bytecode (--no-compile); a
    command compiles what it imports when it runs. (First of the tests that run the image: a
    run writes the bytecode of what it imported, `python -I` ignoring PYTHONDONTWRITEBYTECODE.)"""
    entrypoint, _ = image
    venv = Path(entrypoint[0]).parent.parent
    assert (venv / "bin/python").exists()
    assert list(venv.rglob("*.pyc"))[:5] == []


def test_the_built_image_runs_a_command_from_its_entrypoint(
    image: tuple[list[str], dict[str, str]], tmp_path: Path
) -> None:
    """Given the image built from the Dockerfile's own commands, when its ENTRYPOINT runs with
    the inputs GitHub gives a Docker action, then version-rewrite rewrites the checkout; a
    folder of the caller's named like one of our dependencies shadows nothing."""
    entrypoint, image_env = image
    workspace = tmp_path / "workspace"
    (workspace / "packaging").mkdir(parents=True)
    (workspace / "packaging" / "__init__.py").write_text("raise SystemExit('shadowed')\n")
    (workspace / "pyproject.toml").write_text(PYPROJECT)
    environ = github_docker_environ(workspace, command="version-rewrite", run_number="41")

    result = run_entrypoint(entrypoint, workspace, environ, image_env)

    assert result.code == 0, result.log
    assert result.outputs["version"] == "1.2.3.dev41"
    assert "1.2.3.dev41" in (workspace / "pyproject.toml").read_text()


def test_the_image_holds_every_dependency_and_tool_the_commands_use(
    image: tuple[list[str], dict[str, str]], tmp_path: Path
) -> None:
    """Every command module and the libraries they import lazily load in the image, and the
    tools publish runs (uv, twine) are on its PATH."""
    entrypoint, image_env = image
    python = entrypoint[0]
    modules = [cli.load(name).run.__module__ for name in cli.COMMANDS]
    code = "import " + ", ".join([*modules, "github", "requests", "tomlkit", "packaging.version"])
    proc = subprocess.run([python, "-I", "-c", code], cwd=tmp_path, env=image_env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    for tool in ("uv", "twine"):
        found = shutil.which(tool, path=image_env["PATH"])
        assert found and found.startswith(str(Path(python).parent)), tool
