"""One value for where a project's version lives, asked the same questions whether the version
is declared in files (with the project's uv.lock entry and the extra files) or read from git
tags (real git repositories in temp folders)."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from release_actions import versions
from release_actions.errors import ConfigError
from release_actions.gha import Console
from release_actions.version_source import read_version_source
from tests.helpers import git
from tests.integration.test_version_rewrite_vcs import HATCH_VCS

STATIC = '[project]\nname = "mypkg"\nversion = "1.2.4.dev0"\n'
LOCK = """\
version = 1
requires-python = ">=3.11"

[[package]]
name = "mypkg"
version = "1.2.4.dev0"
source = { editable = "." }
"""
CONSOLE = Console(actions=False)


def static_project(root: Path, citation: str = "1.2.4.dev0") -> Path:
    (root / "pyproject.toml").write_text(STATIC)
    (root / "uv.lock").write_text(LOCK)
    (root / "CITATION.cff").write_text(f"cff-version: 1.2.0\nversion: {citation}\n")
    return root / "pyproject.toml"


def tagged_project(root: Path, *, commits_after: int) -> Path:
    (root / "pyproject.toml").write_text(HATCH_VCS.format(extra=""))
    (root / "CITATION.cff").write_text("cff-version: 1.2.0\nversion: 1.2.3\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "release")
    git(root, "tag", "v1.2.3")
    for number in range(commits_after):
        (root / "CHANGES").write_text(f"change {number}\n")
        git(root, "add", "-A")
        git(root, "commit", "-qm", f"change {number}")
    return root / "pyproject.toml"


def test_a_declared_version_is_read_and_rewritten_in_every_place(tmp_path: Path) -> None:
    project_file = static_project(tmp_path)
    source = read_version_source(project_file, (tmp_path / "CITATION.cff",))

    current = source.current(CONSOLE)
    source.require_agreement()
    rewrite = source.rewrite("1.2.4.dev7")

    assert (current.text, current.base, current.line) == ("1.2.4.dev0", Version("1.2.4.dev0"), 3)
    assert current.origin == f"`{project_file}` ([project].version)" == source.where
    assert [d.path.name for d in source.declarations] == ["pyproject.toml", "uv.lock",
                                                         "CITATION.cff"]
    assert rewrite.env == {}
    assert sorted(path.name for path in rewrite.contents) == ["CITATION.cff", "pyproject.toml",
                                                              "uv.lock"]
    assert all("1.2.4.dev7" in text and "1.2.4.dev0" not in text
               for text in rewrite.contents.values())
    assert (tmp_path / "pyproject.toml").read_text() == STATIC  # planned, not written


def test_an_extra_file_that_disagrees_is_named_at_its_line(tmp_path: Path) -> None:
    source = read_version_source(static_project(tmp_path, citation="1.2.3"),
                                 (tmp_path / "CITATION.cff",))

    with pytest.raises(ConfigError, match=r"says 1\.2\.3") as caught:
        source.require_agreement()

    assert (caught.value.file, caught.value.line) == (str(tmp_path / "CITATION.cff"), 2)


def test_reading_a_tag_never_reads_the_lock_or_the_extra_files(tmp_path: Path) -> None:
    """tag-guard asks only for the tag and the declared version: a uv.lock it never rewrites
    and extra files stay unread, as before there was one value for both."""
    project_file = static_project(tmp_path)
    (tmp_path / "uv.lock").write_text("version = 1\npackage = 1\n")  # not as uv writes it
    source = read_version_source(project_file, (tmp_path / "missing.cff",))

    release, how = source.read_tag("v1.2.4.dev0", "")
    held = source.at_tag(release)

    assert (release.prefix, release.version, how) == ("v", Version("1.2.4.dev0"),
                                                      "`tag-prefix` empty: `v` or nothing")
    assert (held.text, held.file, held.line) == ("1.2.4.dev0", project_file, 3)
    assert source.home == project_file
    with pytest.raises(ConfigError, match=r"uv\.lock"):
        source.require_agreement()


@pytest.mark.parametrize(("tag", "prefix", "why"), [
    pytest.param("release-1.2.3", "v", "it does not start with the tag prefix 'v'.",
                 id="other-prefix"),
    pytest.param("vnext", "", "what follows the tag prefix 'v', 'next', does not start with a "
                 "digit", id="default-prefix-word"),
    pytest.param("v1.2.x", "v", "'1.2.x' is not a valid PEP 440 version", id="not-pep440"),
])
def test_a_declared_project_reads_tags_by_the_one_release_tag_rule(
    tmp_path: Path, tag: str, prefix: str, why: str
) -> None:
    source = read_version_source(static_project(tmp_path))

    with pytest.raises(versions.VersionRejected) as caught:
        source.read_tag(tag, prefix)

    assert str(caught.value).startswith(why)
    assert "Tag releases as vX.Y.Z (e.g. v1.2.3), or set `tag-prefix`" in str(caught.value)


def test_a_version_from_tags_is_the_last_release_tag_and_rewrites_only_the_extra_files(
    tmp_path: Path
) -> None:
    project_file = tagged_project(tmp_path, commits_after=2)
    source = read_version_source(project_file, (tmp_path / "CITATION.cff",))

    current = source.current(CONSOLE)
    source.require_agreement()  # the extra files have no declaration to agree with
    rewrite = source.rewrite("1.2.4.dev9")

    assert (current.text, current.base, current.released_here) == (
        "1.2.3", Version("1.2.4.dev0"), "")
    assert current.origin == ('git tag `v1.2.3` (hatch-vcs: [tool.hatch.version] source = '
                              '"vcs")')
    assert source.from_tags and source.where.startswith("git tags (hatch-vcs: ")
    assert [d.path.name for d in source.declarations] == ["CITATION.cff"]
    assert list(rewrite.contents) == [tmp_path / "CITATION.cff"]
    assert rewrite.env == {"SETUPTOOLS_SCM_PRETEND_VERSION": "1.2.4.dev9",
                           "SETUPTOOLS_SCM_PRETEND_VERSION_FOR_MY_PKG": "1.2.4.dev9"}
    with pytest.raises(ConfigError, match="takes its version from git tags"):
        source.declared_version()


def test_at_the_release_commit_a_version_from_tags_says_why_there_is_no_preview(
    tmp_path: Path
) -> None:
    source = read_version_source(tagged_project(tmp_path, commits_after=0))

    current = source.current(CONSOLE)

    assert current.released_here.startswith("HEAD is the release commit of v1.2.3")


def test_a_version_from_tags_reads_a_tag_by_its_plugins_rule(tmp_path: Path) -> None:
    source = read_version_source(tagged_project(tmp_path, commits_after=0))

    release, how = source.read_tag("1.2.3", "")
    held = source.at_tag(release)
    with pytest.raises(versions.VersionRejected, match="reads no version from it") as caught:
        source.read_tag("1.2.3", "v")

    assert (release.version, how) == (Version("1.2.3"), "read by hatch-vcs's default tag rule "
                                      "(X.Y.Z, vX.Y.Z or name-X.Y.Z)")
    assert (held.text, held.version, held.file) == ("1.2.3", Version("1.2.3"), None)
    assert "Tag releases as vX.Y.Z" in str(caught.value)
