"""version-rewrite on projects that take their version from git tags, in real git repositories:
no file changes, the preview is the next patch after the last release tag, exported through the
plugin's own variable; real `uv build`s take that variable."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.version import Version

from tests.helpers import VENV_BIN, clean_env, run_cli, snapshot
from tests.integration.build_envs import BuildEnvs
from tests.integration.regex_bound import SECONDS, short_regex_bound
from tests.quiet_git import git

HATCH_VCS = """\
[project]
name = "my-pkg"
dynamic = ["version"]

[build-system]
requires = ["hatchling", "hatch-vcs"]
build-backend = "hatchling.build"

[tool.hatch.version]
source = "vcs"
{extra}
[tool.hatch.build.targets.wheel]
packages = ["src/my_pkg"]
"""
SETUPTOOLS_SCM = """\
[project]
name = "My.Pkg_x"
dynamic = ["version"]

[build-system]
requires = ["setuptools>=64", "setuptools-scm>=8"]
build-backend = "setuptools.build_meta"

[tool.setuptools_scm]
{extra}
"""
UV_DYNAMIC = """\
[project]
name = "my-pkg"
dynamic = ["version"]

[build-system]
requires = ["hatchling", "uv-dynamic-versioning"]
build-backend = "hatchling.build"

[tool.hatch.version]
source = "uv-dynamic-versioning"
"""
PDM_SCM = """\
[project]
name = "my-pkg"
dynamic = ["version"]

[build-system]
requires = ["pdm-backend"]
build-backend = "pdm.backend"

[tool.pdm.version]
source = "scm"
"""
POETRY_DYNAMIC = """\
[tool.poetry]
name = "my-pkg"
version = "0.0.0"
description = ""

[tool.poetry-dynamic-versioning]
enable = true

[build-system]
requires = ["poetry-core>=1", "poetry-dynamic-versioning>=1"]
build-backend = "poetry_dynamic_versioning.backend"
"""


def make_repo(root: Path, pyproject: str, tags: tuple[str, ...] = ("v1.4.2",),
              commits_after: int = 1) -> Path:
    """A repository whose first commit carries `tags`, with `commits_after` commits on top."""
    (root / "src/my_pkg").mkdir(parents=True)
    (root / "src/my_pkg/__init__.py").write_text("")
    (root / "pyproject.toml").write_text(pyproject)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "first")
    for tag in tags:
        git(root, "tag", tag)
    for number in range(commits_after):
        (root / "CHANGES").write_text(f"change {number}\n")
        git(root, "add", "-A")
        git(root, "commit", "-qm", f"change {number}")
    return root


def rewrite(root: Path, run_number: str = "9", **inputs: str) -> tuple[int, dict[str, str],
                                                                        dict[str, str], str]:
    result = run_cli("version-rewrite", cwd=root, inputs={"run-number": run_number, **inputs})
    return result.code, result.outputs, result.env, result.log + result.summary


@pytest.mark.parametrize(
    ("pyproject", "variables"),
    [
        pytest.param(HATCH_VCS.format(extra=""), {
            "SETUPTOOLS_SCM_PRETEND_VERSION", "SETUPTOOLS_SCM_PRETEND_VERSION_FOR_MY_PKG",
        }, id="hatch-vcs"),
        pytest.param(SETUPTOOLS_SCM.format(extra=""),
                     {"SETUPTOOLS_SCM_PRETEND_VERSION_FOR_MY_PKG_X"}, id="setuptools-scm"),
        pytest.param(UV_DYNAMIC, {"UV_DYNAMIC_VERSIONING_BYPASS"}, id="uv-dynamic-versioning"),
        pytest.param(PDM_SCM, {"PDM_BUILD_SCM_VERSION"}, id="pdm-backend-scm"),
        pytest.param(POETRY_DYNAMIC, {"POETRY_DYNAMIC_VERSIONING_BYPASS"},
                     id="poetry-dynamic-versioning"),
    ],
)
def test_preview_is_the_next_patch_after_the_last_tag_exported_for_the_build(
    tmp_path: Path, pyproject: str, variables: set[str]
) -> None:
    """Given a project of this plugin tagged v1.4.2 with a commit on top, when run 9 rewrites,
    then no file changes, version is 1.4.3.dev9 and the plugin's variable carries it."""
    root = make_repo(tmp_path, pyproject)
    before = snapshot(root)
    code, outputs, env, log = rewrite(root)
    assert code == 0, log
    assert outputs == {"version": "1.4.3.dev9", "previous-version": "1.4.2", "publish": "true",
                       "reason": ""}
    assert env == dict.fromkeys(variables, "1.4.3.dev9")
    assert snapshot(root) == before
    assert "v1.4.2" in log


def test_highest_final_release_tag_reachable_from_head_wins(tmp_path: Path) -> None:
    """Pre-release tags, tags the plugin does not read and tags on unmerged branches do not
    count."""
    root = make_repo(tmp_path, HATCH_VCS.format(extra=""), tags=("v1.2.0", "v1.10.1"))
    git(root, "tag", "v2.0.0rc1")
    git(root, "tag", "release_9.0.0")
    git(root, "checkout", "-qb", "side")
    git(root, "commit", "-q", "--allow-empty", "-m", "side")
    git(root, "tag", "v3.0.0")
    git(root, "checkout", "-q", "main")
    git(root, "commit", "-q", "--allow-empty", "-m", "on main")
    code, outputs, _, log = rewrite(root, "12")
    assert code == 0, log
    assert outputs["version"] == "1.10.2.dev12"
    assert outputs["previous-version"] == "1.10.1"


def test_tag_prefix_picks_a_monorepo_package_tags(tmp_path: Path) -> None:
    root = make_repo(tmp_path, UV_DYNAMIC, tags=("v7.0.0", "mypkg-v0.3.1"))
    code, outputs, _, log = rewrite(root, "4", **{"tag-prefix": "mypkg-v"})
    assert code == 0, log
    assert outputs["version"] == "0.3.2.dev4"


@pytest.mark.parametrize(
    "pyproject",
    [
        pytest.param(SETUPTOOLS_SCM.format(extra='tag_regex = "^mypkg-(?P<version>[0-9.]+)$"'),
                     id="setuptools-scm-tag_regex"),
        pytest.param(HATCH_VCS.format(extra='tag-pattern = "^mypkg-(?P<version>[0-9.]+)$"\n'),
                     id="hatch-vcs-tag-pattern"),
    ],
)
def test_a_tag_regex_the_project_declares_wins_over_tag_prefix(
    tmp_path: Path, pyproject: str
) -> None:
    root = make_repo(tmp_path, pyproject, tags=("v9.9.9", "mypkg-2.5.0"))
    code, outputs, _, log = rewrite(root, "3")
    assert code == 0, log
    assert outputs["version"] == "2.5.1.dev3"


def test_a_tag_regex_that_does_not_compile_is_a_config_error(tmp_path: Path) -> None:
    root = make_repo(tmp_path, SETUPTOOLS_SCM.format(extra='tag_regex = "^v(?P<version>["'))
    result = run_cli("version-rewrite", cwd=root, inputs={"run-number": "3"})
    assert result.code == 2, result.log
    [error] = result.errors()
    assert "tag_regex" in error and "not a valid regular expression" in error
    assert "Traceback" not in result.log


def test_no_release_tag_is_refused_with_the_tags_seen_and_the_fix(tmp_path: Path) -> None:
    """Publishing 0.1.0.devN from an untagged history would sort below real releases when the
    prefix is merely wrong: refuse, name what was seen and both fixes."""
    root = make_repo(tmp_path, HATCH_VCS.format(extra=""), tags=("release_1.0.0",))
    before = snapshot(root)
    result = run_cli("version-rewrite", cwd=root, inputs={"run-number": "3"})
    assert result.code == 2, result.log
    [error] = result.errors()
    assert "No release tag is reachable from HEAD" in error
    assert "release_1.0.0" in error
    assert "tag-prefix" in error and "v0.0.0" in error
    assert result.outputs == {} and result.env == {}
    assert snapshot(root) == before


def test_the_no_tag_message_lists_the_newest_tags_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given seven old `snap-<letter>` tags and, later, the project's real `pkg_1.2.0` and
    `pkg_1.3.0` (a prefix no rule reads), when no release tag is found, then the message
    shows pkg_1.3.0 and pkg_1.2.0 first, where the prefix the project uses can be seen."""
    root = make_repo(tmp_path, HATCH_VCS.format(extra=""), tags=(), commits_after=0)
    for day, tag in enumerate([*(f"snap-{n}" for n in "abcdefg"), "pkg_1.2.0", "pkg_1.3.0"]):
        monkeypatch.setenv("GIT_COMMITTER_DATE", f"2024-01-{day + 1:02d}T12:00:00Z")
        git(root, "commit", "-q", "--allow-empty", "-m", tag)
        git(root, "tag", tag)
    result = run_cli("version-rewrite", cwd=root, inputs={"run-number": "3"})
    assert result.code == 2, result.log
    [error] = result.errors()
    assert "newest first: pkg_1.3.0, pkg_1.2.0, snap-g, snap-f, snap-e, …" in error


# --- the plugin's own tag rule: a stray tag under another prefix ------------------------------

# twine's shape (pypa/twine): releases tagged `7.0.0`, one old `v5.1.1` among them.
STRAY_TAGS = ("v5.1.1", "7.0.0")
PDM_SCM_PLAIN = PDM_SCM
UV_DYNAMIC_BUMP = UV_DYNAMIC + "\n[tool.uv-dynamic-versioning]\nbump = true\n{extra}"
POETRY_DYNAMIC_BUMP = POETRY_DYNAMIC.replace(
    "enable = true\n", "enable = true\nbump = true\n{extra}")


def stray_repo(root: Path, pyproject: str) -> Path:
    """v5.1.1 on the first commit, 7.0.0 on the second, three commits on top (distance 3 from
    7.0.0, 4 from v5.1.1)."""
    make_repo(root, pyproject, tags=(STRAY_TAGS[0],), commits_after=1)
    git(root, "tag", STRAY_TAGS[1])
    for number in range(3):
        git(root, "commit", "-q", "--allow-empty", "-m", f"after {number}")
    return root


def built_version(root: Path, env: dict[str, str], build_envs: BuildEnvs) -> Version:
    [wheel] = uv_build(root, env, build_envs)
    shutil.rmtree(root / "dist")
    return Version(wheel.split("-")[1])


def notices(log: str) -> list[str]:
    return [line for line in log.splitlines() if line.startswith("::notice")]


@pytest.mark.parametrize(
    "pyproject",
    [
        pytest.param(SETUPTOOLS_SCM.format(extra=""), id="setuptools-scm"),
        pytest.param(HATCH_VCS.format(extra=""), id="hatch-vcs"),
        pytest.param(PDM_SCM_PLAIN, id="pdm-backend-scm"),
        pytest.param(UV_DYNAMIC_BUMP.format(extra='pattern = "default-unprefixed"'),
                     id="uv-dynamic-versioning-unprefixed"),
        pytest.param(POETRY_DYNAMIC_BUMP.format(extra='pattern = "default-unprefixed"\n'),
                     id="poetry-dynamic-versioning-unprefixed"),
    ],
)
def test_a_stray_tag_under_another_prefix_does_not_pick_the_preview(
    tmp_path: Path, pyproject: str, build_envs: BuildEnvs
) -> None:
    """Given releases tagged 7.0.0 and one old stray v5.1.1, and a plugin whose rule reads both,
    when run 3 previews with the default `tag-prefix`, then the preview is 7.0.1.dev3, a
    notice names v5.1.1, and the plugin alone (no variable) builds that same version (its
    distance from 7.0.0 is 3); with the exported variable it builds exactly it."""
    root = stray_repo(tmp_path, pyproject)
    code, outputs, env, log = rewrite(root, "3")
    assert code == 0, log
    assert outputs["version"] == "7.0.1.dev3" and outputs["previous-version"] == "7.0.0"
    [notice] = notices(log)
    assert "v5.1.1" in notice and "follows 7.0.0" in notice
    assert built_version(root, {}, build_envs).public == "7.0.1.dev3"
    assert built_version(root, env, build_envs) == Version("7.0.1.dev3")


@pytest.mark.parametrize(
    "pyproject",
    [
        pytest.param(UV_DYNAMIC_BUMP.format(extra=""), id="uv-dynamic-versioning"),
        pytest.param(POETRY_DYNAMIC_BUMP.format(extra=""), id="poetry-dynamic-versioning"),
    ],
)
def test_dunamai_default_pattern_reads_v_tags_only_as_the_build_does(
    tmp_path: Path, pyproject: str, build_envs: BuildEnvs
) -> None:
    """dunamai's default pattern needs the `v`: the plugin itself builds from v5.1.1, so the
    preview does too (5.1.2.dev4), and a notice says 7.0.0 looks higher but is not read."""
    root = stray_repo(tmp_path, pyproject)
    code, outputs, _, log = rewrite(root, "4")
    assert code == 0, log
    assert outputs["version"] == "5.1.2.dev4"
    [notice] = notices(log)
    assert "7.0.0 looks like a higher release than v5.1.1" in notice
    assert built_version(root, {}, build_envs).public == "5.1.2.dev4"


# --- development tags: pytest's shape ---------------------------------------------------------

# pytest (pytest-dev/pytest) releases from branches (9.1.x carries 9.1.0, 9.1.1); main reaches
# only its old 8.3.0 and the `9.2.0.dev0` it was tagged with when 9.1.x branched.
def pytest_repo(root: Path, pyproject: str) -> Path:
    """8.3.0 on the first commit; 9.1.0 and 9.1.1 on a release branch; main tagged 9.2.0.dev0,
    then two commits (distance 2)."""
    make_repo(root, pyproject, tags=("8.3.0",), commits_after=1)
    git(root, "checkout", "-qb", "9.1.x")
    for tag in ("9.1.0", "9.1.1"):
        git(root, "commit", "-q", "--allow-empty", "-m", f"release {tag}")
        git(root, "tag", tag)
    git(root, "checkout", "-q", "main")
    git(root, "tag", "9.2.0.dev0")
    for number in range(2):
        git(root, "commit", "-q", "--allow-empty", "-m", f"on main {number}")
    return root


def test_a_development_tag_above_the_last_release_names_the_next_release(
    tmp_path: Path, build_envs: BuildEnvs
) -> None:
    """Given pytest's tags, when run 7 previews, then the preview is 9.2.0.dev7 (never 8.3.1,
    which sorts below 9.1.1 on PyPI), a notice says it follows 9.2.0.dev0 over 8.3.0, the
    plugin alone builds a 9.2.0 development release too, and with the variable exactly it."""
    root = pytest_repo(tmp_path, SETUPTOOLS_SCM.format(extra=""))
    code, outputs, env, log = rewrite(root, "7")
    assert code == 0, log
    assert outputs["version"] == "9.2.0.dev7" and outputs["previous-version"] == "9.2.0.dev0"
    [notice] = notices(log)
    assert "follows the development tag 9.2.0.dev0" in notice and "8.3.0" in notice
    alone = built_version(root, {}, build_envs)
    assert alone.release == (9, 2, 0) and alone.dev is not None
    assert built_version(root, env, build_envs) == Version("9.2.0.dev7")


@pytest.mark.parametrize(
    ("tags", "at_head", "expected", "said"),
    [
        # A release tagged after the development tag: the release wins, no notice.
        pytest.param(("v9.2.0.dev0", "v9.2.0"), False, "9.2.1.dev5", None, id="released-since"),
        # Never released: the development tag alone is enough.
        pytest.param(("v0.1.0.dev0",), False, "0.1.0.dev5", "none is reachable", id="first"),
        # HEAD is the development tag's commit: a preview, not a release commit.
        pytest.param(("v1.0.0", "v1.1.0.dev0"), True, "1.1.0.dev5", "higher than v1.0.0",
                     id="at-head"),
    ],
)
def test_development_tags_count_from_the_release_they_name(
    tmp_path: Path, tags: tuple[str, ...], at_head: bool, expected: str, said: str | None
) -> None:
    root = make_repo(tmp_path, HATCH_VCS.format(extra=""), tags=(), commits_after=0)
    for tag in tags:
        git(root, "commit", "-q", "--allow-empty", "-m", f"toward {tag}")
        git(root, "tag", tag)
    if not at_head:
        git(root, "commit", "-q", "--allow-empty", "-m", "after")
    code, outputs, _, log = rewrite(root, "5")
    assert code == 0, log
    assert outputs["publish"] == "true" and outputs["version"] == expected
    if said is None:
        assert notices(log) == []
    else:
        [notice] = notices(log)
        assert said in notice and f"follows the development tag {tags[-1]}" in notice


def test_a_pre_release_tag_above_the_preview_is_a_notice_with_the_way_above_it(
    tmp_path: Path
) -> None:
    """Given v1.9.0 and then v2.0.0rc1 on main, the preview stays 1.9.1.devN (no pre-release
    base without `allow-prerelease-base`), and a notice says `pip install --pre` gets
    v2.0.0rc1 and how to preview above it."""
    root = make_repo(tmp_path, HATCH_VCS.format(extra=""), tags=("v1.9.0",))
    git(root, "tag", "v2.0.0rc1")
    git(root, "commit", "-q", "--allow-empty", "-m", "after the candidate")
    code, outputs, _, log = rewrite(root, "5")
    assert code == 0, log
    assert outputs["version"] == "1.9.1.dev5"
    [notice] = notices(log)
    assert "v2.0.0rc1 is reachable from HEAD and sorts above the preview (1.9.1.devN)" in notice
    assert "`v2.0.0rc2.dev0`" in notice and "allow-prerelease-base: true" in notice


def test_an_explicit_tag_prefix_is_exact(tmp_path: Path) -> None:
    """`tag-prefix: v` given is what it says (monorepos, and users who set it before)."""
    root = stray_repo(tmp_path, SETUPTOOLS_SCM.format(extra=""))
    code, outputs, _, log = rewrite(root, "4", **{"tag-prefix": "v"})
    assert code == 0, log
    assert outputs["version"] == "5.1.2.dev4"
    assert notices(log) == []


@pytest.mark.parametrize(
    ("pyproject", "tags", "expected"),
    [
        pytest.param(HATCH_VCS.format(extra='raw-options = { git_describe_command = '
                                      '"git describe --dirty --tags --long --match [0-9]*" }\n'),
                     ("5.1.1", "v7.0.0"), "5.1.2.dev4", id="hatch-vcs-raw-options-match"),
        pytest.param(SETUPTOOLS_SCM.format(extra='[tool.setuptools_scm.scm.git]\n'
                                           'describe_command = "git describe --dirty --tags '
                                           '--long --match [0-9]*"'),
                     ("5.1.1", "v7.0.0"), "5.1.2.dev4", id="setuptools-scm-describe-match"),
        pytest.param(PDM_SCM + 'tag_filter = "[0-9]*"\n', ("5.1.1", "v7.0.0"), "5.1.2.dev4",
                     id="pdm-tag_filter"),
        pytest.param(PDM_SCM + 'tag_filter = "rel/*"\ntag_regex = "^rel/(?P<version>[0-9.]+)$"\n',
                     ("rel/5.1.1", "7.0.0"), "5.1.2.dev4", id="pdm-tag_regex"),
        pytest.param(UV_DYNAMIC_BUMP.format(extra='pattern-prefix = "pkg-"'),
                     ("pkg-v5.1.1", "v7.0.0"), "5.1.2.dev4", id="uv-dynamic-pattern-prefix"),
    ],
)
def test_the_tag_settings_a_project_declares_are_read_as_its_plugin_reads_them(
    tmp_path: Path, pyproject: str, tags: tuple[str, str], expected: str, build_envs: BuildEnvs
) -> None:
    """Given a project whose settings make its plugin read the old tag only, the preview
    follows the old tag, and the plugin alone builds the same version (distance 4). No
    notice: the project chose which tags count."""
    make_repo(tmp_path, pyproject, tags=(tags[0],), commits_after=1)
    git(tmp_path, "tag", tags[1])
    for number in range(3):
        git(tmp_path, "commit", "-q", "--allow-empty", "-m", f"after {number}")
    code, outputs, _, log = rewrite(tmp_path, "4")
    assert code == 0, log
    assert outputs["version"] == expected
    assert notices(log) == []
    assert built_version(tmp_path, {}, build_envs).public == expected


def test_a_catastrophic_tag_regex_is_refused_in_bounded_time(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Given a tag_regex that backtracks exponentially on a tag of the repository, when the
    preview is computed, then it stops within the bound, names the pattern and exports
    nothing (before the bound it hung for ever)."""
    pattern = "^(v+)+$"
    root = make_repo(tmp_path, SETUPTOOLS_SCM.format(extra=f'tag_regex = "{pattern}"'),
                     tags=("v" * 40 + "1x", "v1.0.0"))
    before = snapshot(root)
    started = time.monotonic()
    result = run_cli("version-rewrite", cwd=root, inputs={"run-number": "3"}, timeout=60,
                     env=short_regex_bound(tmp_path_factory.mktemp("bound")))
    assert time.monotonic() - started < 30
    assert result.code == 2, result.log
    [error] = result.errors()
    assert "tag_regex" in error and repr(pattern) in error and "backtracks" in error
    assert f"no answer within {SECONDS:g} s" in error, error
    assert result.outputs == {} and result.env == {}
    assert snapshot(root) == before
    assert "Traceback" not in result.log


def test_head_at_the_release_tag_skips(tmp_path: Path) -> None:
    root = make_repo(tmp_path, HATCH_VCS.format(extra=""), commits_after=0)
    code, outputs, env, log = rewrite(root)
    assert code == 0, log
    assert outputs["publish"] == "false"
    assert outputs["version"] == "1.4.2"
    assert "tag pipeline" in outputs["reason"]
    assert env == {}


def test_dry_run_exports_nothing(tmp_path: Path) -> None:
    root = make_repo(tmp_path, UV_DYNAMIC)
    code, outputs, env, log = rewrite(root, "5", **{"dry-run": "true"})
    assert code == 0, log
    assert outputs["version"] == "1.4.3.dev5"
    assert env == {}
    assert "would export UV_DYNAMIC_VERSIONING_BYPASS=1.4.3.dev5" in log


def test_extra_files_of_a_vcs_project_get_the_preview_version(tmp_path: Path) -> None:
    root = make_repo(tmp_path, HATCH_VCS.format(extra=""))
    (root / "CITATION.cff").write_text("title: x\nversion: v0.0.0\n")
    code, _, _, log = rewrite(root, "6", **{"extra-files": "CITATION.cff"})
    assert code == 0, log
    assert (root / "CITATION.cff").read_text() == "title: x\nversion: v1.4.3.dev6\n"


def test_not_a_git_checkout_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(HATCH_VCS.format(extra=""))
    result = run_cli("version-rewrite", cwd=tmp_path, inputs={"run-number": "3"})
    assert result.code == 2
    [error] = result.errors()
    assert "not a git checkout" in error and "fetch-depth: 0" in error


# --- shallow checkouts (actions/checkout's default fetch-depth: 1) ----------------------------


def shallow_clone(tmp_path: Path) -> tuple[Path, Path]:
    origin = make_repo(tmp_path / "origin", HATCH_VCS.format(extra=""), commits_after=3)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-tags", f"file://{origin}", str(clone))
    assert git(clone, "tag") == ""
    return origin, clone


def test_a_shallow_checkout_fetches_history_and_tags(tmp_path: Path) -> None:
    _, clone = shallow_clone(tmp_path)
    code, outputs, _, log = rewrite(clone, "21")
    assert code == 0, log
    assert outputs["version"] == "1.4.3.dev21"
    assert git(clone, "rev-parse", "--is-shallow-repository") == "false"


def test_a_shallow_checkout_without_origin_names_fetch_depth(tmp_path: Path) -> None:
    _, clone = shallow_clone(tmp_path)
    git(clone, "remote", "set-url", "origin", str(tmp_path / "gone"))
    result = run_cli("version-rewrite", cwd=clone, inputs={"run-number": "3"})
    assert result.code == 2, result.log
    [error] = result.errors()
    assert "shallow" in error and "fetch-depth: 0" in error


# --- real builds take the exported version -----------------------------------------------------


@pytest.fixture(scope="module")
def build_envs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuildEnvs]:
    yield BuildEnvs(tmp_path_factory.mktemp("build-envs"))


def uv_build(root: Path, env: dict[str, str], build_envs: BuildEnvs) -> list[str]:
    """`uv build --wheel` as the publish step would run it (build requirements from PyPI, in an
    environment made once per requires list); the wheel names built."""
    build = build_envs.uv_build(root, "--wheel", "--quiet", env=env)
    assert build.returncode == 0, build.stderr[-3000:]
    return sorted(path.name for path in (root / "dist").glob("*.whl"))


@pytest.mark.parametrize(
    ("pyproject", "wheel"),
    [
        pytest.param(HATCH_VCS.format(extra=""), "my_pkg-1.4.3.dev9-py2.py3-none-any.whl",
                     id="hatch-vcs"),
        pytest.param(SETUPTOOLS_SCM.format(extra=""), "my_pkg_x-1.4.3.dev9-py3-none-any.whl",
                     id="setuptools-scm"),
    ],
)
def test_uv_build_with_the_exported_variable_builds_the_preview(
    tmp_path: Path, pyproject: str, wheel: str, build_envs: BuildEnvs
) -> None:
    """Without the variable the plugin would build 1.4.3.dev1+g<sha> (distance 1); with what
    version-rewrite exported, the wheel is exactly the preview version."""
    root = make_repo(tmp_path, pyproject)
    code, _, env, log = rewrite(root)
    assert code == 0, log
    assert uv_build(root, env, build_envs) == [wheel]


# --- on a laptop: GITHUB_ENV unset ------------------------------------------------------------


def test_outside_actions_it_prints_the_exports_and_claims_none(
    tmp_path: Path, build_envs: BuildEnvs
) -> None:
    """Given a hatch-vcs project on a laptop (no GITHUB_ENV), version-rewrite says nothing was
    exported and prints the `export` lines to run; run as printed, a real build then carries
    the preview version."""
    root = make_repo(tmp_path, HATCH_VCS.format(extra=""))
    result = run_cli("version-rewrite", cwd=root, inputs={"run-number": "9"}, actions=False)
    assert result.code == 0, result.log
    claims = re.findall(r"(?<!not )(?<!was )exported \S+", result.stderr)
    assert claims == [], claims
    assert "(GITHUB_ENV)" not in result.stderr
    exports = [line.strip() for line in result.stderr.splitlines()
               if line.strip().startswith("export ")]
    assert exports == ["export SETUPTOOLS_SCM_PRETEND_VERSION=1.4.3.dev9",
                       "export SETUPTOOLS_SCM_PRETEND_VERSION_FOR_MY_PKG=1.4.3.dev9"]
    flags = shlex.join(build_envs.flags(root))
    script = "\n".join([*exports,
                        f"{VENV_BIN / 'uv'} build --wheel --quiet --out-dir dist {flags}"])
    subprocess.run(["bash", "-e", "-c", script], cwd=root, env=clean_env(), check=True,
                   capture_output=True, timeout=300)
    assert [p.name for p in (root / "dist").glob("*.whl")] == [
        "my_pkg-1.4.3.dev9-py2.py3-none-any.whl"]


def test_publish_names_the_missing_override_when_the_build_carries_a_local_part(
    tmp_path: Path, build_envs: BuildEnvs
) -> None:
    """Given the laptop run above without the exports, publish builds 1.4.3.dev1+g<sha>: the
    refusal says the override variable was not set, not that the version was changed."""
    root = make_repo(tmp_path, HATCH_VCS.format(extra=""))
    result = run_cli("publish", cwd=root, actions=False, inputs={
        "channel": "preview", "expected-version": "1.4.3.dev9", "dry-run": "true",
        "skip-checks": "sdist-contents"}, env=build_envs.environment(root))
    assert result.code == 1, result.log
    [error] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert "+g" in error and "override variable" in error and "export" in error
    assert "probably changed" not in error
