"""publish against real parts: `uv build`, `twine check --strict` and `uv publish` for real, to a
real pypiserver on 127.0.0.1, through the CLI as a runner starts it."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from devtools.pypi import README_BROKEN_RST, PypiServer, write_sample_package

from tests.helpers import Result, run_cli, snapshot
from tests.integration.prebuilt import Prebuilt, pin_python

# A project no test uploads (its tests are about refusals), built once for the module.
HELD = ("held-pkg", "1.0.0.dev3")


@pytest.fixture(autouse=True)
def _pinned_python(monkeypatch: pytest.MonkeyPatch) -> None:
    pin_python(monkeypatch)


@pytest.fixture(scope="module")
def pypi_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PypiServer]:
    """The index stand-in, reading each upload in full before it answers, as a real index's
    proxy does: a wrong password is then its 403, never a `Broken pipe` while uv still sends."""
    with PypiServer.start(tmp_path_factory.mktemp("index"), buffered=True) as server:
        yield server


@pytest.fixture(scope="module")
def prebuilt(tmp_path_factory: pytest.TempPathFactory) -> Prebuilt:
    return Prebuilt(tmp_path_factory.mktemp("prebuilt"))


def publish(project: Path, index: PypiServer, **inputs: str) -> Result:
    """Run publish as a workflow step would, uploading with the index's credentials."""
    values = {
        "channel": "preview",
        "repository-url": index.upload_url,
        "check-url": index.simple_url,
        "trusted-publishing": "never",
        "username": index.username,
        "password": index.password,
    }
    values.update(inputs)
    return run_cli("publish", cwd=project, inputs=values)


def stored(index: PypiServer, prefix: str) -> dict[str, bytes]:
    return {name: data for name, data in index.files().items() if name.startswith(prefix)}


def leaks(result: Result, secret: str) -> bool:
    """Whether `secret` shows anywhere but in the runner's `::add-mask::` command."""
    shown = [line for line in result.log.splitlines() if not line.startswith("::add-mask::")]
    return any(secret in text for text in (*shown, result.summary, *result.outputs.values()))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_preview_upload_then_rerun_converges(tmp_path: Path, pypi_server: PypiServer) -> None:
    """Given a project at 0.4.0.dev17, when publish runs on the preview channel, then the wheel
    and the sdist land on the index with the hashes the outputs report; when it runs again,
    nothing changes and it still succeeds; when the wheel is deleted from the store (a partial
    upload), a third run uploads only the wheel again, byte for byte the same; without
    check-url the index's "already exists" is explained as such."""
    project = write_sample_package(tmp_path / "p", "rerun-pkg", "0.4.0.dev17")

    first = publish(project, pypi_server, **{"expected-version": "0.4.0.dev17"})

    assert first.code == 0, first.log
    files = stored(pypi_server, "rerun_pkg")
    assert sorted(files) == ["rerun_pkg-0.4.0.dev17-py3-none-any.whl",
                             "rerun_pkg-0.4.0.dev17.tar.gz"]
    assert first.outputs["version"] == "0.4.0.dev17"
    assert first.outputs["skipped"] == "false"
    assert first.outputs["verified"] == "true"
    assert f"Verified: {pypi_server.simple_url} serves every file with our sha256" in first.log
    assert first.outputs["files"].splitlines() == sorted(files)
    assert first.outputs["hashes"].splitlines() == [
        f"{sha256(data)}  {name}" for name, data in sorted(files.items())]
    for name, data in files.items():
        assert f"sha256 {sha256(data)}  {name}" in first.log
    assert "::group::uv publish" in first.log
    assert f"::add-mask::{pypi_server.password}" in first.log
    assert not leaks(first, pypi_server.password)

    # The files as the first run built and checked them (the third run rebuilds: byte for byte
    # the same).
    second = publish(project, pypi_server, build="false", check="false")

    assert second.code == 0, second.log
    assert stored(pypi_server, "rerun_pkg") == files
    assert second.log.count("already exists, skipping") == 2
    assert second.summary.count("already on the index") == 2

    wheel = "rerun_pkg-0.4.0.dev17-py3-none-any.whl"
    (pypi_server.packages / wheel).unlink()
    # (The sdist's contents are test_publish_inspection.py's subject: not checked again here.)
    third = publish(project, pypi_server, **{"skip-checks": "sdist-contents"})

    assert third.code == 0, third.log
    assert stored(pypi_server, "rerun_pkg") == files
    assert "| uploaded |" in third.summary and "| already on the index |" in third.summary

    # The files the third run built and checked are the ones on the index: no need to redo it.
    unchecked = publish(project, pypi_server, build="false", check="false",
                        **{"check-url": "", "verify-url": pypi_server.simple_url})

    assert unchecked.code == 1, unchecked.log
    assert "Set `check-url`" in unchecked.errors()[0]
    assert stored(pypi_server, "rerun_pkg") == files


@pytest.mark.parametrize(
    ("channel", "extra", "code", "message"),
    [
        pytest.param("public", {}, 1, "is a development release", id="public-refuses-dev"),
        pytest.param("preview", {"expected-version": "1.0.0.dev4"}, 1,
                     "expected-version is 1.0.0.dev4", id="expected-version-mismatch"),
    ],
)
def test_refused_versions_upload_nothing(
    tmp_path: Path, pypi_server: PypiServer, prebuilt: Prebuilt, channel: str,
    extra: dict[str, str], code: int, message: str,
) -> None:
    """Given distributions (of 1.0.0.dev3) the channel must not publish, when publish runs,
    then one ::error explains it, the exit code is 1 and the index holds no file of the
    project."""
    project = prebuilt.project(tmp_path / "p", *HELD)

    result = publish(project, pypi_server, channel=channel, build="false", **extra,
                     **{"github-release": "false"})

    assert result.code == code, result.log
    assert len(result.errors()) == 1 and message in result.errors()[0], result.log
    assert stored(pypi_server, "held_pkg") == {}
    assert "::group::uv publish" not in result.log


def test_preview_skips_a_final_version(tmp_path: Path, pypi_server: PypiServer,
                                       prebuilt: Prebuilt) -> None:
    """Given main holding the final 2.0.0 during a release, when the preview pipeline runs
    publish, then it exits 0 with skipped=true, says the tag pipeline releases it, and uploads
    nothing."""
    project = prebuilt.project(tmp_path / "p", "final-pkg", "2.0.0")

    result = publish(project, pypi_server, build="false")

    assert result.code == 0, result.log
    assert result.outputs["skipped"] == "true"
    assert result.outputs["version"] == "2.0.0"
    assert result.outputs["files"] == ""
    assert "tag pipeline" in result.summary
    assert stored(pypi_server, "final_pkg") == {}


def test_public_final_upload_without_release(tmp_path: Path, pypi_server: PypiServer) -> None:
    """Given a final 3.1.0 and `github-release: false`, when publish runs on the public channel,
    then both files are uploaded and release-url stays empty."""
    project = write_sample_package(tmp_path / "p", "public-pkg", "3.1.0")

    result = publish(project, pypi_server, channel="public", **{"github-release": "false"})

    assert result.code == 0, result.log
    assert len(stored(pypi_server, "public_pkg")) == 2
    assert result.outputs["release-url"] == ""


def test_broken_readme_fails_twine_check(tmp_path: Path, pypi_server: PypiServer) -> None:
    """Given a README whose reStructuredText does not render, when publish runs, then `twine
    check --strict` refuses it (exit 1, the reason in the error) and nothing is uploaded."""
    project = write_sample_package(tmp_path / "p", "badreadme-pkg", "0.1.0.dev2",
                                   readme=README_BROKEN_RST, readme_file="README.rst")

    result = publish(project, pypi_server)

    assert result.code == 1, result.log
    assert "twine check --strict" in result.errors()[0]
    assert "long_description" in result.errors()[0]
    assert stored(pypi_server, "badreadme_pkg") == {}


def test_dry_run_uploads_nothing(tmp_path: Path, pypi_server: PypiServer) -> None:
    """Given a preview version and impostor `uv`/`twine` first on PATH, when publish runs with
    dry-run, then it builds, checks and hashes with its own tools (outputs filled) and the index
    holds nothing."""
    project = write_sample_package(tmp_path / "p", "dry-pkg", "0.2.0.dev5")
    # Impostors first on PATH: publish must use the uv and twine of its own environment.
    impostors = tmp_path / "bin"
    impostors.mkdir()
    for tool in ("uv", "twine"):
        (impostors / tool).write_text("#!/bin/sh\necho impostor; exit 97\n")
        (impostors / tool).chmod(0o755)

    result = run_cli("publish", cwd=project, inputs={
        "channel": "preview", "repository-url": pypi_server.upload_url,
        "check-url": pypi_server.simple_url, "dry-run": "true"},
        env={"PATH": f"{impostors}{os.pathsep}{os.environ['PATH']}"})

    assert result.code == 0, result.log
    assert "impostor" not in result.log
    assert len(result.outputs["hashes"].splitlines()) == 2
    assert "Dry run" in result.summary
    assert "::group::twine check --strict" in result.log
    done = "(removed; dist/ untouched), checked (twine check --strict, inspection)"
    assert f"{done}; nothing uploaded" in result.log
    assert f"{done}, nothing uploaded" in result.summary
    assert stored(pypi_server, "dry_pkg") == {}


def test_rebuilt_different_file_is_refused(tmp_path: Path, pypi_server: PypiServer,
                                           prebuilt: Prebuilt) -> None:
    """Given 0.3.0.dev1 already on the index, when the code changes and the same version is
    built again, then the upload is refused with the reason (index files are immutable) and the
    stored files are unchanged."""
    project = prebuilt.project(tmp_path / "p", "changed-pkg", "0.3.0.dev1")
    assert publish(project, pypi_server, build="false", check="false").code == 0
    before = stored(pypi_server, "changed_pkg")
    (project / "src/changed_pkg/__init__.py").write_text("VALUE = 2\n")
    shutil.rmtree(project / "dist")

    # The upload is the subject: neither twine nor the sdist-contents check runs.
    result = publish(project, pypi_server, check="false", **{"skip-checks": "sdist-contents"})

    assert result.code == 1, result.log
    assert "immutable" in result.errors()[0]
    assert stored(pypi_server, "changed_pkg") == before


def test_wrong_password_is_explained(tmp_path: Path, pypi_server: PypiServer,
                                     prebuilt: Prebuilt) -> None:
    """Given a wrong password, when publish uploads, then the error says the index refused the
    upload and points at the credentials, without printing the password."""
    project = prebuilt.project(tmp_path / "p", *HELD)

    result = publish(project, pypi_server, password="not-the-password-93", build="false",
                     check="false")

    assert result.code == 1, result.log
    assert "refused the upload" in result.errors()[0]
    assert not leaks(result, "not-the-password-93")
    assert stored(pypi_server, "held_pkg") == {}


def test_dist_holding_two_versions_is_refused(tmp_path: Path, pypi_server: PypiServer,
                                              prebuilt: Prebuilt) -> None:
    """Given a dist/ still holding the build of 1.0.0.dev3 when 1.0.0.dev4 is built, when
    publish runs (building, or with `build: false`), then it refuses (exit 2) naming both
    versions, uploads nothing, and with `build: false` changes no file."""
    project = prebuilt.project(tmp_path / "p", *HELD)
    write_sample_package(project, "held-pkg", "1.0.0.dev4")

    built = publish(project, pypi_server)
    before = snapshot(project)
    reused = publish(project, pypi_server, build="false")

    for result in (built, reused):
        assert result.code == 2, result.log
        assert "more than one release" in result.errors()[0]
        assert "1.0.0.dev3" in result.errors()[0] and "1.0.0.dev4" in result.errors()[0]
    assert snapshot(project) == before
    assert stored(pypi_server, "held_pkg") == {}


def test_a_dry_run_leaves_no_dist_behind(tmp_path: Path, pypi_server: PypiServer) -> None:
    """Given a dry run of 0.6.0.dev1, when the version moves to 0.6.0.dev2 and publish runs
    again, then it publishes: the dry run built in a temporary folder it said it removed, and
    the project holds no dist/ after it."""
    project = write_sample_package(tmp_path / "p", "dry-twice-pkg", "0.6.0.dev1")
    dry = publish(project, pypi_server, **{"dry-run": "true"})
    assert dry.code == 0, dry.log
    assert "temporary folder" in dry.log and "dist/ untouched" in dry.log
    assert dry.outputs["version"] == "0.6.0.dev1"
    assert not (project / "dist").exists()

    write_sample_package(project, "dry-twice-pkg", "0.6.0.dev2")
    # The dry run is the subject: neither twine nor the sdist-contents check runs.
    real = publish(project, pypi_server, check="false", **{"skip-checks": "sdist-contents"})
    assert real.code == 0, real.log
    assert sorted(stored(pypi_server, "dry_twice_pkg")) == [
        "dry_twice_pkg-0.6.0.dev2-py3-none-any.whl", "dry_twice_pkg-0.6.0.dev2.tar.gz"]


def test_a_folder_without_pyproject_is_refused_before_uv_runs(
    tmp_path: Path, pypi_server: PypiServer
) -> None:
    """Given a working directory with no pyproject.toml, publish says so once, names
    `working-directory`, runs no build and writes nothing."""
    (tmp_path / "README.md").write_text("not a project\n")
    before = snapshot(tmp_path)
    result = publish(tmp_path, pypi_server)
    assert result.code == 2, result.log
    [error] = result.errors()
    assert "no pyproject.toml" in error and "working-directory" in error
    assert "uv build" not in result.log
    assert snapshot(tmp_path) == before


def test_trusted_publishing_preflight_stops_before_uploading(
    tmp_path: Path, pypi_server: PypiServer, prebuilt: Prebuilt
) -> None:
    """Given a job on Actions without `id-token: write` (no ACTIONS_ID_TOKEN_REQUEST_URL), when
    publish runs with Trusted Publishing, then a dry run warns and succeeds, a real run stops
    with exit 2 saying where to add the permission, and a fork pull request is told why OIDC is
    unavailable — and nothing reaches the index."""
    project = prebuilt.project(tmp_path / "p", *HELD)
    # The preflight is about the job, not the files: they are built once for the module (and
    # twine's check of them is another test's subject).
    without_password = {"password": "", "username": "", "trusted-publishing": "always",
                        "build": "false", "check": "false"}
    workflow = {"GITHUB_WORKFLOW_REF": "octo/oidc/.github/workflows/preview.yml@refs/heads/main"}
    event = tmp_path / "event.json"
    event.write_text('{"pull_request": {"head": {"repo": {"full_name": "mallory/oidc", '
                     '"fork": true}}, "base": {"repo": {"full_name": "octo/oidc"}}}}')

    dry = run_cli("publish", cwd=project, env=workflow, inputs={
        "channel": "preview", "repository-url": pypi_server.upload_url,
        **without_password, "dry-run": "true"})
    real = run_cli("publish", cwd=project, env=workflow, inputs={
        "channel": "preview", "repository-url": pypi_server.upload_url,
        **without_password})
    fork = run_cli("publish", cwd=project, inputs={
        "channel": "preview", "repository-url": pypi_server.upload_url,
        **without_password},
        env={**workflow, "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event)})

    assert dry.code == 0, dry.log
    assert "::warning" in dry.log and "id-token: write" in dry.log
    assert real.code == 2, real.log
    assert "id-token: write" in real.errors()[0] and "preview.yml" in real.errors()[0]
    assert "::group::uv publish" not in real.log
    assert fork.code == 2, fork.log
    assert "mallory/oidc" in fork.errors()[0]
    assert stored(pypi_server, "held_pkg") == {}
