"""Where a project's version lives, as one value that version-rewrite, bump-dev and tag-guard ask
the same questions: which version it holds and where, which version a release tag names, and
what moving it to another version changes.

The version lives in files (the project file's declaration, the project's own uv.lock entry and
the `extra-files`) or in the git tags a build plugin reads it from (then the `extra-files` are
the only files a rewrite changes)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from packaging.version import Version

from release_actions import vcs_version, versions
from release_actions.declaration import Declaration
from release_actions.errors import ConfigError
from release_actions.gha import Console
from release_actions.lockfile import find_lock_entry
from release_actions.pyproject import (
    NOT_IN_FILES,
    find_extra_declaration,
    find_version_source,
    plan_rewrite,
)
from release_actions.vcs_version import ReleaseTag, VcsSource

NOT_A_RELEASE_TAG = (
    "{why} Tag releases as {first}X.Y.Z (e.g. {first}1.2.3), or set `tag-prefix` to what your "
    "tags start with."
)


@dataclass(frozen=True)
class Current:
    """The version a project holds, read from where it lives."""

    text: str  # as written: the declared text, or the release tag's version
    version: Version
    origin: str  # "`pyproject.toml` ([project].version)", "git tag `v1.2.3` (hatch-vcs: …)"
    base: Version  # what a preview counts from: the version itself; after a tag, its next .dev0
    file: Path | None = None  # where an error about it points
    line: int | None = None
    released_here: str = ""  # HEAD is the release commit of that tag: why it gets no preview

    @classmethod
    def of(cls, declaration: Declaration) -> Current:
        """A declared version; one that is no PEP 440 version is a ConfigError at its line."""
        version = declaration.parsed()
        return cls(declaration.version, version, _origin(declaration), version,
                   declaration.path, declaration.line)


@dataclass(frozen=True)
class Rewrite:
    """What moving the version changes, computed before anything is written."""

    contents: dict[Path, str]  # the new text of every file
    env: dict[str, str]  # what the build step needs: a VCS plugin's override variable


@dataclass(frozen=True)
class VersionSource:
    """Where one project's version lives: a declaration in a file, or git tags."""

    project_file: Path
    name: str | None  # the distribution name
    declared: Declaration | None  # the project file's declaration; None when from tags
    tags: VcsSource | None  # the plugin reading the version from git tags; None when declared
    extra_files: tuple[Path, ...] = ()

    @property
    def from_tags(self) -> bool:
        return self.tags is not None

    @property
    def where(self) -> str:
        """Where the version lives, for messages."""
        if self.declared is not None:
            return _origin(self.declared)
        assert self.tags is not None  # one of the two is always set
        return f"git tags ({self.tags.plugin.name}: {self.tags.where})"

    @property
    def home(self) -> Path:
        """The file that says where the version is: the declaring file, or the project file."""
        return self.declared.path if self.declared is not None else self.project_file

    @cached_property
    def declarations(self) -> tuple[Declaration, ...]:
        """Every place in files a rewrite changes: the declaration, then the project's uv.lock
        entry, then the extra files (only these when the version comes from tags). Read when
        first asked: a command that rewrites nothing never reads uv.lock or the extra files."""
        lock = (find_lock_entry(self.project_file, self.name)
                if self.declared is not None else None)
        own = [self.declared] if self.declared is not None else []
        return (*own, *([lock] if lock else []),
                *(find_extra_declaration(path) for path in self.extra_files))

    def require_agreement(self) -> None:
        """Every place in files holds the declared version (exit 2 otherwise). A version from
        tags has no declaration for the extra files to agree with."""
        if self.declared is not None:
            for other in self.declarations[1:]:
                other.require_same_as(self.declared)

    def declared_version(self) -> Current:
        """The version the files hold; a version from git tags is refused (exit 2)."""
        if self.tags is not None:
            raise ConfigError(NOT_IN_FILES.format(path=self.project_file, where=self.tags.where),
                              file=self.project_file)
        assert self.declared is not None  # one of the two is always set
        return Current.of(self.declared)

    def current(self, console: Console, prefix: str | None = None) -> Current:
        """The version the project holds at HEAD: the declared one, or the highest release tag
        reachable from HEAD under the tag rule in force (`prefix`: an explicit `tag-prefix`)."""
        if self.tags is None:
            return self.declared_version()
        tag = vcs_version.last_release_tag(self.tags, prefix, console)
        here = (f"HEAD is the release commit of {tag.name}; {versions.TAG_PIPELINE}."
                if versions.is_final(tag.version) and vcs_version.is_head(self.tags, tag)
                else "")
        origin = f"git tag `{tag.name}` ({self.tags.plugin.name}: {self.tags.where})"
        return Current(str(tag.version), tag.version, origin, vcs_version.preview_base(tag),
                       released_here=here)

    def read_tag(self, tag: str, prefix: str) -> tuple[ReleaseTag, str]:
        """The version the release tag `tag` names, and by which rule: for a version from tags
        the plugin's (what the build reads), else `prefix` + a version (`prefix` empty: `v` or
        nothing). Raises VersionRejected saying why it is no release tag and how to fix it."""
        if self.tags is not None:
            rule = self.tags.tag_rule(prefix or None)
            found = vcs_version.read_tags([tag], rule, self.tags.path)
            if not found:
                why = f"{rule.described} reads no version from it, and neither would the build."
                raise versions.VersionRejected(NOT_A_RELEASE_TAG.format(why=why,
                                                                        first=rule.first_tag))
            return found[0], f"read by {rule.described}"
        chosen = prefix or ("" if tag[:1].isdigit() else "v")
        how = f"`tag-prefix: {prefix}`" if prefix else "`tag-prefix` empty: `v` or nothing"
        try:
            return ReleaseTag(tag, versions.version_in_tag(tag, chosen), chosen), how
        except versions.VersionRejected as error:
            raise versions.VersionRejected(NOT_A_RELEASE_TAG.format(why=error,
                                                                    first=chosen)) from None

    def at_tag(self, release: ReleaseTag) -> Current:
        """The version the project holds at the commit of `release`: the declared one, or, for a
        version from tags, the tag's own (the build reads it from the tag)."""
        if self.tags is None:
            return self.declared_version()
        origin = f"{self.where}, read by the build from the tag `{release.name}` itself"
        return Current(release.name[len(release.prefix):], release.version, origin,
                       release.version)

    def rewrite(self, version: str) -> Rewrite:
        """The new text of every file and what the build needs, to carry `version`."""
        env = self.tags.variables(version) if self.tags is not None else {}
        return Rewrite(plan_rewrite(self.declarations, version), env)


def _origin(declaration: Declaration) -> str:
    return f"`{declaration.path}` ({declaration.where})"


def read_version_source(project_file: Path, extra_files: tuple[Path, ...] = ()) -> VersionSource:
    """Where the project file says its version lives, with the `extra-files` that carry it too."""
    found, name = find_version_source(project_file)
    if isinstance(found, VcsSource):
        return VersionSource(project_file, name, None, found, extra_files)
    return VersionSource(project_file, name, found, None, extra_files)
