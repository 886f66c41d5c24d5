"""Previews of projects whose version comes from git tags (setuptools-scm, hatch-vcs,
uv-dynamic-versioning, pdm-backend's scm source, poetry-dynamic-versioning).

No file changes: the preview is the next patch after the highest release tag reachable from
HEAD, `.devN`, and the build step gets it through the plugin's own override variable. A
development tag reachable from HEAD (`X.Y.Z.dev0`: setuptools-scm's way to say main works toward
X.Y.Z, as pytest tags main when it branches a release) counts from X.Y.Z when that is higher,
as setuptools-scm does. Which tags are releases is the plugin's own rule (its default regex or
pattern, or what the project declares: a tag regex, `git describe --match`, a tag filter), read
here as the plugin reads it; an explicit `tag-prefix` replaces the default with an exact
prefix."""

from __future__ import annotations

import fnmatch
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from packaging.version import Version

from release_actions import git, project_regex, versions
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
NO_VERSION_GROUP = (
    "{where} {pattern} in {path} has no group that holds the version: {plugin} needs {needs}. "
    "Add it (e.g. `(?P<version>...)`), or remove the setting to use the default."
)
SLOW_TAG_PATTERN = (
    "{where} {pattern} in {path} did not finish matching the {count} tags of the repository "
    "({detail}): it backtracks catastrophically (nested repeats such as `(v+)+` or `(.*)*`), "
    "and the build plugin would hang on it too. Rewrite it without a repeat inside a repeat, "
    "e.g. `^v(?P<version>[0-9][0-9.]*)$`."
)
STRAY_TAGS = (
    "Release tags under more than one prefix: the preview follows {best}, the highest; {strays} "
    "{verb} lower, under another prefix (a stray tag?). Both prefixes are release tags to "
    "{rule}; to read one prefix only, set `tag-prefix` (it is then exact)."
)
UNREAD_HIGHER = (
    "{tags} {look} like a higher release than {best}, but {rule} does not read {it}, and "
    "neither does the build: the preview follows {best}. If {they} {are} your releases, "
    "declare the plugin's pattern so that it reads {it}."
)
# setuptools-scm's DEFAULT_TAG_REGEX (pdm-backend's is the same): an optional `name-` and `v`.
SCM_DEFAULT_TAG_REGEX = r"^(?:[\w-]+-)?(?P<version>[vV]?\d+(?:\.\d+){0,2}[^\+]*)(?:\+.*)?$"
# dunamai's VERSION_SOURCE_PATTERN (uv- and poetry-dynamic-versioning): `v` required.
DUNAMAI_DEFAULT_PATTERN = (
    r"(?x)^v((?P<epoch>\d+)!)?(?P<base>\d+(\.\d+)*)"
    r"([-._]?((?P<stage>[a-zA-Z]+)[-._]?(?P<revision>\d+)?))?(\+(?P<tagged_metadata>.+))?$"
)
MARKER_FOLLOWED = (
    "The preview follows the development tag {marker}, which names the next release, "
    "{upcoming}: it is higher than {last}. setuptools-scm reads it the same way."
)
PRE_RELEASE_ABOVE = (
    "{pre} is reachable from HEAD and sorts above the preview ({base}.devN): `pip install "
    "--pre` gets {pre}, not the preview, until a higher release is tagged. To preview the next "
    "pre-release instead, tag main with its `.dev0` (e.g. `{marker}`) and set "
    "`allow-prerelease-base: true`."
)
_VERSION_AT_END = re.compile(r"[0-9]+(?:\.[0-9]+)+\Z")


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
class TagRule:
    """Which tags are release tags and where their version is: the plugin's own rule (its
    default, or the pattern the project declares), or the exact `tag-prefix` a user gave."""

    pattern: str
    described: str  # for messages: what the rule is and who says so
    where: str = ""  # the project's setting that declares the pattern; empty for a built-in one
    search: bool = False  # dunamai searches; setuptools-scm and pdm-backend match at the start
    strip: str = ""  # setuptools-scm's `[tool.setuptools_scm.tag] prefix`, cut before matching
    match: tuple[str, ...] = ("*",)  # `git describe --match` globs: a tag must fit one
    exclude: tuple[str, ...] = ()  # `git describe --exclude` globs
    first_tag: str = "v"  # what the no-tag message tells a new project to tag 0.0.0 with
    custom: bool = False  # the project narrows which tags count (a pattern, --match, a filter)

    @property
    def declared(self) -> bool:
        """The project's own regex: matched with a bound on time."""
        return bool(self.where)

    def considers(self, tag: str) -> bool:
        return (any(fnmatch.fnmatchcase(tag, glob) for glob in self.match)
                and not any(fnmatch.fnmatchcase(tag, glob) for glob in self.exclude))

    @classmethod
    def exact(cls, prefix: str) -> TagRule:
        return cls(rf"{re.escape(prefix)}(?P<version>[0-9].*)\Z",
                   f"`tag-prefix: {prefix}` (exact)", first_tag=prefix)


@dataclass(frozen=True)
class Plugin:
    name: str
    variables: Callable[[str | None], tuple[str, ...]]  # distribution name -> variables
    rule: Callable[[Mapping[str, Any], Path], TagRule]  # pyproject -> its tag rule


def _scm_default(plugin: str) -> TagRule:
    return TagRule(SCM_DEFAULT_TAG_REGEX, f"{plugin}'s default tag rule (X.Y.Z, vX.Y.Z or "
                   "name-X.Y.Z)", match=("*[0-9]*",))


def _compiled(path: Path, setting: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(setting)
    except re.error as error:
        raise ConfigError(BAD_TAG_PATTERN.format(where=where, path=path, error=error),
                          file=path) from None


def _scm_pattern(path: Path, setting: Any, where: str, plugin: str) -> str | None:
    """A setuptools-scm style tag regex: one group, or a `version` group among several."""
    if not isinstance(setting, str) or not setting:
        return None
    pattern = _compiled(path, setting, where)
    if pattern.groups == 0 or (pattern.groups > 1 and "version" not in pattern.groupindex):
        raise ConfigError(NO_VERSION_GROUP.format(
            where=where, pattern=quote(setting), path=path, plugin=plugin,
            needs="a single group or one named `version`"), file=path)
    return setting


def _describe_globs(command: Any) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The `--match` and `--exclude` globs of a declared `git describe` command."""
    if isinstance(command, str):
        try:
            command = shlex.split(command)
        except ValueError:
            return None
    if not isinstance(command, list):
        return None
    found: dict[str, list[str]] = {"--match": [], "--exclude": []}
    words = [str(word) for word in command]
    for index, word in enumerate(words):
        option, _, value = word.partition("=")
        if option in found:
            given = value if value else (words[index + 1] if index + 1 < len(words) else "")
            found[option].append(given)
    return tuple(found["--match"]) or ("*",), tuple(found["--exclude"])


def _setuptools_scm_rule(conf: Any, table: str, path: Path, plugin: str,
                         pattern: tuple[str, Any] = ("", None)) -> TagRule:
    """setuptools-scm's rule from its configuration `conf` (a `[tool.setuptools_scm]` table or
    hatch-vcs's `raw-options`): `tag_regex` (or `tag.regex`), `tag.prefix`, `tag.strict` and
    a `git_describe_command` (or `scm.git.describe_command`) with `--match`."""
    conf = conf if isinstance(conf, Mapping) else {}
    tag = conf.get("tag") if isinstance(conf.get("tag"), Mapping) else {}
    strip = str(tag.get("prefix") or "")
    rule = _scm_default(plugin)
    for where, setting in (pattern, (f"{table} tag_regex", conf.get("tag_regex")),
                           (f"{table}.tag regex", tag.get("regex"))):
        declared = _scm_pattern(path, setting, where, plugin) if where else None
        if declared:
            rule = replace(rule, pattern=declared, described=f"{where} {quote(declared)}",
                           where=where)
            break
    digits = "*[0-9]*.*[0-9]*" if tag.get("strict") is True else "*[0-9]*"
    describe = conf.get("git_describe_command") or lookup(conf, "scm", "git", "describe_command")
    globs = _describe_globs(describe)
    match, exclude = globs or ((f"{strip}{digits}",), ())
    rule = replace(rule, strip=strip, match=match, exclude=exclude,
                   custom=rule.declared or bool(globs or strip or tag.get("strict")))
    return _narrowed(rule, "git describe --match", match) if globs else rule


def _narrowed(rule: TagRule, setting: str, globs: tuple[str, ...]) -> TagRule:
    """`rule` described with the globs a project narrows it by; a new project's first tag
    starts as the glob does."""
    literal = re.split(r"[*?\[]", globs[0], maxsplit=1)[0]
    return replace(rule, described=f"{rule.described} with {setting} {' '.join(globs)}",
                   first_tag=literal if len(globs) == 1 else rule.first_tag)


def _setuptools_scm_tags(doc: Mapping[str, Any], path: Path) -> TagRule:
    return _setuptools_scm_rule(lookup(doc, "tool", "setuptools_scm"), "[tool.setuptools_scm]",
                                path, "setuptools-scm")


def _hatch_vcs_tags(doc: Mapping[str, Any], path: Path) -> TagRule:
    # hatch-vcs hands `raw-options` to setuptools-scm; its `tag-pattern` becomes `tag_regex`.
    version = lookup(doc, "tool", "hatch", "version") or {}
    return _setuptools_scm_rule(version.get("raw-options"), "[tool.hatch.version] raw-options",
                                path, "hatch-vcs",
                                ("[tool.hatch.version] tag-pattern", version.get("tag-pattern")))


def _pdm_scm_tags(doc: Mapping[str, Any], path: Path) -> TagRule:
    where = "[tool.pdm.version] tag_regex"
    declared = _scm_pattern(path, lookup(doc, "tool", "pdm", "version", "tag_regex"), where,
                            "pdm-backend")
    tag_filter = lookup(doc, "tool", "pdm", "version", "tag_filter")
    filtered = isinstance(tag_filter, str) and bool(tag_filter)
    rule = replace(_scm_default("pdm-backend"), custom=filtered,
                   match=(tag_filter if filtered else "*.*",))
    if filtered:
        rule = _narrowed(rule, "[tool.pdm.version] tag_filter", rule.match)
    if declared:
        rule = replace(rule, pattern=declared, described=f"{where} {quote(declared)}",
                       where=where, custom=True)
    return rule


def _dunamai_tags(table: str, plugin: str) -> Callable[[Mapping[str, Any], Path], TagRule]:
    """dunamai's rule: `pattern` (`default`, `default-unprefixed` or a regex with a `base`
    group) with `pattern-prefix` put after its `^`, searched in each tag."""

    def rule(doc: Mapping[str, Any], path: Path) -> TagRule:
        setting = lookup(doc, "tool", table, "pattern")
        prefix = lookup(doc, "tool", table, "pattern-prefix")
        where = f"[tool.{table}] pattern"
        if setting in (None, "default", "default-unprefixed"):
            pattern = DUNAMAI_DEFAULT_PATTERN.replace(
                "^v", "^v?" if setting == "default-unprefixed" else "^v", 1)
            described = (f"{plugin}'s default pattern ("
                         f"{'X.Y.Z or ' if setting == 'default-unprefixed' else ''}vX.Y.Z)")
        elif isinstance(setting, str) and "?P<base>" in setting:
            pattern, described = setting, f"{where} {quote(setting)}"
        else:
            raise ConfigError(NO_VERSION_GROUP.format(
                where=where, pattern=quote(str(setting)), path=path, plugin=plugin,
                needs="`default`, `default-unprefixed` or a regex with a `(?P<base>...)` group"),
                file=path)
        if isinstance(prefix, str) and prefix:
            pattern = pattern.replace("^", f"^{prefix}", 1)
            described += f" with [tool.{table}] pattern-prefix {quote(prefix)}"
        _compiled(path, pattern, where)
        declared = setting not in (None, "default", "default-unprefixed")
        where = where if declared else f"[tool.{table}] pattern-prefix" if prefix else ""
        return TagRule(pattern, described, where=where, search=True, custom=bool(where))

    return rule


SETUPTOOLS_SCM = Plugin("setuptools-scm", _setuptools_scm, _setuptools_scm_tags)
HATCH_VCS = Plugin("hatch-vcs", _hatch_vcs, _hatch_vcs_tags)
UV_DYNAMIC = Plugin("uv-dynamic-versioning", lambda name: ("UV_DYNAMIC_VERSIONING_BYPASS",),
                    _dunamai_tags("uv-dynamic-versioning", "uv-dynamic-versioning"))
PDM_SCM = Plugin("pdm-backend scm", lambda name: ("PDM_BUILD_SCM_VERSION",), _pdm_scm_tags)
POETRY_DYNAMIC = Plugin("poetry-dynamic-versioning",
                        lambda name: ("POETRY_DYNAMIC_VERSIONING_BYPASS",),
                        _dunamai_tags("poetry-dynamic-versioning", "poetry-dynamic-versioning"))


@dataclass(frozen=True)
class VcsSource:
    """A project that takes its version from git tags, as its pyproject.toml says."""

    plugin: Plugin
    where: str  # what in pyproject.toml says so
    path: Path
    rule: TagRule  # the plugin's tag rule, with what the project declares
    dist_name: str | None

    def variables(self, version: str) -> dict[str, str]:
        return dict.fromkeys(self.plugin.variables(self.dist_name), version)

    def tag_rule(self, prefix: str | None) -> TagRule:
        """The rule in force: a pattern the project declares (the plugin reads it), else an
        explicit `tag-prefix`, exactly, else the plugin's own default."""
        if self.rule.declared or prefix is None:
            return self.rule
        return replace(TagRule.exact(prefix), match=self.rule.match, exclude=self.rule.exclude)


def _requires(doc: Mapping[str, Any], plugin: str) -> bool:
    requires = lookup(doc, "build-system", "requires") or []
    return any(re.match(rf"{plugin}\b", str(item).lower().replace("_", "-")) for item in requires)


def _which_plugin(doc: Mapping[str, Any]) -> tuple[Plugin, str] | None:
    """The plugin and what in the project file says so."""
    hatch_source = lookup(doc, "tool", "hatch", "version", "source")
    if hatch_source == "vcs":
        return HATCH_VCS, '[tool.hatch.version] source = "vcs"'
    if hatch_source == "uv-dynamic-versioning":
        return UV_DYNAMIC, '[tool.hatch.version] source = "uv-dynamic-versioning"'
    if lookup(doc, "tool", "pdm", "version", "source") == "scm":
        return PDM_SCM, '[tool.pdm.version] source = "scm"'
    if lookup(doc, "tool", "poetry-dynamic-versioning", "enable") is True:
        return POETRY_DYNAMIC, "[tool.poetry-dynamic-versioning] enable = true"
    if "version" not in (lookup(doc, "project", "dynamic") or []):
        return None
    where = ("[tool.setuptools_scm]" if lookup(doc, "tool", "setuptools_scm") is not None
             else "build-system requires setuptools-scm" if _requires(doc, "setuptools-scm")
             else None)
    return (SETUPTOOLS_SCM, where) if where else None


def detect(path: Path, doc: Mapping[str, Any]) -> VcsSource | None:
    """The VCS plugin `doc` (the parsed project file at `path`) builds its version with."""
    found = _which_plugin(doc)
    if found is None:
        return None
    plugin, where = found
    name = lookup(doc, "project", "name") or lookup(doc, "tool", "poetry", "name")
    return VcsSource(plugin, where, path, plugin.rule(doc, path), str(name) if name else None)


# --- the last release tag ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseTag:
    name: str
    version: Version
    prefix: str = ""  # what precedes the version's digits (`v`, `pkg-v`, or nothing)


def _version_text(tag: str, spans: project_regex.Spans,
                  groupindex: Mapping[str, int]) -> tuple[str, int] | None:
    """The version a match names, as its plugin reads it, and where in the tag it starts."""

    def text(name: str) -> str:
        start, end = spans[groupindex[name]] if name in groupindex else (-1, -1)
        return tag[start:end] if start >= 0 else ""

    if "base" in groupindex and "version" not in groupindex:  # dunamai
        epoch = text("epoch")
        start = spans[groupindex["epoch" if epoch else "base"]][0]
        return (f"{epoch}!" if epoch else "") + text("base") + text("stage") + \
            text("revision"), start
    index = 1 if len(spans) == 2 else groupindex.get("version", 0)
    start, end = spans[index]
    return (tag[start:end], start) if start >= 0 else None


def _read_tag(tag: str, rule: TagRule, spans: project_regex.Spans | None,
             groupindex: Mapping[str, int]) -> ReleaseTag | None:
    """The version a tag names under `rule` (given the match's spans in the tag, its
    `rule.strip` cut), or None."""
    cut = len(rule.strip) if rule.strip and tag.startswith(rule.strip) else 0
    if spans is None:
        return None
    found = _version_text(tag[cut:], spans, groupindex)
    if found is None:
        return None
    text, start = found
    lead = len(text) - len(text.lstrip("vV"))
    version = versions.try_parse(text)
    if version is None:
        return None
    return ReleaseTag(tag, version, tag[:cut + start + lead])


def release_tags(tags: list[str], rule: TagRule, path: Path) -> list[ReleaseTag]:
    """The tags `rule` reads as final releases, in the order given."""
    return [tag for tag in read_tags(tags, rule, path) if versions.is_final(tag.version)]


def read_tags(tags: list[str], rule: TagRule, path: Path) -> list[ReleaseTag]:
    """The tags `rule` reads a version from (pre-releases too), in the order given."""
    considered = [tag for tag in tags if rule.considers(tag)]
    texts = [tag[len(rule.strip):] if rule.strip and tag.startswith(rule.strip) else tag
             for tag in considered]
    compiled = re.compile(rule.pattern)
    if rule.declared:
        try:
            matches = project_regex.spans_bounded(rule.pattern, texts, search=rule.search)
        except project_regex.RegexTimeout as error:
            raise ConfigError(SLOW_TAG_PATTERN.format(
                where=rule.where, pattern=quote(rule.pattern), path=path,
                count=len(texts), detail=error), file=path) from None
    else:
        matches = [project_regex.spans(compiled, text, search=rule.search) for text in texts]
    found = (_read_tag(tag, rule, spans, compiled.groupindex)
             for tag, spans in zip(considered, matches, strict=True))
    return [tag for tag in found if tag is not None]


def tag_version(tag: str, rule: TagRule) -> Version | None:
    """The final version one tag names under `rule`, or None for any other tag."""
    found = release_tags([tag], rule, Path("pyproject.toml"))
    return found[0].version if found else None


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


def is_marker(version: Version) -> bool:
    """A development tag's version (`X.Y.Z.dev0`, or a pre-release's `.devN`): what main works
    toward, not a release."""
    return version.is_devrelease and version.post is None and version.local is None


def last_release_tag(source: VcsSource, prefix: str | None, console: Console) -> ReleaseTag:
    """The tag reachable from HEAD that the preview counts from, under the tag rule in force
    (`prefix`: an explicit `tag-prefix`; None: the plugin's own rule): the highest final
    release, or a development tag whose release is higher (`preview_base` orders them)."""
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
    rule = source.tag_rule(prefix)
    read = read_tags(tags, rule, source.path)
    found = [tag for tag in read if versions.is_final(tag.version)]
    markers = [tag for tag in read if is_marker(tag.version)]
    if not found and not markers:
        raise ConfigError(_no_tag_message(rule, tags))
    best = max([*found, *markers], key=preview_base)
    notices = _doubts(best, found, tags, rule, explicit=prefix is not None)
    base = preview_base(best)
    if is_marker(best.version):
        last = max(found, key=lambda tag: tag.version).name if found else None
        notices.insert(0, MARKER_FOLLOWED.format(
            marker=best.name, upcoming=base.base_version,
            last=f"{last}, the last release reachable from HEAD" if last else
            "every release (none is reachable from HEAD)"))
    above = [tag for tag in read if tag.version.pre is not None
             and not tag.version.is_devrelease and tag.version > base]
    if above:
        top = max(above, key=lambda tag: tag.version)
        kind, number = top.version.pre or ("rc", 0)
        notices.append(PRE_RELEASE_ABOVE.format(
            pre=top.name, base=base.base_version,
            marker=f"{top.prefix}{top.version.base_version}{kind}{number + 1}.dev0"))
    for notice in notices:
        console.notice(notice, title="version-rewrite")
    return best


def _doubts(best: ReleaseTag, found: list[ReleaseTag], tags: list[str], rule: TagRule, *,
            explicit: bool) -> list[str]:
    """What a maintainer should see about the tags the preview did not follow: lower release
    tags under another prefix (a stray `v5.1.1` below `7.0.0`), and, under the plugin's
    default rule, higher version-like tags the rule does not read."""
    doubts = []
    tops: dict[str, ReleaseTag] = {}
    for tag in found:
        if tag.prefix != best.prefix and (tag.prefix not in tops
                                          or tag.version > tops[tag.prefix].version):
            tops[tag.prefix] = tag
    strays = [tag.name for tag in tops.values() if tag.version < best.version]
    if strays:
        doubts.append(STRAY_TAGS.format(best=best.name, strays=", ".join(strays),
                                        verb="is" if len(strays) == 1 else "are",
                                        rule=rule.described))
    if not explicit and not rule.custom:
        read = {tag.name for tag in found}
        higher = [tag for tag in tags if tag not in read and _looks_higher(tag, best.version)]
        if higher:
            one = len(higher) == 1
            doubts.append(UNREAD_HIGHER.format(
                tags=", ".join(higher[:5]) + (", …" if len(higher) > 5 else ""),
                look="looks" if one else "look", best=best.name, rule=rule.described,
                it="it" if one else "them", they="it" if one else "they",
                are="is" if one else "are"))
    return doubts


def _looks_higher(tag: str, than: Version) -> bool:
    match = _VERSION_AT_END.search(tag)
    version = versions.try_parse(match.group(0)) if match else None
    return version is not None and version > than


def _no_tag_message(rule: TagRule, tags: list[str]) -> str:
    wanted = f"no tag is a final release (nor a development tag X.Y.Z.dev0) under {rule.described}"
    shown = ", ".join(tags[:5]) + (", …" if len(tags) > 5 else "")
    seen = (f"Tags reachable from HEAD, newest first: {shown}. " if tags
            else "HEAD reaches no tag at all. ")
    return NO_TAG.format(wanted=wanted, seen=seen, prefix=rule.first_tag)


def is_head(source: VcsSource, tag: ReleaseTag) -> bool:
    """True when HEAD is the tagged release commit itself."""
    workdir = source.path.parent
    return git.tag_commit(workdir, tag.name) == git.commit_of(workdir, "HEAD")


def preview_base(tag: ReleaseTag) -> Version:
    """What a static project would hold on main after that tag: after a release, the next
    patch's .dev0; at a development tag, its own release's .dev0."""
    if is_marker(tag.version):
        return Version(str(tag.version).rsplit(".dev", 1)[0] + ".dev0")
    return versions.next_dev(tag.version, "patch")
