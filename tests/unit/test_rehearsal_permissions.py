"""Each job's GITHUB_TOKEN in a rehearsal: the scopes GitHub would grant it, the view that
gives every job its own token, and the API stand-in answering 403 for what a token may not do
(a real local server, real HTTP)."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import yaml

from release_actions.rehearsal.github_api import FORBIDDEN, fake_github, required_scope
from release_actions.rehearsal.permissions import RESTRICTED_DEFAULT, allows, job_permissions
from release_actions.rehearsal.view import write_view
from release_actions.workflows import read_workflow

WORKFLOW = """name: Ship
on: push
{top}
jobs:
  plain:
    runs-on: ubuntu-latest
    steps:
      - run: echo "$T"
        env:
          T: ${{{{ secrets.GITHUB_TOKEN }}}}
  own:
    runs-on: ubuntu-latest
    permissions:
{own}
    steps:
      - uses: benchflow-ai/release-actions/publish@v1
      - uses: benchflow-ai/release-actions/bump-dev@v1
        with:
          github-token: ${{{{ github.token }}}}
      - uses: actions/checkout@v4
"""


def _workflow(tmp_path: Path, top: str = "", own: str = "      contents: write") -> Path:
    path = tmp_path / "ship.yml"
    path.write_text(WORKFLOW.format(top=top, own=own))
    return path


@pytest.mark.parametrize(("top", "plain"), [
    ("", RESTRICTED_DEFAULT),  # neither level: the repository default
    ("permissions: {}", {}),
    ("permissions: read-all", {"actions": "read", "contents": "read", "pull-requests": "read"}),
    ("permissions:\n  actions: read\n  issues: none", {"actions": "read"}),
])
def test_a_job_without_permissions_takes_the_workflows_else_the_default(
        tmp_path: Path, top: str, plain: dict[str, str]) -> None:
    workflow = read_workflow(_workflow(tmp_path, top), tmp_path)
    granted = job_permissions(workflow, "plain")
    assert {scope: granted.get(scope) for scope in plain} == plain
    if top != "permissions: read-all":
        assert granted == plain


def test_job_permissions_replace_the_workflows_and_name_only_what_they_list(
        tmp_path: Path) -> None:
    workflow = read_workflow(_workflow(tmp_path, "permissions: write-all"), tmp_path)
    assert job_permissions(workflow, "own") == {"contents": "write"}
    assert job_permissions(workflow, "plain")["id-token"] == "write"
    assert "id-token" not in job_permissions(
        read_workflow(_workflow(tmp_path, "permissions: read-all"), tmp_path), "plain")


def test_write_all_and_read_levels_allow_as_github_does() -> None:
    assert allows({"contents": "write"}, "contents", "read")
    assert not allows({"contents": "read"}, "contents", "write")
    assert not allows({}, "actions", "read")
    assert allows({}, "metadata", "read")


@pytest.mark.parametrize(("method", "rest", "needed"), [
    ("POST", "/releases", ("contents", "write")),
    ("GET", "/releases/tags/v1", ("contents", "read")),
    ("DELETE", "/releases/assets/3", ("contents", "write")),
    ("GET", "/compare/v1...main", ("contents", "read")),
    ("GET", "/actions/runs/4/artifacts", ("actions", "read")),
    ("GET", "/environments/pypi", ("actions", "read")),
    ("POST", "/pulls", ("pull-requests", "write")),
    ("GET", "/pulls", ("pull-requests", "read")),
    ("GET", "", ("metadata", "read")),
])
def test_each_route_needs_the_scope_github_requires(
        method: str, rest: str, needed: tuple[str, str]) -> None:
    assert required_scope(method, rest) == needed


def test_the_stand_in_refuses_what_a_registered_token_may_not_do() -> None:
    with fake_github() as fake:
        fake.tokens["ghs_read"] = {"contents": "read"}
        fake.tokens["ghs_write"] = {"contents": "write", "actions": "read"}
        fake.add_run(7, 1)
        base = f"{fake.url}/repos/o/r"

        def call(method: str, path: str, token: str) -> requests.Response:
            return requests.request(method, base + path, json={"tag_name": "v1"},
                                    headers={"Authorization": f"Bearer {token}"}, timeout=10)

        refused = call("POST", "/releases", "ghs_read")
        assert refused.status_code == 403 and refused.json()["message"] == FORBIDDEN
        assert fake.releases == []
        assert call("GET", "/actions/runs/7", "ghs_read").status_code == 403
        assert call("GET", "", "ghs_read").status_code == 200  # metadata: always
        assert call("POST", "/releases", "ghs_write").status_code == 201
        assert call("GET", "/actions/runs/7", "ghs_write").status_code == 200
        assert call("GET", "/actions/runs/7", "unregistered").status_code == 200


def test_the_view_gives_each_job_its_own_token(tmp_path: Path) -> None:
    workflow = read_workflow(_workflow(tmp_path), tmp_path)
    view = write_view(workflow, tmp_path / "view.yml", {},
                      {"plain": "TOKEN_PLAIN", "own": "TOKEN_OWN"})
    jobs = yaml.safe_load(view.read_text())["jobs"]
    assert jobs["plain"]["steps"][0]["env"]["T"] == "${{ secrets.TOKEN_PLAIN }}"
    publish, bump, checkout = jobs["own"]["steps"]
    assert publish["with"] == {"github-token": "${{ secrets.TOKEN_OWN }}"}
    assert bump["with"] == {"github-token": "${{ secrets.TOKEN_OWN }}"}
    assert checkout["with"] == {"token": "${{ secrets.TOKEN_OWN }}"}  # git gets the job's too
    assert "GITHUB_TOKEN" not in view.read_text() and "github.token" not in view.read_text()


def test_a_checkout_given_another_token_keeps_it(tmp_path: Path) -> None:
    path = _workflow(tmp_path)
    path.write_text(path.read_text().replace(
        "      - uses: actions/checkout@v4\n",
        "      - uses: Actions/Checkout@v4\n        with:\n"
        "          token: ${{ secrets.RELEASE_PAT }}\n          persist-credentials: false\n"))
    view = write_view(read_workflow(path, tmp_path), tmp_path / "view.yml", {},
                      {"own": "TOKEN_OWN"})
    checkout = yaml.safe_load(view.read_text())["jobs"]["own"]["steps"][2]
    assert checkout["with"] == {"token": "${{ secrets.RELEASE_PAT }}",
                                "persist-credentials": False}
