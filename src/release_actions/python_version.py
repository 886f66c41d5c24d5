"""Where a Python file assigns the version, found exactly as the build backend finds it:
hatchling's `regex` source by its regular expression, setuptools' `attr` (and hatchling's `code`
source) by the module's top-level assignments, read statically; flit_core's module `__version__`
by flit's own search for the module and its version files."""

from __future__ import annotations

import ast
import re
from functools import partial
from pathlib import Path
from typing import Any

from release_actions import project_regex
from release_actions.declaration import Declaration, located, read_text
from release_actions.errors import ConfigError
from release_actions.kinds import quote

# hatchling's default, searched with re.MULTILINE (hatchling/version/source/regex.py).
HATCH_DEFAULT_PATTERN = r"""(?i)^(__version__|VERSION) *= *(['"])v?(?P<version>.+?)\2"""
_ANNOTATED = re.compile(r"^(__version__|VERSION) *:[^=\n]*=", re.MULTILINE | re.IGNORECASE)
_NEWLINE = re.compile(r"\r\n|\r|\n")
_STRING = re.compile(r"""(?is)[ru]?(?P<q>'''|\"\"\"|'|")(?P<v>v?)(?P<body>.*)(?P=q)\Z""")

BAD_PATTERN = (
    "[tool.hatch.version] pattern in {project} {problem}. hatchling would fail the build too. "
    "Give a regular expression with a named group `version`, e.g. "
    "`pattern = \"^__version__ = ['\\\"](?P<version>[^'\\\"]+)['\\\"]\"`, or remove `pattern` to "
    "use hatchling's default."
)
ANNOTATED = (
    "{path} line {line} annotates the version (`{text}`), but hatchling's default pattern reads "
    "only `__version__ = \"…\"` or `VERSION = \"…\"` without an annotation: the build would fail "
    "with \"unable to parse the version\". Drop the annotation, or set [tool.hatch.version] "
    "pattern to a regular expression that matches it."
)
NO_MATCH = (
    "{path} has no line that {pattern} matches, so hatchling cannot read the version either. "
    "Write `__version__ = \"X.Y.Z.dev0\"` at the start of a line, or fix the pattern."
)
NOT_LITERAL = (
    "{name} in {path} line {line} is not a plain string literal ({found}); {reader} reads it by "
    "running code, and this action rewrites only text. Write `{name} = \"X.Y.Z.dev0\"` there."
)
NOT_ASSIGNED = (
    "{path} has no top-level assignment `{name} = \"X.Y.Z.dev0\"`, which {reader} names. "
    "Add it, or point {reader} at the module that assigns the version."
)


def compile_hatch_pattern(setting: Any, project_file: Path, line: int | None) -> re.Pattern[str]:
    """hatchling's pattern: its default for an absent or `true` setting, else the project's
    own, which must compile and name a `version` group (exit 2 otherwise, not a crash)."""
    if setting is None or setting is True or setting == "":
        return re.compile(HATCH_DEFAULT_PATTERN, re.MULTILINE)
    problem = ""
    if not isinstance(setting, str):
        problem = f"must be a string, not {type(setting).__name__}"
    else:
        try:
            compiled = re.compile(setting, re.MULTILINE)
        except re.error as error:
            problem = f"is not a valid regular expression ({error})"
        else:
            if "version" in compiled.groupindex:
                return compiled
            problem = "has no named group `version`"
    raise ConfigError(BAD_PATTERN.format(project=project_file, problem=problem),
                      file=project_file, line=line)


def _pattern_span(path: Path, pattern: re.Pattern[str], declared_in: Path | None,
                  text: str) -> tuple[int, int]:
    if declared_in is None:  # a pattern of ours: known to be linear
        match = pattern.search(text)
        span = None if match is None else match.span("version")
    else:
        span = project_regex.group_span(pattern, text, "version",
                                        where="[tool.hatch.version] pattern",
                                        declared_in=declared_in)
    if span is None:
        annotated = _ANNOTATED.search(text) if pattern.pattern == HATCH_DEFAULT_PATTERN else None
        if annotated:
            line = text.count("\n", 0, annotated.start()) + 1
            snippet = text[annotated.start():].split("\n", 1)[0].strip()
            raise ConfigError(ANNOTATED.format(path=path, line=line, text=snippet),
                              file=path, line=line)
        what = ("hatchling's default pattern" if pattern.pattern == HATCH_DEFAULT_PATTERN
                else f"the pattern {quote(pattern.pattern)}")
        raise ConfigError(NO_MATCH.format(path=path, pattern=what), file=path)
    return span


def _label(text: str, start: int, pattern: re.Pattern[str]) -> str:
    """`VERSION = …` for the assignment found (the name as written), or the custom pattern."""
    if pattern.pattern != HATCH_DEFAULT_PATTERN:
        return "[tool.hatch.version] pattern"
    line_start = text.rfind("\n", 0, start) + 1
    name = re.split(r"[\s:=]", text[line_start:start], maxsplit=1)[0]
    return f"`{name} = …`"


def pattern_declaration(path: Path, pattern: re.Pattern[str],
                        declared_in: Path | None = None) -> Declaration:
    """The version where `pattern` finds it first, as hatchling's regex source does; a pattern
    the project declared (in `declared_in`) runs bounded in time."""
    text = read_text(path, what="Version file")
    locate = partial(_pattern_span, path, pattern, declared_in)
    return located(path, _label(text, locate(text)[0], pattern), text, locate)


# --- setuptools `attr`, hatchling `code`: top-level assignments, read statically ---------------


def _line_starts(text: str) -> list[int]:
    return [0] + [match.end() for match in _NEWLINE.finditer(text)]


def _offset(text: str, starts: list[int], line: int, byte_col: int) -> int:
    """ast columns count UTF-8 bytes; this is the character offset in `text`."""
    begin = starts[line - 1]
    return begin + len(text[begin:].encode()[:byte_col].decode(errors="ignore"))


def _assigned_value(tree: ast.Module, name: str, *, constant: bool = False) -> ast.expr | None:
    """The first top-level `name = …` or `name: T = …`, as setuptools' static reader takes it;
    with `constant`, the first whose value is a literal, as flit_core's reader takes it."""
    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets = [statement.target]
        else:
            continue
        if constant and not isinstance(statement.value, ast.Constant):
            continue
        if any(isinstance(target, ast.Name) and target.id == name for target in targets):
            return statement.value
    return None


def _parse(path: Path, text: str) -> ast.Module:
    try:
        return ast.parse(text)
    except SyntaxError as error:
        raise ConfigError(f"{path} is not valid Python: {error.msg} (line {error.lineno}). "
                          "Fix the file.", file=path, line=error.lineno) from None
    except (RecursionError, MemoryError, ValueError):
        # Nesting deeper than the parser's stack, or a NUL byte (ValueError before 3.12).
        raise ConfigError(f"{path} is not Python this action can read (nested too deeply or "
                          "holding a NUL byte). Fix the file.", file=path) from None


def _assignment_span(path: Path, name: str, reader: str, text: str, *,
                     constant: bool = False) -> tuple[int, int]:
    value = _assigned_value(_parse(path, text), name, constant=constant)
    if value is None:
        raise ConfigError(NOT_ASSIGNED.format(path=path, name=name, reader=reader), file=path)
    starts = _line_starts(text)
    start = _offset(text, starts, value.lineno, value.col_offset)
    end = _offset(text, starts, value.end_lineno or value.lineno,
                  value.end_col_offset or value.col_offset)
    literal = _STRING.match(text[start:end])
    found = value.value if isinstance(value, ast.Constant) else None
    # Escapes, implicit concatenation or f-strings: the text is not the value.
    if literal is None or literal["v"] + literal["body"] != found:
        raise ConfigError(
            NOT_LITERAL.format(name=name, path=path, line=value.lineno, reader=reader,
                               found=text[start:end].split("\n")[0][:60]),
            file=path, line=value.lineno,
        )
    return start + literal.start("body"), start + literal.end("body")


def _imported_from(tree: ast.Module, path: Path, name: str) -> tuple[Path, str] | None:
    """Where a module that re-exports `name` from a sibling module takes it, as importing it
    (what setuptools does when its static read finds no literal) would: `from ._version import
    __version__`, or `from . import _version` then `__version__ = _version.__version__`
    (Pillow's). None for anything else."""
    value = _assigned_value(tree, name)
    sibling = (value.value.id, value.attr) if (
        isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name)) else None
    for statement in tree.body:
        if not isinstance(statement, ast.ImportFrom) or statement.level != 1:
            continue
        for alias in statement.names:
            bound = alias.asname or alias.name
            if statement.module and value is None and bound == name:
                module, attribute = statement.module, alias.name
            elif not statement.module and sibling is not None and bound == sibling[0]:
                module, attribute = alias.name, sibling[1]
            else:
                continue
            relative = Path(*module.split("."))
            for candidate in (path.parent / relative.with_suffix(".py"),
                              path.parent / relative / "__init__.py"):
                if candidate.is_file():
                    return candidate, attribute
    return None


def assignment_declaration(path: Path, name: str, reader: str, *,
                           follow_imports: int = 0) -> Declaration:
    """`name = "X.Y.Z"` at the top level of `path`, the first one, as `reader` reads it; with
    `follow_imports`, up to that many re-exports from sibling modules are followed to the
    module that assigns it (setuptools imports the module when it reads no literal)."""
    text = read_text(path, what="Version file")
    if follow_imports:
        tree = _parse(path, text)
        if not isinstance(_assigned_value(tree, name), ast.Constant):
            found = _imported_from(tree, path, name)
            if found is not None:
                return assignment_declaration(*found, reader, follow_imports=follow_imports - 1)
    return located(path, f"`{name} = …`", text, partial(_assignment_span, path, name, reader))


# --- flit_core: the module's `__version__` ------------------------------------------------------

# flit_core/common.py Module.version_files: a later file takes precedence over an earlier one.
FLIT_VERSION_FILES = ("__version__.py", "_version.py", "version.py", "__init__.py")
FLIT_READER = "flit_core"
FLIT_NO_MODULE = (
    "{project} builds with flit_core, which looks for the module {module} as {candidates}; "
    "{found}. Set [tool.flit.module] name to the module's import name, or move the module "
    "there."
)
FLIT_COMPUTED = (
    "{files} assign{s} no top-level `__version__ = \"X.Y.Z.dev0\"` string literal, so flit_core "
    "would import the module to compute the version, and this action rewrites only text. "
    "Write `__version__ = \"X.Y.Z.dev0\"` in {first}."
)


def flit_module_candidates(root: Path, module: str) -> list[Path]:
    """Where flit_core's Module looks: a package or a single file, at the root or in src/."""
    relative = Path(*module.split("."))
    return [root / relative, root / relative.with_name(relative.name + ".py"),
            root / "src" / relative, root / "src" / relative.with_name(relative.name + ".py")]


def _flit_module(project_file: Path, module: str) -> Path:
    candidates = flit_module_candidates(project_file.parent, module)
    existing = [path for path in candidates
                if (path.is_file() if path.suffix == ".py" else path.is_dir())]
    if len(existing) == 1:
        return existing[0]
    shown = ", ".join(str(path.relative_to(project_file.parent)) for path in candidates)
    found = (f"several exist ({', '.join(str(p) for p in existing)}), which flit refuses too"
             if existing else "none exists")
    raise ConfigError(FLIT_NO_MODULE.format(project=project_file, module=quote(module),
                                            candidates=shown, found=found), file=project_file)


def flit_declaration(project_file: Path, module: str) -> Declaration:
    """The `__version__` flit_core reads: the first top-level string assignment of the last of
    the module's version files that has one (a package's `__init__.py` wins)."""
    path = _flit_module(project_file, module)
    files = [path / name for name in FLIT_VERSION_FILES if (path / name).is_file()] \
        if path.is_dir() else [path]
    for candidate in reversed(files):
        text = read_text(candidate, what="Version file")
        if _assigned_value(_parse(candidate, text), "__version__", constant=True) is not None:
            locate = partial(_assignment_span, candidate, "__version__", FLIT_READER,
                             constant=True)
            return located(candidate, "`__version__ = …`", text, locate)
    first = files[-1] if files else path / "__init__.py"
    raise ConfigError(
        FLIT_COMPUTED.format(files=", ".join(str(f) for f in files) or str(first),
                             s="s" if len(files) == 1 else "", first=first),
        file=first,
    )
