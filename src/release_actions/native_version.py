"""The version of a project with compiled extensions, found where its build backend reads it:
maturin's `Cargo.toml` (workspace inheritance included), meson-python's `project()` call in
`meson.build`, scikit-build-core's `regex` metadata provider."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from packaging.version import Version

from release_actions import project_regex, versions
from release_actions.declaration import (
    Declaration,
    line_of,
    located,
    lookup,
    parse_toml,
    plain_declaration,
    read_text,
    toml_key_line,
    toml_string_rewriter,
)
from release_actions.errors import ConfigError
from release_actions.kinds import quote

# --- maturin: Cargo.toml -------------------------------------------------------------------------

# Cargo accepts SemVer only: a pre-release after `-`, build metadata after `+`.
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?"
    r"(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"
)
# PEP 440's pre-release letters as SemVer words PEP 440 normalizes back (`-alpha.1` is a1).
PRE_WORDS = {"a": "alpha", "b": "beta", "rc": "rc"}
# The dev number at the end of a Cargo pre-release: `-dev.5`, `-dev5`, `-rc.1.dev.5`.
CARGO_DEV_NUMBER = re.compile(r"dev[.]?(?P<number>\d+)$")
NOT_SEMVER = (
    "{path} line {line}: version = {version} is not SemVer, so cargo (and maturin, which runs "
    "it) refuses the manifest. Write the development version as Cargo's pre-release "
    "`X.Y.Z-dev.K`, e.g. version = \"1.2.3-dev.0\": maturin turns it into the Python version "
    "X.Y.Z.devK."
)
NO_CARGO_DEV = (
    "{path} line {line}: version = {version} has no `-dev.K` pre-release ending in a number, so "
    "there is no place for the preview's run number. Write it as \"X.Y.Z-dev.0\" (maturin builds "
    "X.Y.Z.dev0 from it)."
)
NO_MANIFEST = (
    "{project} builds with maturin, which reads the version from {manifest}, but that file does "
    "not exist. Set [tool.maturin] manifest-path to the crate's Cargo.toml."
)
NO_WORKSPACE = (
    "{path} says `version.workspace = true` but no Cargo.toml with a [workspace] table was found "
    "in its folder or above it up to {top}. Give the crate its own `version`, or check out the "
    "whole workspace."
)
NO_PACKAGE_VERSION = (
    "{path} has no [package] version for maturin to read. Add `version = \"X.Y.Z-dev.0\"` under "
    "[package], or declare [project] version in pyproject.toml."
)


def semver_spelling(version: Version) -> str:
    """A PEP 440 version in Cargo's SemVer, as maturin reads it back: `1.2.4.dev0` is
    `1.2.4-dev.0`, `2.0.0rc1.dev3` is `2.0.0-rc.1.dev.3`."""
    release = [*version.release, 0, 0][:max(3, len(version.release))]
    parts = [f"{PRE_WORDS[version.pre[0]]}.{version.pre[1]}"] if version.pre else []
    parts += [f"post.{version.post}"] if version.post is not None else []
    parts += [f"dev.{version.dev}"] if version.dev is not None else []
    return ".".join(map(str, release)) + ("-" + ".".join(parts) if parts else "")


def cargo_form(old: str, new: str) -> str:
    """The Cargo spelling of the PEP 440 version `new`, in the style of `old` where only the dev
    number changes (`1.2.3-dev0` → `1.2.3-dev41`), else in the usual SemVer spelling."""
    target = Version(new)
    match = CARGO_DEV_NUMBER.search(old)
    if match and target.dev is not None:
        written = old[:match.start("number")] + str(target.dev)
        if versions.try_parse(written) == target:
            return written
    written = semver_spelling(target)
    if not SEMVER.match(written) or versions.try_parse(written) != target:
        raise ConfigError(f"Cannot spell {new} in Cargo's SemVer (as {old} is written): write "
                          "the version as \"X.Y.Z-dev.0\".")
    return written


def _cargo_rewriter(*keys: str) -> Callable[[str, str], str]:
    plain = toml_string_rewriter(*keys)

    def rewrite(text: str, new: str) -> str:
        old = str(lookup(parse_toml(Path("Cargo.toml"), text), *keys))
        return plain(text, cargo_form(old, new))

    return rewrite


def _checked_cargo_version(path: Path, text: str, table: str, value: Any) -> Declaration:
    line = toml_key_line(text, table, "version")
    shown = quote(str(value))
    if not isinstance(value, str) or not SEMVER.match(value):
        raise ConfigError(NOT_SEMVER.format(path=path, line=line, version=shown),
                          file=path, line=line)
    parsed = versions.try_parse(value)
    if parsed is not None and (parsed.is_devrelease and not CARGO_DEV_NUMBER.search(value)):
        raise ConfigError(NO_CARGO_DEV.format(path=path, line=line, version=shown),
                          file=path, line=line)
    keys = (*table.split("."), "version")
    return Declaration(path, f"[{table}].version (Cargo)", value, line, _cargo_rewriter(*keys))


def _workspace_root(manifest: Path, doc: Mapping[str, Any]) -> Path:
    """The workspace root as Cargo finds it: `package.workspace`, else the nearest Cargo.toml
    with a [workspace] table from the crate's own folder up, searched no higher than the
    checkout (the folder holding `.git`)."""
    explicit = lookup(doc, "package", "workspace")
    if isinstance(explicit, str):
        return Path(os.path.normpath(manifest.parent / explicit / "Cargo.toml"))
    folder = manifest.parent
    while True:
        candidate = Path(os.path.normpath(folder / "Cargo.toml"))
        if candidate.is_file():
            text = read_text(candidate, what="Cargo manifest")
            if lookup(parse_toml(candidate, text), "workspace") is not None:
                return candidate
        here = folder.resolve()
        if (here / ".git").exists() or here.parent == here:
            raise ConfigError(NO_WORKSPACE.format(path=manifest, top=here), file=manifest,
                              line=toml_key_line(read_text(manifest, what="Cargo manifest"),
                                                 "package", "version.workspace"))
        folder = folder / ".."


def cargo_declaration(manifest: Path) -> Declaration:
    """[package] version of the crate, or [workspace.package] version where it inherits it."""
    text = read_text(manifest, what="Cargo manifest")
    doc = parse_toml(manifest, text)
    value = lookup(doc, "package", "version")
    if isinstance(value, Mapping) and value.get("workspace") is True:
        root = _workspace_root(manifest, doc)
        root_text = read_text(root, what="Cargo manifest")
        inherited = lookup(parse_toml(root, root_text), "workspace", "package", "version")
        if inherited is None:
            raise ConfigError(f"{manifest} inherits its version from the workspace, but {root} "
                              "has no [workspace.package] version. Add it there.", file=root)
        return _checked_cargo_version(root, root_text, "workspace.package", inherited)
    if value is None:
        raise ConfigError(NO_PACKAGE_VERSION.format(path=manifest), file=manifest)
    return _checked_cargo_version(manifest, text, "package", value)


def maturin_manifest(project_file: Path, doc: Mapping[str, Any]) -> Path:
    """The Cargo.toml maturin builds, found as maturin finds it (project_layout.rs):
    `manifest-path`, else `rust/Cargo.toml` beside a Python source folder, else `Cargo.toml`."""
    root = project_file.parent
    configured = lookup(doc, "tool", "maturin", "manifest-path")
    if isinstance(configured, str):
        manifest = root / configured
    else:
        rust = root / "rust" / "Cargo.toml"
        name = str(lookup(doc, "project", "name") or "").replace("-", "_")
        python_source = lookup(doc, "tool", "maturin", "python-source")
        beside = python_source is not None or (name and (root / "src" / name / "__init__.py")
                                              .is_file())
        manifest = rust if rust.is_file() and beside else root / "Cargo.toml"
    if not manifest.is_file():
        raise ConfigError(NO_MANIFEST.format(project=project_file, manifest=manifest),
                          file=project_file)
    return manifest


# --- meson-python: project(..., version: ...) in meson.build ---------------------------------

_MESON_TOKEN = re.compile(
    r"(?P<string>'''.*?'''|'(?:\\.|[^'\\\n])*')|(?P<comment>#[^\n]*)|(?P<name>[A-Za-z_]\w*)"
    r"|(?P<space>\s+)|(?P<other>.)",
    re.DOTALL,
)
MESON_COMPUTED = (
    "{path} line {line}: project() computes its version ({found}); meson-python builds what "
    "that code prints, which this action cannot rewrite. Write the version as a string, "
    "`version: 'X.Y.Z.dev0'`, or as `version: files('VERSION')` with the version in that file."
)
# meson-python's sdist is `meson dist --allow-dirty`, which archives HEAD's tree.
MESON_SDIST = (
    "meson-python makes the sdist with `meson dist`, which archives the last commit, not the "
    "rewritten checkout: the sdist would carry the old version's files under the preview's "
    "name, and the wheel built from it the old version (`uv build` stops there). Build the "
    "wheels from the tree (`uv build --wheel`), or commit the rewrite in the CI checkout "
    "(never pushed) before `uv build`."
)
MESON_NO_VERSION = (
    "{path} has no `version:` in its project() call, which meson-python reads for "
    "`dynamic = [\"version\"]`. Add `version: 'X.Y.Z.dev0'` to project(), or declare [project] "
    "version in pyproject.toml."
)


def _meson_tokens(text: str) -> list[re.Match[str]]:
    return [m for m in _MESON_TOKEN.finditer(text) if m.lastgroup not in ("space", "comment")]


def _project_version_tokens(path: Path, text: str) -> list[re.Match[str]]:
    """The tokens of project()'s `version:` argument, at the call's own nesting level."""
    tokens = _meson_tokens(text)
    start = next((i for i, token in enumerate(tokens[:-1])
                  if token.group() == "project" and tokens[i + 1].group() == "("), None)
    if start is None:
        raise ConfigError(f"{path} has no project() call; meson-python cannot build it either.",
                          file=path)
    depth = 0
    for index in range(start + 1, len(tokens)):
        token, other = tokens[index].group(), tokens[index].lastgroup == "other"
        if other and token in "([{":
            depth += 1
        elif other and token in ")]}":
            depth -= 1
            if depth == 0:
                break
        elif (depth == 1 and token == "version" and index + 1 < len(tokens)
              and tokens[index + 1].group() == ":"):
            return _argument(tokens[index + 2:])
    raise ConfigError(MESON_NO_VERSION.format(path=path), file=path)


def _argument(tokens: list[re.Match[str]]) -> list[re.Match[str]]:
    """The tokens of one argument: up to the `,` or closing bracket at its own level."""
    depth, value = 0, []
    for token in tokens:
        text, other = token.group(), token.lastgroup == "other"
        if other and depth == 0 and text in ",)]}":
            break
        if other and text in "([{":
            depth += 1
        elif other and text in ")]}":
            depth -= 1
        value.append(token)
    return value


def _string_body(token: re.Match[str]) -> tuple[int, int] | None:
    """The span of a plain one-line meson string's content (no escapes)."""
    if token.lastgroup != "string" or token.group().startswith("'''") or "\\" in token.group():
        return None
    return token.start() + 1, token.end() - 1


def _meson_span(path: Path, text: str) -> tuple[int, int]:
    value = _project_version_tokens(path, text)
    span = _string_body(value[0]) if len(value) == 1 else None
    if span is None:
        start = value[0].start() if value else 0
        found = text[start:value[-1].end()][:60] if value else ""
        raise ConfigError(MESON_COMPUTED.format(path=path, line=line_of(text, start),
                                                found=found), file=path,
                          line=line_of(text, start))
    return span


def meson_declaration(path: Path) -> Declaration:
    """project()'s `version:` string, or the file `files('…')` names (meson reads its one line)."""
    text = read_text(path, what="meson.build")
    value = _project_version_tokens(path, text)
    shape = [t.group() if t.lastgroup != "string" else "'" for t in value]
    named = _string_body(value[2]) if shape == ["files", "(", "'", ")"] else None
    if named is not None:
        return plain_declaration(path.parent / text[named[0]:named[1]])
    return located(path, "project() version", text, partial(_meson_span, path))


# --- scikit-build-core: the `regex` metadata provider ------------------------------------------

SKBUILD_REGEX_PROVIDER = "scikit_build_core.metadata.regex"
# scikit_build_core/metadata/regex.py, searched with re.MULTILINE.
SKBUILD_DEFAULT_REGEX = r'(?i)^(__version__|VERSION)(?: ?\: ?str)? *= *([\'"])v?(?P<value>.+?)\2'
SKBUILD_COMPOSED = (
    "[tool.scikit-build.metadata.version] in {project} builds the version from {what}, so no one "
    "place in {input} holds it as text this action can rewrite. Let the regex capture the whole "
    "version in a group `value` and drop `result`/`remove`, or compose it with a `result` of "
    "plain groups that ends in the one that holds the development part (pybind11's "
    "'{{major}}.{{minor}}.{{patch}}')."
)
SKBUILD_KEEPS_PREFIX = (
    "{input} composes the version as {result}; only its last group is rewritten, and the "
    "groups before it compose {prefix}, which the preview {new} cannot start with. Put the "
    "development part (`.devN`) at the end of the last group, and write the others as the "
    "version has them."
)
_TRAILING_NUMBER = re.compile(r"\d+\Z")
SKBUILD_NO_MATCH = (
    "{input} has no text that {regex} matches, so scikit-build-core cannot read the version "
    "either. Fix [tool.scikit-build.metadata.version] regex or the file."
)


def _skbuild_span(path: Path, project_file: Path, pattern: re.Pattern[str],
                  text: str) -> tuple[int, int]:
    if pattern.pattern == SKBUILD_DEFAULT_REGEX:
        match = pattern.search(text)
        span = None if match is None else match.span("value")
    else:
        span = project_regex.group_span(pattern, text, "value",
                                        where="[tool.scikit-build.metadata.version] regex",
                                        declared_in=project_file)
    if span is None:
        raise ConfigError(SKBUILD_NO_MATCH.format(input=path, regex=quote(pattern.pattern)),
                          file=path)
    return span


def _result_fields(result: str, pattern: re.Pattern[str]) -> list[tuple[str, int]] | None:
    """`result` as (literal text before, group number) pairs, when it is plain groups and text
    ending in a group (`{major}.{minor}.{patch}`, `{0}.{1}`): what `str.format` does with them
    is then undone by splitting the new version; None for anything else."""
    import string

    try:
        parsed = list(string.Formatter().parse(result))
    except ValueError:
        return None
    fields = []
    for literal, name, spec, conversion in parsed:
        if name is None or spec or conversion:
            return None  # trailing text, a format spec or a conversion
        if name.isdigit() and int(name) < pattern.groups:
            fields.append((literal, int(name) + 1))  # str.format's {0} is the first group
        elif name in pattern.groupindex:
            fields.append((literal, pattern.groupindex[name]))
        else:
            return None
    return fields or None


def _composed_declaration(path: Path, project_file: Path, pattern: re.Pattern[str],
                          result: str, fields: list[tuple[str, int]]) -> Declaration:
    """The version as `result` composes it from the groups; a rewrite replaces only the last
    group, keeping the text the others compose (3.1.0.dev1 → 3.1.0.dev57: `patch`)."""
    where = "[tool.scikit-build.metadata.version] regex"

    def groups(text: str) -> list[tuple[int, int]]:
        spans = project_regex.search_spans(pattern, text, where=where, declared_in=project_file)
        if spans is None or any(spans[group][0] < 0 for _, group in fields):
            raise ConfigError(SKBUILD_NO_MATCH.format(input=path, regex=quote(pattern.pattern)),
                              file=path)
        return spans

    def prefix_of(text: str, spans: list[tuple[int, int]]) -> str:
        """What `result` composes before the last group's text."""
        *head, (last_literal, _) = fields
        return "".join(literal + text[slice(*spans[group])] for literal, group in head) \
            + last_literal

    text = read_text(path, what="Version file")
    spans = groups(text)
    last = spans[fields[-1][1]]

    def rewrite(current: str, new: str) -> str:
        found = groups(current)
        prefix = prefix_of(current, found)
        start, end = found[fields[-1][1]]
        if new.startswith(prefix):
            return current[:start] + new[len(prefix):] + current[end:]
        # The others spelled otherwise (`01`): only the dev number of the last one changes.
        match = _TRAILING_NUMBER.search(current[start:end])
        target = Version(new)
        if match is not None and target.dev is not None:
            written = current[start:start + match.start()] + str(target.dev)
            if versions.try_parse(prefix + written) == target:
                return current[:start] + written + current[end:]
        raise ConfigError(SKBUILD_KEEPS_PREFIX.format(input=path, result=quote(result),
                                                      new=new, prefix=quote(prefix)),
                          file=path, line=line_of(current, start))

    version = prefix_of(text, spans) + text[slice(*last)]
    return Declaration(path, f"scikit-build-core regex, result {quote(result)}", version,
                       line_of(text, last[0]), rewrite)


def skbuild_declaration(project_file: Path, text: str, settings: Mapping[str, Any]) -> Declaration:
    """The text scikit-build-core's regex provider reads: the `value` group of `regex`, or the
    groups a plain `result` composes."""
    line = toml_key_line(text, "tool.scikit-build.metadata.version", "regex")
    result, remove = settings.get("result", "{value}"), settings.get("remove", "")
    if remove:
        raise ConfigError(SKBUILD_COMPOSED.format(project=project_file, what="`remove`",
                                                  input=settings.get("input")),
                          file=project_file, line=line)
    source = settings.get("input")
    if not isinstance(source, str):
        raise ConfigError(f"[tool.scikit-build.metadata.version] in {project_file} has no "
                          "`input` file; scikit-build-core needs one too.", file=project_file)
    raw = settings.get("regex", SKBUILD_DEFAULT_REGEX)
    try:
        pattern = re.compile(str(raw), re.MULTILINE)
    except re.error as error:
        raise ConfigError(f"[tool.scikit-build.metadata.version] regex in {project_file} is not "
                          f"a valid regular expression ({error}).", file=project_file,
                          line=line) from None
    path = project_file.parent / source
    if result != "{value}":
        fields = _result_fields(str(result), pattern)
        if fields is None:
            raise ConfigError(SKBUILD_COMPOSED.format(
                project=project_file, what=f"result = {quote(str(result))}", input=source),
                file=project_file, line=line)
        return _composed_declaration(path, project_file, pattern, str(result), fields)
    if "value" not in pattern.groupindex:
        raise ConfigError(SKBUILD_COMPOSED.format(project=project_file, what="a regex without "
                                                  "a group `value`", input=source),
                          file=project_file, line=line)
    return located(path, "scikit-build-core regex", read_text(path, what="Version file"),
                   partial(_skbuild_span, path, project_file, pattern))


def native_declaration(project_file: Path, text: str, doc: Mapping[str, Any],
                       backend: str) -> Declaration | None:
    """The version a compiled-extension backend reads, or None for another backend."""
    root = project_file.parent
    if backend == "maturin":
        return cargo_declaration(maturin_manifest(project_file, doc))
    if backend == "mesonpy":
        return meson_declaration(root / "meson.build")
    settings = lookup(doc, "tool", "scikit-build", "metadata", "version")
    if backend == "scikit_build_core.build" and isinstance(settings, Mapping) \
            and settings.get("provider") == SKBUILD_REGEX_PROVIDER:
        return skbuild_declaration(project_file, text, settings)
    return None
