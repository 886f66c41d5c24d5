"""A local stand-in for the parts of GitHub's REST API the actions use: releases with assets
(create, look up by tag, update, upload, delete); any path answered with a 301 (`moved`);
workflow runs, their artifacts and the
artifact zip download (a redirect to storage on another host name); the compare API, answered
by real git in a repository given to it; deployment environments; and pull requests (list by
head, create, update; `forbid_pull_requests` answers GitHub's 403 for the repository setting).
In memory, on 127.0.0.1, for the act runs of `make demo` and the e2e tests, where GitHub itself
cannot be reached."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from release_actions.rehearsal.permissions import allows
from release_actions.rehearsal.servers import serving


@dataclass
class FakeGitHub:
    """State the tests and the demo read back."""

    url: str = ""
    # Where the web pages (`html_url`) live: GitHub's by default; a rehearsal uses the stand-in's
    # own address, so no link it prints looks like a real page on github.com.
    html_base: str = "https://github.com"
    releases: list[dict[str, Any]] = field(default_factory=list)
    assets: dict[int, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)
    next_id: int = 1
    environments: dict[str, dict[str, Any]] = field(default_factory=dict)
    environments_status: int = 200  # e.g. 403: a token that may not read environments
    # Pull requests: the JSON GitHub keeps, and the switch for "Actions may not create them".
    pulls: list[dict[str, Any]] = field(default_factory=list)
    forbid_pull_requests: bool = False
    # Actions: workflow runs by id, their artifacts (each with its zip), who may read them.
    runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    artifacts: list[dict[str, Any]] = field(default_factory=list)
    zips: dict[int, bytes] = field(default_factory=dict)
    actions_forbidden: bool = False  # answer 403, as for a token without `actions: read`
    # Where artifact zips are served: the same server under another host name (localhost), as
    # GitHub's storage is another host than its API.
    storage_url: str = ""
    # The repository the compare API answers from with real git (a bare origin), if any.
    git_dir: Path | None = None
    # "METHOD /path" -> where a 301 sends it: GitHub moves an API path (a renamed repository),
    # or a proxy in front of it sends clients to another host.
    moved: dict[str, str] = field(default_factory=dict)
    # Token → the scopes its job was granted (scope → read/write); a request with a registered
    # token that needs more answers GitHub's 403. Unregistered tokens may do anything.
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    def add_run(self, run_id: int, run_number: int, head_sha: str = "0" * 40) -> None:
        self.runs[run_id] = {"id": run_id, "run_number": run_number, "head_sha": head_sha,
                             "head_branch": "main", "status": "completed",
                             "conclusion": "success"}

    def add_artifact(self, run_id: int, name: str, zip_data: bytes, *,
                     expired: bool = False) -> int:
        """An artifact of run `run_id` (registered if new) holding `zip_data`; its id."""
        if run_id not in self.runs:
            self.add_run(run_id, run_id)
        artifact_id = self._id()
        self.artifacts.append({"id": artifact_id, "name": name, "run_id": run_id,
                               "size_in_bytes": len(zip_data), "expired": expired})
        self.zips[artifact_id] = zip_data
        return artifact_id

    def upload_artifact(self, run_id: int, name: str, path: Path) -> int:
        """What actions/upload-artifact stores for `path` (a file, or a directory whose files,
        subdirectories included, sit at the zip's root), as an artifact of run `run_id`."""
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        root = path if path.is_dir() else path.parent
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in files:
                archive.write(file, file.relative_to(root).as_posix())
        return self.add_artifact(run_id, name, buffer.getvalue())

    def release(self, tag: str) -> dict[str, Any] | None:
        return next((r for r in self.releases if r["tag_name"] == tag), None)

    def create_release(self, payload: Mapping[str, Any], repo: str) -> dict[str, Any]:
        """A release as `POST /releases` with `payload` makes it, in the API's JSON."""
        release = {
            "id": self._id(), "tag_name": payload["tag_name"],
            "name": payload.get("name", payload["tag_name"]),
            "body": _created_body(self, payload, repo),
            "draft": bool(payload.get("draft")),
            "prerelease": bool(payload.get("prerelease")),
            "make_latest": payload.get("make_latest", "true"),
            "target_commitish": payload.get("target_commitish", "main"),
            "_assets": [],
        }
        self.releases.append(release)
        return _release_json(self, release, repo)

    def publish_release(self, tag: str, repo: str) -> dict[str, Any]:
        """What a maintainer does in GitHub's page: a release of `tag`, published with
        generated notes; as the `release` event's payload carries it."""
        return self.create_release({"tag_name": tag, "generate_release_notes": True}, repo)

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def add_environment(
        self,
        name: str,
        *,
        reviewers: tuple[str, ...] = (),
        wait_timer: int = 0,
        protected_branches: bool = False,
        custom_branch_policies: bool = False,
    ) -> None:
        """An environment with the protection rules GitHub reports for these settings."""
        rules: list[dict[str, Any]] = []
        if reviewers:
            rules.append({"id": self._id(), "node_id": "R", "type": "required_reviewers",
                          "prevent_self_review": False, "reviewers": [
                              {"type": "User", "reviewer": {"login": login, "id": self._id()}}
                              for login in reviewers]})
        if wait_timer:
            rules.append({"id": self._id(), "node_id": "W", "type": "wait_timer",
                          "wait_timer": wait_timer})
        limited = protected_branches or custom_branch_policies
        if limited:
            rules.append({"id": self._id(), "node_id": "B", "type": "branch_policy"})
        self.environments[name] = {
            "id": self._id(), "node_id": "E", "name": name, "protection_rules": rules,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
            "deployment_branch_policy": {"protected_branches": protected_branches,
                                         "custom_branch_policies": custom_branch_policies}
            if limited else None,
        }


FORBIDDEN = "Resource not accessible by integration"


def required_scope(method: str, rest: str) -> tuple[str, str]:
    """The GITHUB_TOKEN scope and level GitHub requires for `method` on the repository path
    `rest` (what follows /repos/{owner}/{name})."""
    level = "read" if method == "GET" else "write"
    if rest.startswith(("/actions/", "/environments")):
        return "actions", level
    if rest.startswith("/pulls"):
        return "pull-requests", level
    if rest.startswith(("/releases", "/compare/", "/git/", "/contents")):
        return "contents", level
    return "metadata", "read"


def _repository(fake: FakeGitHub, owner: str, name: str) -> dict[str, Any]:
    base = f"{fake.url}/repos/{owner}/{name}"
    return {"id": 1, "name": name, "full_name": f"{owner}/{name}", "url": base,
            "html_url": f"{fake.html_base}/{owner}/{name}", "default_branch": "main",
            "owner": {"login": owner, "id": 1, "type": "Organization"}}


def _release_json(fake: FakeGitHub, release: dict[str, Any], repo: str) -> dict[str, Any]:
    base = f"{fake.url}/repos/{repo}/releases/{release['id']}"
    return {
        **{k: v for k, v in release.items() if k != "_assets"},
        "url": base,
        "assets_url": f"{base}/assets",
        "upload_url": f"{base}/assets{{?name,label}}",
        "html_url": f"{fake.html_base}/{repo}/releases/tag/{release['tag_name']}",
        "assets": [_asset_json(fake, asset, repo) for asset in release["_assets"]],
    }


def _environment_json(fake: FakeGitHub, environment: dict[str, Any], repo: str) -> dict[str, Any]:
    return {**environment, "url": f"{fake.url}/repos/{repo}/environments/{environment['name']}",
            "html_url": f"{fake.html_base}/{repo}/deployments/activity_log?environments_filter="
                        f"{environment['name']}"}


def _environments_route(fake: FakeGitHub, rest: str, repo: str) -> tuple[int, Any] | None:
    """GET /environments and /environments/{name}; None when `rest` is another route."""
    match = re.fullmatch(r"/environments(?:/([^/]+))?", rest)
    if match is None:
        return None
    if fake.environments_status != 200:
        return fake.environments_status, {"message": FORBIDDEN}
    if match.group(1) is None:
        listed = [_environment_json(fake, e, repo) for e in fake.environments.values()]
        return 200, {"total_count": len(listed), "environments": listed}
    found = fake.environments.get(match.group(1))
    if found is None:
        return 404, {"message": "Not Found"}
    return 200, _environment_json(fake, found, repo)


def generated_notes(repo: str, tag: str, html_base: str = "https://github.com") -> str:
    """What GitHub's generated notes look like for a repository without merged pull requests."""
    return f"**Full Changelog**: {html_base}/{repo}/commits/{tag}"


def _created_body(fake: FakeGitHub, payload: Mapping[str, Any], repo: str) -> str:
    """As GitHub does: a given body goes above the generated notes."""
    body = str(payload.get("body") or "")
    if not payload.get("generate_release_notes"):
        return body
    notes = generated_notes(repo, payload["tag_name"], fake.html_base)
    return f"{body}\n\n{notes}" if body else notes


def _asset_json(fake: FakeGitHub, asset: dict[str, Any], repo: str) -> dict[str, Any]:
    return {**asset, "url": f"{fake.url}/repos/{repo}/releases/assets/{asset['id']}",
            "browser_download_url": f"{fake.html_base}/{repo}/releases/download/{asset['name']}"}


def _matching_pulls(
    fake: FakeGitHub, repo: str, query: dict[str, list[str]]
) -> list[dict[str, Any]]:
    """GitHub's filters: `state` (default open), `base`, `head` as owner:branch."""
    state = query.get("state", ["open"])[0]
    base = query.get("base", [None])[0]
    head = query.get("head", [None])[0]
    return [
        pull for pull in fake.pulls
        if state in ("all", pull["state"]) and base in (None, pull["base"])
        and head in (None, f"{repo.split('/')[0]}:{pull['head']}")
    ]


def _pull_json(fake: FakeGitHub, pull: dict[str, Any], repo: str) -> dict[str, Any]:
    owner = repo.split("/")[0]
    number = pull["number"]
    return {
        **pull,
        "url": f"{fake.url}/repos/{repo}/pulls/{number}",
        "html_url": f"{fake.html_base}/{repo}/pull/{number}",
        "head": {"ref": pull["head"], "label": f"{owner}:{pull['head']}"},
        "base": {"ref": pull["base"], "label": f"{owner}:{pull['base']}"},
    }


def _artifact_list(fake: FakeGitHub, run_id: int, repo: str,
                   query: dict[str, list[str]]) -> dict[str, Any]:
    names = query.get("name")
    name = names[0] if names else None
    found = [{**a, "url": f"{fake.url}/repos/{repo}/actions/artifacts/{a['id']}",
              "archive_download_url":
                  f"{fake.url}/repos/{repo}/actions/artifacts/{a['id']}/zip",
              "workflow_run": {"id": run_id}}
             for a in fake.artifacts
             if a["run_id"] == run_id and (name is None or a["name"] == name)]
    return {"total_count": len(found), "artifacts": found}


def _compare_status(git_dir: Path | None, base: str, head: str) -> str | None:
    """What GitHub's compare says of `base...head`, from real git; None when either is
    unknown."""
    if git_dir is None:
        return None

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "-C", str(git_dir), *args], capture_output=True,
                              text=True, check=False)

    shas = [git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").stdout.strip()
            for ref in (base, head)]
    if not all(shas):
        return None
    if shas[0] == shas[1]:
        return "identical"
    if git("merge-base", "--is-ancestor", shas[1], shas[0]).returncode == 0:
        return "behind"
    if git("merge-base", "--is-ancestor", shas[0], shas[1]).returncode == 0:
        return "ahead"
    return "diverged"


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGitHub

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: Any = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _moved(self, location: str) -> None:
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _permitted(self, method: str, rest: str) -> bool:
        token = self.headers.get("Authorization", "").split(" ")[-1]
        scopes = self.fake.tokens.get(token)
        return scopes is None or allows(scopes, *required_scope(method, rest))

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _route(self, method: str) -> None:
        fake = self.fake
        parsed = urlparse(self.path)
        path = unquote(parsed.path)
        fake.requests.append(f"{method} {path}")
        fake.authorizations.append(self.headers.get("Authorization", ""))
        if f"{method} {path}" in fake.moved:
            self._body()
            return self._moved(fake.moved[f"{method} {path}"])
        if path.startswith("/storage/"):
            return self._storage(path)
        repo_match = re.match(r"/repos/([^/]+)/([^/]+)(.*)", path)
        if not repo_match:
            return self._send(404, {"message": "Not Found"})
        owner, name, rest = repo_match.groups()
        repo = f"{owner}/{name}"
        if not self._permitted(method, rest):
            self._body()
            return self._send(403, {"message": FORBIDDEN, "documentation_url":
                                    "https://docs.github.com/rest"})
        if method == "GET" and rest.startswith(("/actions/", "/compare/")):
            return self._actions(rest, repo, parse_qs(parsed.query))
        if rest == "" and method == "GET":
            return self._send(200, _repository(fake, owner, name))
        environments = _environments_route(fake, rest, repo) if method == "GET" else None
        if environments is not None:
            return self._send(*environments)
        if rest.startswith("/pulls"):
            return self._pulls(method, rest, repo, parse_qs(parsed.query))
        if rest == "/releases" and method == "GET":
            return self._send(200, [_release_json(fake, r, repo) for r in fake.releases])
        if rest == "/releases" and method == "POST":
            payload = json.loads(self._body() or b"{}")
            if fake.release(payload["tag_name"]) is not None:
                return self._send(422, {"message": "Validation Failed", "errors": [
                    {"resource": "Release", "code": "already_exists", "field": "tag_name"}]})
            return self._send(201, fake.create_release(payload, repo))
        tag_match = re.fullmatch(r"/releases/tags/(.+)", rest)
        if tag_match and method == "GET":
            tagged = fake.release(tag_match.group(1))
            if tagged is None or tagged["draft"]:
                return self._send(404, {"message": "Not Found"})
            return self._send(200, _release_json(fake, tagged, repo))
        id_match = re.fullmatch(r"/releases/(\d+)(/assets)?", rest)
        if id_match:
            found = [r for r in fake.releases if r["id"] == int(id_match.group(1))]
            if not found:
                return self._send(404, {"message": "Not Found"})
            release = found[0]
            if id_match.group(2) and method == "GET":
                return self._send(200, [_asset_json(fake, a, repo) for a in release["_assets"]])
            if id_match.group(2) and method == "POST":
                asset_name = parse_qs(parsed.query)["name"][0]
                data = self._body()
                if any(a["name"] == asset_name for a in release["_assets"]):
                    return self._send(422, {"message": "Validation Failed", "errors": [
                        {"resource": "ReleaseAsset", "code": "already_exists"}]})
                asset: dict[str, Any] = {"id": fake._id(), "name": asset_name, "size": len(data),
                         "label": "", "state": "uploaded",
                         "digest": f"sha256:{hashlib.sha256(data).hexdigest()}",
                         "content_type": self.headers.get("Content-Type", "")}
                fake.assets[asset["id"]] = data
                release["_assets"].append(asset)
                return self._send(201, _asset_json(fake, asset, repo))
            if method == "PATCH":
                payload = json.loads(self._body() or b"{}")
                for key in ("name", "body", "draft", "prerelease", "make_latest", "tag_name"):
                    if key in payload:
                        release[key] = payload[key]
                return self._send(200, _release_json(fake, release, repo))
            if method == "GET":
                return self._send(200, _release_json(fake, release, repo))
        asset_match = re.fullmatch(r"/releases/assets/(\d+)", rest)
        if asset_match and method == "GET":
            asset_id = int(asset_match.group(1))
            for release in fake.releases:
                for asset in release["_assets"]:
                    if asset["id"] == asset_id:
                        return self._send(200, _asset_json(fake, asset, repo))
            return self._send(404, {"message": "Not Found"})
        if asset_match and method == "DELETE":
            asset_id = int(asset_match.group(1))
            for release in fake.releases:
                release["_assets"] = [a for a in release["_assets"] if a["id"] != asset_id]
            fake.assets.pop(asset_id, None)
            return self._send(204)
        return self._send(404, {"message": f"Not Found: {method} {rest}"})

    # --- pull requests ------------------------------------------------------------------------

    def _pulls(self, method: str, rest: str, repo: str, query: dict[str, list[str]]) -> None:
        fake = self.fake
        if rest == "/pulls" and method == "GET":
            found = _matching_pulls(fake, repo, query)
            return self._send(200, [_pull_json(fake, pull, repo) for pull in found])
        if rest == "/pulls" and method == "POST":
            return self._create_pull(repo, json.loads(self._body() or b"{}"))
        number_match = re.fullmatch(r"/pulls/(\d+)", rest)
        pull = number_match and next(
            (p for p in fake.pulls if p["number"] == int(number_match.group(1))), None)
        if not pull:
            return self._send(404, {"message": "Not Found"})
        if method == "PATCH":
            payload = json.loads(self._body() or b"{}")
            pull.update({k: payload[k] for k in ("title", "body", "state", "base") if k in payload})
        return self._send(200, _pull_json(fake, pull, repo))

    def _create_pull(self, repo: str, payload: dict[str, Any]) -> None:
        fake = self.fake
        if fake.forbid_pull_requests:
            return self._send(403, {
                "message": "GitHub Actions is not permitted to create or approve pull requests.",
                "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
            })
        head, base = payload.get("head", ""), payload.get("base", "")
        if any(p["head"] == head and p["base"] == base and p["state"] == "open"
               for p in fake.pulls):
            return self._send(422, {"message": "Validation Failed", "errors": [
                {"resource": "PullRequest", "code": "custom",
                 "message": f"A pull request already exists for {head}."}]})
        pull = {"number": len(fake.pulls) + 1, "id": fake._id(), "state": "open",
                "title": payload.get("title", ""), "body": payload.get("body", ""),
                "head": head, "base": base}
        fake.pulls.append(pull)
        return self._send(201, _pull_json(fake, pull, repo))

    # --- Actions: runs, artifacts, the zip download; compare ----------------------------------

    def _actions(self, rest: str, repo: str, query: dict[str, list[str]]) -> None:
        fake = self.fake
        compare = re.fullmatch(r"/compare/(.+)\.\.\.(.+)", rest)
        if compare:
            return self._compare(*compare.groups())
        if fake.actions_forbidden:
            return self._send(403, {"message": FORBIDDEN})
        run_match = re.fullmatch(r"/actions/runs/(\d+)(/artifacts)?", rest)
        if run_match:
            run = fake.runs.get(int(run_match.group(1)))
            if run is None:
                return self._send(404, {"message": "Not Found"})
            if not run_match.group(2):
                return self._send(200, run)
            return self._send(200, _artifact_list(fake, run["id"], repo, query))
        zip_match = re.fullmatch(r"/actions/artifacts/(\d+)/zip", rest)
        if zip_match:
            return self._zip_redirect(int(zip_match.group(1)))
        return self._send(404, {"message": f"Not Found: GET {rest}"})

    def _zip_redirect(self, artifact_id: int) -> None:
        """GitHub answers 302 to short-lived storage on another host; 410 once expired."""
        artifact = next((a for a in self.fake.artifacts if a["id"] == artifact_id), None)
        if not self.headers.get("Authorization"):
            return self._send(401, {"message": "Requires authentication"})
        if artifact is None:
            return self._send(404, {"message": "Not Found"})
        if artifact["expired"]:
            return self._send(410, {"message": "Artifact has expired"})
        self.send_response(302)
        self.send_header("Location", f"{self.fake.storage_url}/storage/artifacts/{artifact_id}"
                                     "?sig=signed")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _storage(self, path: str) -> None:
        """Storage refuses a request that carries an Authorization header, as signed-URL
        storage does; so a client that forwards the token fails here."""
        match = re.fullmatch(r"/storage/artifacts/(\d+)", path)
        data = self.fake.zips.get(int(match.group(1))) if match else None
        if self.headers.get("Authorization"):
            return self._send(400, {"message": "Authorization header not allowed"})
        if data is None:
            return self._send(404, {"message": "Not Found"})
        self.send_response(200)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _compare(self, base: str, head: str) -> None:
        status = _compare_status(self.fake.git_dir, base, head)
        if status is None:
            return self._send(404, {"message": "Not Found"})
        return self._send(200, {"status": status, "ahead_by": 0, "behind_by": 0,
                                "total_commits": 0, "commits": [], "files": []})

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PATCH(self) -> None:
        self._route("PATCH")

    def do_DELETE(self) -> None:
        self._route("DELETE")


@contextmanager
def fake_github() -> Iterator[FakeGitHub]:
    """Serve a fresh FakeGitHub on 127.0.0.1 for the duration of the block."""
    fake = FakeGitHub()
    handler = type("Handler", (_Handler,), {"fake": fake})
    with serving(handler) as port:
        fake.url = f"http://127.0.0.1:{port}"
        fake.storage_url = f"http://localhost:{port}"
        yield fake
