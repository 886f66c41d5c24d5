"""bump-dev against real git (a bare `origin`, the maintainers' clone, the job's shallow checkout
of the tag) and the local GitHub stand-in for the pull request, run as the runner runs it."""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from release_actions.bump import basic_credential
from release_actions.rehearsal.git_http import GitOrigin, git_origin
from release_actions.rehearsal.github_api import FakeGitHub, fake_github
from tests.helpers import Result, run_cli, snapshot
from tests.quiet_git import git

TOKEN = "ghs_bumpDevTestToken0123456789"
EXPECTED = f"Basic {basic_credential(TOKEN)}"
REPOSITORY = "acme/mypkg"
HEAD = "release-actions/bump-v1.2.4.dev0"
PYPROJECT = """[project]
name = "mypkg"
# the next public version
version = '{version}'
dependencies = ["idna>=3"]
"""
LOCK = """version = 1
revision = 2
requires-python = ">=3.10"

[[package]]
name = "idna"
version = "1.2.3"
source = {{ registry = "https://pypi.org/simple" }}
sdist = {{ url = "https://files.example/idna-1.2.3.tar.gz", hash = "sha256:00", size = 1 }}

[[package]]
name = "mypkg"
version = "{version}"
source = {{ editable = "." }}
dependencies = [
    {{ name = "idna" }},
]

[package.metadata]
requires-dist = [{{ name = "idna", specifier = ">=3" }}]
"""


@dataclass
class Project:
    """origin (bare), the maintainers' clone, and the job's checkout of the released tag."""

    root: Path

    @property
    def origin(self) -> Path:
        return self.root / "origin.git"

    @property
    def work(self) -> Path:
        return self.root / "maintainer"

    @property
    def job(self) -> Path:
        return self.root / "job"

    def commit(self, version: str, note: str = "", *, lock: bool = True) -> str:
        (self.work / "pyproject.toml").write_text(PYPROJECT.format(version=version))
        if lock:
            (self.work / "uv.lock").write_text(LOCK.format(version=version))
        (self.work / "NOTES").write_text(f"{version} {note}\n")
        git(self.work, "add", "-A")
        git(self.work, "commit", "--quiet", "-m", f"{version} {note}")
        git(self.work, "push", "--quiet", "origin", "HEAD:refs/heads/main")
        return git(self.work, "rev-parse", "HEAD")

    def release(self, version: str) -> str:
        sha = self.commit(version, "release")
        git(self.work, "tag", "-a", "-m", f"v{version}", f"v{version}")
        git(self.work, "push", "--quiet", "origin", f"v{version}")
        return sha

    def check_out_tag(self, tag: str) -> None:
        """As actions/checkout does on a tag push: shallow, detached, no stored credentials."""
        git(self.root, "clone", "--quiet", "--depth", "1", "--branch", tag,
            self.origin.as_uri(), str(self.job))

    def origin_commit(self, ref: str) -> str | None:
        found = git(self.origin, "for-each-ref", "--format=%(objectname)", ref)
        return found or None


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """origin and the maintainers' clone with main at 1.2.3.dev0, made once per module."""
    root = tmp_path_factory.mktemp("started")
    project = Project(root)
    git(root, "init", "--quiet", "--bare", str(project.origin))
    # origin stands in for GitHub: its gc after a push is none of bump-dev's (nor of the test).
    git(project.origin, "config", "receive.autogc", "false")
    git(root, "clone", "--quiet", project.origin.as_uri(), str(project.work))
    project.commit("1.2.3.dev0", "start")
    return project


# A project after `released_and_moved_on`, and main's tip.
MovedOn = tuple[Project, str]


def copy_project(template: Project, root: Path) -> Project:
    """A copy of `template` of the test's own: its clones' `origin` is the copy's origin."""
    shutil.copytree(template.root, root, symlinks=True, dirs_exist_ok=True)
    project = Project(root)
    for clone in (project.work, project.job):
        config = clone / ".git/config"
        if config.exists():
            config.write_text(config.read_text().replace(template.origin.as_uri(),
                                                         project.origin.as_uri()))
    return project


@pytest.fixture
def project(tmp_path: Path, started: Project) -> Project:
    return copy_project(started, tmp_path)


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with fake_github() as fake:
        yield fake


def bump(project: Project, github: FakeGitHub, **inputs: str) -> Result:
    return run_cli(
        "bump-dev", cwd=project.job,
        inputs={"tag": "v1.2.3", "github-token": TOKEN, **inputs},
        env={"GITHUB_REPOSITORY": REPOSITORY, "GITHUB_API_URL": github.url},
    )


def released_and_moved_on(project: Project) -> str:
    """v1.2.3 is tagged, then main gains a commit before bump-dev runs; returns main's tip."""
    project.release("1.2.3")
    project.check_out_tag("v1.2.3")
    return project.commit("1.2.3", "a fix merged after the tag")


@pytest.fixture(scope="module")
def moved_on_template(tmp_path_factory: pytest.TempPathFactory,
                      started: Project) -> MovedOn:
    """`released_and_moved_on` of a started project, made once per module."""
    project = copy_project(started, tmp_path_factory.mktemp("moved-on"))
    return project, released_and_moved_on(project)


@pytest.fixture
def moved_on(tmp_path: Path, moved_on_template: MovedOn) -> MovedOn:
    """A copy of `moved_on_template` of the test's own, and main's tip."""
    template, tip = moved_on_template
    return copy_project(template, tmp_path), tip


def test_opens_a_pull_request_built_on_mains_tip(moved_on: MovedOn, github: FakeGitHub) -> None:
    """Given v1.2.3 released and main moved on since, when bump-dev runs in the tag's checkout,
    then a branch on origin holds main's tip + one commit moving both declarations to 1.2.4.dev0,
    and one pull request into main is opened."""
    project, tip = moved_on
    job_before = snapshot(project.job)
    job_head = git(project.job, "rev-parse", "HEAD")

    result = bump(project, github)

    assert result.code == 0, result.log
    assert result.outputs == {"version": "1.2.4.dev0",
                              "pr-url": f"https://github.com/{REPOSITORY}/pull/1", "reason": ""}
    pushed = project.origin_commit(f"refs/heads/{HEAD}")
    assert pushed is not None
    assert git(project.origin, "rev-parse", f"{pushed}^") == tip
    changed = git(project.origin, "diff", "--name-only", tip, pushed).split()
    assert sorted(changed) == ["pyproject.toml", "uv.lock"]
    assert git(project.origin, "log", "-1", "--format=%an <%ae>", pushed) == (
        "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>")
    assert [(p["head"], p["base"], p["state"]) for p in github.pulls] == [(HEAD, "main", "open")]
    assert "v1.2.3" in github.pulls[0]["title"] and "1.2.4.dev0" in github.pulls[0]["title"]
    assert github.authorizations[-1] == f"token {TOKEN}"
    # The job's checkout is as it was: same commit, same files, no worktree left behind.
    assert git(project.job, "rev-parse", "HEAD") == job_head
    assert snapshot(project.job) == job_before
    assert len(git(project.job, "worktree", "list").splitlines()) == 1
    assert "pull/1" in result.summary


def test_rewrites_only_the_version_bytes(moved_on: MovedOn, github: FakeGitHub) -> None:
    """The project file keeps its quoting and comment; uv.lock changes in the project's own
    entry only (idna's equal version stays), every other byte as it was."""
    project, tip = moved_on

    assert bump(project, github).code == 0
    pyproject = git(project.origin, "show", f"{HEAD}:pyproject.toml") + "\n"
    lock = git(project.origin, "show", f"{HEAD}:uv.lock") + "\n"
    assert pyproject == PYPROJECT.format(version="1.2.4.dev0")
    expected_lock = LOCK.format(version="1.2.3").replace(
        'name = "mypkg"\nversion = "1.2.3"', 'name = "mypkg"\nversion = "1.2.4.dev0"')
    assert lock == expected_lock
    assert lock.count('version = "1.2.3"') == 1  # idna's
    assert git(project.origin, "show", f"{tip}:NOTES") == git(project.origin, "show",
                                                              f"{HEAD}:NOTES")


def test_a_rerun_updates_the_same_branch_and_pull_request(
    moved_on: MovedOn, github: FakeGitHub
) -> None:
    """Given bump-dev already ran, when the release job is re-run, then the branch holds the
    same commit and the open pull request is updated, never a second one opened."""
    project, _ = moved_on
    first = bump(project, github)
    pushed = project.origin_commit(f"refs/heads/{HEAD}")

    again = bump(project, github)

    assert again.code == 0, again.log
    assert again.outputs["pr-url"] == first.outputs["pr-url"]
    assert project.origin_commit(f"refs/heads/{HEAD}") == pushed
    assert len(github.pulls) == 1
    assert "PATCH /repos/acme/mypkg/pulls/1" in github.requests
    assert github.requests.count("POST /repos/acme/mypkg/pulls") == 1


def test_a_rerun_after_main_moved_again_rebuilds_on_the_new_tip(
    moved_on: MovedOn, github: FakeGitHub
) -> None:
    project, _ = moved_on
    bump(project, github)
    newer = project.commit("1.2.3", "another fix")

    again = bump(project, github)

    assert again.code == 0, again.log
    assert git(project.origin, "rev-parse", f"{HEAD}^") == newer
    assert len(github.pulls) == 1


def test_main_already_bumped_pushes_nothing(project: Project, github: FakeGitHub) -> None:
    """Given main already holds 1.2.4.dev0 (or later), bump-dev exits 0 with the reason, no
    branch and no pull request."""
    project.release("1.2.3")
    project.check_out_tag("v1.2.3")
    project.commit("1.3.0.dev0", "bumped by hand")

    result = bump(project, github)

    assert result.code == 0, result.log
    assert "already holds 1.3.0.dev0" in result.outputs["reason"]
    assert result.outputs["pr-url"] == ""
    assert project.origin_commit(f"refs/heads/{HEAD}") is None
    assert github.requests == []


@pytest.mark.parametrize(("part", "expected"), [
    pytest.param("minor", "1.3.0.dev0", id="minor"),
    pytest.param("major", "2.0.0.dev0", id="major"),
])
def test_part_picks_the_next_version(
    moved_on: MovedOn, github: FakeGitHub, part: str, expected: str
) -> None:
    project, _ = moved_on

    result = bump(project, github, part=part)

    assert result.code == 0, result.log
    assert result.outputs["version"] == expected
    branch = f"release-actions/bump-v{expected}"
    assert f"version = '{expected}'" in git(project.origin, "show", f"{branch}:pyproject.toml")


def test_dry_run_decides_and_pushes_nothing(moved_on: MovedOn, github: FakeGitHub) -> None:
    project, _ = moved_on

    result = bump(project, github, **{"dry-run": "true", "github-token": ""})

    assert result.code == 0, result.log
    assert result.outputs == {"version": "1.2.4.dev0", "pr-url": "", "reason": "dry run"}
    assert project.origin_commit(f"refs/heads/{HEAD}") is None
    assert github.requests == []
    assert "uv.lock" in result.summary and "pyproject.toml" in result.summary


def test_vcs_versioned_project_needs_no_bump(project: Project, github: FakeGitHub) -> None:
    project.release("1.2.3")
    project.check_out_tag("v1.2.3")
    (project.work / "uv.lock").unlink()
    (project.work / "pyproject.toml").write_text(
        '[project]\nname = "mypkg"\ndynamic = ["version"]\n\n'
        '[build-system]\nrequires = ["hatchling", "hatch-vcs"]\nbuild-backend = '
        '"hatchling.build"\n\n[tool.hatch.version]\nsource = "vcs"\n')
    git(project.work, "commit", "--quiet", "-am", "versions from tags")
    git(project.work, "push", "--quiet", "origin", "HEAD:refs/heads/main")

    result = bump(project, github)

    assert result.code == 0, result.log
    assert "takes its version from git tags" in result.outputs["reason"]
    assert project.origin_commit(f"refs/heads/{HEAD}") is None


def test_repository_setting_403_is_translated(moved_on: MovedOn, github: FakeGitHub) -> None:
    """Given the repository forbids Actions to create pull requests, bump-dev fails with the
    setting to change; the branch is pushed so the pull request can be opened by hand."""
    project, _ = moved_on
    github.forbid_pull_requests = True

    result = bump(project, github)

    assert result.code == 2, result.log
    [error] = result.errors()
    assert "Allow GitHub Actions to create and approve pull requests" in error
    assert "Workflow permissions" in error
    assert result.outputs["version"] == "1.2.4.dev0" and result.outputs["pr-url"] == ""
    assert result.outputs["reason"].startswith(f"{HEAD} is pushed")
    assert project.origin_commit(f"refs/heads/{HEAD}") is not None
    assert "Traceback" not in result.log


def test_protected_branch_rejection_is_translated(moved_on: MovedOn, github: FakeGitHub) -> None:
    """A pre-receive hook answers as GitHub does for a protected branch (GH006)."""
    project, _ = moved_on
    hook = project.origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'error: GH006: Protected branch update failed for "
                    "refs/heads/release-actions/bump-v1.2.4.dev0.' >&2\nexit 1\n")
    hook.chmod(0o755)

    result = bump(project, github)

    assert result.code == 2, result.log
    [error] = result.errors()
    assert "branch protection rule or ruleset" in error and "release-actions/bump-*" in error
    assert github.requests == []


def test_the_token_is_never_stored_or_printed(moved_on: MovedOn, github: FakeGitHub) -> None:
    project, _ = moved_on

    result = bump(project, github)

    assert result.code == 0, result.log
    printed = [line for line in result.log.splitlines() if not line.startswith("::add-mask::")]
    assert f"::add-mask::{TOKEN}" in result.log.splitlines()
    assert not any(TOKEN in line for line in printed)
    assert TOKEN not in (project.job / ".git" / "config").read_text()
    assert all(TOKEN not in value for value in result.outputs.values())


@pytest.mark.parametrize(("inputs", "expected"), [
    pytest.param({"tag": "v1.3.0rc1"}, "is not a final release", id="pre-release"),
    pytest.param({"tag": "v1.2.4.dev0"}, "is not a final release", id="dev"),
    pytest.param({"tag": "release-1.2.3"}, "does not start with the tag prefix", id="prefix"),
    pytest.param({"tag": "v1.2.x"}, "not a valid PEP 440 version", id="not-pep440"),
    pytest.param({"tag": ""}, "is empty", id="empty"),
    pytest.param({"part": "huge"}, "must be one of patch, minor, major", id="part"),
    pytest.param({"github-token": ""}, "github-token` is empty", id="no-token"),
    pytest.param({"branch": "-main"}, "not a plain git ref name", id="branch"),
])
def test_bad_input_is_exit_2_and_changes_nothing(
    moved_on: MovedOn, github: FakeGitHub, inputs: dict[str, str], expected: str
) -> None:
    project, _ = moved_on
    refs_before = git(project.origin, "for-each-ref")
    job_before = snapshot(project.job)

    result = bump(project, github, **inputs)

    assert result.code == 2, result.log
    [error] = result.errors()
    assert expected in error
    assert git(project.origin, "for-each-ref") == refs_before
    assert snapshot(project.job) == job_before
    assert github.requests == []
    assert "Traceback" not in result.log


def test_no_branch_on_origin_is_a_config_error(moved_on: MovedOn, github: FakeGitHub) -> None:
    project, _ = moved_on

    result = bump(project, github, branch="trunk")

    assert result.code == 2, result.log
    [error] = result.errors()
    assert "origin/trunk" in error


# --- origin over HTTP, wanting the token as GitHub does ----------------------------------------


@pytest.fixture
def http_origin(project: Project) -> Iterator[GitOrigin]:
    """The same origin, served over smart HTTP as a private repository (every git command needs
    the token, which may write); the job's checkout is cloned from that URL."""
    with git_origin({REPOSITORY: project.origin}, {TOKEN: {"contents": "write"}},
                    public=False) as server:
        yield server


def check_out_over_http(project: Project, server: GitOrigin, tag: str) -> None:
    header = f"http.extraheader=Authorization: {EXPECTED}"
    git(project.root, "-c", header, "clone", "--quiet", "--depth", "1", "--branch", tag,
        server.repository_url(REPOSITORY), str(project.job))


def test_the_token_reaches_only_the_git_commands_that_need_it(
    project: Project, github: FakeGitHub, http_origin: GitOrigin
) -> None:
    """Given an origin that refuses anonymous git, bump-dev fetches and pushes with the token
    as basic auth, and the checkout's configuration never holds it."""
    project.release("1.2.3")
    check_out_over_http(project, http_origin, "v1.2.3")
    tip = project.commit("1.2.3", "moved on")
    seen_before = len(http_origin.authorizations)

    result = bump(project, github)

    assert result.code == 0, result.log
    assert git(project.origin, "rev-parse", f"{HEAD}^") == tip
    sent = {value.lower() for value in http_origin.authorizations[seen_before:]}
    assert sent == {EXPECTED.lower()}
    config = (project.job / ".git" / "config").read_text()
    assert TOKEN not in config and basic_credential(TOKEN) not in config


def test_a_persisted_credential_is_replaced_for_the_push(
    project: Project, github: FakeGitHub, http_origin: GitOrigin
) -> None:
    """actions/checkout with `persist-credentials: true` leaves another token's header in
    .git/config; git would send both. bump-dev's one header replaces it."""
    project.release("1.2.3")
    check_out_over_http(project, http_origin, "v1.2.3")
    project.commit("1.2.3", "moved on")
    url = http_origin.repository_url(REPOSITORY)
    stale = base64.b64encode(b"x-access-token:ghs_stale").decode()
    git(project.job, "config", f"http.{url}.extraheader", f"AUTHORIZATION: basic {stale}")
    seen_before = len(http_origin.authorizations)

    result = bump(project, github)

    assert result.code == 0, result.log
    sent = {value.lower() for value in http_origin.authorizations[seen_before:]}
    assert sent == {EXPECTED.lower()}


def test_a_token_without_write_access_is_translated(
    project: Project, github: FakeGitHub, http_origin: GitOrigin
) -> None:
    project.release("1.2.3")
    check_out_over_http(project, http_origin, "v1.2.3")
    project.commit("1.2.3", "moved on")
    http_origin.tokens[TOKEN] = {}  # permissions: {} on a private repository: not even read

    result = bump(project, github)

    assert result.code == 2, result.log
    [error] = result.errors()
    assert "origin/main" in error
    assert "contents: read" in error


def test_a_token_that_may_read_but_not_push_is_translated(
    project: Project, github: FakeGitHub, http_origin: GitOrigin
) -> None:
    project.release("1.2.3")
    check_out_over_http(project, http_origin, "v1.2.3")
    project.commit("1.2.3", "moved on")
    http_origin.tokens[TOKEN] = {"contents": "read"}

    result = bump(project, github)

    assert result.code == 2, result.log
    [error] = result.errors()
    assert "may not push" in error and "contents: write" in error
    assert f"Permission to {REPOSITORY}.git denied to github-actions[bot]" in error
    assert project.origin_commit(f"refs/heads/{HEAD}") is None
    assert github.requests == []


def test_git_configuration_from_the_environment_is_kept(
    moved_on: MovedOn, github: FakeGitHub
) -> None:
    """Given the runner maps origin's https URL to another place through GIT_CONFIG_COUNT (as
    the demo does), the token's header is added after those settings, not instead of them."""
    project, _ = moved_on
    url = "https://github.example/acme/mypkg.git"
    git(project.job, "remote", "set-url", "origin", url)

    result = run_cli(
        "bump-dev", cwd=project.job, inputs={"tag": "v1.2.3", "github-token": TOKEN},
        env={"GITHUB_REPOSITORY": REPOSITORY, "GITHUB_API_URL": github.url,
             "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": f"url.{project.origin}.insteadOf",
             "GIT_CONFIG_VALUE_0": url},
    )

    assert result.code == 0, result.log
    assert project.origin_commit(f"refs/heads/{HEAD}") is not None


def test_a_project_in_a_subfolder_of_a_monorepo(project: Project, github: FakeGitHub) -> None:
    """`path` names the project's folder; the tag carries the package's prefix; the branch is
    named after both, so two packages' bumps never share a branch."""
    folder = project.work / "packages" / "mypkg"
    folder.mkdir(parents=True)
    git(project.work, "mv", "pyproject.toml", "uv.lock", "packages/mypkg/")
    (folder / "pyproject.toml").write_text(PYPROJECT.format(version="1.2.3"))
    (folder / "uv.lock").write_text(LOCK.format(version="1.2.3"))
    git(project.work, "add", "-A")
    git(project.work, "commit", "--quiet", "-m", "mypkg 1.2.3")
    git(project.work, "tag", "mypkg-v1.2.3")
    git(project.work, "push", "--quiet", "origin", "HEAD:refs/heads/main", "mypkg-v1.2.3")
    project.check_out_tag("mypkg-v1.2.3")

    result = run_cli(
        "bump-dev", cwd=project.job,
        inputs={"tag": "refs/tags/mypkg-v1.2.3", "tag-prefix": "mypkg-v",
                "path": "packages/mypkg", "github-token": TOKEN},
        env={"GITHUB_REPOSITORY": REPOSITORY, "GITHUB_API_URL": github.url},
    )

    assert result.code == 0, result.log
    head = "release-actions/bump-mypkg-v1.2.4.dev0"
    changed = git(project.origin, "diff", "--name-only", "main", head).split()
    assert sorted(changed) == ["packages/mypkg/pyproject.toml", "packages/mypkg/uv.lock"]
    assert [p["head"] for p in github.pulls] == [head]


def test_a_broken_project_file_on_main_is_named_as_mains(
    project: Project, github: FakeGitHub
) -> None:
    """A fault in main's files is reported against origin/main, never the temp worktree."""
    project.release("1.2.3")
    project.check_out_tag("v1.2.3")
    (project.work / "pyproject.toml").write_text('[project]\nname = "mypkg"\nversion = 1.2\n')
    git(project.work, "commit", "--quiet", "-am", "a bad merge")
    git(project.work, "push", "--quiet", "origin", "HEAD:refs/heads/main")

    result = bump(project, github)

    assert result.code == 2, result.log
    [error] = result.errors()
    assert "(on origin/main)" in error and "must be a string" in error
    assert "bump-dev-" not in error  # the temp folder's name
    assert project.origin_commit(f"refs/heads/{HEAD}") is None


def _with_extra_files(project: Project, citation: str) -> None:
    (project.work / "CITATION.cff").write_text(f"cff-version: 1.2.0\nversion: {citation}\n")
    (project.work / "src" / "mypkg").mkdir(parents=True)
    (project.work / "src" / "mypkg" / "__init__.py").write_text('__version__ = "1.2.3"\n')


EXTRA_FILES = "CITATION.cff\nsrc/mypkg/__init__.py"


def test_extra_files_move_to_the_next_dev0_with_the_rest(
    project: Project, github: FakeGitHub
) -> None:
    """Given a project that also keeps its version in CITATION.cff and its module, when bump-dev
    runs with `extra-files`, then the branch moves every place to 1.2.4.dev0 (one left behind
    would make the next preview refuse the disagreement)."""
    _with_extra_files(project, "1.2.3")
    tip = released_and_moved_on(project)

    result = bump(project, github, **{"extra-files": EXTRA_FILES})

    assert result.code == 0, result.log
    changed = git(project.origin, "diff", "--name-only", tip, HEAD).split()
    assert sorted(changed) == ["CITATION.cff", "pyproject.toml", "src/mypkg/__init__.py",
                               "uv.lock"]
    assert git(project.origin, "show", f"{HEAD}:CITATION.cff") == (
        "cff-version: 1.2.0\nversion: 1.2.4.dev0")
    assert git(project.origin, "show", f"{HEAD}:src/mypkg/__init__.py") == (
        '__version__ = "1.2.4.dev0"')


def test_an_extra_file_that_disagrees_on_main_is_refused(
    project: Project, github: FakeGitHub
) -> None:
    """An extra file that main holds at another version is exit 2, named as main's, and nothing
    is pushed."""
    _with_extra_files(project, "1.2.2")
    released_and_moved_on(project)

    result = bump(project, github, **{"extra-files": EXTRA_FILES})

    assert result.code == 2, result.log
    [error] = result.errors()
    assert "CITATION.cff says 1.2.2" in error and "origin/main" in error, error
    assert project.origin_commit(f"refs/heads/{HEAD}") is None
    assert github.pulls == []
