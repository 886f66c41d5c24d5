"""The rehearsal's git server with real git: a job's git reaches it under the repository's
GitHub URL (GIT_CONFIG url.insteadOf, as the rehearsal sets it), sends the token the checkout
kept, and is served or refused with GitHub's words, so git fails as on a runner."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from release_actions.bump import basic_credential
from release_actions.rehearsal.act import clean_env, git
from release_actions.rehearsal.git_http import GitOrigin, git_origin

GITHUB = "https://github.com/octo/repo"
TOKENS = {"ghs_read": {"contents": "read"}, "ghs_write": {"contents": "write"}}


@dataclass
class Done:
    code: int
    stderr: str


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    source.mkdir()
    git(source, "init", "-q", "-b", "main")
    git(source, "commit", "-q", "--allow-empty", "-m", "first")
    git(tmp_path, "clone", "-q", "--bare", str(source), str(tmp_path / "origin.git"))
    return tmp_path / "origin.git"


@pytest.fixture
def server(origin: Path) -> Iterator[GitOrigin]:
    with git_origin({"octo/repo": origin}, {k: dict(v) for k, v in TOKENS.items()}) as started:
        yield started


def job_git(server: GitOrigin, cwd: Path, *args: str, token: str = "") -> Done:
    """git as a job's step runs it: the GitHub URL mapped to the server, no helper, no prompt,
    and the token (if any) as the checkout keeps it, keyed on the server's URL."""
    env = clean_env(
        HOME=str(cwd), GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="", GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Job", GIT_AUTHOR_EMAIL="job@example.com",
        GIT_COMMITTER_NAME="Job", GIT_COMMITTER_EMAIL="job@example.com",
        GIT_CONFIG_COUNT="2", GIT_CONFIG_KEY_0=f"url.{server.url}/octo/repo.insteadOf",
        GIT_CONFIG_VALUE_0=GITHUB, GIT_CONFIG_KEY_1="credential.helper", GIT_CONFIG_VALUE_1="",
    )
    header = ["-c", f"http.{server.url}/.extraheader=AUTHORIZATION: basic "
                    f"{basic_credential(token)}"] if token else []
    done = subprocess.run(["git", *header, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, check=False)
    return Done(done.returncode, done.stderr)


def cloned(server: GitOrigin, tmp_path: Path, token: str = "") -> Path:
    done = job_git(server, tmp_path, "clone", "-q", f"{GITHUB}.git", "job", token=token)
    assert done.code == 0, done.stderr
    job = tmp_path / "job"
    assert job_git(server, job, "commit", "-q", "--allow-empty", "-m", "the job's").code == 0
    return job


def test_a_token_that_may_only_read_is_refused_as_github_refuses_it(
        server: GitOrigin, origin: Path, tmp_path: Path) -> None:
    job = cloned(server, tmp_path)
    refs = git(origin, "for-each-ref")

    done = job_git(server, job, "push", "origin", "HEAD:refs/heads/next", token="ghs_read")

    assert done.code == 128
    assert "remote: Permission to octo/repo.git denied to github-actions[bot].\n" in done.stderr
    assert f"fatal: unable to access '{server.url}/octo/repo.git/': The requested URL " \
           "returned error: 403" in done.stderr
    assert git(origin, "for-each-ref") == refs


def test_a_token_that_may_write_pushes_even_a_large_chunked_pack(
        server: GitOrigin, origin: Path, tmp_path: Path) -> None:
    job = cloned(server, tmp_path, token="ghs_read")
    (job / "blob.bin").write_bytes(bytes(range(256)) * 8192)  # 2 MiB: over git's post buffer
    git(job, "add", "blob.bin")
    git(job, "commit", "-qm", "large")

    done = job_git(server, job, "push", "-q", "origin", "HEAD:refs/heads/next", token="ghs_write")

    assert done.code == 0, done.stderr
    assert git(origin, "rev-parse", "refs/heads/next") == git(job, "rev-parse", "HEAD")
    sent = {value.lower() for value in server.authorizations}
    assert sent == {f"basic {basic_credential(t)}".lower() for t in ("ghs_read", "ghs_write")}


def test_a_push_without_a_credential_fails_and_a_fetch_does_not(
        server: GitOrigin, origin: Path, tmp_path: Path) -> None:
    """A public repository: anyone fetches (the clone above had no token); a push without the
    token the checkout did not keep fails, as on a runner, without waiting for a prompt."""
    job = cloned(server, tmp_path)

    done = job_git(server, job, "push", "origin", "HEAD:refs/heads/next")

    assert done.code == 128
    assert f"could not read Username for '{server.url}'" in done.stderr
    assert "refs/heads/next" not in git(origin, "for-each-ref")
    assert server.authorizations == []


def test_a_private_repository_wants_a_token_that_may_read(origin: Path, tmp_path: Path) -> None:
    with git_origin({"octo/repo": origin}, {"ghs_none": {}, **TOKENS}, public=False) as server:
        anonymous = job_git(server, tmp_path, "clone", "-q", GITHUB, "a")
        without_contents = job_git(server, tmp_path, "clone", "-q", GITHUB, "b",
                                   token="ghs_none")
        reader = job_git(server, tmp_path, "clone", "-q", f"{server.url}/Octo/Repo", "c",
                         token="ghs_read")  # GitHub's names in any case, with or without .git

    assert anonymous.code == 128 and "could not read Username" in anonymous.stderr
    assert without_contents.code == 128
    assert "remote: Repository not found." in without_contents.stderr
    assert reader.code == 0, reader.stderr
