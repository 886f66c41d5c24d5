"""tested-run end to end against the local GitHub stand-in: `record` writes the file the
composite action uploads, the stand-in serves it as a run's artifact (zip behind a redirect to
another host name), and `resolve` reads it back through PyGithub and real HTTP; the compare
API is answered by real git in a bare origin."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from release_actions.rehearsal.github_api import FakeGitHub, fake_github
from tests.helpers import Result, git, run_cli
from tests.in_process import run_here

REPOSITORY = "octo/sample"
TOKEN = "ghs_tested_run_token_7731"
RUN_ID = 5501


@dataclass
class Repo:
    origin: Path
    on_main: str  # a commit main contains, behind its tip
    tip: str
    side: str  # a commit only on a side branch


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    """One origin for the module: the tests only read it (the stand-in's compare API runs
    `git rev-parse` and `git merge-base` in it)."""
    tmp_path = tmp_path_factory.mktemp("repo")
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    shas = []
    for number in range(2):
        (work / "file.txt").write_text(f"{number}\n")
        git(work, "add", "-A")
        git(work, "commit", "-qm", f"commit {number}")
        shas.append(git(work, "rev-parse", "HEAD"))
    git(work, "checkout", "-q", "-b", "side")
    (work / "file.txt").write_text("side\n")
    git(work, "commit", "-qam", "side")
    side = git(work, "rev-parse", "HEAD")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(work), str(origin))
    return Repo(origin, shas[0], shas[1], side)


@pytest.fixture
def github(repo: Repo) -> Iterator[FakeGitHub]:
    with fake_github() as fake:
        fake.git_dir = repo.origin
        yield fake


def as_artifact(folder: Path) -> bytes:
    """What upload-artifact stores for a directory: its files at the zip's root."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    return buffer.getvalue()


def zipped(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def authorizations(github: FakeGitHub, prefix: str) -> list[str]:
    """The Authorization header of each request the stand-in received that starts so."""
    return [auth for request, auth in zip(github.requests, github.authorizations, strict=True)
            if request.startswith(prefix)]


# resolve runs in this process (tests/in_process.py) but in the two round trips.
Runner = Callable[..., Result]


def record(tmp_path: Path, sha: str, run_number: str) -> Result:
    return run_cli("tested-run", cwd=tmp_path, inputs={
        "mode": "record", "sha": sha, "run-number": run_number,
        "path": str(tmp_path / "record"),
    })


def resolve(tmp_path: Path, github: FakeGitHub, run_id: int = RUN_ID,
            run: Runner = run_here) -> Result:
    return run("tested-run", cwd=tmp_path, inputs={
        "mode": "resolve", "run-id": str(run_id), "github-token": TOKEN,
    }, env={"GITHUB_API_URL": github.url, "GITHUB_REPOSITORY": REPOSITORY})


def test_record_then_resolve_round_trip(tmp_path: Path, repo: Repo, github: FakeGitHub) -> None:
    """Given a commit main contains recorded with run number 41 and uploaded as the run's
    artifact, when resolve runs, then it outputs that commit and number; the token reached the
    API and never the storage host."""
    written = record(tmp_path, repo.on_main, "41")
    assert written.code == 0, written.log
    github.add_artifact(RUN_ID, "tested-run", as_artifact(tmp_path / "record"))

    resolved = resolve(tmp_path, github, run=run_cli)

    assert resolved.code == 0, resolved.log
    assert resolved.outputs == {"available": "true", "sha": repo.on_main, "run-number": "41"}
    assert written.outputs["path"] == str(tmp_path / "record" / "tested-run.json")
    assert authorizations(github, "GET /storage/") == [""]
    api = authorizations(github, "GET /repos/")
    assert api and all(TOKEN in auth for auth in api)
    assert f"compare/main...{repo.on_main}" in " ".join(github.requests)
    assert TOKEN not in resolved.log.replace(f"::add-mask::{TOKEN}", "")


def test_the_tip_of_main_is_identical_and_accepted(tmp_path: Path, repo: Repo,
                                                   github: FakeGitHub) -> None:
    github.add_artifact(RUN_ID, "tested-run", zipped(**{"tested-run.json": json.dumps(
        {"sha": repo.tip, "run_number": 7}).encode()}))

    resolved = resolve(tmp_path, github)

    assert resolved.code == 0, resolved.log
    assert resolved.outputs["sha"] == repo.tip


def test_no_artifact_means_nothing_to_publish(tmp_path: Path, github: FakeGitHub) -> None:
    """Given a run that recorded nothing (a pull request's), when resolve runs, then it exits
    0 with available=false and a notice."""
    github.add_run(RUN_ID, 12)

    resolved = resolve(tmp_path, github)

    assert resolved.code == 0, resolved.log
    assert resolved.outputs == {"available": "false", "sha": "", "run-number": ""}
    assert any(line.startswith("::notice") and "holds no artifact" in line
               for line in resolved.log.splitlines())
    assert not [r for r in github.requests if "/zip" in r]


def test_an_expired_artifact_counts_as_none(tmp_path: Path, repo: Repo,
                                            github: FakeGitHub) -> None:
    data = zipped(**{"tested-run.json": json.dumps({"sha": repo.tip, "run_number": 3}).encode()})
    github.add_artifact(RUN_ID, "tested-run", data, expired=True)

    resolved = resolve(tmp_path, github)

    assert resolved.code == 0, resolved.log
    assert resolved.outputs["available"] == "false"


def test_two_artifacts_of_the_name_are_refused(tmp_path: Path, repo: Repo,
                                               github: FakeGitHub) -> None:
    data = zipped(**{"tested-run.json": json.dumps({"sha": repo.tip, "run_number": 3}).encode()})
    github.add_artifact(RUN_ID, "tested-run", data)
    github.add_artifact(RUN_ID, "tested-run", data)

    resolved = resolve(tmp_path, github)

    assert resolved.code == 1
    assert len(resolved.errors()) == 1
    assert "holds 2 artifacts named 'tested-run'" in resolved.errors()[0]
    assert "available" not in resolved.outputs


@pytest.mark.parametrize("content", [
    pytest.param({"sha": "A" * 40, "run_number": 3}, id="uppercase-sha"),
    pytest.param({"sha": "abc", "run_number": 3}, id="short-sha"),
    pytest.param({"sha": "a" * 40 + "\n::error::forged", "run_number": 3}, id="injected-sha"),
    pytest.param({"sha": "a" * 40, "run_number": "3"}, id="number-as-text"),
    pytest.param({"sha": "a" * 40, "run_number": 0}, id="zero"),
    pytest.param({"sha": "a" * 40, "run_number": True}, id="boolean"),
    pytest.param({"sha": "a" * 40}, id="missing-field"),
    pytest.param({"sha": "a" * 40, "run_number": 3, "version": "9"}, id="extra-field"),
    pytest.param(["a" * 40, 3], id="not-an-object"),
])
def test_tampered_fields_are_refused(tmp_path: Path, github: FakeGitHub, content: object) -> None:
    """Given an artifact whose record was altered, when resolve reads it, then it refuses
    with exit 1, one error, and no `sha` output a later step could check out."""
    github.add_artifact(RUN_ID, "tested-run",
                        zipped(**{"tested-run.json": json.dumps(content).encode()}))

    resolved = resolve(tmp_path, github)

    assert resolved.code == 1, resolved.log
    assert len(resolved.errors()) == 1
    assert "is not a valid tested-run record" in resolved.errors()[0]
    assert not any(line.startswith("::error::forged") for line in resolved.log.splitlines())
    assert "sha" not in resolved.outputs


@pytest.mark.parametrize("members", [
    pytest.param({"other.json": b"{}"}, id="wrong-file"),
    pytest.param({"tested-run.json": b"{}", "extra.txt": b"x"}, id="two-files"),
    pytest.param({"tested-run.json": b" " * 5000}, id="too-large"),
])
def test_an_artifact_with_other_files_is_refused(tmp_path: Path, github: FakeGitHub,
                                                 members: dict[str, bytes]) -> None:
    github.add_artifact(RUN_ID, "tested-run", zipped(**members))

    resolved = resolve(tmp_path, github)

    assert resolved.code == 1, resolved.log
    assert "is not a valid tested-run record" in resolved.errors()[0]


def test_a_commit_not_on_main_is_refused(tmp_path: Path, repo: Repo,
                                         github: FakeGitHub) -> None:
    """Given a record naming a commit only on a side branch, when resolve runs, then it exits
    1 naming the sha, the branch and the fix."""
    github.add_artifact(RUN_ID, "tested-run", zipped(**{"tested-run.json": json.dumps(
        {"sha": repo.side, "run_number": 9}).encode()}))

    resolved = resolve(tmp_path, github)

    assert resolved.code == 1, resolved.log
    [error] = resolved.errors()
    assert f"The tested commit {repo.side}" in error
    assert "is not on main" in error and "'ahead'" in error
    assert "merge the change into main" in error


def test_an_unknown_run_is_bad_input(tmp_path: Path, github: FakeGitHub) -> None:
    resolved = resolve(tmp_path, github, run_id=404404)

    assert resolved.code == 2, resolved.log
    [error] = resolved.errors()
    assert "Workflow run 404404 of octo/sample was not found (HTTP 404" in error
    assert "github.event.workflow_run.id" in error


def test_a_token_without_actions_read_is_told_the_permission(
    tmp_path: Path, github: FakeGitHub
) -> None:
    github.actions_forbidden = True

    resolved = resolve(tmp_path, github)

    assert resolved.code == 2, resolved.log
    [error] = resolved.errors()
    assert "HTTP 403" in error and "permissions: actions: read" in error


def test_record_refuses_a_bad_sha_and_writes_nothing(tmp_path: Path) -> None:
    written = record(tmp_path, "not-a-sha", "41")

    assert written.code == 2
    assert "Input `sha` must be a full commit sha" in written.errors()[0]
    assert not (tmp_path / "record").exists()


@pytest.mark.parametrize("number", ["0", "-1", "4.5", "x", "\u0661\u0662"])
def test_record_refuses_a_bad_run_number(tmp_path: Path, repo: Repo, number: str) -> None:
    written = record(tmp_path, repo.tip, number)

    assert written.code == 2, written.log
    assert len(written.errors()) == 1 and "run-number" in written.errors()[0]
    assert not (tmp_path / "record").exists()


# --- BenchFlow's provenance format (`format: benchflow`) ---------------------------------------

PROVENANCE = "internal-preview-provenance"


def record_benchflow(tmp_path: Path, sha: str, run_number: str) -> Result:
    return run_cli("tested-run", cwd=tmp_path, inputs={
        "mode": "record", "sha": sha, "run-number": run_number,
        "path": str(tmp_path / "release-provenance"), "format": "benchflow",
    })


def resolve_benchflow(tmp_path: Path, github: FakeGitHub, run: Runner = run_here) -> Result:
    return run("tested-run", cwd=tmp_path, inputs={
        "mode": "resolve", "run-id": str(RUN_ID), "github-token": TOKEN, "format": "benchflow",
    }, env={"GITHUB_API_URL": github.url, "GITHUB_REPOSITORY": REPOSITORY})


def test_benchflow_record_writes_the_files_its_release_gate_writes(tmp_path: Path,
                                                                   repo: Repo) -> None:
    """Given `format: benchflow`, record writes exactly `tested-sha` and `source-run-number`,
    one line each as BenchFlow's `printf '%s\\n'` does, under its artifact name."""
    written = record_benchflow(tmp_path, repo.on_main, "412")

    assert written.code == 0, written.log
    folder = tmp_path / "release-provenance"
    assert sorted(p.name for p in folder.iterdir()) == ["source-run-number", "tested-sha"]
    assert (folder / "tested-sha").read_bytes() == f"{repo.on_main}\n".encode()
    assert (folder / "source-run-number").read_bytes() == b"412\n"
    assert written.outputs == {"path": str(folder), "artifact": PROVENANCE}


def test_benchflow_round_trip_through_a_real_upload(tmp_path: Path, repo: Repo,
                                                    github: FakeGitHub) -> None:
    """Given BenchFlow's provenance recorded and uploaded as upload-artifact stores a
    directory, when resolve reads it under `internal-preview-provenance`, then it outputs the
    commit and number after the same on-main check."""
    assert record_benchflow(tmp_path, repo.on_main, "412").code == 0
    wanted = github.upload_artifact(RUN_ID, PROVENANCE, tmp_path / "release-provenance")
    github.upload_artifact(RUN_ID, "tested-run", tmp_path / "release-provenance")  # ignored

    resolved = resolve_benchflow(tmp_path, github, run=run_cli)

    assert resolved.code == 0, resolved.log
    assert resolved.outputs == {"available": "true", "sha": repo.on_main, "run-number": "412"}
    assert f"compare/main...{repo.on_main}" in " ".join(github.requests)
    assert [r for r in github.requests if r.endswith("/zip")] == [
        f"GET /repos/{REPOSITORY}/actions/artifacts/{wanted}/zip"]


def test_benchflow_provenance_written_by_its_own_shell_is_read(tmp_path: Path, repo: Repo,
                                                              github: FakeGitHub) -> None:
    """BenchFlow's release gate writes the files with printf in bash; what it uploads (CRLF
    line ends too, which its reader strips) is accepted."""
    folder = tmp_path / "release-provenance"
    folder.mkdir()
    subprocess.run(["bash", "-c", 'printf "%s\\r\\n" "$1" > "$2/tested-sha"; '
                    'printf "%s\\n" "$3" > "$2/source-run-number"', "-",
                    repo.tip, str(folder), "77"], check=True)
    github.upload_artifact(RUN_ID, PROVENANCE, folder)

    resolved = resolve_benchflow(tmp_path, github)

    assert resolved.code == 0, resolved.log
    assert (resolved.outputs["sha"], resolved.outputs["run-number"]) == (repo.tip, "77")


@pytest.mark.parametrize(("sha", "number", "why"), [
    pytest.param("A" * 40, b"3\n", "tested-sha: sha must be a full commit sha", id="upper-sha"),
    pytest.param("a" * 39, b"3\n", "tested-sha: sha must be a full commit sha", id="short-sha"),
    pytest.param("a" * 40, b"03\n", "source-run-number must hold a positive", id="leading-zero"),
    pytest.param("a" * 40, b"0\n", "source-run-number must hold a positive", id="zero"),
    pytest.param("a" * 40, b"3 4\n", "source-run-number must hold a positive", id="two-words"),
    pytest.param("a" * 40, b"\xff\n", "source-run-number is not ASCII", id="not-ascii"),
    pytest.param("a" * 40, b"9" * 14 + b"\n", "source-run-number must hold", id="huge"),
])
def test_benchflow_tampered_provenance_is_refused(tmp_path: Path, github: FakeGitHub, sha: str,
                                                  number: bytes, why: str) -> None:
    github.add_artifact(RUN_ID, PROVENANCE, zipped(**{
        "tested-sha": f"{sha}\n".encode(), "source-run-number": number}))

    resolved = resolve_benchflow(tmp_path, github)

    assert resolved.code == 1, resolved.log
    [error] = resolved.errors()
    assert "is not a valid tested-run record" in error and why in error
    assert "sha" not in resolved.outputs


@pytest.mark.parametrize("members", [
    pytest.param({"tested-sha": b"a" * 40}, id="one-file"),
    pytest.param({"tested-run.json": b"{}"}, id="our-format"),
    pytest.param({"tested-sha": b"a" * 40, "source-run-number": b"3", "x": b""}, id="extra"),
    pytest.param({"tested-sha": b" " * 5000, "source-run-number": b"3"}, id="too-large"),
])
def test_benchflow_artifact_with_other_files_is_refused(tmp_path: Path, github: FakeGitHub,
                                                        members: dict[str, bytes]) -> None:
    github.add_artifact(RUN_ID, PROVENANCE, zipped(**members))

    resolved = resolve_benchflow(tmp_path, github)

    assert resolved.code == 1, resolved.log
    assert "is not a valid tested-run record" in resolved.errors()[0]


def test_benchflow_commit_not_on_main_is_refused(tmp_path: Path, repo: Repo,
                                                 github: FakeGitHub) -> None:
    github.add_artifact(RUN_ID, PROVENANCE, zipped(**{
        "tested-sha": f"{repo.side}\n".encode(), "source-run-number": b"9\n"}))

    resolved = resolve_benchflow(tmp_path, github)

    assert resolved.code == 1, resolved.log
    assert "is not on main" in resolved.errors()[0]


def test_benchflow_without_provenance_is_nothing_to_publish(tmp_path: Path,
                                                            github: FakeGitHub) -> None:
    """As BenchFlow's provenance job: a run without the artifact (a pull request's) is a
    notice and `available: false`, even when a `tested-run` artifact is there."""
    github.add_artifact(RUN_ID, "tested-run", zipped(**{"tested-run.json": b"{}"}))

    resolved = resolve_benchflow(tmp_path, github)

    assert resolved.code == 0, resolved.log
    assert resolved.outputs["available"] == "false"
    assert PROVENANCE in resolved.log
