"""Reading deployment environments through PyGithub, against GitHub's REST API played by
`responses`: the rules described in words, a missing environment, and every way the API can
refuse to answer (each one line, never an exception from PyGithub or requests)."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import responses

from release_actions.environments import Unavailable, read_environments

API = "https://api.github.com"
REQUESTED = "https://api.github.com:443"  # PyGithub spells the port out
REPO = "octo/sample"
ENV = {"GITHUB_API_URL": API}


def repository() -> dict[str, Any]:
    return {"id": 1, "name": "sample", "full_name": REPO, "url": f"{API}/repos/{REPO}",
            "owner": {"login": "octo", "id": 1}}


def environment(name: str, rules: list[dict[str, Any]],
                policy: dict[str, bool] | None = None) -> dict[str, Any]:
    return {"id": 7, "name": name, "url": f"{API}/repos/{REPO}/environments/{name}",
            "protection_rules": rules, "deployment_branch_policy": policy}


@responses.activate
def test_rules_are_described_and_a_missing_environment_is_none() -> None:
    responses.get(f"{REQUESTED}/repos/{REPO}", json=repository())
    responses.get(f"{REQUESTED}/repos/{REPO}/environments/pypi-public", json=environment(
        "pypi-public",
        [{"id": 1, "type": "required_reviewers", "reviewers": [
            {"type": "User", "reviewer": {"login": "alice", "id": 2}},
            {"type": "Team", "reviewer": {"slug": "release-team", "id": 3}}]},
         {"id": 2, "type": "wait_timer", "wait_timer": 10},
         {"id": 3, "type": "branch_policy"}],
        {"protected_branches": False, "custom_branch_policies": True}))
    responses.get(f"{REQUESTED}/repos/{REPO}/environments/pypi-internal-preview", status=404,
                  json={"message": "Not Found"})

    found = read_environments("t0k", ENV, REPO, ["pypi-public", "pypi-internal-preview"], 60)

    public = found["pypi-public"]
    assert public is not None
    assert public.rules == ("required reviewers: alice, release-team", "wait timer: 10 min",
                            "deployments from selected branches and tags only")
    assert public.protected_branches_only is False
    assert found["pypi-internal-preview"] is None


@pytest.mark.parametrize(
    ("repo_status", "env_status", "phrase"),
    [
        pytest.param(404, 200, "octo/sample is not visible to the token (HTTP 404)",
                     id="hidden-repository"),
        pytest.param(200, 403, "may not read the environments of octo/sample (HTTP 403); give "
                     "the job `permissions: actions: read`", id="forbidden"),
        pytest.param(401, 200, "(HTTP 401)", id="bad-token"),
        pytest.param(200, 500, "the API kept failing for octo/sample", id="server-error"),
    ],
)
@responses.activate
def test_an_api_that_will_not_answer_is_unavailable_with_the_reason(
    repo_status: int, env_status: int, phrase: str
) -> None:
    responses.get(f"{REQUESTED}/repos/{REPO}", status=repo_status,
                  json=repository() if repo_status == 200 else {"message": "Not Found"})
    responses.get(f"{REQUESTED}/repos/{REPO}/environments/pypi-public", status=env_status,
                  json={"message": "Resource not accessible by integration"})

    with pytest.raises(Unavailable) as caught:
        read_environments("t0k", ENV, REPO, ["pypi-public"], 60)

    assert phrase in str(caught.value)


@responses.activate
def test_a_connection_failure_is_unavailable() -> None:
    responses.get(f"{REQUESTED}/repos/{REPO}", body=requests.ConnectionError("refused"))

    with pytest.raises(Unavailable, match=r"the API is unreachable \(ConnectionError\)"):
        read_environments("t0k", ENV, REPO, ["pypi-public"], 60)
