"""tag-guard against real git repositories (a bare `origin` and clones of it in tmp dirs) and a
real package index stand-in on 127.0.0.1, run as the runner runs it: a subprocess with INPUT_*
variables and the GITHUB_OUTPUT/GITHUB_STEP_SUMMARY files read back."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from devtools.pypi_server import PypiServer

from release_actions import git as git_wrapper
from tests.helpers import ROOT, Result, clean_env, run_cli
from tests.quiet_git import git

PYPROJECT = """[project]
name = "mypkg"
# the next public version
version = "{version}"
requires-python = ">=3.10"
"""
VERSION_LINE = 4


@dataclass
class Upstream:
    """A project's `origin` (bare) and the maintainers' clone that commits, tags and pushes."""

    root: Path
    branch_name: str = "main"  # the maintainers' clone's branch (switched only through here)

    @property
    def origin(self) -> Path:
        return self.root / "origin.git"

    @property
    def url(self) -> str:
        return self.origin.as_uri()

    @property
    def work(self) -> Path:
        return self.root / "maintainer"

    @classmethod
    def create(cls, root: Path) -> Upstream:
        upstream = cls(root)
        root.mkdir(parents=True, exist_ok=True)
        git(root, "init", "--quiet", "--bare", str(upstream.origin))
        # git drops `-c` settings when it starts receive-pack on a local origin: the origin
        # itself says no gc after a push (housekeeping of the stand-in, not of the project).
        git(upstream.origin, "config", "receive.autogc", "false")
        git(root, "clone", "--quiet", upstream.url, str(upstream.work))
        return upstream

    def copy(self, root: Path) -> Upstream:
        """An independent copy of this (new) upstream at `root`: its clone's `origin` is the
        copy's origin."""
        shutil.copytree(self.root, root, symlinks=True, dirs_exist_ok=True)
        config = root / "maintainer/.git/config"
        config.write_text(config.read_text().replace(self.url, Upstream(root).url))
        return Upstream(root)

    def commit(self, version: str, *, project: str = ".", note: str = "") -> str:
        """Write the project's version (and a note so every commit differs), commit, push."""
        folder = self.work / project
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "pyproject.toml").write_text(PYPROJECT.format(version=version))
        (folder / "NOTES").write_text(f"{version} {note}\n")
        git(self.work, "add", "-A")
        git(self.work, "commit", "--quiet", "-m", f"{version} {note}")
        git(self.work, "push", "--quiet", "origin", f"HEAD:refs/heads/{self.branch_name}")
        return git(self.work, "rev-parse", "HEAD")

    def tag(self, name: str, *, annotated: bool = True) -> None:
        options = ["-a", "-m", f"release {name}"] if annotated else []
        git(self.work, "tag", *options, name)
        git(self.work, "push", "--quiet", "origin", f"refs/tags/{name}")

    def branch(self, name: str) -> None:
        git(self.work, "checkout", "--quiet", "-b", name)
        self.branch_name = name

    def switch(self, name: str) -> None:
        git(self.work, "checkout", "--quiet", name)
        self.branch_name = name

    def checkout(self, tag: str, how: str) -> Path:
        """A consumer's checkout of `tag`: `full` clone, `depth-1` clone, `partial` (blobless)
        clone, or `actions` (what actions/checkout does by default on a tag push: init +
        depth-1 fetch of the tag)."""
        target = self.root / f"checkout-{how}-{tag}"
        if how == "full":
            git(self.root, "clone", "--quiet", self.url, str(target))
            git(target, "checkout", "--quiet", f"refs/tags/{tag}")
        elif how == "depth-1":
            git(self.root, "clone", "--quiet", "--depth", "1", "--branch", tag, self.url,
                str(target))
        elif how == "partial":
            git(self.origin, "config", "uploadpack.allowFilter", "true")
            git(self.root, "clone", "--quiet", "--filter=blob:none", "--no-checkout", self.url,
                str(target))
            git(target, "checkout", "--quiet", f"refs/tags/{tag}")
        elif how == "actions":
            target.mkdir()
            git(target, "init", "--quiet")
            git(target, "remote", "add", "origin", self.url)
            git(target, "fetch", "--quiet", "--no-tags", "--depth=1", "origin",
                f"+refs/tags/{tag}:refs/tags/{tag}")
            git(target, "checkout", "--quiet", f"refs/tags/{tag}")
        else:
            raise AssertionError(how)
        return target


@pytest.fixture(scope="module")
def new_upstream(tmp_path_factory: pytest.TempPathFactory) -> Upstream:
    """An empty origin and its clone, made once per module; each test takes a copy."""
    return Upstream.create(tmp_path_factory.mktemp("new-upstream"))


@pytest.fixture
def upstream(tmp_path: Path, new_upstream: Upstream) -> Upstream:
    return new_upstream.copy(tmp_path)


def guard(checkout: Path, tag: str, *, env: dict[str, str] | None = None,
          **inputs: str) -> Result:
    """`tag-guard` in `checkout` for `tag`, the index check off unless asked for."""
    return run_cli("tag-guard", cwd=checkout, inputs={"tag": tag, "index-url": "", **inputs},
                   env=env)


def assert_refused(result: Result, code: int, *phrases: str) -> str:
    """Exactly one ::error, the exit code, no output at all; returns the error line."""
    assert result.code == code, result.log
    assert result.outputs == {}
    errors = result.errors()
    assert len(errors) == 1, result.log
    for phrase in phrases:
        assert phrase in errors[0], errors[0]
    return errors[0]


# --- containment ------------------------------------------------------------------------------

CHECKOUTS = [
    pytest.param("full", id="full-clone"),
    pytest.param("depth-1", id="depth-1-clone"),
    pytest.param("partial", id="partial-clone"),
    pytest.param("actions", id="actions-checkout-default"),
]


@pytest.mark.parametrize("how", CHECKOUTS)
@pytest.mark.parametrize("annotated", [pytest.param(True, id="annotated"),
                                       pytest.param(False, id="lightweight")])
def test_a_tag_on_main_passes(upstream: Upstream, how: str, annotated: bool) -> None:
    """Given a tag on main's head and a matching version, when tag-guard runs in any kind of
    checkout, then it passes and reports the tag's commit (an annotated tag peeled)."""
    upstream.commit("1.2.2")
    sha = upstream.commit("1.2.3")
    upstream.tag("v1.2.3", annotated=annotated)

    result = guard(upstream.checkout("v1.2.3", how), "v1.2.3")

    assert result.code == 0, result.log
    assert result.outputs == {"version": "1.2.3", "sha": sha, "is-prerelease": "false"}
    assert "on `main`" in result.summary and sha[:12] in result.summary
    assert result.errors() == []


def test_a_vcs_versioned_project_takes_its_version_from_the_tag(upstream: Upstream) -> None:
    """Given a hatch-vcs project (no version in any file), when its tag on main is guarded,
    then it passes: the tag is the version the build will carry."""
    upstream.commit("0.0.0")
    (upstream.work / "pyproject.toml").write_text(
        '[project]\nname = "mypkg"\ndynamic = ["version"]\n\n'
        '[build-system]\nrequires = ["hatchling", "hatch-vcs"]\n'
        'build-backend = "hatchling.build"\n\n[tool.hatch.version]\nsource = "vcs"\n')
    git(upstream.work, "commit", "--quiet", "-am", "version from git tags")
    git(upstream.work, "push", "--quiet", "origin", "HEAD:refs/heads/main")
    upstream.tag("v2.0.1")

    result = guard(upstream.checkout("v2.0.1", "full"), "v2.0.1")

    assert result.code == 0, result.log
    assert result.outputs["version"] == "2.0.1"
    assert "from git tags" in result.summary


def vcs_project(upstream: Upstream, tool: str) -> None:
    """Turn the project into one that takes its version from git tags (`tool`: its table)."""
    upstream.commit("0.0.0")
    (upstream.work / "pyproject.toml").write_text(
        '[project]\nname = "mypkg"\ndynamic = ["version"]\n\n'
        '[build-system]\nrequires = ["hatchling", "hatch-vcs"]\n'
        f'build-backend = "hatchling.build"\n\n{tool}')
    git(upstream.work, "commit", "--quiet", "-am", "version from git tags")
    git(upstream.work, "push", "--quiet", "origin", "HEAD:refs/heads/main")


HATCH_VCS_TOOL = '[tool.hatch.version]\nsource = "vcs"\n'
UV_DYNAMIC_TOOL = '[tool.hatch.version]\nsource = "uv-dynamic-versioning"\n'


@pytest.mark.parametrize(
    ("tool", "tag", "inputs", "outcome"),
    [
        pytest.param(HATCH_VCS_TOOL, "7.0.1", {}, "7.0.1", id="hatch-vcs-bare-tag"),
        pytest.param(HATCH_VCS_TOOL, "v7.0.1", {}, "7.0.1", id="hatch-vcs-v-tag"),
        pytest.param(HATCH_VCS_TOOL, "7.0.1", {"tag-prefix": "v"}, "tag-prefix: v",
                     id="explicit-prefix-is-exact"),
        pytest.param(UV_DYNAMIC_TOOL, "7.0.1", {},
                     "uv-dynamic-versioning's default pattern (vX.Y.Z)", id="dunamai-needs-v"),
        pytest.param(HATCH_VCS_TOOL + 'tag-pattern = "^mypkg-(?P<version>[0-9.]+)$"\n',
                     "v7.0.1", {}, "tag-pattern", id="declared-pattern-refuses"),
        pytest.param(HATCH_VCS_TOOL + 'tag-pattern = "^mypkg-(?P<version>[0-9.]+)$"\n',
                     "mypkg-7.0.1", {}, "7.0.1", id="declared-pattern-reads"),
    ],
)
def test_a_vcs_project_tag_is_read_as_its_plugin_reads_it(
    upstream: Upstream, tool: str, tag: str, inputs: dict[str, str], outcome: str
) -> None:
    """With the default `tag-prefix`, a VCS project's tag passes when its plugin reads a version
    from it (that is what the build will carry) and is refused, naming the rule, when not."""
    vcs_project(upstream, tool)
    upstream.tag(tag)

    result = guard(upstream.checkout(tag, "full"), tag, **inputs)

    if outcome[0].isdigit():
        assert result.code == 0, result.log
        assert result.outputs["version"] == outcome
    else:
        assert_refused(result, 1, tag, outcome)


@pytest.mark.parametrize(
    ("tag", "inputs", "passes"),
    [
        pytest.param("1.2.3", {}, True, id="bare-tag-default"),
        pytest.param("v1.2.3", {}, True, id="v-tag-default"),
        pytest.param("1.2.3", {"tag-prefix": "v"}, False, id="explicit-v-is-exact"),
        pytest.param("release-1.2.3", {}, False, id="other-prefix-default"),
    ],
)
def test_a_static_project_tag_is_v_or_nothing_by_default(
    upstream: Upstream, tag: str, inputs: dict[str, str], passes: bool
) -> None:
    sha = upstream.commit("1.2.3")
    upstream.tag(tag)

    result = guard(upstream.checkout(tag, "full"), tag, **inputs)

    if passes:
        assert result.code == 0, result.log
        assert result.outputs == {"version": "1.2.3", "sha": sha, "is-prerelease": "false"}
    else:
        assert_refused(result, 1, tag, "tag-prefix")


@pytest.mark.parametrize("how", CHECKOUTS)
def test_a_tag_behind_main_passes_once_history_is_fetched(upstream: Upstream, how: str) -> None:
    """Given a tag three commits behind main's head, when the checkout holds only the tag's
    commit (depth 1), then tag-guard fetches main's history instead of a false "not on main"."""
    sha = upstream.commit("1.2.3")
    upstream.tag("v1.2.3")
    for note in ("a", "b", "c"):
        upstream.commit("1.2.4.dev0", note=note)
    checkout = upstream.checkout("v1.2.3", how)

    result = guard(checkout, "v1.2.3")

    assert result.code == 0, result.log
    assert result.outputs["sha"] == sha
    assert git(checkout, "rev-parse", "--is-shallow-repository") == "false"


@pytest.mark.parametrize("how", CHECKOUTS)
def test_a_tag_on_another_branch_is_refused(upstream: Upstream, how: str) -> None:
    """Given a tag whose commit is only on a feature branch, when tag-guard runs, then it
    refuses, naming the commit, the branch and the fix."""
    upstream.commit("1.2.2")
    upstream.branch("feature")
    sha = upstream.commit("1.2.3", note="unreviewed")
    upstream.tag("v1.2.3")

    result = guard(upstream.checkout("v1.2.3", how), "v1.2.3")

    assert_refused(result, 1, sha, "origin/main", "merge the change into main")


def test_the_branch_input_changes_what_must_contain_the_tag(upstream: Upstream) -> None:
    """Given a tag on a maintenance branch, when `branch` names that branch, then it passes."""
    upstream.commit("1.2.2")
    upstream.branch("release-1.2")
    upstream.commit("1.2.3")
    upstream.tag("v1.2.3")
    checkout = upstream.checkout("v1.2.3", "actions")

    assert guard(checkout, "v1.2.3").code == 1
    assert guard(checkout, "v1.2.3", branch="release-1.2").code == 0


def test_a_missing_branch_on_origin_is_refused_with_the_branch_named(upstream: Upstream) -> None:
    upstream.commit("1.2.3")
    upstream.tag("v1.2.3")

    """A branch origin does not have is a configuration error that says so (exit 2), not "git
    could not fetch origin"."""
    result = guard(upstream.checkout("v1.2.3", "full"), "v1.2.3", branch="trunk")

    error = assert_refused(result, 2, "origin has no branch trunk", "Set `branch`")
    assert "could not fetch" not in error


def test_the_tag_is_fetched_when_the_checkout_lacks_it(upstream: Upstream) -> None:
    """Given a depth-1 checkout of main without tags, whose head is the tagged commit, when
    tag-guard runs, then it fetches the tag and passes."""
    sha = upstream.commit("1.2.3")
    upstream.tag("v1.2.3")
    checkout = upstream.root / "no-tags"
    git(upstream.root, "clone", "--quiet", "--depth", "1", "--no-tags", upstream.url,
        str(checkout))

    result = guard(checkout, "v1.2.3")

    assert result.code == 0, result.log
    assert result.outputs["sha"] == sha


def test_a_checkout_of_another_commit_is_refused(upstream: Upstream) -> None:
    """Given a checkout of main's head while the tag points at an older commit, when
    tag-guard runs, then it refuses: the project it reads is not the one released."""
    upstream.commit("1.2.3")
    upstream.tag("v1.2.3")
    upstream.commit("1.2.3", note="later")
    checkout = upstream.root / "main-head"
    git(upstream.root, "clone", "--quiet", upstream.url, str(checkout))

    assert_refused(guard(checkout, "v1.2.3"), 2, "ref: v1.2.3")


def test_a_checkout_behind_the_tag_is_named_as_such_not_as_a_version_mismatch(
    upstream: Upstream
) -> None:
    """Given the tag v1.2.4 on the commit that declares 1.2.4 and a checkout of the commit
    before it (1.2.3), tag-guard says the checkout is not the tag's commit: the tagged commit
    does hold 1.2.4, so a version mismatch would be untrue."""
    upstream.commit("1.2.3")
    upstream.commit("1.2.4")
    upstream.tag("v1.2.4")
    checkout = upstream.checkout("v1.2.4", "full")
    git(checkout, "checkout", "--quiet", "HEAD~1")

    error = assert_refused(guard(checkout, "v1.2.4"), 2, "not the tag's commit",
                           "git checkout v1.2.4")
    assert "mismatch" not in error


def test_on_a_laptop_it_says_before_fetching_and_keeps_gits_lines_out(
    upstream: Upstream
) -> None:
    """Given a depth-1 clone of a tag behind main, run outside Actions: tag-guard says, before
    it changes the clone, that it fetches main and unshallows it, and relays none of git's own
    `From ...` lines; in Actions, git's lines are folded in a group."""
    upstream.commit("1.2.3")
    upstream.tag("v1.2.3")
    upstream.commit("1.2.4.dev0", note="after")
    laptop = upstream.checkout("v1.2.3", "depth-1")
    actions = upstream.checkout("v1.2.3", "actions")

    local = run_cli("tag-guard", cwd=laptop, inputs={"tag": "v1.2.3", "index-url": ""},
                    actions=False)
    in_actions = guard(actions, "v1.2.3")

    assert local.code == 0, local.log
    said = local.stderr.splitlines()[0]
    assert said.startswith("Fetching main from origin into this clone") and "shallow" in said
    assert not [line for line in local.stderr.splitlines() if line.startswith(("From ", "---"))]
    assert in_actions.code == 0, in_actions.log
    lines = in_actions.log.splitlines()
    start, end = lines.index("::group::git fetch origin main"), lines.index("::endgroup::")
    relayed = [n for n, line in enumerate(lines) if line.startswith("From ")]
    assert relayed and all(start < n < end for n in relayed)


def test_a_tag_that_exists_nowhere_is_a_configuration_error(upstream: Upstream) -> None:
    """Given version 1.2.4 on main but no tag v1.2.4 pushed, when tag-guard checks v1.2.4,
    then it says the tag is missing and how to push it."""
    upstream.commit("1.2.4")
    checkout = upstream.root / "main"
    git(upstream.root, "clone", "--quiet", upstream.url, str(checkout))

    assert_refused(guard(checkout, "v1.2.4"), 2, "v1.2.4", "Push the tag")


def test_outside_a_git_checkout_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.format(version="1.2.3"))

    assert_refused(guard(tmp_path, "v1.2.3"), 2, "not a git checkout", "actions/checkout")


# --- the tag and the project version -----------------------------------------------------------


def test_a_version_mismatch_is_annotated_at_the_version_line(upstream: Upstream) -> None:
    """Given pyproject.toml saying 1.2.3, when the tag says v1.2.4, then tag-guard refuses with
    an annotation on pyproject.toml's version line, and nothing is output."""
    upstream.commit("1.2.3")
    upstream.tag("v1.2.4")

    result = guard(upstream.checkout("v1.2.4", "actions"), "v1.2.4")

    error = assert_refused(result, 1, "Version mismatch", "1.2.4", "1.2.3")
    assert error.startswith(f"::error file=pyproject.toml,line={VERSION_LINE},")
    assert "Version mismatch" in result.summary


@pytest.mark.parametrize(
    ("version", "tag", "inputs", "code"),
    [
        pytest.param("1.2.3rc1", "v1.2.3rc1", {}, 1, id="rc-refused-by-default"),
        pytest.param("1.2.3rc1", "v1.2.3rc1", {"allow-prerelease": "true"}, 0, id="rc-allowed"),
        pytest.param("2.0.0b2", "v2.0.0b2", {"allow-prerelease": "true"}, 0, id="beta-allowed"),
        pytest.param("1.2.3.dev4", "v1.2.3.dev4", {"allow-prerelease": "true"}, 1,
                     id="dev-refused-even-when-allowed"),
        pytest.param("1.2.3rc1.dev0", "v1.2.3rc1.dev0", {"allow-prerelease": "true"}, 1,
                     id="rc-dev-refused"),
        pytest.param("1.2.3+local", "v1.2.3+local", {"allow-prerelease": "true"}, 1,
                     id="local-refused"),
        pytest.param("1.2.3.post1", "v1.2.3.post1", {}, 0, id="post-release-is-final"),
    ],
)
def test_the_public_channel_policy(
    upstream: Upstream, version: str, tag: str, inputs: dict[str, str], code: int
) -> None:
    upstream.commit(version)
    upstream.tag(tag)

    result = guard(upstream.checkout(tag, "actions"), tag, **inputs)

    assert result.code == code, result.log
    if code == 0:
        assert result.outputs["is-prerelease"] == ("true" if "rc" in tag or "b" in tag
                                                   else "false")
    else:
        assert_refused(result, 1, tag)


def test_exact_match_compares_the_text_and_normalized_the_version(upstream: Upstream) -> None:
    """Given version 1.0.0.rc0 and tag v1.0.0rc0 (equal under PEP 440, spelled differently),
    when match is exact, then it refuses; when normalized, it passes with the normalized
    version (what the built files carry)."""
    upstream.commit("1.0.0.rc0")
    upstream.tag("v1.0.0rc0")
    checkout = upstream.checkout("v1.0.0rc0", "actions")

    exact = guard(checkout, "v1.0.0rc0", **{"allow-prerelease": "true"})
    normalized = guard(checkout, "v1.0.0rc0", match="normalized",
                       **{"allow-prerelease": "true"})

    error = assert_refused(exact, 1, "match: normalized", "v1.0.0.rc0")
    assert f"line={VERSION_LINE}" in error
    assert normalized.code == 0, normalized.log
    assert normalized.outputs["version"] == "1.0.0rc0"
    assert normalized.outputs["is-prerelease"] == "true"


def test_a_monorepo_prefix_and_project_path(upstream: Upstream) -> None:
    """Given a package under packages/mypkg tagged mypkg-v2.3.4, when tag-prefix and path say
    so, then it passes; with the default prefix it refuses."""
    sha = upstream.commit("2.3.4", project="packages/mypkg")
    upstream.tag("mypkg-v2.3.4")
    checkout = upstream.checkout("mypkg-v2.3.4", "depth-1")

    result = guard(checkout, "mypkg-v2.3.4", **{"tag-prefix": "mypkg-v",
                                                 "path": "packages/mypkg"})
    default_prefix = guard(checkout, "mypkg-v2.3.4", path="packages/mypkg")

    assert result.code == 0, result.log
    assert result.outputs == {"version": "2.3.4", "sha": sha, "is-prerelease": "false"}
    assert_refused(default_prefix, 1, "tag-prefix")


@pytest.mark.parametrize(
    ("tag", "phrase"),
    [
        pytest.param("vnext", "does not start with a digit", id="no-version"),
        pytest.param("v1.2.x", "not a valid PEP 440 version", id="not-pep440"),
        pytest.param("vv1.2.3", "does not start with a digit", id="double-prefix"),
        pytest.param("release-1.2.3", "does not start with the tag prefix 'v'", id="other-prefix"),
    ],
)
def test_a_tag_that_is_not_prefix_plus_a_version_is_refused(
    tmp_path: Path, tag: str, phrase: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.format(version="1.2.3"))

    assert_refused(guard(tmp_path, tag), 1, tag, phrase)


@pytest.mark.parametrize(
    "tag",
    [
        pytest.param("v1.2.3\nversion=6.6.6", id="newline"),
        pytest.param("v1.2.3%0Aversion=6.6.6", id="percent-encoded-newline"),
        pytest.param("v1.2.3::set-output name=version::6.6.6", id="workflow-command"),
        pytest.param("v1.2 .3", id="inner-space"),
        pytest.param("v1.2.3\tx", id="tab"),
        pytest.param("v1.2.3\rx", id="carriage-return"),
        pytest.param("-v1.2.3", id="git-option"),
        pytest.param("v1..2", id="double-dot"),
        pytest.param("", id="empty"),
    ],
)
def test_hostile_tag_text_is_an_input_error_and_creates_no_output(
    tmp_path: Path, tag: str
) -> None:
    """Given a tag text meant to inject (newlines, encoded newlines, workflow commands), when
    tag-guard runs, then it exits 2 with one error and writes no output at all."""
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.format(version="1.2.3"))

    result = guard(tmp_path, tag)

    error = assert_refused(result, 2, "Input `tag`")
    assert "set-output" not in result.stdout.replace(error, "")
    if not tag:
        assert "on: push: tags" in error


# --- the package index ------------------------------------------------------------------------


@dataclass
class IndexServer:
    """A PyPI JSON API stand-in: `projects` maps a name to its `releases` mapping."""

    url: str
    projects: dict[str, dict[str, list[dict[str, object]]]] = field(default_factory=dict)
    status: int | None = None  # force an HTTP status for every request
    paths: list[str] = field(default_factory=list)


@pytest.fixture
def index() -> Iterator[IndexServer]:
    state = IndexServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.paths.append(self.path)
            name = self.path.removeprefix("/pypi/").removesuffix("/json")
            if state.status is not None:
                self.send_response(state.status)
                self.end_headers()
                self.wfile.write(b"not json")
                return
            if name not in state.projects:
                self.send_error(404)
                return
            body = json.dumps({"info": {"name": name}, "releases": state.projects[name]})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def released(*versions: str, yanked: tuple[str, ...] = ()) -> dict[str, list[dict[str, object]]]:
    return {
        version: [{"filename": f"mypkg-{version}.tar.gz", "yanked": version in yanked}]
        for version in versions
    }


@pytest.fixture(scope="module")
def tagged_123(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One checkout of v1.2.3 for the index tests (tag-guard changes nothing they depend on)."""
    upstream = Upstream.create(tmp_path_factory.mktemp("tagged"))
    upstream.commit("1.2.3")
    upstream.tag("v1.2.3")
    return upstream.checkout("v1.2.3", "actions")


def test_a_project_the_index_does_not_know_passes(tagged_123: Path, index: IndexServer) -> None:
    result = guard(tagged_123, "v1.2.3", **{"index-url": index.url + "/"})

    assert result.code == 0, result.log
    assert index.paths == ["/pypi/mypkg/json", "/mypkg/json"]
    assert "first release" in result.summary


@pytest.mark.parametrize(
    ("releases", "code", "phrase"),
    [
        pytest.param(released("1.2.2", "1.1.0"), 0, "latest release 1.2.2", id="newer"),
        pytest.param(released("1.2.3"), 1, "already on", id="already-published"),
        pytest.param(released("1.2.3", yanked=("1.2.3",)), 1, "already on",
                     id="yanked-still-taken"),
        pytest.param(released("1.3.0", "1.2.4"), 1, "the 1.2 series already has 1.2.4",
                     id="lower-than-latest"),
        pytest.param(released("2.0.0", "1.2.2"), 0, "latest release 2.0.0",
                     id="backport-of-an-older-line"),
        pytest.param(released("1.3.0", "1.2.2", yanked=("1.3.0",)), 0,
                     "latest release 1.2.2", id="yanked-latest-ignored"),
    ],
)
def test_the_index_check(
    tagged_123: Path, index: IndexServer, releases: dict[str, list[dict[str, object]]],
    code: int, phrase: str,
) -> None:
    """Given the index's releases of mypkg, when v1.2.3 is checked, then a version already
    there or going back behind the latest release (other than a backport) is refused."""
    index.projects["mypkg"] = releases

    result = guard(tagged_123, "v1.2.3", **{"index-url": index.url})

    assert result.code == code, result.log
    if code:
        assert_refused(result, 1, phrase)
    else:
        assert phrase in result.summary


def test_a_real_pypiserver_is_asked_in_its_own_layout(
    tagged_123: Path, pypi_server: PypiServer
) -> None:
    """Given a pypiserver index (its JSON API lives at /<name>/json), when it holds 1.2.2 the
    release passes, and once it holds 1.2.3 the same tag is refused."""
    (pypi_server.packages / "mypkg-1.2.2.tar.gz").write_bytes(b"")

    before = guard(tagged_123, "v1.2.3", **{"index-url": pypi_server.url})
    (pypi_server.packages / "mypkg-1.2.3.tar.gz").write_bytes(b"")
    after = guard(tagged_123, "v1.2.3", **{"index-url": pypi_server.url})

    assert before.code == 0, before.log
    assert "latest release 1.2.2" in before.summary
    assert_refused(after, 1, "mypkg 1.2.3 is already on")


def test_a_rerun_of_a_partly_published_release_only_warns(
    tagged_123: Path, index: IndexServer
) -> None:
    """Given 1.2.3 already on the index, when the release workflow run is re-run (attempt 2),
    then tag-guard warns and passes, so publish can finish the upload."""
    index.projects["mypkg"] = released("1.2.3", "1.2.2")

    result = guard(tagged_123, "v1.2.3", env={"GITHUB_RUN_ATTEMPT": "2"},
                   **{"index-url": index.url})

    assert result.code == 0, result.log
    assert any(line.startswith("::warning") and "re-run" in line
               for line in result.log.splitlines())


@pytest.mark.parametrize(
    "fault",
    [pytest.param("refused", id="connection-refused"),
     pytest.param("server-error", id="http-503"),
     pytest.param("not-json", id="200-not-json")],
)
def test_an_unusable_index_refuses_or_warns_as_asked(
    tagged_123: Path, index: IndexServer, fault: str
) -> None:
    """Given an index that cannot answer, tag-guard refuses by default (the not-lower-than-latest
    rule cannot be checked) and warns and goes on with `index-unreachable: warn`."""
    url = index.url
    if fault == "refused":
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    else:
        index.status = 503 if fault == "server-error" else 200

    refused = guard(tagged_123, "v1.2.3", **{"index-url": url})
    assert_refused(refused, 1, "cannot check that mypkg 1.2.3 is not on", "index-unreachable: warn")

    result = guard(tagged_123, "v1.2.3", **{"index-url": url, "index-unreachable": "warn"})

    assert result.code == 0, result.log
    warnings = [line for line in result.log.splitlines() if line.startswith("::warning")]
    assert len(warnings) == 1 and "Going on because `index-unreachable` is warn" in warnings[0]
    assert "skipped" in result.summary


def test_without_index_or_api_no_http_library_is_imported(tagged_123: Path) -> None:
    """Given git answers and the index check is off, when tag-guard runs, then neither requests
    nor PyGithub is imported (they cost start-up time in every release job), nor, without a
    uv.lock, packaging.tags (what packaging.utils brings for the lock's names)."""
    probe = (
        "import sys\n"
        "from release_actions import cli\n"
        "code = cli.main(['tag-guard'])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('requests', 'github', 'urllib3') or m == 'packaging.tags')\n"
        "print('HEAVY=' + ','.join(heavy))\n"
        "raise SystemExit(code)\n"
    )
    env = clean_env(PYTHONPATH=str(ROOT / "src"), INPUT_TAG="v1.2.3", INPUT_INDEX_URL="")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=tagged_123, env=env,
                          capture_output=True, text=True, timeout=60)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "version=1.2.3" in proc.stdout
    assert "HEAVY=\n" in proc.stdout


# --- the git wrapper --------------------------------------------------------------------------


def test_git_failures_quote_the_command_and_what_git_said(tmp_path: Path) -> None:
    with pytest.raises(git_wrapper.GitError) as caught:
        git_wrapper.run(tmp_path, "rev-parse", "--git-dir")

    assert caught.value.returncode == 128
    assert caught.value.message.startswith("`git rev-parse --git-dir` failed (exit 128): ")
    assert "not a git repository" in caught.value.detail


def test_a_missing_git_program_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(git_wrapper.GitError, match="git is not installed or not on PATH"):
        git_wrapper.is_shallow(tmp_path)


def test_the_wrapper_answers_from_a_real_repository(upstream: Upstream) -> None:
    """Given an annotated tag, then commit_of peels it to its commit, a missing ref is None,
    and ancestry and shallowness are read from git."""
    first = upstream.commit("1.0.0")
    upstream.tag("v1.0.0")
    second = upstream.commit("1.0.1")
    work = upstream.work

    assert git_wrapper.tag_commit(work, "v1.0.0") == first
    assert git(work, "rev-parse", "refs/tags/v1.0.0") != first  # the tag object itself
    assert git_wrapper.tag_commit(work, "v9.9.9") is None
    assert git_wrapper.is_ancestor(work, first, second)
    assert not git_wrapper.is_ancestor(work, second, first)
    assert not git_wrapper.is_shallow(work)
    assert git_wrapper.is_shallow(upstream.checkout("v1.0.0", "depth-1"))
