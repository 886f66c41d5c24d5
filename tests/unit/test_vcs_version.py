"""Which tags are releases, and how a distribution name becomes setuptools-scm's variable."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from release_actions import project_regex
from release_actions.errors import ConfigError
from release_actions.vcs_version import (
    HATCH_VCS,
    PDM_SCM,
    POETRY_DYNAMIC,
    SETUPTOOLS_SCM,
    UV_DYNAMIC,
    Plugin,
    TagRule,
    is_marker,
    preview_base,
    read_tags,
    tag_version,
)

PATH = Path("pyproject.toml")
SCM_DEFAULT = SETUPTOOLS_SCM.rule({}, PATH)
DUNAMAI_DEFAULT = UV_DYNAMIC.rule({}, PATH)


@pytest.mark.parametrize(
    ("tag", "rule", "expected"),
    [
        pytest.param("v1.4.2", TagRule.exact("v"), "1.4.2", id="prefix"),
        pytest.param("v1.4", TagRule.exact("v"), "1.4", id="two-parts"),
        pytest.param("v1.4.2.post1", TagRule.exact("v"), "1.4.2.post1", id="post-is-final"),
        pytest.param("v2.0.0rc1", TagRule.exact("v"), None, id="pre-release-is-not"),
        pytest.param("v1.5.0.dev3", TagRule.exact("v"), None, id="dev-is-not"),
        pytest.param("1.4.2", TagRule.exact("v"), None, id="exact-prefix-other-prefix"),
        pytest.param("vnext", TagRule.exact("v"), None, id="not-a-version"),
        pytest.param("v", TagRule.exact("v"), None, id="prefix-only"),
        pytest.param("vv1.2.3", TagRule.exact("v"), None, id="prefix-twice"),
        pytest.param("mypkg-v0.3.1", TagRule.exact("mypkg-v"), "0.3.1", id="monorepo-prefix"),
        # setuptools-scm's (and hatch-vcs's, pdm-backend's) default: optional name- and v
        pytest.param("7.0.0", SCM_DEFAULT, "7.0.0", id="scm-default-bare"),
        pytest.param("v5.1.1", SCM_DEFAULT, "5.1.1", id="scm-default-v"),
        pytest.param("V5.1.1", SCM_DEFAULT, "5.1.1", id="scm-default-capital-v"),
        pytest.param("apache-arrow-0.9.0", SCM_DEFAULT, "0.9.0", id="scm-default-name"),
        pytest.param("1.2.3+local", SCM_DEFAULT, "1.2.3", id="scm-default-local-cut"),
        pytest.param("v2.0.0rc1", SCM_DEFAULT, None, id="scm-default-pre-release"),
        pytest.param("release_1.0.0", SCM_DEFAULT, None, id="scm-default-underscore"),
        pytest.param("nightly", SCM_DEFAULT, None, id="scm-default-no-digit"),
        pytest.param("v" + "9" * 5000, SCM_DEFAULT, None, id="scm-default-thousands-of-digits"),
        # dunamai's default (uv- and poetry-dynamic-versioning): v required, stage kept
        pytest.param("v5.1.1", DUNAMAI_DEFAULT, "5.1.1", id="dunamai-default-v"),
        pytest.param("7.0.0", DUNAMAI_DEFAULT, None, id="dunamai-default-bare"),
        pytest.param("v2.0.0rc1", DUNAMAI_DEFAULT, None, id="dunamai-stage-is-pre-release"),
        pytest.param("v1!2.0.0", DUNAMAI_DEFAULT, "1!2.0.0", id="dunamai-epoch"),
        pytest.param("v1.0.0.post2", DUNAMAI_DEFAULT, "1.0.0.post2", id="dunamai-post"),
    ],
)
def test_tag_version(tag: str, rule: TagRule, expected: str | None) -> None:
    assert tag_version(tag, rule) == (Version(expected) if expected else None)


def rule_of(plugin: Plugin, doc: dict[str, Any]) -> TagRule:
    return plugin.rule(doc, PATH)


@pytest.mark.parametrize(
    ("plugin", "doc", "tag", "expected"),
    [
        pytest.param(SETUPTOOLS_SCM, {"tool": {"setuptools_scm": {
            "tag_regex": r"^pkg-(?P<version>.+)$"}}}, "pkg-3.1.0", "3.1.0", id="tag_regex"),
        pytest.param(SETUPTOOLS_SCM, {"tool": {"setuptools_scm": {
            "tag_regex": r"^pkg-(?P<version>.+)$"}}}, "v9.9.9", None, id="tag_regex-wins"),
        pytest.param(SETUPTOOLS_SCM, {"tool": {"setuptools_scm": {
            "tag_regex": r"^pkg-(.+)$"}}}, "pkg-3.1.0", "3.1.0", id="one-unnamed-group"),
        pytest.param(SETUPTOOLS_SCM, {"tool": {"setuptools_scm": {"tag": {
            "regex": r"^r(?P<version>.+)$"}}}}, "r3.1.0", "3.1.0", id="tag.regex"),
        pytest.param(SETUPTOOLS_SCM, {"tool": {"setuptools_scm": {"tag": {
            "prefix": "hatchling-"}}}}, "hatchling-v1.2.0", "1.2.0", id="tag.prefix"),
        pytest.param(SETUPTOOLS_SCM, {"tool": {"setuptools_scm": {"tag": {
            "prefix": "hatchling-"}}}}, "v1.2.0", None, id="tag.prefix-filters"),
        pytest.param(SETUPTOOLS_SCM, {"tool": {"setuptools_scm": {"tag": {
            "strict": True}}}}, "v1", None, id="tag.strict-needs-a-dot"),
        pytest.param(SETUPTOOLS_SCM, {"tool": {"setuptools_scm": {
            "git_describe_command": "git describe --tags --long --match 'v*'"}}}, "7.0.0",
            None, id="describe-match"),
        pytest.param(SETUPTOOLS_SCM, {"tool": {"setuptools_scm": {"scm": {"git": {
            "describe_command": ["git", "describe", "--tags", "--exclude=*rc*"]}}}}},
            "v1.0.0rc", None, id="describe-exclude"),
        pytest.param(HATCH_VCS, {"tool": {"hatch": {"version": {
            "source": "vcs", "tag-pattern": r"^x(?P<version>.+)$"}}}}, "x1.0", "1.0",
            id="hatch-tag-pattern"),
        pytest.param(HATCH_VCS, {"tool": {"hatch": {"version": {"source": "vcs", "raw-options": {
            "tag_regex": r"^y(?P<version>.+)$"}}}}}, "y1.0", "1.0", id="hatch-raw-tag_regex"),
        pytest.param(HATCH_VCS, {"tool": {"hatch": {"version": {"source": "vcs", "raw-options": {
            "git_describe_command": "git describe --match=v*"}}}}}, "7.0.0", None,
            id="hatch-raw-describe-match"),
        pytest.param(PDM_SCM, {"tool": {"pdm": {"version": {"tag_filter": "v*"}}}}, "7.0.0",
                     None, id="pdm-tag_filter"),
        pytest.param(PDM_SCM, {}, "v7", None, id="pdm-default-filter-needs-a-dot"),
        pytest.param(PDM_SCM, {"tool": {"pdm": {"version": {
            "tag_regex": r"^rel/(?P<version>.+)$"}}}}, "rel/2.0", "2.0", id="pdm-tag_regex"),
        pytest.param(UV_DYNAMIC, {"tool": {"uv-dynamic-versioning": {
            "pattern": "default-unprefixed"}}}, "7.0.0", "7.0.0", id="dunamai-unprefixed"),
        pytest.param(UV_DYNAMIC, {"tool": {"uv-dynamic-versioning": {
            "pattern-prefix": "pkg-"}}}, "pkg-v2.0.0", "2.0.0", id="dunamai-pattern-prefix"),
        pytest.param(POETRY_DYNAMIC, {"tool": {"poetry-dynamic-versioning": {
            "pattern": r"^rel-(?P<base>\d+(\.\d+)*)"}}}, "rel-4.5", "4.5",
            id="dunamai-pattern"),
        pytest.param(POETRY_DYNAMIC, {"tool": {"poetry-dynamic-versioning": {
            "pattern": r"rel-(?P<base>\d+(\.\d+)*)"}}}, "x-rel-4.5", "4.5",
            id="dunamai-searches"),
    ],
)
def test_each_plugin_reads_the_tag_settings_it_declares(
    plugin: Plugin, doc: dict[str, Any], tag: str, expected: str | None
) -> None:
    assert tag_version(tag, rule_of(plugin, doc)) == (Version(expected) if expected else None)


@pytest.mark.parametrize(
    ("plugin", "doc", "said"),
    [
        pytest.param(SETUPTOOLS_SCM, {"tool": {"setuptools_scm": {"tag_regex": "^v(?P<version>["}}},
                     "not a valid regular expression", id="does-not-compile"),
        pytest.param(SETUPTOOLS_SCM, {"tool": {"setuptools_scm": {"tag_regex": "^v(a)(b)$"}}},
                     "no group that holds the version", id="no-version-group"),
        pytest.param(UV_DYNAMIC, {"tool": {"uv-dynamic-versioning": {"pattern": "^v(.+)$"}}},
                     "(?P<base>...)", id="dunamai-no-base"),
    ],
)
def test_a_declared_pattern_the_plugin_cannot_use_is_a_config_error(
    plugin: Plugin, doc: dict[str, Any], said: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(said)):
        rule_of(plugin, doc)


def test_a_catastrophic_pattern_is_stopped_at_the_bound() -> None:
    """`^(v+)+$` on `vvv…1` takes 2**40 steps in `re`: the child is killed at the bound."""
    with pytest.raises(project_regex.RegexTimeout, match=r"no answer within 0\.5 s"):
        project_regex.spans_bounded("^(v+)+$", ["v" * 40 + "1"], search=False, timeout=0.5)


def test_bounded_matching_gives_what_re_gives() -> None:
    texts = ["pkg-1.2", "x", "pkg-"]
    pattern = r"^pkg-(?P<version>\d+(\.\d+)*)?"
    expected = [project_regex.spans(re.compile(pattern), text, search=False) for text in texts]
    assert project_regex.spans_bounded(pattern, texts, search=False) == expected
    assert expected[0] == [(0, 7), (4, 7), (5, 7)] and expected[1] is None


@pytest.mark.parametrize(
    ("name", "variable"),
    [
        ("my-pkg", "SETUPTOOLS_SCM_PRETEND_VERSION_FOR_MY_PKG"),
        ("My.Pkg_x", "SETUPTOOLS_SCM_PRETEND_VERSION_FOR_MY_PKG_X"),
        ("a--b..c__d", "SETUPTOOLS_SCM_PRETEND_VERSION_FOR_A_B_C_D"),
        (None, "SETUPTOOLS_SCM_PRETEND_VERSION"),
    ],
)
def test_setuptools_scm_variable_is_normalized_as_setuptools_scm_does(
    name: str | None, variable: str
) -> None:
    assert SETUPTOOLS_SCM.variables(name) == (variable,)


# pypa/setuptools-scm at ffa8d49233d90dc84787130d05110ca1606e1924, setuptools-scm/pyproject.toml:
# one package of a monorepo, its tags told apart by both a regex and a describe --match (the
# last array wrapped to fit the line length).
SETUPTOOLS_SCM_OWN = r'''
[tool.setuptools_scm]
root = ".."
version_scheme = "towncrier-fragments"
tag_regex = "^setuptools-scm-(?P<version>v?\\d+(?:\\.\\d+){0,2}[^\\+]*)(?:\\+.*)?$"
fallback_version = "9.2.2" # we transition to towncrier informed here
scm.git.describe_command = ["git", "describe", "--dirty", "--tags", "--long", "--match",
  "setuptools-scm-*"]
'''


def test_setuptools_scm_own_monorepo_package_reads_its_own_tags_only() -> None:
    """Its tags as they are (newest first): vcs-versioning's are higher but not its own."""
    import tomlkit

    from release_actions.vcs_version import release_tags

    rule = rule_of(SETUPTOOLS_SCM, tomlkit.parse(SETUPTOOLS_SCM_OWN).unwrap())
    tags = ["vcs-versioning-v2.3.1", "setuptools-scm-v10.2.1", "vcs-versioning-v2.2.2",
            "setuptools-scm-v10.2.0", "v9.2.2"]
    found = release_tags(tags, rule, PATH)
    assert [(tag.name, str(tag.version), tag.prefix) for tag in found] == [
        ("setuptools-scm-v10.2.1", "10.2.1", "setuptools-scm-v"),
        ("setuptools-scm-v10.2.0", "10.2.0", "setuptools-scm-v"),
    ]
    assert rule.match == ("setuptools-scm-*",) and rule.declared


# pypa/hatch at ed8e30bebf98f2fe4d70c18a32a50a8160c391cb, pyproject.toml: hatch's tags are
# `hatch-v*`, beside hatchling's `hatchling-v*` in the same repository.
HATCH_OWN = {"tool": {"hatch": {"version": {"source": "vcs", "raw-options": {
    "version_scheme": "python-simplified-semver",
    "local_scheme": "no-local-version",
    "parentdir_prefix_version": "hatch-",
    "git_describe_command": ["git", "describe", "--dirty", "--tags", "--long", "--match",
                             "hatch-v*"],
}}}}}


def test_hatch_own_describe_match_narrows_the_rule_and_says_so() -> None:
    from release_actions.vcs_version import release_tags

    rule = rule_of(HATCH_VCS, HATCH_OWN)
    found = release_tags(["hatch-v1.18.0", "hatchling-v1.32.0", "hatch-v1.17.1"], rule, PATH)
    assert [tag.name for tag in found] == ["hatch-v1.18.0", "hatch-v1.17.1"]
    assert rule.described.endswith("with git describe --match hatch-v*")
    assert rule.first_tag == "hatch-v" and rule.custom and not rule.declared


@pytest.mark.parametrize(
    ("tag", "base"),
    [
        ("v1.4.2", "1.4.3.dev0"),  # a release: the next patch
        ("v1.4.2.post1", "1.4.3.dev0"),  # a post-release is final
        ("9.2.0.dev0", "9.2.0.dev0"),  # a development tag: the release it names
        ("v2.0.0rc1.dev3", "2.0.0rc1.dev0"),
        ("v1!2.0.dev0", "1!2.0.dev0"),
    ],
)
def test_the_preview_counts_from_a_release_or_the_release_a_development_tag_names(
    tag: str, base: str
) -> None:
    [read] = read_tags([tag], SCM_DEFAULT, PATH)
    assert str(preview_base(read)) == base
    assert is_marker(read.version) == ("dev" in tag)
