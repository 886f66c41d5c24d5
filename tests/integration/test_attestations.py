"""PEP 740 attestations minted by real sigstore signing against the local Sigstore stand-ins
(release_actions.sigstore_standins), checked by the real `pypi-attestations verify` CLI."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from devtools.sigstore_verify import cli_verify
from packaging.version import Version

from release_actions import attestations
from release_actions.distributions import Distribution, sha256_of
from release_actions.errors import CheckFailed, InputError
from release_actions.gha import Console
from release_actions.sigstore_standins import LocalSigstore, WorkflowIdentity

IDENTITY = WorkflowIdentity(repository="octo-org/octo-lib", ref="refs/tags/v1.0.0")
WORKFLOW_REF = "octo-org/octo-lib/.github/workflows/release.yml@refs/tags/v1.0.0"


@pytest.fixture
def sigstore() -> Iterator[LocalSigstore]:
    with LocalSigstore(IDENTITY) as server:
        yield server


def wheel(folder: Path, name: str = "octo_lib-1.0.0-py3-none-any.whl") -> Distribution:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("octo_lib/__init__.py", "VERSION = '1.0.0'\n")
    return Distribution(path=path, name="octo-lib", version=Version("1.0.0"),
                        sha256=sha256_of(path))


def signing(server: LocalSigstore, tmp_path: Path, *, timeout: float = 20,
            workflow_ref: str = WORKFLOW_REF) -> attestations.Signing:
    config = tmp_path / "trust-config.json"
    config.write_text(json.dumps(server.trust_config()))
    return attestations.Signing(trust_config=config, timeout=timeout,
                                repository="octo-org/octo-lib", workflow_ref=workflow_ref)


def mint(server: LocalSigstore, dists: list[Distribution], how: attestations.Signing,
         console: Console) -> list[Path]:
    return attestations.mint(dists, id_token_url=server.oidc_url, request_token="request-token",
                             signing=how, console=console)


def test_pypi_attestations_verify_accepts_what_was_minted_and_refuses_a_tampered_file(
        sigstore: LocalSigstore, tmp_path: Path) -> None:
    dists = [wheel(tmp_path / "dist"), wheel(tmp_path / "dist", "octo_lib-1.0.0.tar.gz")]
    written = mint(sigstore, dists, signing(sigstore, tmp_path), Console(actions=True,
                                                                         stream=io.StringIO()))
    assert [p.name for p in written] == [d.filename + ".publish.attestation" for d in dists]
    identity = "https://github.com/" + WORKFLOW_REF
    accepted = cli_verify(sigstore.trust_config(), tmp_path, [d.path for d in dists], identity)
    assert accepted.returncode == 0, accepted.stderr
    for dist in dists:
        assert f"OK: {dist.path}.publish.attestation" in accepted.stderr + accepted.stdout
    other = cli_verify(sigstore.trust_config(), tmp_path, [dists[0].path],
                       "https://github.com/octo-org/octo-lib/.github/workflows/evil.yml@refs/"
                       "tags/v1.0.0")
    assert other.returncode != 0
    with dists[0].path.open("ab") as handle:
        handle.write(b"tampered")
    refused = cli_verify(sigstore.trust_config(), tmp_path, [dists[0].path], identity)
    assert refused.returncode != 0
    assert "does not match distribution digest" in refused.stderr + refused.stdout
    # two Rekor entries, one signing certificate for both files
    assert [r for r in sigstore.requests if "signingCert" in r] == ["POST /api/v2/signingCert"]
    assert len(sigstore.authorities.bodies) == 2


def test_a_certificate_for_another_workflow_is_refused_before_anything_is_written(
        tmp_path: Path) -> None:
    other = WorkflowIdentity(repository="octo-org/octo-lib", workflow=".github/workflows/x.yml")
    with LocalSigstore(other) as server:
        dist = wheel(tmp_path / "dist")
        with pytest.raises(CheckFailed) as raised:
            mint(server, [dist], signing(server, tmp_path), Console(actions=True,
                                                                    stream=io.StringIO()))
    assert "x.yml" in raised.value.message and "release.yml" in raised.value.message
    assert "Nothing was uploaded" in raised.value.message
    assert not list((tmp_path / "dist").glob("*.attestation*"))


def slow(handler: BaseHTTPRequestHandler) -> bool:
    if "signingCert" in handler.path:
        time.sleep(5)
    return False


def garbage(handler: BaseHTTPRequestHandler) -> bool:
    if "signingCert" not in handler.path:
        return False
    raw = b"<html>upstream gone</html>"
    handler.send_response(200)
    handler.send_header("Content-Length", str(len(raw)))
    handler.end_headers()
    handler.wfile.write(raw)
    return True


def rekor_garbage(handler: BaseHTTPRequestHandler) -> bool:
    if "/rekor/" not in handler.path:
        return False
    raw = json.dumps({"not": "an entry"}).encode()
    handler.send_response(201)
    handler.send_header("Content-Length", str(len(raw)))
    handler.end_headers()
    handler.wfile.write(raw)
    return True


def echoes_the_token(handler: BaseHTTPRequestHandler) -> bool:
    if "signingCert" not in handler.path:
        return False
    raw = json.dumps({"message": f"bad token {handler.headers['Authorization']}"}).encode()
    handler.send_response(400)
    handler.send_header("Content-Length", str(len(raw)))
    handler.end_headers()
    handler.wfile.write(raw)
    return True


@pytest.mark.parametrize(("fault", "expected"), [
    (slow, "did not finish within 1.5 s (asking Fulcio for a signing certificate)"),
    (garbage, "asking Fulcio for a signing certificate failed"),
    (echoes_the_token, "asking Fulcio for a signing certificate failed"),
    (rekor_garbage, "signing octo_lib-1.0.0-py3-none-any.whl (Rekor) failed"),
])
def test_a_faulty_sigstore_is_one_bounded_error(sigstore: LocalSigstore, tmp_path: Path,
                                                fault: object, expected: str) -> None:
    sigstore.fault = fault  # type: ignore[assignment]
    dist = wheel(tmp_path / "dist")
    log = io.StringIO()
    console = Console(actions=True, stream=log)
    started = time.monotonic()
    with pytest.raises(CheckFailed) as raised:
        mint(sigstore, [dist], signing(sigstore, tmp_path, timeout=1.5), console)
    assert time.monotonic() - started < 3
    assert expected in raised.value.message
    assert "Nothing was uploaded" in raised.value.message
    assert not list((tmp_path / "dist").glob("*.attestation*"))
    token = sigstore.tokens_issued[0]
    shown = console.redact(raised.value.message) + "".join(
        line for line in log.getvalue().splitlines(True) if not line.startswith("::add-mask::"))
    assert token not in shown


def test_an_unreachable_sigstore_is_one_bounded_error(tmp_path: Path) -> None:
    with LocalSigstore(IDENTITY) as server:
        how = signing(server, tmp_path, timeout=5)
    token_server = LocalSigstore(IDENTITY)
    with token_server, pytest.raises(CheckFailed) as raised:
        mint(token_server, [wheel(tmp_path / "dist")], how,
             Console(actions=True, stream=io.StringIO()))
    assert "asking Fulcio for a signing certificate failed: ConnectionError" in (
        raised.value.message)


def test_a_trust_configuration_sigstore_cannot_read_is_an_input_error(
        sigstore: LocalSigstore, tmp_path: Path) -> None:
    how = signing(sigstore, tmp_path)
    assert how.trust_config is not None
    how.trust_config.write_text(json.dumps({"mediaType": "application/json", "tlogs": 3}))
    with pytest.raises(InputError) as raised:
        mint(sigstore, [wheel(tmp_path / "dist")], how, Console(actions=True,
                                                                stream=io.StringIO()))
    assert "`sigstore-trust-config`" in raised.value.message
    assert raised.value.file == str(how.trust_config)
    assert sigstore.requests == []
