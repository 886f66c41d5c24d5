"""The composite bootstrap's dependency sets: which command needs which (bootstrap/sets.txt,
read by bootstrap/run.sh) and the hashed requirements of each set, exported from uv.lock.

`python -m devtools.bootstrap --write` re-exports bootstrap/requirements-<set>.txt (one per
dependency group but `dev`) and bootstrap/requirements.txt (every runtime dependency: the Docker
image); without `--write` it exits 1 when a committed file differs."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import tomlkit

from devtools.act import ROOT, VENV_BIN

BOOTSTRAP = ROOT / "bootstrap"
SETS_FILE = BOOTSTRAP / "sets.txt"
ALL = "all"  # bootstrap/requirements.txt: every runtime dependency
HEADER = ("# Exported from uv.lock by `make docs` (python -m devtools.bootstrap --write): {what}.\n"
          "# Do not edit; change pyproject.toml, `uv lock`, then `make docs`.\n")


def command_sets(text: str | None = None) -> dict[str, list[str]]:
    """command -> the sets it needs, as bootstrap/run.sh reads them."""
    text = SETS_FILE.read_text() if text is None else text
    table: dict[str, list[str]] = {}
    for line in text.splitlines():
        fields = line.split()
        if fields and not fields[0].startswith("#"):
            table[fields[0]] = fields[1:]
    return table


def set_names() -> list[str]:
    """The dependency groups of pyproject.toml that are sets (every group but `dev`)."""
    groups = tomlkit.parse((ROOT / "pyproject.toml").read_text())["dependency-groups"]
    return [name for name in groups if name != "dev"]


def requirements_file(name: str) -> Path:
    return BOOTSTRAP / ("requirements.txt" if name == ALL else f"requirements-{name}.txt")


def export(name: str) -> str:
    """The hashed requirements of one set (or of every runtime dependency), from uv.lock."""
    selection = ["--no-dev"] if name == ALL else ["--only-group", name]
    body = subprocess.run(
        [str(VENV_BIN / "uv"), "export", "--locked", "--offline", "--no-header",
         "--no-emit-project", "--format", "requirements-txt", "--quiet", *selection],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    what = ("every runtime dependency" if name == ALL
            else f"the `{name}` dependency group, with its dependencies")
    return HEADER.format(what=what) + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the files")
    args = parser.parse_args(argv)
    stale = []
    for name in [*set_names(), ALL]:
        path, text = requirements_file(name), export(name)
        if args.write:
            path.write_text(text)
        elif not path.exists() or path.read_text() != text:
            stale.append(path.relative_to(ROOT))
    for path in stale:
        print(f"{path} differs from uv.lock: run `make docs`", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
