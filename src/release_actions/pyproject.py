"""Where a project declares its version, and rewriting it there without touching another byte.

TOML files are edited through tomlkit (comments, quoting and order survive); other files get a
targeted edit of the version text alone. All new contents are computed first (`plan_rewrite`),
then written together by `atomic.write_atomically`."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomlkit

from release_actions import vcs_version
from release_actions.declaration import Declaration as Declaration
from release_actions.declaration import (
    line_of,
    located,
    lookup,
    parse_toml,
    plain_declaration,
    read_text,
    splicer,
    toml_key_line,
    toml_string_rewriter,
)
from release_actions.errors import ConfigError
from release_actions.kinds import quote
from release_actions.native_version import MESON_SDIST, native_declaration
from release_actions.python_version import (
    HATCH_DEFAULT_PATTERN,
    assignment_declaration,
    compile_hatch_pattern,
    flit_declaration,
    pattern_declaration,
)
from release_actions.vcs_version import VcsSource

if TYPE_CHECKING:
    import configparser

# The `v` of `version: v2.14.0` stays: only the text after it is the version.
YAML_VERSION = re.compile(
    r"^version:[ \t]*(?P<q>['\"]?)v?(?P<version>[^'\"\s#]+)(?P=q)[ \t]*(?:#.*)?$", re.MULTILINE
)
# A `__version__`/`VERSION` assignment, annotated or not, as people write it.
PY_VERSION = re.compile(
    r"""^(?P<name>__version__|VERSION)\s*(?::\s*str\s*)?=\s*(?P<q>['"])v?"""
    r"""(?P<version>[^'"\n]+)(?P=q)""",
    re.MULTILINE,
)
JSON_VERSION = re.compile(r"\"version\"\s*:\s*\"v?(?P<version>[^\"]+)\"")
# extra-files by suffix: (pattern, what is expected, the label of what was found)
EXTRA_KINDS = {
    ".py": (PY_VERSION, "a `__version__ = \"X.Y.Z\"` assignment", "`{name} = …`"),
    ".cff": (YAML_VERSION, "a top-level `version:` line", "`version:`"),
    ".yml": (YAML_VERSION, "a top-level `version:` line", "`version:`"),
    ".yaml": (YAML_VERSION, "a top-level `version:` line", "`version:`"),
    ".json": (JSON_VERSION, "a `\"version\": \"X.Y.Z\"` member", "`\"version\":`"),
}
# pdm-backend's `file` source.
PDM_FILE_PATTERN = re.compile(
    r"^__version__\s*=\s*[\"'](?P<version>.+?)[\"']\s*(?:#.*)?$", re.MULTILINE
)
FLIT_BACKEND = "flit_core.buildapi"
# Plugins that take the version from git tags which this action does not drive.
OTHER_VCS_PLUGINS = ("versioningit", "dunamai", "pdm-backend-scm", "setuptools-git-versioning")
OTHER_VCS = (
    "takes its version from git tags ({plugin}), which version-rewrite cannot hand a preview "
    "version to. Supported: setuptools-scm, hatch-vcs, uv-dynamic-versioning, pdm-backend "
    "(source = \"scm\") and poetry-dynamic-versioning; or declare a static `version` under "
    "[project]."
)

NOT_IN_FILES = (
    "{path} takes its version from git tags ({where}); there is no version in a file to check "
    "here."
)


def regex_declaration(
    path: Path, text: str, pattern: re.Pattern[str], expected: str, where: str
) -> Declaration:
    """The first match of `pattern`; `where` may name its groups (`{name} = …`)."""
    match = pattern.search(text)
    if match is None:
        raise ConfigError(
            f"No version found in {path}: expected {expected}. Add it, or remove the file from "
            "`extra-files`.",
            file=path,
        )
    return Declaration(
        path, where.format(**match.groupdict()), match.group("version"),
        line_of(text, match.start("version")),
        splicer(lambda current: _search(pattern, current).span("version")),
    )


def _search(pattern: re.Pattern[str], text: str) -> re.Match[str]:
    match = pattern.search(text)
    assert match is not None  # found when the declaration was made
    return match


# --- the project file -------------------------------------------------------------------------


def resolve_project_file(path: Path) -> Path:
    return path / "pyproject.toml" if path.is_dir() else path


def _other_vcs_plugin(doc: Mapping[str, Any]) -> str | None:
    requires = [str(item).lower() for item in lookup(doc, "build-system", "requires") or []]
    for requirement in requires:
        for plugin in OTHER_VCS_PLUGINS:
            if requirement.startswith(plugin):
                return plugin
    return None


def _setuptools_attr_file(root: Path, attr: str, package_dirs: Mapping[str, Any],
                          find_where: Iterable[str] = (),
                          where: str = "[tool.setuptools.dynamic] version") -> tuple[Path, str]:
    """The module file setuptools reads `attr` from, found as setuptools finds it
    (`package_dirs`: its package-dir mapping; `find_where`: the folders its package finder
    searches, which fill that mapping, as SQLAlchemy's `where = ["lib"]` does)."""
    module, _, name = attr.strip().rpartition(".")
    if not module:
        raise ConfigError(f"{where} attr {quote(attr)} has no module part.")
    parts = module.split(".")
    searched = [str(folder) for folder in find_where if str(folder) not in ("", ".")]
    if parts[0] in package_dirs:
        bases, parts = [root / str(package_dirs[parts[0]])], parts[1:]
    elif "" in package_dirs:
        bases = [root / str(package_dirs[""])]
    elif searched:
        bases = [root / folder for folder in searched]
    else:
        bases = [root, root / "src"]
    relative = Path(*parts) if parts else Path("__init__")
    for base in bases:
        for candidate in (base / relative.with_suffix(".py"), base / relative / "__init__.py"):
            if candidate.is_file():
                return candidate, name
    raise ConfigError(
        f"{where} attr {quote(attr)} points at module {module}, "
        f"but no {relative}.py or {relative}/__init__.py exists under "
        f"{', '.join(str(b) for b in bases)}."
    )


def _hatch_declaration(project_file: Path, text: str, doc: Mapping[str, Any]) -> Declaration:
    """[tool.hatch.version] path: the `regex` source (the default) or the `code` source."""
    root = project_file.parent
    config = lookup(doc, "tool", "hatch", "version")
    path = root / str(config["path"])
    source = config.get("source", "regex")
    if source == "code":
        expression = str(config.get("expression", "__version__"))
        if not expression.isidentifier():
            raise ConfigError(
                f"[tool.hatch.version] expression = {quote(expression)} in {project_file} is "
                "code, not a name this action can rewrite. Assign the version to a name "
                "(`__version__ = \"X.Y.Z.dev0\"`) and set `expression` to it.",
                file=project_file, line=toml_key_line(text, "tool.hatch.version", "expression"),
            )
        return assignment_declaration(path, expression, "hatchling's code source")
    if source != "regex":
        raise ConfigError(
            f"[tool.hatch.version] source = {quote(str(source))} in {project_file} is not a "
            "source this action can rewrite: use the default `regex` source with `path`, or `vcs`.",
            file=project_file, line=toml_key_line(text, "tool.hatch.version", "source"),
        )
    pattern = compile_hatch_pattern(
        config.get("pattern"), project_file, toml_key_line(text, "tool.hatch.version", "pattern"),
    )
    declared = pattern.pattern != HATCH_DEFAULT_PATTERN
    return pattern_declaration(path, pattern, project_file if declared else None)


def _setuptools_declaration(
    project_file: Path, text: str, doc: Mapping[str, Any], setting: Mapping[str, Any]
) -> Declaration | None:
    root = project_file.parent
    line = toml_key_line(text, "tool.setuptools.dynamic", "version")
    if "attr" in setting:
        find_where = lookup(doc, "tool", "setuptools", "packages", "find", "where") or []
        path, name = _setuptools_attr_file(
            root, str(setting["attr"]), lookup(doc, "tool", "setuptools", "package-dir") or {},
            [find_where] if isinstance(find_where, str) else list(find_where))
        return assignment_declaration(path, name, "setuptools' `attr`", follow_imports=3)
    files = setting.get("file")
    files = [files] if isinstance(files, str) else list(files or [])
    if len(files) > 1:
        raise ConfigError(
            f"[tool.setuptools.dynamic] version = {{file = {files}}} in {project_file} names "
            "several files; setuptools joins them into one version text, which is no version. "
            "Name one file.",
            file=project_file, line=line,
        )
    return plain_declaration(root / str(files[0])) if files else None


# setup.cfg's [metadata] version, written as a plain version (setuptools reads it as it stands).
SETUP_CFG_VERSION = re.compile(r"(?m)^version[ \t]*[=:][ \t]*(?P<version>[^\s#;]+)[ \t]*$")
SETUP_CFG_METADATA = re.compile(r"(?m)^\[metadata\][ \t]*$")


def _setup_cfg(path: Path) -> tuple[str, configparser.ConfigParser]:
    """setup.cfg's text and its sections, as setuptools reads them (no interpolation)."""
    import configparser

    text = read_text(path, what="setup.cfg")
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as error:
        raise ConfigError(f"{path} is not a valid setup.cfg ({' '.join(str(error).split())[:200]})"
                          "; setuptools could not read it either. Fix its syntax.",
                          file=path) from None
    return text, parser


def setup_cfg_declaration(root: Path) -> Declaration | None:
    """The version setup.cfg's [metadata] gives setuptools (the declarative config before
    pyproject.toml): `attr: pkg.__version__`, `file: VERSION`, or the version itself."""
    path = root / "setup.cfg"
    if not path.is_file():
        return None
    text, parser = _setup_cfg(path)
    value = parser.get("metadata", "version", fallback="").strip()
    where = "setup.cfg [metadata] version"
    if value.startswith("attr:"):
        dirs = {key.strip(): target.strip() for key, _, target in (
            line.partition("=") for line in parser.get("options", "package_dir",
                                                        fallback="").splitlines())
            if target.strip()}
        try:
            find_where = parser.get("options.packages.find", "where", fallback="").split()
            module_file, name = _setuptools_attr_file(root, value[5:].strip(), dirs, find_where,
                                                      where)
        except ConfigError as error:
            raise ConfigError(error.message, file=path) from None
        return assignment_declaration(module_file, name, "setuptools' `attr:` in setup.cfg",
                                      follow_imports=3)
    if value.startswith("file:"):
        files = [name.strip() for name in value[5:].split(",") if name.strip()]
        if len(files) != 1:
            raise ConfigError(f"{where} = {quote(value)} in {path} names {len(files)} files; "
                              "setuptools joins them into one version text. Name one file.",
                              file=path)
        return plain_declaration(root / files[0])
    if not value:
        return None

    def locate(content: str) -> tuple[int, int]:
        section = SETUP_CFG_METADATA.search(content)
        found = SETUP_CFG_VERSION.search(content, section.end()) if section else None
        if found is None or found.group("version") != value:
            raise ConfigError(f"{where} in {path} is not one plain `version = {value}` line "
                              "this action can rewrite: write it on one line.", file=path)
        return found.span("version")

    return located(path, where, text, locate)


def _setup_cfg_only(project_file: Path) -> tuple[Declaration, str | None] | None:
    """A project of setup.py and setup.cfg alone (pre-commit's): no pyproject.toml beside
    setup.cfg, whose [metadata] holds the version and the name; None for any other project."""
    root = project_file.parent
    if project_file.name != "pyproject.toml" or project_file.exists() or os.path.lexists(
            project_file) or not (root / "setup.cfg").is_file():
        return None
    found = setup_cfg_declaration(root)
    if found is None:
        return None
    name = _setup_cfg(root / "setup.cfg")[1].get("metadata", "name", fallback="").strip()
    return found, name or None


def _dynamic_declaration(project_file: Path, text: str, doc: Mapping[str, Any]) -> Declaration:
    if lookup(doc, "tool", "hatch", "version", "path"):
        return _hatch_declaration(project_file, text, doc)
    pdm_path = lookup(doc, "tool", "pdm", "version", "path")
    if lookup(doc, "tool", "pdm", "version", "source") == "file" and pdm_path:
        return pattern_declaration(project_file.parent / str(pdm_path), PDM_FILE_PATTERN)
    setuptools_version = lookup(doc, "tool", "setuptools", "dynamic", "version")
    if isinstance(setuptools_version, Mapping):
        found = _setuptools_declaration(project_file, text, doc, setuptools_version)
        if found is not None:
            return found
    backend = str(lookup(doc, "build-system", "build-backend") or "")
    if backend == FLIT_BACKEND:
        return flit_declaration(project_file, _flit_module_name(project_file, doc))
    native = native_declaration(project_file, text, doc, backend)
    if native is not None:
        return native
    legacy = setup_cfg_declaration(project_file.parent)
    if legacy is not None:
        return legacy
    raise ConfigError(
        f"{project_file} declares `dynamic = [\"version\"]` but names no place this action "
        "can rewrite. Supported: [tool.hatch.version] path, [tool.pdm.version] path, "
        "[tool.setuptools.dynamic] version = {attr = ...} or {file = ...} (or setup.cfg's "
        "[metadata] version), flit_core's module "
        "`__version__`, maturin's Cargo.toml, meson-python's meson.build, scikit-build-core's "
        "regex provider, or a version from git tags (setuptools-scm, hatch-vcs, "
        "uv-dynamic-versioning, pdm-backend scm, poetry-dynamic-versioning).",
        file=project_file, line=toml_key_line(text, "project", "dynamic"),
    )


def _flit_module_name(project_file: Path, doc: Mapping[str, Any]) -> str:
    """[tool.flit.module] name, else the project name as flit_core normalizes it."""
    configured = lookup(doc, "tool", "flit", "module", "name")
    if isinstance(configured, str):
        return configured
    name = str(lookup(doc, "project", "name") or "")
    if not name:
        raise ConfigError(f"{project_file} has no [project] name, from which flit_core takes "
                          "the module name. Add it.", file=project_file)
    stubs = name.endswith("-stubs")
    return (name[:-6] if stubs else name).replace("-", "_") + ("-stubs" if stubs else "")


def _static_declaration(
    project_file: Path, text: str, doc: Mapping[str, Any]
) -> Declaration | None:
    for table in (("project",), ("tool", "poetry")):
        value = lookup(doc, *table, "version")
        if value is None:
            continue
        header = ".".join(table)
        where = f"[{header}].version"
        line = toml_key_line(text, header, "version")
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string, e.g. version = \"1.2.3.dev0\".",
                              file=project_file, line=line)
        return Declaration(project_file, where, str(value), line,
                           toml_string_rewriter(*table, "version"))
    return None


def find_version_source(project_file: Path) -> tuple[Declaration | VcsSource, str | None]:
    """Where the project's version comes from, and its distribution name, in this order:
    git tags through a VCS plugin (poetry-dynamic-versioning's placeholder version
    is no version), [project].version, [tool.poetry].version, a dynamic version's file."""
    legacy = _setup_cfg_only(project_file)
    if legacy is not None:
        return legacy
    text = read_text(project_file, what="Project file")
    doc = parse_toml(project_file, text)
    found, name = _version_source(project_file, text, doc)
    backend = lookup(doc, "build-system", "build-backend")
    if backend == "mesonpy" and isinstance(found, Declaration):
        found = dataclasses.replace(found, caveat=MESON_SDIST)
    return found, name


def _version_source(project_file: Path, text: str, doc: tomlkit.TOMLDocument
                    ) -> tuple[Declaration | VcsSource, str | None]:
    raw_name = lookup(doc, "project", "name") or lookup(doc, "tool", "poetry", "name")
    name = str(raw_name) if raw_name else None
    dynamic = lookup(doc, "project", "dynamic") or []
    if not isinstance(dynamic, list):
        raise ConfigError(f"[project].dynamic in {project_file} must be a list of field names, "
                          "e.g. dynamic = [\"version\"].", file=project_file,
                          line=toml_key_line(text, "project", "dynamic"))
    vcs = vcs_version.detect(project_file, doc)
    if vcs is not None:
        return vcs, name
    static = _static_declaration(project_file, text, doc)
    if static is not None:
        return static, name
    backend = lookup(doc, "build-system", "build-backend")
    if lookup(doc, "project") is None and backend in ("maturin", "mesonpy"):
        # Without a [project] table these backends take name and version from their own files.
        found = native_declaration(project_file, text, doc, str(backend))
        if found is not None:
            return found, name
    if "version" in dynamic:
        plugin = _other_vcs_plugin(doc)
        if plugin:
            raise ConfigError(
                f"{project_file} " + OTHER_VCS.format(plugin=plugin),
                file=project_file, line=toml_key_line(text, "project", "dynamic"),
            )
        return _dynamic_declaration(project_file, text, doc), name
    if lookup(doc, "project") is None:  # setuptools' declarative config, before [project]
        legacy = setup_cfg_declaration(project_file.parent)
        if legacy is not None:
            return legacy, name
    setup_py = (" setup.py is code this action does not run (celery's and boto3's compute "
                "the version there): declare it in one of those places, which setup.py's "
                "`setup()` then takes." if (project_file.parent / "setup.py").is_file() else "")
    raise ConfigError(
        f"{project_file} declares no version: add `version = \"X.Y.Z.dev0\"` under [project] "
        "(or [tool.poetry]), or `dynamic = [\"version\"]` with the place your build backend "
        "reads it from (e.g. [tool.hatch.version] path, [tool.setuptools.dynamic] version, or "
        f"setup.cfg's [metadata] version).{setup_py}",
        file=project_file, line=toml_key_line(text, "project", "name"),
    )


def find_project_version(project_file: Path) -> tuple[Declaration, str | None]:
    """The version the project file declares in a file; a version from git tags is refused
    (there is no declaration to compare or rewrite)."""
    found, name = find_version_source(project_file)
    if isinstance(found, VcsSource):
        raise ConfigError(NOT_IN_FILES.format(path=project_file, where=found.where),
                          file=project_file)
    return found, name


def find_extra_declaration(path: Path) -> Declaration:
    """A version in a file named by `extra-files`, by its kind."""
    suffix = path.suffix.lower()
    if suffix in (".py", ".cff", ".yml", ".yaml", ".json"):
        text = read_text(path, what="Extra file")
        pattern, expected, where = EXTRA_KINDS[suffix]
        return regex_declaration(path, text, pattern, expected, where)
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
