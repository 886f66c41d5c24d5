"""What a project's build backend leaves out of the sdist on purpose, read from its own
configuration: flit_core's `[tool.flit.sdist] exclude`, hatchling's
`[tool.hatch.build.targets.sdist] exclude`, setuptools' MANIFEST.in (`exclude`, `prune`,
`global-exclude`, `recursive-exclude`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

PYPROJECT = "pyproject.toml"
MANIFEST = "MANIFEST.in"
# Where a file in a wheel may come from in the tree (the src/ layout, maturin's python/).
SOURCE_ROOTS = ("", "src/", "python/")
# More rules than any real configuration holds: the rest are ignored, not matched.
MAX_RULES = 500


@dataclass(frozen=True)
class Rule:
    """One exclusion the project configured, as a path matcher."""

    text: str  # as the project wrote it, e.g. `exclude = ["src/pip/_vendor/**/*.pyi"]`
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class SdistConfig:
    """The backend, the setting that puts files into its sdist, and its exclusions."""

    backend: str
    include: str  # what the fix names, e.g. "`[tool.flit.sdist] include`"
    rules: tuple[Rule, ...] = ()

    def excluded_by(self, project: Path, wheel_path: str) -> Rule | None:
        """The rule that leaves the tree file behind `wheel_path` out of the sdist, if any."""
        for root in SOURCE_ROOTS:
            source = root + wheel_path
            if not (project / source).is_file():
                continue
            for rule in self.rules:
                if _matches(rule.pattern, source):
                    return rule
        return None


def _matches(pattern: re.Pattern[str], path: str) -> bool:
    """The path, or a folder above it (an excluded folder takes its files with it)."""
    parts = PurePosixPath(path).parts
    return any(pattern.fullmatch("/".join(parts[:end])) for end in range(len(parts), 0, -1))


@lru_cache(maxsize=256)
def glob_regex(glob: str) -> re.Pattern[str]:
    """A glob as flit and setuptools match paths: `**` any folders, `*`, `?` and `[...]` inside
    one."""
    out, index = [], 0
    while index < len(glob):
        if glob.startswith("**/", index):
            out.append("(?:[^/]+/)*")
            index += 3
        elif glob.startswith("**", index):
            out.append(".*")
            index += 2
        elif glob[index] == "*":
            out.append("[^/]*")
            index += 1
        elif glob[index] == "?":
            out.append("[^/]")
            index += 1
        elif glob[index] == "[" and (end := glob.find("]", index + 2)) > 0:
            inside = glob[index + 1:end]
            negated = inside.startswith("!")
            body = re.escape(inside[1:] if negated else inside).replace("\\-", "-")
            out.append(f"[{'^/' if negated else ''}{body}]")
            index = end + 1
        else:
            out.append(re.escape(glob[index]))
            index += 1
    return re.compile("".join(out))


def _gitignore_regex(pattern: str) -> re.Pattern[str]:
    """A gitignore-style pattern (hatchling's): unanchored unless it holds a `/` before its
    end, so `*.pyi` matches at any depth and `/docs` only at the root."""
    stripped = pattern.strip().rstrip("/")
    anchored = "/" in stripped
    return glob_regex(stripped.lstrip("/") if anchored else "**/" + stripped)


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)][:MAX_RULES] \
        if isinstance(value, list) else []


def _flit(doc: dict[str, Any]) -> SdistConfig:
    excludes = _strings(doc.get("tool", {}).get("flit", {}).get("sdist", {}).get("exclude"))
    rules = tuple(Rule(f"`[tool.flit.sdist] exclude` `{glob}`", glob_regex(glob.strip("/")))
                  for glob in excludes if ".." not in glob and not glob.startswith("/"))
    return SdistConfig("flit_core", "`[tool.flit.sdist] include`", rules)


def _hatch(doc: dict[str, Any]) -> SdistConfig:
    table = doc.get("tool", {}).get("hatch", {}).get("build", {}).get("targets", {}) \
        .get("sdist", {})
    rules = tuple(Rule(f"`[tool.hatch.build.targets.sdist] exclude` `{pattern}`",
                       _gitignore_regex(pattern))
                  for pattern in _strings(table.get("exclude")) if pattern.strip())
    return SdistConfig("hatchling", "`[tool.hatch.build.targets.sdist] include` (and "
                       ".gitignore, which hatchling honours)", rules)


def manifest_rules(lines: Iterable[str]) -> tuple[Rule, ...]:
    """MANIFEST.in's exclusions, translated as setuptools translates them."""
    rules: list[Rule] = []
    for number, line in enumerate(lines, start=1):
        words = line.split("#", 1)[0].split()
        if not words or len(rules) >= MAX_RULES:
            continue
        command, args = words[0], words[1:]
        where = f"`MANIFEST.in` line {number} `{' '.join(words)}`"
        if command == "exclude":
            rules += [Rule(where, glob_regex(arg)) for arg in args]
        elif command == "global-exclude":
            rules += [Rule(where, glob_regex("**/" + arg)) for arg in args]
        elif command == "prune" and args:
            rules.append(Rule(where, glob_regex(args[0].strip("/"))))
        elif command == "recursive-exclude" and len(args) > 1:
            folder = args[0].strip("/")
            rules += [Rule(where, glob_regex(f"{folder}/**/{arg}")) for arg in args[1:]]
    return tuple(rules)


def _setuptools(project: Path) -> SdistConfig:
    manifest = project / MANIFEST
    lines = manifest.read_text(encoding="utf-8", errors="replace").splitlines() \
        if manifest.is_file() else []
    return SdistConfig("setuptools", "`MANIFEST.in` (`include`, `graft`) or package data",
                       manifest_rules(lines))


def read_sdist_config(project: Path) -> SdistConfig:
    """The project's backend and its sdist exclusions; no exclusions when unreadable."""
    try:
        doc = tomlkit.parse((project / PYPROJECT).read_text(encoding="utf-8")).unwrap()
    except (OSError, UnicodeDecodeError, TOMLKitError, RecursionError):
        doc = {}
    backend = str(doc.get("build-system", {}).get("build-backend", "setuptools.build_meta"))
    if backend == "flit_core.buildapi":
        return _flit(doc)
    if backend == "hatchling.build":
        return _hatch(doc)
    if backend.startswith("setuptools.build_meta"):
        return _setuptools(project)
    return SdistConfig(backend, "its sdist `include` setting")
