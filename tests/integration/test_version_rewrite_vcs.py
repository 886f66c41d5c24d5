"""version-rewrite on projects that take their version from git tags, in real git repositories:
no file changes, the preview is the next patch after the last release tag, exported through the
plugin's own variable; real `uv build`s take that variable."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.helpers import VENV_BIN, clean_env, git, run_cli, snapshot

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
    """Pre-release tags, tags of other prefixes and tags on unmerged branches do not count."""
    root = make_repo(tmp_path, HATCH_VCS.format(extra=""), tags=("v1.2.0", "v1.10.1"))
    git(root, "tag", "v2.0.0rc1")
    git(root, "tag", "other-9.0.0")
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
    root = make_repo(tmp_path, HATCH_VCS.format(extra=""), tags=("release-1.0.0",))
    before = snapshot(root)
    result = run_cli("version-rewrite", cwd=root, inputs={"run-number": "3"})
    assert result.code == 2, result.log
    [error] = result.errors()
    assert "No release tag is reachable from HEAD" in error
    assert "release-1.0.0" in error
    assert "tag-prefix" in error and "v0.0.0" in error
    assert result.outputs == {} and result.env == {}
    assert snapshot(root) == before


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


def uv_build(root: Path, env: dict[str, str]) -> list[str]:
    """`uv build --wheel` as the publish step would run it (build requirements from PyPI, kept
    in uv's cache); the wheel names built."""
    subprocess.run(
        [str(VENV_BIN / "uv"), "build", "--wheel", "--quiet", "--out-dir", "dist"],
        cwd=root, env=clean_env(**env), check=True, capture_output=True, timeout=300,
    )
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
    tmp_path: Path, pyproject: str, wheel: str
) -> None:
    """Without the variable the plugin would build 1.4.3.dev1+g<sha> (distance 1); with what
    version-rewrite exported, the wheel is exactly the preview version."""
    root = make_repo(tmp_path, pyproject)
    code, _, env, log = rewrite(root)
    assert code == 0, log
    assert uv_build(root, env) == [wheel]


# --- on a laptop: GITHUB_ENV unset ------------------------------------------------------------


def test_outside_actions_it_prints_the_exports_and_claims_none(tmp_path: Path) -> None:
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
    script = "\n".join([*exports, f"{VENV_BIN / 'uv'} build --wheel --quiet --out-dir dist"])
    subprocess.run(["bash", "-e", "-c", script], cwd=root, env=clean_env(), check=True,
                   capture_output=True, timeout=300)
    assert [p.name for p in (root / "dist").glob("*.whl")] == [
        "my_pkg-1.4.3.dev9-py2.py3-none-any.whl"]


def test_publish_names_the_missing_override_when_the_build_carries_a_local_part(
    tmp_path: Path
) -> None:
    """Given the laptop run above without the exports, publish builds 1.4.3.dev1+g<sha>: the
    refusal says the override variable was not set, not that the version was changed."""
    root = make_repo(tmp_path, HATCH_VCS.format(extra=""))
    result = run_cli("publish", cwd=root, actions=False, inputs={
        "channel": "preview", "expected-version": "1.4.3.dev9", "dry-run": "true",
        "skip-checks": "sdist-contents"})
    assert result.code == 1, result.log
    [error] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert "+g" in error and "override variable" in error and "export" in error
    assert "probably changed" not in error
