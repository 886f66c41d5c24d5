"""The bootstrap's dependency sets: every command has its line in bootstrap/sets.txt, the sets
named there hold every distribution the command imports (at the top or inside a function) or
runs with `python -m`, the sets together are exactly the runtime dependencies, and every
committed requirements file is what uv.lock exports today."""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import re
import sys
from pathlib import Path

import pytest
import tomlkit
from devtools import bootstrap
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from release_actions import cli
from tests.helpers import ROOT

SETS = bootstrap.command_sets()
COMMANDS_PACKAGE = "release_actions.commands"
REHEARSAL_PACKAGE = "release_actions.rehearsal"
PINNED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", re.M)


def test_every_command_has_its_sets_and_every_line_a_command() -> None:
    assert set(SETS) == set(cli.COMMANDS)
    assert all(SETS.values())


def test_every_set_named_is_a_dependency_group() -> None:
    named = {name for sets in SETS.values() for name in sets}
    assert named <= set(bootstrap.set_names())


def module_file(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    assert spec and spec.origin, module
    return Path(spec.origin)


def imported_names(path: Path) -> set[str]:
    """Every module imported anywhere in the file, and every `-m <module>` it runs."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.List):
            values = [item.value for item in node.elts if isinstance(item, ast.Constant)]
            names.update(str(values[i + 1]) for i, value in enumerate(values[:-1])
                         if value == "-m")
    return names


def third_party_imports(command: str) -> set[str]:
    """The top-level third-party modules that running `command` can import: its module
    (commands/<command>.py), the CLI, and every module of ours they reach, but the other
    commands' modules (the CLI loads only the command that runs)."""
    own = f"{COMMANDS_PACKAGE}.{command.replace('-', '_')}"
    seen: set[str] = set()
    pending = ["release_actions.cli", own]
    found: set[str] = set()
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        for name in imported_names(module_file(module)):
            top = name.split(".")[0]
            if top == "release_actions":
                # `rehearse` runs on a laptop with the `rehearse` extra, never in an action.
                if name.startswith(REHEARSAL_PACKAGE):
                    continue
                if _is_module(name) and not (name.startswith(COMMANDS_PACKAGE) and name != own
                                             and name != COMMANDS_PACKAGE):
                    pending.append(name)
            elif top not in sys.stdlib_module_names and top != "__future__":
                found.add(top)
    return found - {"release_actions"}


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def distributions_of(modules: set[str]) -> set[str]:
    """The distributions that provide the modules; a module not installed here (a backport
    for older Pythons, such as tomli) is taken to be its own distribution's name."""
    owners = importlib.metadata.packages_distributions()
    return {canonicalize_name(owner) for module in modules
            for owner in owners.get(module, [module])}


def pinned(name: str) -> set[str]:
    text = bootstrap.requirements_file(name).read_text()
    return {canonicalize_name(found) for found in PINNED.findall(text)}


@pytest.mark.parametrize("command", sorted(cli.COMMANDS))
def test_a_commands_sets_hold_everything_it_imports(command: str) -> None:
    """Given the sets bootstrap/sets.txt names for a command, every distribution the command can
    import is installed by them: a command never meets a ModuleNotFoundError on a runner."""
    needed = distributions_of(third_party_imports(command))
    installed = set().union(*(pinned(name) for name in SETS[command]))
    assert needed, command
    assert needed <= installed, (
        f"{command} imports {sorted(needed - installed)}: add the set that holds them to its "
        "line in bootstrap/sets.txt"
    )


def test_the_core_set_is_lean() -> None:
    """The set every first action installs: no PyGithub, cryptography, twine or uv."""
    assert pinned("core") == {"packaging", "tomlkit", "pyyaml", "tomli"}


def test_the_sets_together_are_the_runtime_dependencies() -> None:
    """A dependency added to [project] and to no set would reach the Docker image and the CLI
    but no composite action."""
    document = tomlkit.parse((ROOT / "pyproject.toml").read_text())
    groups = document["dependency-groups"]
    runtime = {str(Requirement(text)) for text in document["project"]["dependencies"]}
    in_sets = {str(Requirement(item)) for name in bootstrap.set_names()
               for item in groups[name] if isinstance(item, str)}
    assert in_sets == runtime


@pytest.mark.parametrize("name", [*bootstrap.set_names(), bootstrap.ALL])
def test_a_requirements_file_is_what_the_lock_exports(name: str) -> None:
    assert bootstrap.requirements_file(name).read_text() == bootstrap.export(name), (
        "run `make docs` (python -m devtools.bootstrap --write)"
    )
