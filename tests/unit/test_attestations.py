"""The attestation policy that needs no Sigstore: who must have signed, the integrity API's
answer read back, and when publish mints at all."""

from __future__ import annotations

import io
import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from release_actions import attestations
from release_actions.commands import publish
from release_actions.distributions import Distribution
from release_actions.errors import CheckFailed
from release_actions.gha import Console
from release_actions.rehearsal.servers import serving
from tests.helpers import parse_inputs

SIGNING = attestations.Signing.from_environ(
    {"GITHUB_REPOSITORY": "octo-org/octo-lib",
     "GITHUB_WORKFLOW_REF": "octo-org/octo-lib/.github/workflows/release.yml@refs/tags/v2.0.0"},
    None, 10)
DIST = Distribution(Path("dist/octo_lib-2.0.0.tar.gz"), "octo-lib", Version("2.0.0"), "ab" * 32)


def test_the_identity_is_this_repository_s_workflow_at_this_ref() -> None:
    assert SIGNING.identity == ("https://github.com/octo-org/octo-lib/.github/workflows/"
                                "release.yml@refs/tags/v2.0.0")
    assert SIGNING.workflow_file == "release.yml"
    assert attestations.attestation_path(DIST) == Path(
        "dist/octo_lib-2.0.0.tar.gz.publish.attestation")


def test_the_integrity_url_is_pypi_s_on_the_index_host() -> None:
    assert attestations.integrity_url("https://pypi.org/simple/", "octo-lib", "2.0.0",
                                      DIST.filename) == (
        "https://pypi.org/integrity/octo-lib/2.0.0/octo_lib-2.0.0.tar.gz/provenance")


def provenance_server(status: int, document: Any) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            raw = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: object) -> None:
            return

    return Handler


def bundle(repository: str, workflow: str) -> dict[str, Any]:
    return {"version": 1, "attestation_bundles": [{"publisher": {
        "kind": "GitHub", "repository": repository, "workflow": workflow}, "attestations": []}]}


@pytest.mark.parametrize(("status", "document", "expected"), [
    (200, bundle("octo-org/octo-lib", "release.yml"), "verified"),
    (404, {"message": "No provenance available"}, "unavailable"),
    (200, ["not", "an", "object"], "unavailable"),
])
def test_provenance_read_back(status: int, document: Any, expected: str) -> None:
    with serving(provenance_server(status, document)) as port:
        assert attestations.check_provenance([DIST], f"http://127.0.0.1:{port}/simple/",
                                             SIGNING, Console(actions=True,
                                                              stream=io.StringIO())) == expected


def test_provenance_naming_another_workflow_is_refused() -> None:
    with serving(provenance_server(200, bundle("octo-org/octo-lib", "other.yml"))) as port, \
            pytest.raises(CheckFailed) as raised:
        attestations.check_provenance([DIST], f"http://127.0.0.1:{port}/simple/", SIGNING,
                                      Console(actions=True, stream=io.StringIO()))
    assert "octo-org/octo-lib other.yml, not this repository's workflow (octo-org/octo-lib " \
           "release.yml)" in raised.value.message


@pytest.mark.parametrize(("channel", "requested", "minted"), [
    ("public", "", True), ("preview", "", False), ("preview", "true", True),
    ("public", "false", False),
])
def test_attestations_default_to_the_public_channel(tmp_path: Path, channel: str, requested: str,
                                                    minted: bool) -> None:
    inputs: publish.Inputs = parse_inputs(publish.COMMAND, {
        "working-directory": str(tmp_path), "channel": channel, "attestations": requested,
        "github-release": "false"})
    assert inputs.wants_attestations is minted
