"""tag-guard's pure parts: reading a tag, validating inputs, the public-channel version policy,
the lower-than-latest rule and the project-version comparison."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version

from release_actions import versions
from release_actions.commands import tag_guard
from release_actions.context import Context
from release_actions.errors import CheckFailed, ConfigError, InputError
from release_actions.gha import Console
from release_actions.pyproject import Declaration
from release_actions.version_source import Current, read_version_source
from tests.helpers import parse_inputs


def values(**overrides: str) -> tag_guard.Inputs:
    """Typed inputs as the CLI reads them, with the declared defaults."""
    inputs: tag_guard.Inputs = parse_inputs(tag_guard.COMMAND, {"tag": "v1.2.3", **overrides})
    return inputs


# --- the tag ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "prefix", "expected"),
    [
        pytest.param("v1.2.3", "v", "1.2.3", id="plain"),
        pytest.param("mypkg-v2.3.4", "mypkg-v", "2.3.4", id="monorepo-prefix"),
        pytest.param("1.2.3", "", "1.2.3", id="no-prefix"),
        pytest.param("v1.0.0.rc0", "v", "1.0.0rc0", id="normalized-value"),
        pytest.param("v1!2.0", "v", "1!2.0", id="epoch"),
    ],
)
def test_version_in_tag(tag: str, prefix: str, expected: str) -> None:
    assert versions.version_in_tag(tag, prefix) == Version(expected)


@pytest.mark.parametrize(
    ("tag", "prefix", "phrase"),
    [
        pytest.param("release-1.2.3", "v", "does not start with the tag prefix 'v'",
                     id="other-prefix"),
        pytest.param("vnext", "v", "does not start with a digit", id="word"),
        pytest.param("vv1.2.3", "v", "does not start with a digit", id="double-prefix"),
        pytest.param("v1.2.x", "v", "not a valid PEP 440 version", id="not-pep440"),
        pytest.param("v", "v", "does not start with a digit", id="prefix-only"),
    ],
)
def test_a_tag_that_is_not_prefix_plus_a_version_is_refused(
    tmp_path: Path, tag: str, prefix: str, phrase: str
) -> None:
    """tag-guard reads the tag by the one release-tag rule and refuses (exit 1) what it is not,
    saying why and how to tag; the rule itself only says why."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "mypkg"\nversion = "1.2.3"\n')
    source = read_version_source(tmp_path / "pyproject.toml")
    with pytest.raises(CheckFailed, match=phrase) as caught:
        tag_guard.read_tag(values(tag=tag, **{"tag-prefix": prefix}), source)
    assert f"The tag {tag} is not a release tag" in caught.value.message
    assert f"Tag releases as {prefix}X.Y.Z" in caught.value.message
    with pytest.raises(versions.VersionRejected, match=phrase):
        versions.version_in_tag(tag, prefix)


@pytest.mark.parametrize("tag", ["release-1.2.3", "vnext", "v1.2.x"])
def test_tag_guard_and_bump_dev_read_a_tag_by_the_one_rule(tmp_path: Path, tag: str) -> None:
    """One rule says why a tag names no release; tag-guard refuses it (exit 1), bump-dev takes
    it as bad input (exit 2), and both say the same why."""
    from release_actions.commands.bump_dev import released_version

    with pytest.raises(versions.VersionRejected) as rule:
        versions.version_in_tag(tag, "v")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "mypkg"\nversion = "1.2.3"\n')
    with pytest.raises(CheckFailed) as guarded:
        tag_guard.read_tag(values(tag=tag, **{"tag-prefix": "v"}),
                           read_version_source(tmp_path / "pyproject.toml"))
    with pytest.raises(InputError) as bumped:
        released_version(tag, "v")
    assert str(rule.value) in guarded.value.message
    assert str(rule.value) in bumped.value.message


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        pytest.param("tag", "v1.2.3\nsha=0000", id="tag-newline"),
        pytest.param("tag", "v1.2.3%0Asha=0000", id="tag-encoded-newline"),
        pytest.param("tag", "v1::error::x", id="tag-workflow-command"),
        pytest.param("tag", "v1 .2", id="tag-space"),
        pytest.param("tag", "-v1.2.3", id="tag-git-option"),
        pytest.param("tag", "v1..2", id="tag-double-dot"),
        pytest.param("tag", "v1.2.3$(id)", id="tag-shell"),
        pytest.param("tag", "", id="tag-empty"),
        pytest.param("tag", "v" * 201, id="tag-too-long"),
        pytest.param("branch", "main\nx", id="branch-newline"),
        pytest.param("branch", "--upload-pack=x", id="branch-option"),
        pytest.param("tag-prefix", "v:", id="prefix-colon"),
        pytest.param("tag-prefix", "v%", id="prefix-percent"),
        pytest.param("index-url", "pypi.org", id="index-url-no-scheme"),
        pytest.param("index-url", "file:///etc", id="index-url-file"),
    ],
)
def test_unsafe_input_text_is_an_input_error(name: str, raw: str) -> None:
    with pytest.raises(InputError, match=f"`{name}`"):
        values(**{name: raw})


def test_an_empty_tag_says_how_to_run_on_tag_pushes() -> None:
    with pytest.raises(InputError, match="on: push: tags"):
        values(tag="")


def test_inputs_from_the_runner() -> None:
    """Given a full ref as tag, then the tag name is kept and the index URL trimmed; the run
    attempt comes from the job's context."""
    inputs = values(tag="refs/tags/v1.2.3", **{"index-url": "https://test.pypi.org/"})

    assert inputs.tag == "v1.2.3"
    assert inputs.index_url == "https://test.pypi.org"
    assert (inputs.tag_prefix, inputs.branch, inputs.match) == ("", "main", "exact")
    ctx = Context({"GITHUB_REPOSITORY": "acme/mypkg", "GITHUB_RUN_ATTEMPT": "3"},
                  Console(actions=False))
    assert (ctx.repository, ctx.run_attempt) == ("acme/mypkg", 3)


def test_the_match_input_takes_only_its_modes() -> None:
    with pytest.raises(InputError, match="exact, normalized"):
        values(match="loose")


def test_the_token_is_a_secret_input() -> None:
    [token] = [spec for spec in tag_guard.COMMAND.inputs if spec.name == "github-token"]
    assert token.secret


# --- the public channel ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "allow", "accepted"),
    [
        pytest.param("1.2.3", False, True, id="final"),
        pytest.param("1.2.3.post1", False, True, id="post"),
        pytest.param("1.2.3rc1", False, False, id="rc-refused"),
        pytest.param("1.2.3rc1", True, True, id="rc-allowed"),
        pytest.param("1.2.3a1", True, True, id="alpha-allowed"),
        pytest.param("1.2.3.dev1", True, False, id="dev-never"),
        pytest.param("1.2.3rc1.dev1", True, False, id="rc-dev-never"),
        pytest.param("1.2.3.post1.dev0", True, False, id="post-dev-never"),
        pytest.param("1.2.3+local", True, False, id="local-never"),
    ],
)
def test_public_version(text: str, allow: bool, accepted: bool) -> None:
    version = Version(text)
    if accepted:
        assert versions.public_version(version, allow_prerelease=allow) == version
    else:
        with pytest.raises(versions.VersionRejected):
            versions.public_version(version, allow_prerelease=allow)


def released(*texts: str) -> list[Version]:
    return [Version(text) for text in texts]


@pytest.mark.parametrize(
    ("version", "published", "phrase"),
    [
        pytest.param("1.0.0", [], None, id="first-release"),
        pytest.param("1.2.3", released("1.2.2", "1.1.0"), None, id="newer"),
        pytest.param("1.3.0", released("1.2.2", "1.3.0rc1"), None, id="final-after-its-rc"),
        pytest.param("1.2.3", released("1.2.2", "1.3.0rc1"), None,
                     id="pre-releases-are-not-the-latest"),
        pytest.param("1.2.3", released("2.0.0", "1.2.2"), None, id="backport"),
        pytest.param("1.2.3", released("2.0.0", "1.3.0", "1.2.2"), None,
                     id="backport-two-lines-back"),
        pytest.param("1.2.3", released("1.3.0", "1.2.4"), "the 1.2 series already has 1.2.4",
                     id="behind-its-own-series"),
        pytest.param("1.2.3", released("1.3.0"), "no 1.2.x release exists",
                     id="no-such-series"),
        pytest.param("1.5.0", released("2.0.0", "1.4.1"), "no 1.5.x release exists",
                     id="new-minor-of-an-old-major"),
        pytest.param("0.9", released("1.0"), "no 0.9.x release exists", id="short-versions"),
    ],
)
def test_release_line_conflict(version: str, published: list[Version], phrase: str | None) -> None:
    conflict = versions.release_line_conflict(Version(version), published)
    if phrase is None:
        assert conflict is None
    else:
        assert conflict is not None and phrase in conflict and "not a backport" in conflict


release_numbers = st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30))


def as_version(numbers: tuple[int, int, int]) -> Version:
    return Version(".".join(map(str, numbers)))


@given(st.lists(release_numbers, min_size=1, max_size=8), release_numbers)
def test_a_version_at_or_above_the_latest_is_never_refused(
    published: list[tuple[int, int, int]], candidate: tuple[int, int, int]
) -> None:
    existing = [as_version(item) for item in published]
    version = max(as_version(candidate), *existing)
    assert versions.release_line_conflict(version, existing) is None


@given(st.lists(release_numbers, min_size=1, max_size=8), release_numbers)
def test_a_lower_version_at_or_behind_its_own_series_is_always_refused(
    published: list[tuple[int, int, int]], candidate: tuple[int, int, int]
) -> None:
    """Whatever else is published, going back behind the newest release of one's own X.Y
    series while a higher release exists is refused."""
    existing = [as_version(item) for item in published]
    version = as_version(candidate)
    newest_of_series = max((item for item in existing if item.release[:2] == version.release[:2]),
                           default=None)
    if version < max(existing) and newest_of_series is not None and version <= newest_of_series:
        assert versions.release_line_conflict(version, existing) is not None


# --- the project version ---------------------------------------------------------------------


def declaration(version: str) -> Current:
    return Current.of(Declaration(Path("pyproject.toml"), "[project].version", version, 4,
                                  lambda text, new: text))


@pytest.mark.parametrize(
    ("tag", "declared", "match", "phrase"),
    [
        pytest.param("v1.2.3", "1.2.3", "exact", None, id="same-text"),
        pytest.param("v1.0.0rc0", "1.0.0.rc0", "exact", "match: normalized",
                     id="exact-spelling-differs"),
        pytest.param("v1.0.0rc0", "1.0.0.rc0", "normalized", None, id="normalized-equal"),
        pytest.param("v1.2", "1.2.0", "normalized", None, id="normalized-trailing-zero"),
        pytest.param("v1.2.4", "1.2.3", "normalized", "Version mismatch", id="mismatch"),
        pytest.param("v1.2.4", "1.2.3", "exact", "Version mismatch", id="mismatch-exact"),
    ],
)
def test_check_project_version(tag: str, declared: str, match: str, phrase: str | None) -> None:
    tag_version = versions.version_in_tag(tag, "v")
    if phrase is None:
        tag_guard.check_project_version(tag, "v", tag_version, declaration(declared), match)
        return
    with pytest.raises(CheckFailed, match=phrase) as caught:
        tag_guard.check_project_version(tag, "v", tag_version, declaration(declared), match)
    assert (caught.value.file, caught.value.line) == ("pyproject.toml", 4)


def test_an_invalid_project_version_is_a_configuration_error_at_its_line() -> None:
    with pytest.raises(ConfigError, match="not a valid PEP 440") as caught:
        tag_guard.check_project_version("v1.2.3", "v", Version("1.2.3"),
                                        declaration("one.two"), "exact")
    assert caught.value.line == 4


def test_the_summary_table_lists_every_check() -> None:
    report = tag_guard.Report()
    report.add("tag", "`v1.2.3`")
    report.add("index", "skipped")

    markdown = report.markdown("✅ ok")

    assert markdown.splitlines() == [
        "### ✅ ok", "", "| check | result | detail |", "|---|---|---|",
        "| tag | ✅ | `v1.2.3` |", "| index | ✅ | skipped |",
    ]
