"""What the code says about itself stays true: every input kind lives in kinds.py, the README's
development map names each module that exists (and nothing else), the modules that read
`os.environ` are the ones context.py names, importing a module of the commands reads nothing
of the process (tests/forked.py's server imports them once for every run), and no reference
points to a text outside the repository."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

from release_actions import cli, context
from tests.helpers import ROOT

SRC = ROOT / "src" / "release_actions"
MODULE = re.compile(r"\b([a-z_]+\.py)\b")


def _map_block() -> str:
    """The README's development map: the first code block of its `## Development` section."""
    section = (ROOT / "README.md").read_text().split("\n## Development\n", 1)[1]
    return section.split("```\n", 2)[1]


def _package_entries(block: str) -> list[str]:
    """The map's entries under src/release_actions/: a line indented by two, with the lines
    indented deeper that continue it."""
    package = block[block.index("\nsrc/release_actions/"):block.index("\ndevtools/")]
    entries: list[str] = []
    for line in package.splitlines()[2:]:
        if re.match(r"  \S", line):
            entries.append(line)
        else:
            entries[-1] += "\n" + line
    return entries


@pytest.mark.parametrize("command", list(cli.COMMANDS))
def test_every_input_kind_is_defined_in_kinds(command: str) -> None:
    """An input's validation has one home: a kind of kinds.py, or one its factories made."""
    elsewhere = {spec.name: spec.kind.__module__ for spec in cli.load(command).inputs
                 if spec.kind.__module__ != "release_actions.kinds"}
    assert not elsewhere, f"input kinds defined outside kinds.py: {elsewhere}"


def test_the_development_map_names_every_module_once_and_only_modules_that_exist() -> None:
    top: list[str] = []
    rehearsal: list[str] = []
    for entry in _package_entries(_map_block()):
        if entry.startswith("  rehearsal/"):
            rehearsal += MODULE.findall(entry)
        else:  # the names, before the description
            top += MODULE.findall(re.split(r"(?<=\S)\s{2,}", entry, maxsplit=1)[0])
    for named, folder in ((top, SRC), (rehearsal, SRC / "rehearsal")):
        exists = {path.name for path in folder.glob("*.py")} - {"__init__.py", "__main__.py"}
        twice = sorted({name for name in named if named.count(name) > 1})
        assert not twice, f"named more than once in the map of {folder.name}/: {twice}"
        assert sorted(set(named) - exists) == [], f"the map names what {folder.name}/ lacks"
        assert sorted(exists - set(named)) == [], f"the map leaves out modules of {folder.name}/"


def test_the_development_map_names_only_folders_that_exist() -> None:
    block = _map_block()
    folders = re.findall(r"^([a-z_]+/)", block, re.M)
    assert folders, "the map lists no top-level folders"
    assert [folder for folder in folders if not (ROOT / folder).is_dir()] == []


def test_only_the_modules_context_names_read_os_environ() -> None:
    """context.py says which modules read the process environment themselves; no other does."""
    claim = context.__doc__ or ""
    reading = set()
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv")
                    and isinstance(node.value, ast.Name) and node.value.id == "os"):
                reading.add(path.relative_to(SRC).as_posix())
    named = set(re.findall(r"`([a-z_/]+\.py)`", claim))
    assert reading, "no module reads os.environ: the test reads the wrong folder"
    assert sorted(reading - named) == [], "context.py's docstring does not name these"
    assert sorted(named - reading) == [], "context.py's docstring names modules that do not"


def _tracked_text() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "src", "tests", "bench", "devtools", "*.md"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [name for name in listed.splitlines()
            if name.endswith((".py", ".md", ".yml", ".toml", ".txt"))
            and not name.startswith("tests/projects/")]


def test_no_reference_to_a_spec_outside_the_repository() -> None:
    """The contract the code was written to lives outside this repository: a section number
    of that SPEC in the code or the docs points nowhere a reader can follow."""
    pointing = [name for name in _tracked_text()
                if re.search(r"\bSPEC(\.md| ?§)", (ROOT / name).read_text(errors="replace"))]
    assert pointing == []


@pytest.mark.parametrize("command", list(cli.COMMANDS))
def test_the_cli_registry_names_each_command_as_it_names_itself(command: str) -> None:
    """cli.COMMANDS holds the one-line summary apart from the command's description (command.py
    says so): the name it loads by is the command's own, and the summary is one sentence."""
    summary, _load = cli.COMMANDS[command]
    assert cli.load(command).name == command
    assert summary.endswith(".") and "\n" not in summary and ". " not in summary


def test_the_readme_names_every_bootstrap_set() -> None:
    """The development notes list the dependency groups that are the bootstrap's sets."""
    text = " ".join((ROOT / "README.md").read_text().split())
    listed = re.search(r"the bootstrap's sets \(([^)]*)\)", text)
    assert listed is not None
    rows = (ROOT / "bootstrap" / "sets.txt").read_text().splitlines()
    used = {name for row in rows if row and not row.startswith("#") for name in row.split()[1:]}
    assert set(re.findall(r"`([a-z]+)`", listed.group(1))) == used


def test_the_tests_that_bound_time_are_whole_files_handed_out_last() -> None:
    """A file is handed out to a worker as one (`--dist loadfile`): the tests marked `alone`
    come last only if they fill files of their own, ALONE_FILES, marked as a whole."""
    from tests.conftest import ALONE_FILES

    whole = re.compile(r"^pytestmark = pytest\.mark\.alone\b", re.M)
    mark = re.compile(r"^(pytestmark = |@)pytest\.mark\.alone\b", re.M)
    texts = {path: path.read_text() for path in (ROOT / "tests").rglob("test_*.py")}
    marked = [path for path, text in texts.items() if mark.search(text)]
    assert marked, "no test marked alone"
    assert [path.relative_to(ROOT).as_posix() for path, text in texts.items()
            if path.match(ALONE_FILES) != bool(whole.search(text))] == []
    assert [path.relative_to(ROOT).as_posix() for path in marked
            if not path.match(ALONE_FILES)] == []


_PROCESS_STATE = {("os", "environ"), ("os", "getenv"), ("os", "getcwd"), ("Path", "cwd"),
                  ("sys", "argv"), ("sys", "stdin")}


def _read_on_import(node: ast.AST) -> list[str]:
    """What of the process's state the statements run at import read (a function's body runs
    later; its decorators and defaults, and a class body, at once; `if __name__ ==
    "__main__":` only when run as a program)."""
    found = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and ast.unparse(child.test) == "__name__ == '__main__'":
            continue
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            now = [*getattr(child, "decorator_list", []), *child.args.defaults,
                   *(default for default in child.args.kw_defaults if default)]
            found += [read for part in now for read in _read_on_import(ast.Expression(part))]
            continue
        if (isinstance(child, ast.Attribute) and isinstance(child.value, ast.Name)
                and (child.value.id, child.attr) in _PROCESS_STATE):
            found.append(f"{child.lineno}: {child.value.id}.{child.attr}")
        found += _read_on_import(child)
    return found


def test_the_import_walker_finds_what_runs_at_import_and_only_that() -> None:
    snippet = (
        "import os, sys\n"
        "HOME = os.environ['HOME']\n"
        "class Config:\n    folder = os.getcwd()\n"
        "def later(flag=sys.argv):\n    return os.getenv('X')\n"
        "if __name__ == '__main__':\n    print(sys.stdin.read())\n"
    )
    assert _read_on_import(ast.parse(snippet)) == ["2: os.environ", "4: os.getcwd",
                                                   "5: sys.argv"]


def test_importing_a_module_of_the_commands_reads_nothing_of_the_process() -> None:
    """tests/forked.py's server imports these modules once for hundreds of runs, and the
    rehearsal's step server (rehearsal/steps.py) the commands and the shim once for every step
    of a rehearsal, each with its own environment, folder and arguments: none may read them
    when it is imported."""
    import importlib.util

    from tests import forked

    modules = [name for name in forked.PRELOAD if name.startswith("release_actions")]
    modules += ["release_actions.rehearsal", "release_actions.rehearsal.shim",
                "release_actions.rehearsal.steps", "release_actions.rehearsal.step_client"]
    read = {}
    for name in modules:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin, name
        if found := _read_on_import(ast.parse(Path(spec.origin).read_text())):
            read[name] = found
    assert len(modules) > 40, "the server preloads fewer modules than the package holds"
    assert read == {}
