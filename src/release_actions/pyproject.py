"""Where a project declares its version, and rewriting it there without touching another byte.

TOML files are edited through tomlkit (comments, quoting and order survive); other files get a
targeted edit of the version text alone. Every write is atomic: all new contents are computed
first, written to temp files beside their targets, then renamed into place."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from packaging.utils import canonicalize_name
from packaging.version import Version
from tomlkit.exceptions import ParseError
from tomlkit.items import String

from release_actions import versions
from release_actions.errors import ConfigError

# hatch's default pattern for a version in a Python file.
PY_VERSION = re.compile(
    r"^(?P<lhs>(?:__version__|VERSION)\s*(?::\s*str\s*)?=\s*)(?P<q>['\"])v?(?P<version>[^'\"\n]+)(?P=q)",
    re.MULTILINE,
)
YAML_VERSION = re.compile(
    r"^version:[ \t]*(?P<q>['\"]?)(?P<version>[^'\"\s#]+)(?P=q)[ \t]*(?:#.*)?$", re.MULTILINE
)
JSON_VERSION = re.compile(r"\"version\"\s*:\s*\"(?P<version>[^\"]+)\"")
VCS_PLUGINS = ("setuptools-scm", "setuptools_scm", "hatch-vcs", "uv-dynamic-versioning",
               "versioningit", "poetry-dynamic-versioning", "dunamai", "pdm-backend-scm")
VCS_EXPLANATION = (
    "takes its version from git tags ({plugin}); nothing needs rewriting for previews. "
    "Let the plugin produce X.Y.Z.devN from the commit distance instead, or declare a static "
    "`version` under [project]."
)


@dataclass(frozen=True)
class Declaration:
    """One place in one file where the version text stands."""

    path: Path
    where: str  # e.g. "[project].version", "__version__", "uv.lock [[package]] mypkg"
    version: str
    line: int | None
    rewrite: Callable[[str, str], str]  # (file text, new version) -> new file text

    def parsed(self) -> Version:
        """The declared version under PEP 440; an invalid one is a ConfigError at its line."""
        try:
            return versions.parse(self.version)
        except versions.VersionRejected as error:
            raise ConfigError(f"{self.where} in {self.path}: {error}",
                              file=self.path, line=self.line) from None


def read_text(path: Path, *, what: str) -> str:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        raise ConfigError(
            f"{what} {path} does not exist. Check the `path`/`extra-files` inputs "
            "(relative to the working directory) and that the repository is checked out.",
            file=path,
        ) from None
    except (UnicodeDecodeError, IsADirectoryError, PermissionError) as error:
        raise ConfigError(f"Cannot read {what} {path}: {error}.", file=path) from None


def parse_toml(path: Path, text: str) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(text)
    except ParseError as error:
        raise ConfigError(
            f"{path} is not valid TOML: {error}. Fix the file; `python -c \"import tomllib; "
            f"tomllib.load(open('{path.name}', 'rb'))\"` reproduces it.",
            file=path, line=error.line, col=error.col,
        ) from None


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def toml_key_line(text: str, table: str, key: str) -> int | None:
    """The line of `key = ...` directly under the header `[table]`."""
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            current = stripped.strip("[]").split("]")[0].strip()
        elif current == table and re.match(rf"{re.escape(key)}\s*=", stripped):
            return number
    return None


def _get(doc: Mapping[str, Any], *keys: str) -> Any:
    node: Any = doc
    for key in keys:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def _toml_string_rewriter(*keys: str) -> Callable[[str, str], str]:
    """Replace the string at `keys` with the same quoting; every other byte stays."""

    def rewrite(text: str, new: str) -> str:
        doc = tomlkit.parse(text)
        parent = _get(doc, *keys[:-1])
        old = parent[keys[-1]]
        parent[keys[-1]] = String.from_raw(new, type_=old.type)
        return tomlkit.dumps(doc)

    return rewrite


def _regex_rewriter(pattern: re.Pattern[str]) -> Callable[[str, str], str]:
    """Replace the `version` group of the first match of `pattern`."""

    def rewrite(text: str, new: str) -> str:
        match = pattern.search(text)
        assert match is not None  # found when the declaration was made
        return text[: match.start("version")] + new + text[match.end("version") :]

    return rewrite


def _whole_file_rewrite(text: str, new: str) -> str:
    stripped = text.strip()
    return text.replace(stripped, new, 1)


def regex_declaration(path: Path, text: str, pattern: re.Pattern[str], where: str) -> Declaration:
    match = pattern.search(text)
    if match is None:
        raise ConfigError(
            f"No version found in {path}: expected {where}. Add it, or remove the file from "
            "`extra-files`.",
            file=path,
        )
    return Declaration(
        path, where, match.group("version"), line_of(text, match.start("version")),
        _regex_rewriter(pattern),
    )


def python_declaration(path: Path, pattern: str | None = None) -> Declaration:
    text = read_text(path, what="Version file")
    compiled = re.compile(pattern, re.MULTILINE) if pattern else PY_VERSION
    return regex_declaration(path, text, compiled, "a `__version__ = \"X.Y.Z\"` assignment")


def plain_declaration(path: Path) -> Declaration:
    text = read_text(path, what="Version file")
    return Declaration(path, "file content", text.strip(), 1, _whole_file_rewrite)


# --- the project file -------------------------------------------------------------------------


def resolve_project_file(path: Path) -> Path:
    return path / "pyproject.toml" if path.is_dir() else path


def _build_requires(doc: Mapping[str, Any]) -> list[str]:
    requires = _get(doc, "build-system", "requires") or []
    return [str(item).lower() for item in requires]


def _vcs_plugin(doc: Mapping[str, Any]) -> str | None:
    hatch_source = str(_get(doc, "tool", "hatch", "version", "source") or "")
    if hatch_source in ("vcs", "uv-dynamic-versioning"):
        return f"[tool.hatch.version] source = \"{hatch_source}\""
    if str(_get(doc, "tool", "pdm", "version", "source") or "") == "scm":
        return "[tool.pdm.version] source = \"scm\""
    for table in ("setuptools_scm", "uv-dynamic-versioning", "poetry-dynamic-versioning"):
        if _get(doc, "tool", table) is not None:
            return f"[tool.{table}]"
    for requirement in _build_requires(doc):
        for plugin in VCS_PLUGINS:
            if requirement.startswith(plugin):
                return f"build-system requires {plugin}"
    return None


def _setuptools_attr_file(root: Path, attr: str, doc: Mapping[str, Any]) -> tuple[Path, str]:
    module, _, name = attr.rpartition(".")
    if not module:
        raise ConfigError(f"[tool.setuptools.dynamic] version attr {attr!r} has no module part.")
    package_dirs = _get(doc, "tool", "setuptools", "package-dir") or {}
    bases = [root / str(package_dirs[""])] if "" in package_dirs else [root / "src", root]
    relative = Path(*module.split("."))
    for base in bases:
        for candidate in (base / relative / "__init__.py", base / relative.with_suffix(".py")):
            if candidate.is_file():
                return candidate, name
    raise ConfigError(
        f"[tool.setuptools.dynamic] version = {{attr = \"{attr}\"}} points at module {module}, "
        f"but no {relative}/__init__.py or {relative}.py exists under "
        f"{', '.join(str(b) for b in bases)}."
    )


def _dynamic_declaration(project_file: Path, text: str, doc: Mapping[str, Any]) -> Declaration:
    root = project_file.parent
    hatch_path = _get(doc, "tool", "hatch", "version", "path")
    if hatch_path:
        pattern = _get(doc, "tool", "hatch", "version", "pattern")
        return python_declaration(root / str(hatch_path), str(pattern) if pattern else None)
    pdm_path = _get(doc, "tool", "pdm", "version", "path")
    if str(_get(doc, "tool", "pdm", "version", "source") or "") == "file" and pdm_path:
        return python_declaration(root / str(pdm_path))
    setuptools_version = _get(doc, "tool", "setuptools", "dynamic", "version")
    if isinstance(setuptools_version, Mapping):
        if "attr" in setuptools_version:
            path, name = _setuptools_attr_file(root, str(setuptools_version["attr"]), doc)
            pattern = PY_VERSION.pattern.replace("__version__|VERSION", re.escape(name))
            return python_declaration(path, pattern)
        if "file" in setuptools_version:
            files = setuptools_version["file"]
            first = files if isinstance(files, str) else next(iter(files), None)
            if first:
                return plain_declaration(root / str(first))
    raise ConfigError(
        f"{project_file} declares `dynamic = [\"version\"]` but names no place this action "
        "can rewrite. Supported: [tool.hatch.version] path, [tool.pdm.version] path, "
        "[tool.setuptools.dynamic] version = {attr = ...} or {file = ...}.",
        file=project_file, line=toml_key_line(text, "project", "dynamic"),
    )


def find_project_version(project_file: Path) -> tuple[Declaration, str | None]:
    """The project's version declaration and its distribution name, in the order of SPEC §4:
    [project].version, [tool.poetry].version, a dynamic version's file; VCS versions refused."""
    text = read_text(project_file, what="Project file")
    doc = parse_toml(project_file, text)
    name = _get(doc, "project", "name") or _get(doc, "tool", "poetry", "name")
    for table in (("project",), ("tool", "poetry")):
        value = _get(doc, *table, "version")
        if value is None:
            continue
        header = ".".join(table)
        where = f"[{header}].version"
        line = toml_key_line(text, header, "version")
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string, e.g. version = \"1.2.3.dev0\".",
                              file=project_file, line=line)
        return Declaration(project_file, where, str(value), line,
                           _toml_string_rewriter(*table, "version")), name
    dynamic = _get(doc, "project", "dynamic") or []
    if "version" in dynamic:
        plugin = _vcs_plugin(doc)
        if plugin:
            raise ConfigError(
                f"{project_file} " + VCS_EXPLANATION.format(plugin=plugin),
                file=project_file, line=toml_key_line(text, "project", "dynamic"),
            )
        return _dynamic_declaration(project_file, text, doc), name
    raise ConfigError(
        f"{project_file} declares no version: add `version = \"X.Y.Z.dev0\"` under [project] "
        "(or [tool.poetry]), or `dynamic = [\"version\"]` with [tool.hatch.version] path.",
        file=project_file, line=toml_key_line(text, "project", "name"),
    )


def vcs_version_source(project_file: Path) -> str | None:
    """What a project that takes its version from git tags names as its source (a plugin or a
    tool table), or None when it declares the version itself (static, or dynamic from a file)."""
    doc = parse_toml(project_file, read_text(project_file, what="Project file"))
    for table in (("project",), ("tool", "poetry")):
        if _get(doc, *table, "version") is not None:
            return None
    if "version" not in (_get(doc, "project", "dynamic") or []):
        return None
    return _vcs_plugin(doc)


def find_lock_entry(project_file: Path, name: str | None) -> Declaration | None:
    """The project's own `[[package]]` entry in uv.lock beside the project file, if it has a
    version (uv omits it for dynamic versions)."""
    lock = project_file.parent / "uv.lock"
    if name is None or not lock.is_file():
        return None
    text = read_text(lock, what="Lock file")
    doc = parse_toml(lock, text)
    wanted = canonicalize_name(str(name))
    for index, package in enumerate(doc.get("package", [])):
        source = package.get("source", {})
        own = "editable" in source or "virtual" in source
        if own and canonicalize_name(str(package.get("name", ""))) == wanted:
            if "version" not in package:
                return None
            match = re.search(
                rf'^name = "{re.escape(str(package["name"]))}"\nversion = ', text, re.MULTILINE
            )
            line = line_of(text, match.end()) if match else None
            return Declaration(lock, f"uv.lock [[package]] {package['name']}",
                               str(package["version"]), line, _lock_rewriter(index, text, doc))
    return None


def _lock_rewriter(
    index: int, parsed_text: str, parsed: tomlkit.TOMLDocument
) -> Callable[[str, str], str]:
    def rewrite(text: str, new: str) -> str:
        # A large lock takes tomlkit a while to parse: reuse the parse made to find the entry.
        doc = parsed if text == parsed_text else tomlkit.parse(text)
        entry = doc["package"][index]
        entry["version"] = String.from_raw(new, type_=entry["version"].type)
        return tomlkit.dumps(doc)

    return rewrite


def find_extra_declaration(path: Path) -> Declaration:
    """A version in a file named by `extra-files`, by its kind."""
    suffix = path.suffix.lower()
    if suffix == ".py":
        return python_declaration(path)
    if suffix in (".cff", ".yml", ".yaml"):
        text = read_text(path, what="Extra file")
        return regex_declaration(path, text, YAML_VERSION, "a top-level `version:` line")
    if suffix == ".json":
        text = read_text(path, what="Extra file")
        return regex_declaration(path, text, JSON_VERSION, "a `\"version\": \"X.Y.Z\"` member")
    if suffix == ".toml":
        return find_project_version(path)[0]
    if suffix in ("", ".txt"):
        return plain_declaration(path)
    raise ConfigError(
        f"Don't know where the version is in {path}: supported extra files are .py "
        "(__version__), .cff/.yml/.yaml (version:), .json (\"version\"), .toml ([project] or "
        "[tool.poetry] version) and plain VERSION/.txt files.",
        file=path,
    )


# --- writing ----------------------------------------------------------------------------------


def plan_rewrite(declarations: Iterable[Declaration], new: str) -> dict[Path, str]:
    """The new text of every file, computed before anything is written."""
    contents: dict[Path, str] = {}
    for declaration in declarations:
        text = contents.get(declaration.path) or read_text(declaration.path, what="File")
        contents[declaration.path] = declaration.rewrite(text, new)
    return contents


def write_atomically(contents: Mapping[Path, str]) -> None:
    """Write every file or none: temp files beside the targets first, then renames."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, text in contents.items():
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            staged.append((temp, path))
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            shutil.copymode(path, temp)
    except OSError as error:
        _discard(staged)
        raise ConfigError(
            f"Could not write the new version: {error}. No file was changed."
        ) from None
    replaced: list[tuple[Path, str]] = []
    try:
        for temp, path in staged:
            original = read_text(path, what="File")
            os.replace(temp, path)
            replaced.append((path, original))
    except OSError as error:
        # A rename inside one folder does not fail in practice; if it does, put back what was
        # already replaced so the checkout stays as it was.
        _discard(staged)
        for path, original in replaced:
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.write(original)
        raise ConfigError(
            f"Could not write the new version: {error}. No file was changed."
        ) from None


def _discard(staged: list[tuple[str, Path]]) -> None:
    for temp, _ in staged:
        with contextlib.suppress(OSError):
            os.unlink(temp)
