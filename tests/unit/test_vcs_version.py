"""Which tags are releases, and how a distribution name becomes setuptools-scm's variable."""

from __future__ import annotations

import re

import pytest
from packaging.version import Version

from release_actions.vcs_version import SETUPTOOLS_SCM, tag_version


@pytest.mark.parametrize(
    ("tag", "prefix", "pattern", "expected"),
    [
        pytest.param("v1.4.2", "v", None, "1.4.2", id="prefix"),
        pytest.param("v1.4", "v", None, "1.4", id="two-parts"),
        pytest.param("v1.4.2.post1", "v", None, "1.4.2.post1", id="post-is-final"),
        pytest.param("v2.0.0rc1", "v", None, None, id="pre-release-is-not"),
        pytest.param("v1.5.0.dev3", "v", None, None, id="dev-is-not"),
        pytest.param("1.4.2", "v", None, None, id="other-prefix"),
        pytest.param("vnext", "v", None, None, id="not-a-version"),
        pytest.param("v", "v", None, None, id="prefix-only"),
        pytest.param("1.4.2", "", None, "1.4.2", id="empty-prefix"),
        pytest.param("pkg-3.1.0", "v", r"^pkg-(?P<version>.+)$", "3.1.0", id="version-group"),
        pytest.param("pkg-3.1.0", "v", r"^pkg-(?P<base>\d+\.\d+\.\d+)$", "3.1.0",
                     id="dunamai-base-group"),
        pytest.param("pkg-3.1.0", "v", r"^pkg-(.+)$", "3.1.0", id="one-unnamed-group"),
        pytest.param("v9.9.9", "v", r"^pkg-(?P<version>.+)$", None, id="pattern-wins"),
    ],
)
def test_tag_version(tag: str, prefix: str, pattern: str | None, expected: str | None) -> None:
    compiled = re.compile(pattern) if pattern else None
    found = tag_version(tag, prefix, compiled)
    assert found == (Version(expected) if expected else None)


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
