"""The inputs/outputs tables of every action's README, rendered from its action.yml.

`python -m devtools.docs --write` rewrites the tables between the markers; the test suite checks
they are current."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- table:start -->", "<!-- table:end -->"
BLOCK = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)


def action_dirs() -> list[Path]:
    return sorted(path.parent for path in ROOT.glob("*/action.yml"))


def _cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render(action_yml: Path) -> str:
    spec = yaml.safe_load(action_yml.read_text())
    lines = ["| input | default | description |", "|---|---|---|"]
    for name, item in (spec.get("inputs") or {}).items():
        default = item.get("default")
        shown = "*required*" if item.get("required") and default is None else (
            f"`{_cell(default)}`" if default not in (None, "") else "empty")
        lines.append(f"| `{name}` | {shown} | {_cell(item.get('description', ''))} |")
    lines += ["", "| output | description |", "|---|---|"]
    for name, item in (spec.get("outputs") or {}).items():
        lines.append(f"| `{name}` | {_cell(item.get('description', ''))} |")
    return f"{START}\n" + "\n".join(lines) + f"\n{END}"


def stale() -> list[Path]:
    """READMEs whose table differs from their action.yml (or that have none)."""
    out = []
    for folder in action_dirs():
        readme = folder / "README.md"
        text = readme.read_text() if readme.exists() else ""
        match = BLOCK.search(text)
        if not match or match.group(0) != render(folder / "action.yml"):
            out.append(readme)
    return out


def write() -> None:
    for folder in action_dirs():
        readme = folder / "README.md"
        text = readme.read_text() if readme.exists() else f"# {folder.name}\n\n{START}\n{END}\n"
        if not BLOCK.search(text):
            text += f"\n## Inputs and outputs\n\n{START}\n{END}\n"
        table = render(folder / "action.yml")
        start, end = BLOCK.search(text).span()  # type: ignore[union-attr]
        readme.write_text(text[:start] + table + text[end:])


if __name__ == "__main__":
    if "--write" in sys.argv:
        write()
    else:
        print("\n".join(map(str, stale())) or "all tables current")
