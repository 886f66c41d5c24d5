"""Canary secrets against servers that echo what they receive (raw, URL-encoded, base64, Basic
auth decoded): no form of a secret reaches the log (beyond the runner's `::add-mask::` lines
that announce it), the job summary or an output."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from devtools.fault_server import ECHO, FaultServer

from tests.helpers import Result
from tests.hostile.conftest import Workspace, make_workspace
from tests.hostile.faults import PUBLISH, run_measured, tagged

# Characters that URL-encoding and JSON change, so each form differs from the raw secret.
CANARY = "cnry+/=&%-9f3a1c7e"
SCENARIOS: list[str] = []
LEAKS: list[str] = []


def forms(secret: str, users: tuple[str, ...] = ("__token__", "uploader")) -> dict[str, str]:
    """Every form of `secret` a server may echo."""
    b64 = base64.b64encode
    found = {"raw": secret, "url-encoded": quote(secret, safe=""),
             "form-encoded": quote_plus(secret), "base64": b64(secret.encode()).decode()}
    for user in users:
        found[f"basic {user}"] = b64(f"{user}:{secret}".encode()).decode()
    return found


def leaks(secret: str, run: Result) -> list[str]:
    """Where a form of `secret` shows, other than the mask announcements."""
    log = "\n".join(line for line in (run.stdout + run.stderr).splitlines()
                    if not line.startswith("::add-mask::"))
    places = {"log": log, "summary": run.summary, "outputs": "\n".join(run.outputs.values())}
    return [f"{form} in {place}" for form, value in forms(secret).items()
            for place, text in places.items() if value in text]


@dataclass(frozen=True)
class Echoed:
    """A command run against an echoing server: its argv, inputs and environment."""

    argv: list[str]
    inputs: dict[str, str]
    env: dict[str, str]


Scenario = Callable[[Workspace, str], Echoed]


def _gate(workspace: Workspace, url: str) -> Echoed:
    return Echoed(["integration-gate"], {"providers": "deepseek", "timeout": "10"},
                  {"DEEPSEEK_API_KEY": CANARY, "DEEPSEEK_BASE_URL": url})


def _publish(username: str) -> Scenario:
    def scenario(workspace: Workspace, url: str) -> Echoed:
        shutil.copytree(DIST[0], workspace.root / "dist")
        inputs = {**PUBLISH, "username": username, "password": CANARY,
                  "repository-url": f"{url}/legacy/", "check-url": ""}
        return Echoed(["publish"], inputs, {})

    return scenario


def _publish_check_url(workspace: Workspace, url: str) -> Echoed:
    shutil.copytree(DIST[0], workspace.root / "dist")
    inputs = {**PUBLISH, "password": CANARY, "repository-url": f"{url}/legacy/",
              "check-url": f"{url}/simple/"}
    return Echoed(["publish"], inputs, {})


def _tag_guard_index(workspace: Workspace, url: str) -> Echoed:
    bare = workspace.runner / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    tagged(workspace, str(bare))
    subprocess.run(["git", "push", "-q", "origin", "HEAD:refs/heads/main"], cwd=workspace.root,
                   check=True, capture_output=True)
    return Echoed(["tag-guard"], {"tag": "v1.2.3", "index-url": url, "github-token": CANARY,
                                  "timeout": "10"}, {})


def _tag_guard_compare(workspace: Workspace, url: str) -> Echoed:
    tagged(workspace, str(workspace.runner / "no-such-origin.git"))
    return Echoed(["tag-guard"], {"tag": "v1.2.3", "index-url": "", "github-token": CANARY,
                                  "timeout": "10"}, {"GITHUB_API_URL": url})


def _tested_run(workspace: Workspace, url: str) -> Echoed:
    return Echoed(["tested-run"], {"mode": "resolve", "run-id": "42", "github-token": CANARY},
                  {"GITHUB_API_URL": url})


def _doctor(workspace: Workspace, url: str) -> Echoed:
    return Echoed(["doctor"], {"github-token": CANARY, "repository": "octo/mypkg"},
                  {"GITHUB_API_URL": url})


def _base_url_credentials(workspace: Workspace, url: str) -> Echoed:
    host = url.removeprefix("http://")
    return Echoed(["integration-gate"], {"providers": "deepseek"},
                  {"DEEPSEEK_API_KEY": "sk-other", "DEEPSEEK_BASE_URL":
                   f"http://user:{CANARY}@{host}/v1"})


def _input_error_with_secret(workspace: Workspace, url: str) -> Echoed:
    return Echoed(["publish"], {"channel": "bogus", "password": CANARY}, {})


DIST: list[Path] = []
# Refused before any request: the secret must still not show.
NOTHING_SENT = {"base-url-with-password", "input-error-with-secret", "tag-guard-index-500",
                "publish-check-url-200",
                "tag-guard-index-200"}
ECHOES: dict[str, tuple[Scenario, int]] = {
    "gate-probe-400": (_gate, 400),
    "gate-probe-401": (_gate, 401),
    "gate-probe-500": (_gate, 500),
    "gate-probe-200": (_gate, 200),
    "publish-upload-token-400": (_publish(""), 400),
    "publish-upload-token-403": (_publish(""), 403),
    "publish-upload-user-400": (_publish("uploader"), 400),
    "publish-upload-user-500": (_publish("uploader"), 500),
    "publish-check-url-404": (_publish_check_url, 404),
    "publish-check-url-200": (_publish_check_url, 200),
    "tag-guard-index-500": (_tag_guard_index, 500),
    "tag-guard-index-200": (_tag_guard_index, 200),
    "tag-guard-compare-api-404": (_tag_guard_compare, 404),
    "tag-guard-compare-api-500": (_tag_guard_compare, 500),
    "tested-run-api-404": (_tested_run, 404),
    "tested-run-api-500": (_tested_run, 500),
    "doctor-api-403": (_doctor, 403),
    "doctor-api-500": (_doctor, 500),
    "base-url-with-password": (_base_url_credentials, 400),
    "input-error-with-secret": (_input_error_with_secret, 400),
}


@pytest.mark.parametrize("name", ECHOES)
def test_no_form_of_a_secret_leaks(name: str, tmp_path: Path, built_dist: Path) -> None:
    DIST[:] = [built_dist]
    scenario, status = ECHOES[name]
    workspace = make_workspace(tmp_path)
    with FaultServer(ECHO, status=status) as server:
        echoed = scenario(workspace, server.url)
        run = run_measured(workspace, echoed.argv, echoed.inputs, echoed.env)
    sent = [request for request in server.requests
            if any(form in str(request["headers"]) for form in forms(CANARY).values())]
    # The scenario is real: the secret went to the echoing server (unless refused before).
    assert sent or name in NOTHING_SENT, server.requests
    SCENARIOS.append(name)
    found = leaks(CANARY, run)
    LEAKS.extend(f"{name}: {where}" for where in found)
    assert not found, run.stdout
    assert "Traceback" not in run.stdout + run.stderr


def test_the_github_release_error_echoes_no_token() -> None:
    """The release step in-process: an echoing API's error never puts the token in the error."""
    from packaging.version import Version

    from release_actions.errors import CheckFailed
    from release_actions.gha import Console
    from release_actions.release import ReleaseRequest, publish_release

    stream = io.StringIO()
    console = Console(actions=True, stream=stream)
    console.mask(CANARY)
    with FaultServer(ECHO, status=500) as server:
        request = ReleaseRequest(repository="octo/mypkg", tag="v1.0.0", title="mypkg 1.0.0",
                                 version=Version("1.0.0"), dists=[])
        with pytest.raises(CheckFailed) as refused:
            publish_release(request, CANARY, {"GITHUB_API_URL": server.url}, console, timeout=10)
    SCENARIOS.append("github-release-api-500")
    console.error(refused.value.message)
    run = Result(1, stream.getvalue(), "")
    found = leaks(CANARY, run)
    LEAKS.extend(f"github-release-api-500: {where}" for where in found)
    assert not found, run.stdout


def test_zz_report_the_figures(report_figure: Callable[[str], None]) -> None:
    if not SCENARIOS:
        pytest.skip("no canary scenario in this session")
    report_figure(f"canary scenarios: {len(SCENARIOS)}; leaks: {len(LEAKS)}")
    assert not LEAKS
