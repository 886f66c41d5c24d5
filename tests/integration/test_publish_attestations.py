"""publish with PEP 740 attestations, end to end on real parts: `uv build`, real sigstore signing
against the local Sigstore stand-ins, `uv publish` with Trusted Publishing to an index stand-in
that takes the attestations and serves them back through PyPI's integrity API."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from devtools.pypi import PypiServer, write_sample_package
from devtools.sigstore_verify import cli_verify

from release_actions.rehearsal.tp_index import AttestingIndex, TrustedPublisher
from release_actions.sigstore_standins import LocalSigstore, WorkflowIdentity
from tests.helpers import Result, run_cli
from tests.integration.prebuilt import Prebuilt, pin_python

WORKFLOW_REF = "octo-org/attest-pkg/.github/workflows/release.yml@refs/tags/v1.0.0"
IDENTITY = WorkflowIdentity(repository="octo-org/attest-pkg", ref="refs/tags/v1.0.0")
WHEEL = "attest_pkg-1.0.0-py3-none-any.whl"
SDIST = "attest_pkg-1.0.0.tar.gz"


@pytest.fixture(autouse=True)
def _pinned_python(monkeypatch: pytest.MonkeyPatch) -> None:
    pin_python(monkeypatch)


@pytest.fixture(scope="module")
def prebuilt(tmp_path_factory: pytest.TempPathFactory) -> Prebuilt:
    return Prebuilt(tmp_path_factory.mktemp("prebuilt"))


@pytest.fixture
def sigstore() -> Iterator[LocalSigstore]:
    with LocalSigstore(IDENTITY) as server:
        yield server


@pytest.fixture
def project(tmp_path: Path, sigstore: LocalSigstore) -> Path:
    folder = write_sample_package(tmp_path / "p", "attest-pkg", "1.0.0")
    (folder / "ci").mkdir()
    (folder / "ci" / "sigstore.json").write_text(json.dumps(sigstore.trust_config()))
    return folder


@pytest.fixture
def built(tmp_path: Path, sigstore: LocalSigstore, prebuilt: Prebuilt) -> Path:
    """The project with its dist/ already built (a copy of the module's one build), for the
    tests about what happens after the build: they publish with `build: false` (and `check:
    false`: twine's check of these files is no subject of theirs)."""
    folder = prebuilt.project(tmp_path / "b", "attest-pkg", "1.0.0")
    (folder / "ci").mkdir()
    (folder / "ci" / "sigstore.json").write_text(json.dumps(sigstore.trust_config()))
    return folder


def publish(project: Path, sigstore: LocalSigstore, index: AttestingIndex,
            **inputs: str) -> Result:
    values = {"channel": "public", "github-release": "false", "repository-url": index.upload_url,
              "check-url": index.simple_url, "trusted-publishing": "always",
              "sigstore-trust-config": "ci/sigstore.json", "attestations-timeout": "20"}
    values.update(inputs)
    env = {"ACTIONS_ID_TOKEN_REQUEST_URL": sigstore.oidc_url,
           "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "runner-request-token",
           "GITHUB_REPOSITORY": IDENTITY.repository, "GITHUB_WORKFLOW_REF": WORKFLOW_REF,
           "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REF": IDENTITY.ref,
           "SSL_CERT_FILE": str(index.ca_file), "REQUESTS_CA_BUNDLE": str(index.ca_file)}
    return run_cli("publish", cwd=project, inputs=values, env=env, timeout=180)


def shown(result: Result) -> str:
    lines = [line for line in result.log.splitlines() if not line.startswith("::add-mask::")]
    return "\n".join([*lines, result.summary, *result.outputs.values()])


def test_the_upload_carries_attestations_that_verify_and_the_index_names_the_workflow(
        project: Path, sigstore: LocalSigstore, tmp_path: Path) -> None:
    with AttestingIndex() as index:
        # Built here; the sdist's contents are test_publish_inspection.py's subject.
        first = publish(project, sigstore, index, **{"skip-checks": "sdist-contents"})
        assert first.code == 0, first.log
        assert sorted(index.attestations) == [WHEEL, SDIST]
        assert first.outputs["provenance"] == "verified"
        assert first.outputs["verified"] == "true"
        assert ("Attestations (PEP 740): 2 uploaded with the files; provenance on the index: "
                "verified") in first.summary
        assert "Attestations: 2 minted and verified for https://github.com/" + WORKFLOW_REF in (
            first.log)
        for name in (WHEEL, SDIST):
            beside = project / "dist" / (name + ".publish.attestation")
            assert json.loads(beside.read_text()) == index.attestations[name][0]
        # One verifier run for both files: it exits 0 only when each one verifies.
        verdict = cli_verify(sigstore.trust_config(), tmp_path,
                             [project / "dist" / WHEEL, project / "dist" / SDIST],
                             "https://github.com/" + WORKFLOW_REF)
        assert verdict.returncode == 0, verdict.stderr
        for name in (WHEEL, SDIST):
            assert f"OK: {project / 'dist' / name}.publish.attestation" in verdict.stderr
        token = sigstore.tokens_issued[0]
        assert f"::add-mask::{token}" in first.log
        assert all(t not in shown(first) for t in sigstore.tokens_issued)

        # A re-run uploads nothing twice: the index already holds both files.
        second = publish(project, sigstore, index, build="false", check="false")
        assert second.code == 0, second.log
        assert sorted(index.uploads) == sorted([WHEEL, SDIST])
        assert second.outputs["provenance"] == "verified"

        # After a partial upload (the sdist lost), a re-run uploads the sdist alone, with its
        # attestation.
        index.forget(SDIST)
        third = publish(project, sigstore, index, build="false", check="false")
        assert third.code == 0, third.log
        assert index.uploads[2:] == [SDIST]
        assert sorted(index.attestations) == [WHEEL, SDIST]


@pytest.mark.parametrize("publisher", [
    TrustedPublisher(IDENTITY.repository, "publish.yml"),
    TrustedPublisher(IDENTITY.repository, "release.yml", environment="pypi"),
], ids=["another-workflow", "another-environment"])
def test_a_token_no_trusted_publisher_matches_is_refused_with_what_the_form_must_hold(
        built: Path, sigstore: LocalSigstore, publisher: TrustedPublisher) -> None:
    """Given an index whose trusted publisher names another workflow file or an environment the
    job lacks, when publish exchanges the job's token, then the index answers PyPI's
    invalid-publisher, nothing is uploaded, and the error says what the form must hold."""
    with AttestingIndex(publisher=publisher) as index:
        result = publish(built, sigstore, index, build="false", check="false")
    assert result.code == 2, result.log
    [error] = result.errors()
    assert "(invalid-publisher)" in error
    assert "Repository name `attest-pkg`, Workflow name `release.yml`, " in error
    assert "Environment name `(empty: this job has no `environment:`)`" in error
    assert index.files == {}


def test_a_token_its_trusted_publisher_matches_uploads(tmp_path: Path,
                                                      prebuilt: Prebuilt) -> None:
    """Given a publisher with an environment, when the job runs in that environment (the claim
    GitHub sends), then the exchange succeeds and the index records the environment."""
    identity = WorkflowIdentity(repository=IDENTITY.repository, ref=IDENTITY.ref,
                                environment="PyPI")
    publisher = TrustedPublisher(IDENTITY.repository, "Release.yml", environment="pypi")
    with LocalSigstore(identity) as server, AttestingIndex(publisher=publisher) as index:
        folder = prebuilt.project(tmp_path / "p", "attest-pkg", "1.0.0")
        (folder / "ci").mkdir()
        (folder / "ci" / "sigstore.json").write_text(json.dumps(server.trust_config()))
        result = publish(folder, server, index, build="false", check="false")
    assert result.code == 0, result.log
    assert sorted(index.files) == [WHEEL, SDIST]
    assert index.publishers[WHEEL]["environment"] == "PyPI"


def test_an_index_without_an_integrity_api_gives_provenance_unavailable(
        built: Path, sigstore: LocalSigstore) -> None:
    with AttestingIndex(integrity_api=False) as index:
        result = publish(built, sigstore, index, build="false", check="false")
    assert result.code == 0, result.log
    assert result.outputs["provenance"] == "unavailable"
    assert sorted(index.attestations) == [WHEEL, SDIST]


def test_an_index_that_refuses_attestations_is_an_error_naming_the_input(
        built: Path, sigstore: LocalSigstore) -> None:
    with AttestingIndex(accepts_attestations=False) as index:
        result = publish(built, sigstore, index, build="false", check="false")
    assert result.code == 1, result.log
    [error] = result.errors()
    assert "refused the upload with its attestations" in error
    assert "`attestations: false`" in error
    assert index.files == {}


def unreachable_fulcio(handler: BaseHTTPRequestHandler) -> bool:
    if "signingCert" in handler.path:
        handler.connection.close()  # the connection drops: no answer at all
        return True
    return False


def test_sigstore_failing_is_one_error_and_nothing_is_uploaded(
        built: Path, sigstore: LocalSigstore) -> None:
    sigstore.fault = unreachable_fulcio
    with AttestingIndex() as index:
        result = publish(built, sigstore, index, build="false", check="false")
    assert result.code == 1, result.log
    [error] = result.errors()
    assert "asking Fulcio for a signing certificate failed" in error
    assert "Nothing was uploaded" in error
    assert index.uploads == []
    assert "Traceback" not in result.log
    assert all(t not in shown(result) for t in sigstore.tokens_issued)


def test_dry_run_and_the_preview_channel_mint_nothing(
        project: Path, sigstore: LocalSigstore, prebuilt: Prebuilt) -> None:
    with AttestingIndex() as index:
        dry = publish(project, sigstore, index, check="false",
                      **{"dry-run": "true", "skip-checks": "sdist-contents"})
        assert dry.code == 0, dry.log
        assert dry.outputs["provenance"] == "skipped"
        assert not (project / "dist").exists()  # a dry run builds in a folder of its own
        (project / "pyproject.toml").write_text(
            (project / "pyproject.toml").read_text().replace('"1.0.0"', '"1.0.1.dev3"'))
        shutil.copytree(prebuilt.dist("attest-pkg", "1.0.1.dev3"), project / "dist")
        preview = publish(project, sigstore, index, channel="preview", build="false",
                          check="false")
        assert preview.code == 0, preview.log
        assert preview.outputs["provenance"] == "skipped"
        assert sorted(index.files) == ["attest_pkg-1.0.1.dev3-py3-none-any.whl",
                                       "attest_pkg-1.0.1.dev3.tar.gz"]
    # the index's Trusted Publishing token only: no Sigstore token, certificate or log entry
    assert sigstore.requests == ["GET /oidc/token?kind=runner&audience=pypi"]
    assert not list((project / "dist").glob("*.attestation"))


def test_a_token_upload_skips_attestations_with_one_notice(
        tmp_path: Path, pypi_server: PypiServer, sigstore: LocalSigstore,
        prebuilt: Prebuilt) -> None:
    project = prebuilt.project(tmp_path / "t", "attest-pkg", "1.0.0")
    result = run_cli("publish", cwd=project, inputs={
        "channel": "public", "github-release": "false", "build": "false", "check": "false",
        "repository-url": pypi_server.upload_url, "check-url": pypi_server.simple_url,
        "username": pypi_server.username, "password": pypi_server.password})
    assert result.code == 0, result.log
    assert result.outputs["provenance"] == "skipped"
    notices = [line for line in result.log.splitlines() if line.startswith("::notice")]
    assert sum("Attestations skipped" in line for line in notices) == 1
    assert sigstore.requests == []
