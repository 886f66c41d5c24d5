"""Trusted Publishing: the preflight against runner environments and event payloads, the
translation of `uv publish` failures, and the OIDC claims read from a token endpoint (a real
local HTTP server standing in for the runner's)."""

from __future__ import annotations

import base64
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from release_actions.errors import CheckFailed, ConfigError
from release_actions.gha import Console
from release_actions.trusted_publishing import (
    Job,
    decode_claims,
    explain_upload_failure,
    fetch_claims,
    preflight,
    workflow_file,
)

WORKFLOW_REF = "octo/sample/.github/workflows/release.yml@refs/tags/v1.2.0"
ID_TOKEN = {"ACTIONS_ID_TOKEN_REQUEST_URL": "https://token.actions.example/t?x=1",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token"}


def job(tmp_path: Path, event: dict[str, Any] | None = None, event_name: str = "push",
        **environ: str) -> Job:
    values = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "octo/sample",
              "GITHUB_WORKFLOW_REF": WORKFLOW_REF, "GITHUB_EVENT_NAME": event_name}
    if event is not None:
        path = tmp_path / "event.json"
        path.write_text(json.dumps(event))
        values["GITHUB_EVENT_PATH"] = str(path)
    values.update(environ)
    return Job.from_environ(values)


def pull_request(head: str, base: str = "octo/sample") -> dict[str, Any]:
    return {"pull_request": {"head": {"repo": {"full_name": head, "fork": head != base}},
                             "base": {"repo": {"full_name": base}}}}


def jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return f"{part({'alg': 'RS256'})}.{part(claims)}.signature"


@pytest.mark.parametrize(
    ("mode", "password", "environ", "expected"),
    [
        pytest.param("automatic", False, {}, "id-token: write", id="automatic-without-id-token"),
        pytest.param("always", False, {}, "id-token: write", id="always-without-id-token"),
        pytest.param("automatic", False, ID_TOKEN, None, id="automatic-with-id-token"),
        pytest.param("automatic", True, {}, None, id="password-means-no-oidc"),
        pytest.param("never", False, {}, None, id="never"),
        pytest.param("always", True, {}, "id-token: write", id="always-even-with-password"),
    ],
)
def test_preflight_on_actions(tmp_path: Path, mode: str, password: bool,
                              environ: dict[str, str], expected: str | None) -> None:
    problem = preflight(job(tmp_path, **environ), mode, has_password=password)

    if expected is None:
        assert problem is None
    else:
        assert isinstance(problem, ConfigError)
        assert expected in problem.message
        assert "job level" in problem.message and "release.yml" in problem.message


def test_preflight_names_the_fork(tmp_path: Path) -> None:
    """Given a pull_request event from the fork mallory/sample, when Trusted Publishing would be
    used, then the error says fork pull requests get no OIDC token (not "add id-token")."""
    problem = preflight(job(tmp_path, pull_request("mallory/sample"), "pull_request"),
                        "automatic", has_password=False)

    assert problem is not None
    assert "mallory/sample" in problem.message
    assert "fork" in problem.message and "id-token: write" not in problem.message


def test_preflight_lets_a_same_repository_pull_request_through(tmp_path: Path) -> None:
    event = pull_request("octo/sample")
    assert preflight(job(tmp_path, event, "pull_request", **ID_TOKEN), "automatic",
                     has_password=False) is None


def test_preflight_outside_actions_is_uv_s_business(tmp_path: Path) -> None:
    local = Job.from_environ({})
    assert preflight(local, "always", has_password=False) is None


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        pytest.param(WORKFLOW_REF, "release.yml", id="tag"),
        pytest.param("o/r/.github/workflows/a/b.yaml@refs/heads/main", "b.yaml", id="nested"),
        pytest.param("", "", id="unset"),
    ],
)
def test_workflow_file(ref: str, expected: str) -> None:
    assert workflow_file(ref) == expected


INVALID_PUBLISHER_OUTPUT = """\
Publishing 2 files to https://upload.pypi.org/legacy/
error: Failed to obtain token for trusted publishing
  cause: PyPI returned error code 422 Unprocessable Entity, is trusted publishing correctly \
configured?
Response: {"message":"Token request failed","errors":[{"code":"invalid-publisher",\
"description":"valid token, but no corresponding publisher"}]}
"""


def test_invalid_publisher_names_the_form_fields(tmp_path: Path) -> None:
    """Given PyPI answers invalid-publisher and the token's claims name environment
    pypi-public, when the failure is explained, then the message lists owner, repository,
    workflow file and environment as the PyPI form wants them, plus the claims."""
    claims = {"repository": "octo/sample", "repository_owner": "octo",
              "workflow_ref": WORKFLOW_REF, "job_workflow_ref": WORKFLOW_REF,
              "environment": "pypi-public", "sub": "repo:octo/sample:environment:pypi-public"}

    error = explain_upload_failure(INVALID_PUBLISHER_OUTPUT, 2, job=job(tmp_path),
                                   publish_url="https://upload.pypi.org/legacy/", claims=claims)

    assert isinstance(error, ConfigError)
    for field in ("Owner `octo`", "Repository name `sample`", "Workflow name `release.yml`",
                  "Environment name `pypi-public`", "environment=pypi-public"):
        assert field in error.message
    assert "upload.pypi.org" in error.message


def test_invalid_publisher_without_claims_uses_the_runner(tmp_path: Path) -> None:
    error = explain_upload_failure(INVALID_PUBLISHER_OUTPUT, 2, job=job(tmp_path),
                                   publish_url="https://upload.pypi.org/legacy/", claims={})

    assert "Owner `octo`" in error.message and "Workflow name `release.yml`" in error.message
    assert "has no `environment:`" in error.message


def test_reusable_workflow_is_named(tmp_path: Path) -> None:
    """Given the token's job_workflow_ref points at a reusable workflow, when PyPI refuses it,
    then the message says reusable workflows are not supported and names both files."""
    reusable = "octo/shared/.github/workflows/publish.yml@refs/heads/main"
    claims = {"workflow_ref": WORKFLOW_REF, "job_workflow_ref": reusable,
              "repository": "octo/sample"}

    error = explain_upload_failure(INVALID_PUBLISHER_OUTPUT, 2, job=job(tmp_path),
                                   publish_url="https://upload.pypi.org/legacy/", claims=claims)

    assert "reusable workflow" in error.message
    assert reusable in error.message and "release.yml" in error.message


@pytest.mark.parametrize(
    ("output", "kind", "expected"),
    [
        pytest.param("error: Failed to obtain token for trusted publishing\n  cause: Environment "
                     "variable ACTIONS_ID_TOKEN_REQUEST_TOKEN not set, is the `id-token: write` "
                     "permission missing?", ConfigError, "job level", id="uv-missing-id-token"),
        pytest.param("error: Failed to publish `dist/a.whl` to `https://x/`\n  cause: Missing "
                     "credentials for: https://x/", ConfigError, "no credentials",
                     id="no-credentials"),
        pytest.param("error: Local file and index file do not match for `a.whl`. Local: "
                     "sha256=1, Remote: sha256=2", CheckFailed, "immutable",
                     id="different-file-on-index"),
        pytest.param("error: Local file and index file do not match for\n`a.whl`. Local: "
                     "sha256=1, Remote: sha256=2", CheckFailed, "immutable",
                     id="different-file-on-index-wrapped"),
        pytest.param("error: Failed to publish\n  cause: Server returned status code 403 "
                     "Forbidden. Server says: <html>", CheckFailed, "refused the upload",
                     id="forbidden"),
        pytest.param("error: Failed to publish `dist/a.whl`\n  cause: Server returned status code "
                     "409 Conflict. Server says: <html>\n<pre>Package 'a.whl' already exists!"
                     "</pre>", CheckFailed, "Set `check-url`", id="already-there-no-check-url"),
        pytest.param("error: Failed to publish\n  cause: error sending request\n  cause: "
                     "connection refused", CheckFailed, "connection refused",
                     id="anything-else-keeps-uv-s-causes"),
    ],
)
def test_upload_failures_are_translated(tmp_path: Path, output: str, kind: type,
                                        expected: str) -> None:
    error = explain_upload_failure(output, 2, job=job(tmp_path), publish_url="https://x/",
                                   claims={})
    assert isinstance(error, kind)
    assert expected in error.message


def test_decode_claims_of_a_broken_token_is_empty() -> None:
    assert decode_claims("not-a-jwt") == {}
    assert decode_claims("a.!!!.c") == {}
    assert decode_claims(jwt({"repository": "o/r"})) == {"repository": "o/r"}


@pytest.fixture
def token_endpoint() -> Iterator[tuple[str, list[dict[str, str]], str]]:
    """A local stand-in for both the index's audience endpoint and the runner's OIDC token
    endpoint; records each request's path and Authorization header."""
    seen: list[dict[str, str]] = []
    token = jwt({"repository": "octo/sample", "environment": "pypi-internal-preview",
                 "workflow_ref": WORKFLOW_REF, "job_workflow_ref": WORKFLOW_REF})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append({"path": self.path, "auth": self.headers.get("Authorization", "")})
            body = ({"audience": "testindex"} if self.path.startswith("/_/oidc/audience")
                    else {"value": token})
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen, token
    finally:
        server.shutdown()
        server.server_close()


def test_claims_come_from_a_token_for_the_index_audience(
    tmp_path: Path, token_endpoint: tuple[str, list[dict[str, str]], str]
) -> None:
    """Given the runner's token endpoint, when claims are fetched for a failed upload, then the
    audience is asked of the index, the token is requested for it with the request token, the
    token is masked, and its claims are returned."""
    url, seen, token = token_endpoint
    the_job = job(tmp_path, ACTIONS_ID_TOKEN_REQUEST_URL=f"{url}/token?api-version=2.0",
                  ACTIONS_ID_TOKEN_REQUEST_TOKEN="request-token-77")
    stream = io.StringIO()
    console = Console(actions=True, stream=stream)

    claims = fetch_claims(the_job, f"{url}/legacy/", console)

    assert claims["environment"] == "pypi-internal-preview"
    assert seen[0]["path"] == "/_/oidc/audience"
    assert seen[1]["path"] == "/token?api-version=2.0&audience=testindex"
    assert seen[1]["auth"] == "bearer request-token-77"
    assert stream.getvalue().startswith(f"::add-mask::{token}\n")
    assert all(line.startswith("::add-mask::") for line in stream.getvalue().splitlines())
    assert console.redact(f"token {token}") == "token ***"


def test_claims_without_a_token_endpoint_are_empty(tmp_path: Path) -> None:
    assert fetch_claims(Job.from_environ({}), "https://x/", Console(actions=False)) == {}
