"""Previews of projects whose version comes from git tags (setuptools-scm, hatch-vcs,
uv-dynamic-versioning, pdm-backend's scm source, poetry-dynamic-versioning).

No file changes: the preview is the next patch after the last release tag reachable from HEAD,
`.devN`, and the build step gets it through the plugin's own override variable."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from release_actions import git, versions
from release_actions.declaration import lookup
from release_actions.errors import ConfigError
from release_actions.gha import Console
from release_actions.kinds import quote

SHALLOW = (
    "The checkout is shallow and git could not fetch its history and tags from origin "
    "({detail}); the last release tag cannot be found without them. Check out with "
    "`fetch-depth: 0` (actions/checkout), or give the job access to origin."
)
NOT_A_CHECKOUT = (
    "{path} takes its version from git tags ({plugin}), but {folder} is not a git checkout "
    "({detail}). Check the repository out first (actions/checkout with `fetch-depth: 0`)."
)
NO_TAG = (
    "No release tag is reachable from HEAD: {wanted}. {seen}A preview is the next patch after "
    "the last release, so it needs one. Set `tag-prefix` to what your release tags start "
    "with; for a project never released, tag its first commit `{prefix}0.0.0` "
    "(`git tag {prefix}0.0.0 $(git rev-list --max-parents=0 HEAD) && git push origin "
    "{prefix}0.0.0`): previews are then 0.0.1.devN."
)
BAD_TAG_PATTERN = (
    "{where} in {path} is not a valid regular expression ({error}); the build plugin would "
    "fail too. Fix it, or remove it to use the default."
)


def _dist_variable(name: str) -> str:
    """setuptools-scm's spelling of a distribution name in `…_FOR_<NAME>`."""
    return re.sub(r"[-_.]+", "-", name).replace("-", "_").upper()


def _setuptools_scm(name: str | None) -> tuple[str, ...]:
    # setuptools-scm's setuptools hook knows the name, so `_FOR_<NAME>` touches this
    # distribution only, never another setuptools-scm build in the same job.
    if name:
        return (f"SETUPTOOLS_SCM_PRETEND_VERSION_FOR_{_dist_variable(name)}",)
    return ("SETUPTOOLS_SCM_PRETEND_VERSION",)


def _hatch_vcs(name: str | None) -> tuple[str, ...]:
    # hatch-vcs calls setuptools-scm without the distribution name: only the plain variable
    # reaches it (checked with a real build).
    return ("SETUPTOOLS_SCM_PRETEND_VERSION", *(_setuptools_scm(name) if name else ()))


@dataclass(frozen=True)
class Plugin:
    name: str
    variables: Callable[[str | None], tuple[str, ...]]  # distribution name -> variables


SETUPTOOLS_SCM = Plugin("setuptools-scm", _setuptools_scm)
HATCH_VCS = Plugin("hatch-vcs", _hatch_vcs)
UV_DYNAMIC = Plugin("uv-dynamic-versioning", lambda name: ("UV_DYNAMIC_VERSIONING_BYPASS",))
PDM_SCM = Plugin("pdm-backend scm", lambda name: ("PDM_BUILD_SCM_VERSION",))
POETRY_DYNAMIC = Plugin("poetry-dynamic-versioning",
                        lambda name: ("POETRY_DYNAMIC_VERSIONING_BYPASS",))


@dataclass(frozen=True)
class VcsSource:
    """A project that takes its version from git tags, as its pyproject.toml says."""

    plugin: Plugin
    where: str  # what in pyproject.toml says so
    path: Path
    tag_pattern: re.Pattern[str] | None  # the project's own tag regex, when it declares one
    pattern_where: str
    dist_name: str | None

    def variables(self, version: str) -> dict[str, str]:
        return dict.fromkeys(self.plugin.variables(self.dist_name), version)


def _requires(doc: Mapping[str, Any], plugin: str) -> bool:
    requires = lookup(doc, "build-system", "requires") or []
    return any(re.match(rf"{plugin}\b", str(item).lower().replace("_", "-")) for item in requires)


# (plugin, where it is declared, where its tag regex is) for each way a project can say it.
def _which_plugin(doc: Mapping[str, Any]) -> tuple[Plugin, str, tuple[str, ...]] | None:
    hatch_source = lookup(doc, "tool", "hatch", "version", "source")
    if hatch_source == "vcs":
        return (HATCH_VCS, '[tool.hatch.version] source = "vcs"',
                ("tool", "hatch", "version", "tag-pattern"))
    if hatch_source == "uv-dynamic-versioning":
        return (UV_DYNAMIC, '[tool.hatch.version] source = "uv-dynamic-versioning"',
                ("tool", "uv-dynamic-versioning", "pattern"))
    if lookup(doc, "tool", "pdm", "version", "source") == "scm":
        return (PDM_SCM, '[tool.pdm.version] source = "scm"',
                ("tool", "pdm", "version", "tag_regex"))
    if lookup(doc, "tool", "poetry-dynamic-versioning", "enable") is True:
        return (POETRY_DYNAMIC, "[tool.poetry-dynamic-versioning] enable = true",
                ("tool", "poetry-dynamic-versioning", "pattern"))
    if "version" not in (lookup(doc, "project", "dynamic") or []):
        return None
    where = ("[tool.setuptools_scm]" if lookup(doc, "tool", "setuptools_scm") is not None
             else "build-system requires setuptools-scm" if _requires(doc, "setuptools-scm")
             else None)
    return (SETUPTOOLS_SCM, where, ("tool", "setuptools_scm", "tag_regex")) if where else None


def _tag_pattern(path: Path, setting: Any, where: str) -> re.Pattern[str] | None:
    # dunamai's named styles ("default", "default-unprefixed") are not regexes: `tag-prefix`
    # says the same.
    if not isinstance(setting, str) or setting.startswith("default"):
        return None
    try:
        return re.compile(setting)
    except re.error as error:
        raise ConfigError(BAD_TAG_PATTERN.format(where=where, path=path, error=error),
                          file=path) from None


def detect(path: Path, doc: Mapping[str, Any]) -> VcsSource | None:
    """The VCS plugin `doc` (the parsed project file at `path`) builds its version with."""
    found = _which_plugin(doc)
    if found is None:
        return None
    plugin, where, pattern_keys = found
    pattern_where = f"[{'.'.join(pattern_keys[:-1])}] {pattern_keys[-1]}"
    name = lookup(doc, "project", "name") or lookup(doc, "tool", "poetry", "name")
    return VcsSource(plugin, where, path, _tag_pattern(path, lookup(doc, *pattern_keys),
                                                       pattern_where),
                     pattern_where, str(name) if name else None)


# --- the last release tag ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseTag:
    name: str
    version: Version


def tag_version(tag: str, prefix: str, pattern: re.Pattern[str] | None) -> Version | None:
    """The final version a release tag names, or None for any other tag. A project's own
    pattern wins over `prefix`; its `version` (or dunamai's `base`) group is the version."""
    if pattern is not None:
        match = pattern.match(tag)
        if match is None:
            return None
        groups = match.groupdict()
        text = groups.get("version") or groups.get("base") or (
            match.group(1) if pattern.groups == 1 else match.group(0))
    elif tag.startswith(prefix):
        text = tag[len(prefix):]
    else:
        return None
    try:
        version = Version(text or "")
    except InvalidVersion:
        return None
    return version if versions.is_final(version) else None


def _complete_shallow_checkout(workdir: Path, console: Console) -> None:
    if not git.is_shallow(workdir):
        return
    console.info("The checkout is shallow: fetching its history and tags from origin.")
    try:
        with console.group("git fetch --unshallow --tags origin"):
            fetched = git.fetch_history_and_tags(workdir)
            if fetched.stderr:
                console.info(fetched.stderr)
    except git.GitError as error:
        raise ConfigError(SHALLOW.format(detail=error.detail or error.message)) from None


def last_release_tag(source: VcsSource, prefix: str, console: Console) -> ReleaseTag:
    """The highest final version among the release tags reachable from HEAD."""
    workdir = source.path.parent
    try:
        git.run(workdir, "rev-parse", "--git-dir")
    except git.GitError as error:
        raise ConfigError(NOT_A_CHECKOUT.format(
            path=source.path, plugin=source.plugin.name, folder=workdir.resolve(),
            detail=error.detail,
        ), file=source.path) from None
    _complete_shallow_checkout(workdir, console)
    tags = git.merged_tags(workdir)
    found = [ReleaseTag(tag, version) for tag in tags
             if (version := tag_version(tag, prefix, source.tag_pattern)) is not None]
    if not found:
        raise ConfigError(_no_tag_message(source, prefix, tags))
    return max(found, key=lambda tag: tag.version)


def _no_tag_message(source: VcsSource, prefix: str, tags: list[str]) -> str:
    wanted = (f"no tag matches {source.pattern_where} {quote(source.tag_pattern.pattern)} with a "
              "final version" if source.tag_pattern
              else f"no tag is `{prefix}` followed by a final version such as {prefix}1.2.3")
    shown = ", ".join(tags[:5]) + (", …" if len(tags) > 5 else "")
    seen = f"Tags reachable from HEAD: {shown}. " if tags else "HEAD reaches no tag at all. "
    return NO_TAG.format(wanted=wanted, seen=seen, prefix=prefix)


def is_head(source: VcsSource, tag: ReleaseTag) -> bool:
    """True when HEAD is the tagged release commit itself."""
    workdir = source.path.parent
    return git.tag_commit(workdir, tag.name) == git.commit_of(workdir, "HEAD")


def preview_base(tag: ReleaseTag) -> Version:
    """What a static project would hold on main after that release: the next patch's .dev0."""
    return versions.next_dev(tag.version, "patch")
