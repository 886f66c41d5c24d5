"""publish on the public channel end to end: real build and upload to a real pypiserver, and
the GitHub Release made through PyGithub over real HTTP against the local GitHub stand-in
(GITHUB_API_URL), as a tag pipeline would run it — twice."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from devtools.pypi import PypiServer, write_sample_package

from release_actions.rehearsal.github_api import fake_github, generated_notes
from tests.helpers import run_cli
from tests.integration.prebuilt import Prebuilt, pin_python


@pytest.fixture(autouse=True)
def _pinned_python(monkeypatch: pytest.MonkeyPatch) -> None:
    pin_python(monkeypatch)


def test_public_release_then_rerun_keeps_one_release(
    tmp_path: Path, pypi_server: PypiServer
) -> None:
    """Given a final 1.4.0 on a v1.4.0 tag push, when publish runs, then both files are on the
    index and one published (not draft) release holds both as assets, with generated notes;
    when the job is re-run, then the index is unchanged and there is still exactly one
    release with exactly those two assets."""
    project = write_sample_package(tmp_path / "p", "released-pkg", "1.4.0")
    inputs = {
        "channel": "public", "repository-url": pypi_server.upload_url,
        "check-url": pypi_server.simple_url, "trusted-publishing": "never",
        "password": pypi_server.password, "username": pypi_server.username,
        "tag": "v1.4.0", "github-token": "ghs_test_token_5521", "expected-version": "1.4.0",
    }
    with fake_github() as github:
        env = {"GITHUB_API_URL": github.url, "GITHUB_REPOSITORY": "octo/released"}

        # The release is the subject: the sdist's contents are another test's.
        first = run_cli("publish", cwd=project, env=env,
                        inputs={**inputs, "skip-checks": "sdist-contents"})
        files = {n: d for n, d in pypi_server.files().items() if n.startswith("released_pkg")}
        # The re-run publishes the files the first run built and checked (the release is the
        # subject).
        second = run_cli("publish", cwd=project, env=env,
                         inputs={**inputs, "build": "false", "check": "false"})

        assert first.code == 0, first.log
        assert second.code == 0, second.log
        assert len(github.releases) == 1
        release = github.releases[0]
        assert release["tag_name"] == "v1.4.0" and release["draft"] is False
        assert release["prerelease"] is False and release["name"] == "released-pkg 1.4.0"
        # No changelog: GitHub's generated notes only.
        assert release["body"] == generated_notes("octo/released", "v1.4.0")
        assert sorted(a["name"] for a in release["_assets"]) == sorted(files)
        # The re-run finds both assets by their recorded digest and keeps them.
        assert not [r for r in github.requests if r.startswith("DELETE")]
        assert {github.assets[a["id"]] == files[a["name"]] for a in release["_assets"]} == {True}
        assert first.outputs["release-url"] == "https://github.com/octo/released/releases/tag/v1.4.0"
        assert second.outputs["release-url"] == first.outputs["release-url"]
        assert {n: d for n, d in pypi_server.files().items()
                if n.startswith("released_pkg")} == files
        assert all(auth == "token ghs_test_token_5521" for auth in github.authorizations)
        assert "ghs_test_token_5521" not in first.log.replace("::add-mask::ghs_test_token_5521", "")


CHANGELOG = """# Changelog

## [Unreleased]

## [2.1.0] - 2026-03-01

### Added

- The `--fast` flag.

## [2.0.0] - 2026-01-01

- The first stable release.
"""


def test_changelog_section_tops_the_release_body(
    tmp_path: Path, pypi_server: PypiServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Given a Keep a Changelog file with a 2.1.0 section, when publish releases v2.1.0, then
    the release body is that section with GitHub's generated notes below it; when the job is
    re-run, the section is not added twice. Given a version without a section (2.2.0), then a
    warning names the changelog and the body is the generated notes only."""
    # The release notes are the subject, not the build nor twine's check: each version is built
    # once, beforehand.
    prebuilt = Prebuilt(tmp_path_factory.mktemp("prebuilt"))
    project = prebuilt.project(tmp_path / "p", "noted-pkg", "2.1.0")
    (project / "CHANGELOG.md").write_text(CHANGELOG)
    inputs = {
        "channel": "public", "build": "false", "check": "false",
        "repository-url": pypi_server.upload_url,
        "check-url": pypi_server.simple_url, "trusted-publishing": "never",
        "password": pypi_server.password, "username": pypi_server.username,
        "tag": "v2.1.0", "github-token": "ghs_test_token_8812",
    }
    with fake_github() as github:
        env = {"GITHUB_API_URL": github.url, "GITHUB_REPOSITORY": "octo/noted"}

        first = run_cli("publish", cwd=project, inputs=inputs, env=env)
        second = run_cli("publish", cwd=project, inputs=inputs, env=env)

        assert first.code == 0, first.log
        assert second.code == 0, second.log
        assert "Release notes: CHANGELOG.md line 5 ([2.1.0] - 2026-03-01)" in first.log
        body = github.release("v2.1.0")["body"]  # type: ignore[index]
        assert body == ("### Added\n\n- The `--fast` flag.\n\n"
                        + generated_notes("octo/noted", "v2.1.0"))

        write_sample_package(project, "noted-pkg", "2.2.0")
        shutil.rmtree(project / "dist")
        shutil.copytree(prebuilt.dist("noted-pkg", "2.2.0"), project / "dist")
        later = run_cli("publish", cwd=project, inputs={**inputs, "tag": "v2.2.0"}, env=env)

        assert later.code == 0, later.log
        [warning] = [line for line in later.log.splitlines() if line.startswith("::warning")]
        assert "CHANGELOG.md has no section for 2.2.0" in warning
        assert github.release("v2.2.0")["body"] == generated_notes(  # type: ignore[index]
            "octo/noted", "v2.2.0")
