"""The GitHub Release flows of publish, against GitHub's REST API played by `responses`:
a new release (draft → upload → publish), an existing one (update, replace assets), a draft a
cancelled run left, the 422 `already_exists` race, and the pre-release flags."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from packaging.version import Version

from release_actions.distributions import Distribution
from release_actions.errors import CheckFailed, ConfigError
from release_actions.gha import Console
from release_actions.release import ReleaseRequest, make_latest, publish_release

API = "https://api.github.com"
# PyGithub spells the port out in every request URL.
REQUESTED = "https://api.github.com:443"
UPLOADS = "https://uploads.github.com"
REPO = "octo/sample"
ENV = {"GITHUB_API_URL": API}


def repository() -> dict[str, Any]:
    return {"id": 1, "name": "sample", "full_name": REPO, "url": f"{API}/repos/{REPO}",
            "owner": {"login": "octo", "id": 1}}


def release_json(release_id: int, tag: str, *, draft: bool, prerelease: bool = False,
                 title: str = "sample 1.2.0", body: str = "notes",
                 assets: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    url = f"{API}/repos/{REPO}/releases/{release_id}"
    return {
        "id": release_id, "tag_name": tag, "name": title, "body": body, "draft": draft,
        "prerelease": prerelease, "url": url, "assets_url": f"{url}/assets",
        "upload_url": f"{UPLOADS}/repos/{REPO}/releases/{release_id}/assets{{?name,label}}",
        "html_url": f"https://github.com/{REPO}/releases/tag/{tag}",
        "assets": assets or [],
    }


def asset_json(asset_id: int, name: str, digest: str) -> dict[str, Any]:
    return {"id": asset_id, "name": name, "digest": digest, "size": 10,
            "url": f"{API}/repos/{REPO}/releases/assets/{asset_id}"}


@pytest.fixture(autouse=True)
def no_write_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    """PyGithub waits ~1 s between writes to respect GitHub's limits; against `responses`
    that only slows the tests down."""
    monkeypatch.setattr("github.Requester.time.sleep", lambda seconds: None)


@pytest.fixture
def dists(tmp_path: Path) -> list[Distribution]:
    made = []
    for name in ("sample-1.2.0-py3-none-any.whl", "sample-1.2.0.tar.gz"):
        path = tmp_path / name
        path.write_bytes(name.encode())
        made.append(Distribution(path, "sample", Version("1.2.0"),
                                 hashlib.sha256(name.encode()).hexdigest()))
    return made


def request_for(dists: list[Distribution], version: str = "1.2.0",
                tag: str = "v1.2.0") -> ReleaseRequest:
    return ReleaseRequest(REPO, tag, f"sample {version}", Version(version), dists)


def calls() -> list[str]:
    return [f"{call.request.method} {call.request.url.split('?')[0]}"
            for call in responses.calls if "/repos/octo/sample" in call.request.url
            and call.request.url != f"{REQUESTED}/repos/{REPO}"]


def body_of(method: str, url_part: str) -> dict[str, Any]:
    call = next(c for c in responses.calls
                if c.request.method == method and url_part in c.request.url)
    return json.loads(call.request.body or b"{}")


def register_repo_and_no_release(tag: str) -> None:
    responses.get(f"{REQUESTED}/repos/{REPO}", json=repository())
    responses.get(f"{REQUESTED}/repos/{REPO}/releases/tags/{tag}", status=404,
                  json={"message": "Not Found"})


def register_uploads(release_id: int) -> None:
    responses.post(f"{UPLOADS}:443/repos/{REPO}/releases/{release_id}/assets",
                   json=asset_json(900, "uploaded", "sha256:x"))


@responses.activate
def test_new_release_is_drafted_then_assets_then_published(dists: list[Distribution]) -> None:
    """Given no release for v1.2.0, when publish makes it, then it creates a draft with generated
    notes, uploads both files, and only then publishes it (immutable-release safe)."""
    register_repo_and_no_release("v1.2.0")
    responses.get(f"{REQUESTED}/repos/{REPO}/releases", json=[])
    responses.post(f"{REQUESTED}/repos/{REPO}/releases", status=201,
                   json=release_json(7, "v1.2.0", draft=True))
    responses.get(f"{REQUESTED}/repos/{REPO}/releases/7/assets", json=[])
    register_uploads(7)
    responses.patch(f"{REQUESTED}/repos/{REPO}/releases/7",
                    json=release_json(7, "v1.2.0", draft=False))

    result = publish_release(request_for(dists), "token-123", ENV, Console(actions=True))

    assert calls() == [
        f"GET {REQUESTED}/repos/{REPO}/releases/tags/v1.2.0",
        f"GET {REQUESTED}/repos/{REPO}/releases",
        f"POST {REQUESTED}/repos/{REPO}/releases",
        f"GET {REQUESTED}/repos/{REPO}/releases/7/assets",
        f"POST {UPLOADS}:443/repos/{REPO}/releases/7/assets",
        f"POST {UPLOADS}:443/repos/{REPO}/releases/7/assets",
        f"PATCH {REQUESTED}/repos/{REPO}/releases/7",
    ]
    created = body_of("POST", "/releases")
    assert created["draft"] is True
    assert created["generate_release_notes"] is True
    assert created["prerelease"] is False
    assert created["name"] == "sample 1.2.0"
    published = body_of("PATCH", "/releases/7")
    assert published["draft"] is False
    assert published["make_latest"] == "legacy"
    assert published["body"] == "notes"  # the generated notes survive publishing
    uploads = [c.request.url for c in responses.calls if c.request.url.startswith(UPLOADS)]
    assert [u.split("name=")[1] for u in uploads] == [d.filename for d in dists]
    assert result.url == f"https://github.com/{REPO}/releases/tag/v1.2.0"
    assert result.created is True
    assert responses.calls[0].request.headers["Authorization"] == "token token-123"


@responses.activate
def test_existing_release_is_updated_and_assets_replaced(dists: list[Distribution]) -> None:
    """Given a published release of v1.2.0 whose wheel is identical and whose sdist differs,
    when publish runs again, then no release is created, the wheel is kept, the old sdist is
    deleted and the new one uploaded — never a duplicate asset."""
    wheel, sdist = dists
    existing = release_json(5, "v1.2.0", draft=False, assets=[])
    responses.get(f"{REQUESTED}/repos/{REPO}", json=repository())
    responses.get(f"{REQUESTED}/repos/{REPO}/releases/tags/v1.2.0", json=existing)
    responses.get(f"{REQUESTED}/repos/{REPO}/releases/5/assets", json=[
        asset_json(11, wheel.filename, f"sha256:{wheel.sha256}"),
        asset_json(12, sdist.filename, "sha256:" + "0" * 64),
    ])
    responses.delete(f"{REQUESTED}/repos/{REPO}/releases/assets/12", status=204)
    register_uploads(5)

    result = publish_release(request_for(dists), "t", ENV, Console(actions=True))

    assert calls() == [
        f"GET {REQUESTED}/repos/{REPO}/releases/tags/v1.2.0",
        f"GET {REQUESTED}/repos/{REPO}/releases/5/assets",
        f"DELETE {REQUESTED}/repos/{REPO}/releases/assets/12",
        f"POST {UPLOADS}:443/repos/{REPO}/releases/5/assets",
    ]
    assert result.created is False
    assert result.kept == (wheel.filename,)
    assert result.uploaded == (sdist.filename,)


@responses.activate
def test_draft_left_by_a_cancelled_run_is_reused(dists: list[Distribution]) -> None:
    """Given a draft for v1.2.0 (the tag endpoint does not return drafts) holding the wheel,
    when publish runs, then it finds the draft in the list, uploads only the sdist and
    publishes that draft instead of creating a second release."""
    wheel, sdist = dists
    draft = release_json(9, "v1.2.0", draft=True)
    register_repo_and_no_release("v1.2.0")
    responses.get(f"{REQUESTED}/repos/{REPO}/releases", json=[
        release_json(8, "v1.1.0", draft=False), draft])
    responses.get(f"{REQUESTED}/repos/{REPO}/releases/9/assets", json=[
        asset_json(21, wheel.filename, f"sha256:{wheel.sha256}")])
    register_uploads(9)
    responses.patch(f"{REQUESTED}/repos/{REPO}/releases/9",
                    json=release_json(9, "v1.2.0", draft=False))

    result = publish_release(request_for(dists), "t", ENV, Console(actions=True))

    assert f"POST {REQUESTED}/repos/{REPO}/releases" not in calls()
    assert result.uploaded == (sdist.filename,)
    assert body_of("PATCH", "/releases/9")["draft"] is False


@responses.activate
def test_already_exists_race_updates_the_other_runs_release(dists: list[Distribution]) -> None:
    """Given another run creates the v1.2.0 release between our lookup and our create, when
    GitHub answers 422 already_exists, then publish fetches that release and completes it."""
    responses.get(f"{REQUESTED}/repos/{REPO}", json=repository())
    responses.get(f"{REQUESTED}/repos/{REPO}/releases/tags/v1.2.0", status=404,
                  json={"message": "Not Found"})
    responses.get(f"{REQUESTED}/repos/{REPO}/releases", json=[])
    responses.post(f"{REQUESTED}/repos/{REPO}/releases", status=422, json={
        "message": "Validation Failed",
        "errors": [{"resource": "Release", "code": "already_exists", "field": "tag_name"}]})
    responses.get(f"{REQUESTED}/repos/{REPO}/releases/tags/v1.2.0",
                  json=release_json(3, "v1.2.0", draft=False))
    responses.get(f"{REQUESTED}/repos/{REPO}/releases/3/assets", json=[])
    register_uploads(3)

    result = publish_release(request_for(dists), "t", ENV, Console(actions=True))

    assert result.created is False
    assert result.uploaded == tuple(d.filename for d in dists)
    assert len([c for c in responses.calls if c.request.method == "POST"
                and c.request.url.endswith("/releases")]) == 1


@pytest.mark.parametrize(
    ("version", "prerelease", "latest"),
    [
        pytest.param("1.2.0", False, "legacy", id="final"),
        pytest.param("1.2.0rc1", True, "false", id="rc"),
        pytest.param("1.2.0b2", True, "false", id="beta"),
        pytest.param("1.2.0.post1", False, "legacy", id="post-release-is-final"),
    ],
)
@responses.activate
def test_prerelease_flags_follow_the_version(dists: list[Distribution], version: str,
                                             prerelease: bool, latest: str) -> None:
    register_repo_and_no_release("v" + version)
    responses.get(f"{REQUESTED}/repos/{REPO}/releases", json=[])
    responses.post(f"{REQUESTED}/repos/{REPO}/releases", status=201,
                   json=release_json(4, "v" + version, draft=True, prerelease=prerelease))
    responses.get(f"{REQUESTED}/repos/{REPO}/releases/4/assets", json=[])
    register_uploads(4)
    responses.patch(f"{REQUESTED}/repos/{REPO}/releases/4",
                    json=release_json(4, "v" + version, draft=False, prerelease=prerelease))

    publish_release(request_for(dists, version, "v" + version), "t", ENV, Console(actions=True))

    assert make_latest(Version(version)) == latest
    for method, part in (("POST", "/releases"), ("PATCH", "/releases/4")):
        body = body_of(method, part)
        assert body["prerelease"] is prerelease
        assert body["make_latest"] == latest


@responses.activate
def test_immutable_release_with_a_different_asset_is_refused(dists: list[Distribution]) -> None:
    """Given a published immutable release whose wheel differs from the new build, when publish
    runs, then it refuses with the reason instead of deleting an asset GitHub keeps."""
    wheel, _ = dists
    responses.get(f"{REQUESTED}/repos/{REPO}", json=repository())
    responses.get(f"{REQUESTED}/repos/{REPO}/releases/tags/v1.2.0",
                  json={**release_json(6, "v1.2.0", draft=False), "immutable": True})
    responses.get(f"{REQUESTED}/repos/{REPO}/releases/6/assets", json=[
        asset_json(31, wheel.filename, "sha256:" + "1" * 64)])

    with pytest.raises(CheckFailed, match="immutable"):
        publish_release(request_for(dists), "t", ENV, Console(actions=True))
    assert not [c for c in responses.calls if c.request.method == "DELETE"]


@responses.activate
def test_unreachable_api_is_a_refusal_not_a_bug(dists: list[Distribution]) -> None:
    """Given GitHub's API unreachable after the upload, the release step says so and how to
    finish (re-run), instead of failing with a traceback."""
    register_repo_and_no_release("v1.2.0")
    responses.get(f"{REQUESTED}/repos/{REPO}/releases",
                  body=requests.ConnectionError("connection reset"))

    with pytest.raises(CheckFailed, match=r"could not be reached while reading the releases "
                                          r"for v1\.2\.0 \(ConnectionError\).*re-run"):
        publish_release(request_for(dists), "t", ENV, Console(actions=True))


@responses.activate
def test_missing_permission_is_explained(dists: list[Distribution]) -> None:
    """Given a token without `contents: write`, when the release is created, then the error
    names the step, the repository, the tag and the permission to add."""
    register_repo_and_no_release("v1.2.0")
    responses.get(f"{REQUESTED}/repos/{REPO}/releases", json=[])
    responses.post(f"{REQUESTED}/repos/{REPO}/releases", status=403,
                   json={"message": "Resource not accessible by integration"})

    with pytest.raises(ConfigError) as raised:
        publish_release(request_for(dists), "t", ENV, Console(actions=True))

    message = raised.value.message
    assert "creating the release" in message and REPO in message and "v1.2.0" in message
    assert "contents: write" in message
    assert "Resource not accessible by integration" in message


@responses.activate
def test_changelog_notes_are_sent_above_the_generated_ones(dists: list[Distribution]) -> None:
    """Given the changelog's section, when the release is created, then GitHub gets it as the
    body with `generate_release_notes` (GitHub puts a given body above the generated notes), and
    publishing keeps the body GitHub made."""
    register_repo_and_no_release("v1.2.0")
    responses.get(f"{REQUESTED}/repos/{REPO}/releases", json=[])
    made = "### Fixed\n\n- x\n\n**Full Changelog**: ..."
    responses.post(f"{REQUESTED}/repos/{REPO}/releases", status=201,
                   json=release_json(7, "v1.2.0", draft=True, body=made))
    responses.get(f"{REQUESTED}/repos/{REPO}/releases/7/assets", json=[])
    register_uploads(7)
    responses.patch(f"{REQUESTED}/repos/{REPO}/releases/7",
                    json=release_json(7, "v1.2.0", draft=False, body=made))
    request = ReleaseRequest(REPO, "v1.2.0", "sample 1.2.0", Version("1.2.0"), dists,
                             notes="### Fixed\n\n- x")

    publish_release(request, "token-123", ENV, Console(actions=True))

    created = body_of("POST", "/releases")
    assert created["body"] == "### Fixed\n\n- x"
    assert created["generate_release_notes"] is True
    assert body_of("PATCH", "/releases/7")["body"] == made


@pytest.mark.parametrize(
    ("current", "notes", "expected"),
    [
        pytest.param("generated", "", "generated", id="no-notes"),
        pytest.param("generated", "- x", "- x\n\ngenerated", id="notes-on-top"),
        pytest.param("- x\n\ngenerated", "- x", "- x\n\ngenerated", id="already-there"),
        pytest.param("", "- x", "- x", id="empty-body"),
    ],
)
def test_existing_release_body_gets_the_notes_once(current: str, notes: str,
                                                   expected: str) -> None:
    from release_actions.release import release_body

    assert release_body(current, notes) == expected
