"""The preview policy of versions.py, table-driven, plus properties over every dev base."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version

from release_actions.versions import (
    RELEASE_PARTS,
    VersionRejected,
    next_dev,
    parse,
    preview_version,
)


@pytest.mark.parametrize(
    ("found", "run", "expected"),
    [
        pytest.param("0.5.1.dev0", 123, "0.5.1.dev123", id="dev0"),
        pytest.param("0.5.1.dev7", 124, "0.5.1.dev124", id="devK-replaced"),
        pytest.param("1.0.dev0", int("00125"), "1.0.dev125", id="two-part-leading-zeros"),
        pytest.param("1!2.0.0.dev0", 9, "1!2.0.0.dev9", id="epoch-kept"),
        pytest.param("0.5.1-dev0", 3, "0.5.1.dev3", id="normalised"),
    ],
)
def test_dev_versions_become_previews(found: str, run: int, expected: str) -> None:
    decision = preview_version(Version(found), run)
    assert (decision.publish, decision.version, decision.reason) == (True, expected, "")


@pytest.mark.parametrize("found", ["0.5.1", "0.5.1.post1", "2.0"])
def test_final_and_post_versions_skip(found: str) -> None:
    decision = preview_version(Version(found), 123)
    assert decision.publish is False
    assert decision.version == found
    assert "tag pipeline" in decision.reason


@pytest.mark.parametrize(
    ("found", "message"),
    [
        pytest.param("0.5.1a1", "pre-release without .dev", id="alpha"),
        pytest.param("0.5.1b1", "pre-release without .dev", id="beta"),
        pytest.param("0.5.1rc1", "pre-release without .dev", id="rc"),
        # trio's main holds 0.34.0+dev: dropping the suffix would give a released version.
        pytest.param("0.5.1+dev", r"local part .*next release's \.dev0, e\.g\. 0\.5\.2\.dev0",
                     id="local"),
        pytest.param("0.5.1.dev0+g12", r"local part .*Remove the `\+g12` suffix \(0\.5\.1\.dev0\)",
                     id="dev-local"),
        pytest.param("0.5.1rc1.dev0", "allow-prerelease-base", id="rc-dev-not-allowed"),
        pytest.param("0.5.1.post1.dev0", "post-release", id="post-dev"),
    ],
)
def test_refused_versions(found: str, message: str) -> None:
    with pytest.raises(VersionRejected, match=message):
        preview_version(Version(found), 123)


def test_prerelease_base_when_allowed() -> None:
    decision = preview_version(Version("0.5.1rc1.dev0"), 77, allow_prerelease_base=True)
    assert decision.version == "0.5.1rc1.dev77"


def test_prerelease_without_dev_is_refused_even_when_allowed() -> None:
    with pytest.raises(VersionRejected):
        preview_version(Version("0.5.1rc1"), 77, allow_prerelease_base=True)


@pytest.mark.parametrize("run", [0, -1])
def test_run_number_below_one_is_refused(run: int) -> None:
    with pytest.raises(VersionRejected, match="run number"):
        preview_version(Version("1.0.dev0"), run)


@pytest.mark.parametrize("text", ["abc", "1.0-final-x", "", "v 1"])
def test_invalid_version_text(text: str) -> None:
    with pytest.raises(VersionRejected, match="not a valid PEP 440"):
        parse(text)


releases = st.lists(st.integers(0, 10_000), min_size=1, max_size=4).map(tuple)


@given(release=releases, dev=st.integers(0, 10**6), run=st.integers(1, 10**9))
def test_preview_is_a_dev_release_of_the_same_base(
    release: tuple[int, ...], dev: int, run: int
) -> None:
    """Given any X.Y.Z.devK and N ≥ 1, the preview parses, is X.Y.Z.devN, sorts above every
    earlier final release and below the base's final release."""
    base = ".".join(map(str, release))
    preview = Version(preview_version(Version(f"{base}.dev{dev}"), run).version)
    assert preview.is_devrelease and preview.dev == run
    assert preview.release == Version(base).release
    assert preview.pre is None and preview.post is None and preview.local is None
    assert preview < Version(base)
    earlier = list(release)
    for index in reversed(range(len(earlier))):
        if earlier[index] > 0:
            earlier[index] -= 1
            assert preview > Version(".".join(map(str, earlier)))
            assert preview > Version(".".join(map(str, earlier)) + ".post99")
            break


@given(release=releases, run_a=st.integers(1, 10**6), run_b=st.integers(1, 10**6))
def test_later_runs_sort_later(release: tuple[int, ...], run_a: int, run_b: int) -> None:
    base = Version(".".join(map(str, release)) + ".dev0")
    a = Version(preview_version(base, run_a).version)
    b = Version(preview_version(base, run_b).version)
    assert (a < b) == (run_a < run_b)


@pytest.mark.parametrize(("released", "part", "expected"), [
    pytest.param("1.2.3", "patch", "1.2.4.dev0", id="patch"),
    pytest.param("1.2.3", "minor", "1.3.0.dev0", id="minor"),
    pytest.param("1.2.3", "major", "2.0.0.dev0", id="major"),
    pytest.param("1.2", "patch", "1.2.1.dev0", id="two-part"),
    pytest.param("2", "minor", "2.1.0.dev0", id="one-part"),
    pytest.param("1.2.3.4", "patch", "1.2.4.dev0", id="four-part-drops-the-fourth"),
    pytest.param("1.2.3.post1", "patch", "1.2.4.dev0", id="post-release"),
    pytest.param("1!1.2.3", "major", "1!2.0.0.dev0", id="epoch-kept"),
    pytest.param("0.9.9", "patch", "0.9.10.dev0", id="no-carry"),
])
def test_next_dev_after_a_release(released: str, part: str, expected: str) -> None:
    assert str(next_dev(Version(released), part)) == expected


@given(st.tuples(*[st.integers(0, 999)] * 3), st.sampled_from(RELEASE_PARTS))
def test_next_dev_sorts_after_the_release_and_its_previews(
    release: tuple[int, int, int], part: str
) -> None:
    released = Version(".".join(map(str, release)))
    following = next_dev(released, part)
    assert following > released
    assert following.dev == 0 and following.pre is None
    assert following < Version(following.base_version)


def test_next_dev_refuses_an_unknown_part() -> None:
    with pytest.raises(ValueError, match="patch, minor, major"):
        next_dev(Version("1.0.0"), "micro")
