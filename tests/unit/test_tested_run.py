"""tested-run resolve against each answer GitHub's REST API can give, played by `responses` on
a GitHub Enterprise Server URL: the listing (found, none, expired, two, 404, 403, 5xx, no
network), the zip download (redirect to storage without the token, 410, 403, too large, a bad
redirect) and the compare API (identical, behind, ahead, diverged, 404)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from release_actions import cli, run_artifacts
from release_actions.gha import Console
from tests.helpers import ROOT, Result, clean_env, parse_key_values

API = "https://ghe.example.com/api/v3"
REQUESTED = "https://ghe.example.com:443/api/v3"  # PyGithub spells the port out
REPOSITORY = "acme/mypkg"
TOKEN = "ghs_unitTestTokenValue0987654321"
RUN_ID = 7001
SHA = "0123456789abcdef0123456789abcdef01234567"
ARTIFACTS = f"{REQUESTED}/repos/{REPOSITORY}/actions/runs/{RUN_ID}/artifacts"
ZIP_URL = f"{API}/repos/{REPOSITORY}/actions/artifacts/11/zip"
STORAGE = "https://storage.example.net/blob/11?sig=abc"
COMPARE = f"{REQUESTED}/repos/{REPOSITORY}/compare/main...{SHA}"
IMPORT_PROBE = """
import json, sys
from release_actions import cli
code = cli.main(sys.argv[1:])
heavy = sorted(m for m in ("requests", "github", "urllib3") if m in sys.modules)
print("IMPORTED=" + json.dumps(heavy), file=sys.stderr)
raise SystemExit(code)
"""


def resolve(tmp_path: Path, unset: str = "", **inputs: str) -> Result:
    """tested-run in this process (so `responses` sees every request), as on a GHES runner."""
    output, summary = tmp_path / "output", tmp_path / "summary"
    output.write_text("")
    summary.write_text("")
    environ = {
        "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_API_URL": API,
        "GITHUB_REPOSITORY": REPOSITORY, "INPUT_RUN_ID": str(RUN_ID),
        "INPUT_GITHUB_TOKEN": TOKEN,
    }
    environ.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
    environ.pop(unset, None)
    stream = io.StringIO()
    code = cli.execute("tested-run", environ, Console(actions=True, stream=stream))
    return Result(code, stream.getvalue(), outputs=parse_key_values(output.read_text()),
                  summary=summary.read_text())


def zipped(content: object, name: str = "tested-run.json") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, json.dumps(content))
    return buffer.getvalue()


def artifact(artifact_id: int = 11, *, expired: bool = False, name: str = "tested-run",
             size: int = 200) -> dict[str, Any]:
    return {"id": artifact_id, "name": name, "expired": expired, "size_in_bytes": size,
            "archive_download_url": f"{API}/repos/{REPOSITORY}/actions/artifacts/"
                                    f"{artifact_id}/zip"}


def answer_listing(*items: dict[str, Any], **answer: Any) -> None:
    """The run's artifacts, asked for by name."""
    if not answer:
        answer = {"json": {"total_count": len(items), "artifacts": list(items)}}
    responses.get(ARTIFACTS, match=[matchers.query_param_matcher(
        {"name": "tested-run", "per_page": "100"})], **answer)


def answer_download(body: bytes) -> None:
    """The API redirects to storage on another host, which refuses a token."""
    responses.get(ZIP_URL, status=302, headers={"Location": STORAGE})

    def storage(request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        return (400, {}, b"token not allowed") if "Authorization" in request.headers else (
            200, {}, body)

    responses.add_callback(responses.GET, STORAGE, callback=storage)


def answer_compare(status: str = "identical", **answer: Any) -> None:
    responses.get(COMPARE, **(answer or {"json": {"status": status}}))


def headers_of(url_start: str) -> list[dict[str, str]]:
    return [dict(call.request.headers) for call in responses.calls
            if call.request.url and call.request.url.startswith(url_start)]


@responses.activate
def test_found_downloaded_checked_and_resolved(tmp_path: Path) -> None:
    """Given one live record among an expired one and another artifact, when resolve runs, then
    it downloads through the storage redirect without the token and outputs sha and number."""
    answer_listing(artifact(9, expired=True), artifact(), artifact(12, name="tested-run-x"))
    answer_download(zipped({"sha": SHA, "run_number": 41}))
    answer_compare("behind")

    run = resolve(tmp_path)

    assert run.code == 0, run.log
    assert run.outputs == {"available": "true", "sha": SHA, "run-number": "41"}
    assert headers_of(ZIP_URL)[0]["Authorization"] == f"Bearer {TOKEN}"
    assert [("Authorization" in h) for h in headers_of("https://storage.example.net")] == [False]
    assert f"| `{SHA}` | 41 | {RUN_ID} |" in run.summary
    assert TOKEN not in run.log.replace(f"::add-mask::{TOKEN}", "") + run.summary


@responses.activate
def test_a_redirect_on_the_api_host_keeps_the_token(tmp_path: Path) -> None:
    """GHES may serve the zip from its own host: the token goes along there."""
    answer_listing(artifact())
    same_host = f"{API}/storage/11"
    responses.get(ZIP_URL, status=302, headers={"Location": same_host})
    responses.get(same_host, body=zipped({"sha": SHA, "run_number": 3}))
    answer_compare()

    run = resolve(tmp_path)

    assert run.code == 0, run.log
    assert headers_of(same_host)[0]["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize("items", [
    pytest.param([], id="none"),
    pytest.param([artifact(expired=True)], id="expired"),
])
@responses.activate
def test_no_live_record_is_not_available(tmp_path: Path, items: list[dict[str, Any]]) -> None:
    answer_listing(*items)

    run = resolve(tmp_path)

    assert run.code == 0, run.log
    assert run.outputs == {"available": "false", "sha": "", "run-number": ""}
    assert [line for line in run.log.splitlines() if line.startswith("::notice")]
    assert len(responses.calls) == 1


@responses.activate
def test_two_records_are_refused(tmp_path: Path) -> None:
    answer_listing(artifact(11), artifact(12))

    run = resolve(tmp_path)

    assert run.code == 1
    assert "holds 2 artifacts named 'tested-run'" in run.errors()[0]


@pytest.mark.parametrize(("status", "code", "says"), [
    pytest.param(404, 2, "was not found (HTTP 404", id="unknown-run"),
    pytest.param(403, 2, "`permissions: actions: read`", id="no-actions-read"),
    pytest.param(401, 2, "HTTP 401", id="bad-token"),
    pytest.param(422, 1, "answered HTTP 422", id="other"),
])
@responses.activate
def test_listing_errors_are_translated(tmp_path: Path, status: int, code: int,
                                       says: str) -> None:
    answer_listing(status=status, json={"message": "nope"})

    run = resolve(tmp_path)

    assert run.code == code, run.log
    assert len(run.errors()) == 1 and says in run.errors()[0]


@pytest.mark.parametrize("answer", [
    pytest.param({"status": 302, "headers": {"Location": ARTIFACTS}}, id="redirect"),
    pytest.param({"json": {"total_count": 0}}, id="no-list"),
    pytest.param({"body": "<html>maintenance</html>"}, id="not-json"),
])
@responses.activate
def test_a_listing_without_the_list_is_refused_not_read_as_nothing(
    tmp_path: Path, answer: dict[str, Any]
) -> None:
    """Given an API that answers the listing with a redirect or a body without `artifacts`,
    then resolve refuses (exit 1): an answer it cannot read never means "no tested run"."""
    answer_listing(**answer)

    run = resolve(tmp_path)

    assert run.code == 1, run.log
    assert len(run.errors()) == 1 and "without the list of artifacts" in run.errors()[0]
    assert run.outputs.get("available") != "false"


@responses.activate
def test_a_rate_limit_is_not_waited_out_for_an_hour(tmp_path: Path) -> None:
    """Given a token whose rate limit resets in an hour, when resolve lists the artifacts,
    then it stops with a clear error instead of hanging the job until the reset."""
    reset = str(int(time.time()) + 3600)
    answer_listing(status=403, json={"message": "API rate limit exceeded"}, headers={
        "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})

    run = resolve(tmp_path)

    assert run.code == 1, run.log
    assert "rate limit for this token is used up" in run.errors()[0]


@responses.activate
def test_no_network_is_a_clear_error(tmp_path: Path) -> None:
    answer_listing(body=requests.ConnectionError("refused"))

    run = resolve(tmp_path)

    assert run.code == 1
    assert "GitHub's API could not be reached" in run.errors()[0]
    assert "ConnectionError" in run.errors()[0]


@pytest.mark.parametrize(("answer", "code", "says"), [
    pytest.param({"status": 410}, 1, "answered HTTP 410", id="expired-since"),
    pytest.param({"status": 403}, 2, "actions: read", id="forbidden"),
    pytest.param({"status": 302, "headers": {"Location": "file:///etc/passwd"}}, 1,
                 "not an http(s) URL", id="redirect-to-file"),
    pytest.param({"status": 302, "headers": {"Location": ZIP_URL}}, 1,
                 "more than 3 times", id="redirect-loop"),
    pytest.param({"body": requests.ConnectTimeout("slow")}, 1, "ConnectTimeout",
                 id="timeout"),
    pytest.param({"body": b"PK" + b"\0" * (run_artifacts.MAX_ZIP_BYTES + 10)}, 1,
                 "larger than 1048576 bytes", id="too-large"),
])
@responses.activate
def test_download_errors_are_translated(tmp_path: Path, answer: dict[str, Any], code: int,
                                        says: str) -> None:
    answer_listing(artifact())
    responses.get(ZIP_URL, **answer)

    run = resolve(tmp_path)

    assert run.code == code, run.log
    assert len(run.errors()) == 1 and says in run.errors()[0]
    assert "sha" not in run.outputs


@responses.activate
def test_a_listed_size_above_the_cap_is_not_downloaded(tmp_path: Path) -> None:
    answer_listing(artifact(size=50 * 1024 * 1024))

    run = resolve(tmp_path)

    assert run.code == 1
    assert "larger than" in run.errors()[0]
    assert len(responses.calls) == 1


@pytest.mark.parametrize(("status", "ok"), [
    pytest.param("identical", True, id="identical"),
    pytest.param("behind", True, id="behind"),
    pytest.param("ahead", False, id="ahead"),
    pytest.param("diverged", False, id="diverged"),
])
@responses.activate
def test_the_commit_must_be_on_the_branch(tmp_path: Path, status: str, ok: bool) -> None:
    answer_listing(artifact())
    answer_download(zipped({"sha": SHA, "run_number": 5}))
    answer_compare(status)

    run = resolve(tmp_path)

    assert run.code == (0 if ok else 1), run.log
    if not ok:
        [error] = run.errors()
        assert SHA in error and "is not on main" in error and f"says '{status}'" in error
        assert "merge the change into main" in error
        assert "sha" not in run.outputs


@responses.activate
def test_a_branch_the_compare_api_does_not_know(tmp_path: Path) -> None:
    answer_listing(artifact())
    answer_download(zipped({"sha": SHA, "run_number": 5}))
    responses.get(f"{REQUESTED}/repos/{REPOSITORY}/compare/trunk...{SHA}", status=404,
                  json={"message": "Not Found"})

    run = resolve(tmp_path, branch="trunk")

    assert run.code == 1
    assert "answered HTTP 404" in run.errors()[0] and "trunk exists" in run.errors()[0]


@pytest.mark.parametrize(("inputs", "says"), [
    pytest.param({"mode": "publish"}, "must be one of record, resolve", id="mode"),
    pytest.param({"run_id": "12a"}, "must be a workflow run id", id="run-id"),
    pytest.param({"run_id": ""}, "`run-id` is empty", id="no-run-id"),
    pytest.param({"github_token": ""}, "`github-token` is empty", id="no-token"),
    pytest.param({"artifact": "a/b"}, "must be an artifact name", id="artifact"),
    pytest.param({"branch": "-x"}, "not a plain git ref", id="branch"),
])
@responses.activate
def test_bad_inputs_ask_nothing(tmp_path: Path, inputs: dict[str, str], says: str) -> None:
    run = resolve(tmp_path, **inputs)

    assert run.code == 2, run.log
    assert len(run.errors()) == 1 and says in run.errors()[0]
    assert len(responses.calls) == 0


@responses.activate
def test_without_a_repository_it_says_how_to_set_one(tmp_path: Path) -> None:
    run = resolve(tmp_path, unset="GITHUB_REPOSITORY")

    assert run.code == 2
    assert "GITHUB_REPOSITORY is not set" in run.errors()[0]
    assert len(responses.calls) == 0


def test_record_imports_neither_requests_nor_github(tmp_path: Path) -> None:
    """record runs at the end of integration-eval: it pays for no HTTP or API client."""
    proc = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE, "tested-run", "--mode", "record", "--sha", SHA,
         "--run-number", "8", "--path", str(tmp_path / "out")],
        cwd=tmp_path, capture_output=True, text=True,
        env=clean_env(PYTHONPATH=str(ROOT / "src")),
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stderr.rsplit("IMPORTED=", 1)[1]) == []
    assert json.loads((tmp_path / "out" / "tested-run.json").read_text()) == {
        "sha": SHA, "run_number": 8}
