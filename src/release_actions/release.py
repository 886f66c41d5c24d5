"""The GitHub Release of a tag, through PyGithub: safe to repeat and fit for immutable releases.

A new release is created as a draft, every distribution is attached, then it is published; an
existing release of the tag (a draft left by a failed run included) is updated and its assets
replaced, never duplicated. The body is the changelog's section for the version (when given)
above GitHub's generated notes. PyGithub is imported only when a release is made."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from packaging.version import Version

from release_actions import github
from release_actions.distributions import Distribution
from release_actions.errors import CheckFailed, ConfigError
from release_actions.gha import Console

GITHUB_UNREACHABLE = (
    "GitHub's API could not be reached while {action} for {tag} ({error}). The distributions "
    "are on the index; re-run the job: files already uploaded are skipped and the release is "
    "completed."
)
CONTENT_TYPES = {".whl": "application/zip", ".gz": "application/gzip"}

API_REFUSED = (
    "GitHub refused {action} for {repository} tag {tag}: {status} {message}. The token needs "
    "`contents: write` on this repository (job-level `permissions: contents: write`)."
)
API_FAILED = (
    "GitHub's API answered HTTP {status} while {action} for {tag} ({message}). The "
    "distributions are on the index; re-run the job: files already uploaded are skipped and "
    "the release is completed. If it persists, check GITHUB_API_URL ({api})."
)
IMMUTABLE = (
    "The release for {tag} is published and immutable, and its asset {name} differs from the "
    "one built now (sha256 {ours}); GitHub does not allow changing it. Publish a new version."
)


@dataclass(frozen=True)
class ReleaseRequest:
    repository: str  # owner/name
    tag: str
    title: str
    version: Version
    dists: Sequence[Distribution]
    notes: str = ""  # the changelog's section, above GitHub's generated notes


@dataclass(frozen=True)
class ReleaseResult:
    url: str
    created: bool
    uploaded: tuple[str, ...]
    kept: tuple[str, ...]


def is_prerelease(version: Version) -> bool:
    return version.is_prerelease


def make_latest(version: Version) -> str:
    """Pre-releases never become "latest"; a final one lets GitHub compare by date and semver
    (`legacy`), so a backport 1.4.3 after 2.0.0 does not take "latest" from 2.0.0."""
    return "false" if is_prerelease(version) else "legacy"


def release_body(current: str, notes: str) -> str:
    """The body of an existing release with `notes` on top, unless they are there already (a
    re-run, or someone put them there): GitHub generates notes only when creating."""
    if not notes or notes.strip() in current:
        return current
    return f"{notes}\n\n{current}".rstrip("\n") if current else notes


def _content_type(name: str) -> str:
    return next((kind for suffix, kind in CONTENT_TYPES.items() if name.endswith(suffix)),
                "application/octet-stream")


def _refused(error: Any, action: str, request: ReleaseRequest,
             environ: Mapping[str, str]) -> ConfigError | CheckFailed:
    """A refusal of the token (4xx) is configuration; a redirect or an outage is worth a
    re-run."""
    data = error.data if isinstance(error.data, Mapping) else {}
    message = str(data.get("message", ""))[:300]
    status = error.status if isinstance(error.status, int) else 0
    if 400 <= status < 500:
        return ConfigError(API_REFUSED.format(
            action=action, repository=request.repository, tag=request.tag, status=status,
            message=message))
    return CheckFailed(API_FAILED.format(status=status, action=action, tag=request.tag,
                                         message=message, api=github.api_url(environ)))


def _already_exists(error: Any) -> bool:
    data = error.data if isinstance(error.data, Mapping) else {}
    return error.status == 422 and any(
        isinstance(item, Mapping) and item.get("code") == "already_exists"
        for item in data.get("errors", [])
    )


def find_release(repo: Any, tag: str) -> Any | None:
    """The release of `tag`: the published one by tag, else a draft (the tag endpoint does not
    return drafts, which a cancelled earlier run may have left)."""
    from github import UnknownObjectException

    try:
        return repo.get_release(tag)
    except UnknownObjectException:
        pass
    return next((r for r in repo.get_releases() if r.draft and r.tag_name == tag), None)


def _same_file(asset: Any, dist: Distribution) -> bool:
    """Whether the asset holds exactly this file, by the digest GitHub records for it. Servers
    that record none (older GitHub Enterprise) make PyGithub fetch the asset; if that fails
    too, the asset counts as different and is replaced."""
    from github import GithubException

    try:
        digest = asset.digest
    except GithubException:
        return False
    return bool(digest) and digest == f"sha256:{dist.sha256}"


def sync_assets(release: Any, dists: Sequence[Distribution], console: Console,
                tag: str) -> tuple[list[str], list[str]]:
    """Attach every dist; an asset of the same name is kept when identical, else replaced."""
    existing = {asset.name: asset for asset in release.get_assets()}
    uploaded, kept = [], []
    for dist in dists:
        asset = existing.get(dist.filename)
        if asset is not None and _same_file(asset, dist):
            console.info(f"Release asset {dist.filename} is already attached (same sha256)")
            kept.append(dist.filename)
            continue
        if asset is not None:
            if not release.draft and getattr(release, "immutable", False):
                raise CheckFailed(IMMUTABLE.format(tag=tag, name=dist.filename,
                                                   ours=dist.sha256))
            console.info(f"Replacing release asset {dist.filename}")
            asset.delete_asset()
        release.upload_asset(str(dist.path), name=dist.filename,
                             content_type=_content_type(dist.filename))
        console.info(f"Attached {dist.filename} to the release")
        uploaded.append(dist.filename)
    return uploaded, kept


def publish_release(request: ReleaseRequest, token: str, environ: Mapping[str, str],
                    console: Console, *, timeout: float = 900) -> ReleaseResult:
    """Create (as a draft) or reuse the release of the tag, attach the dists, publish it; all
    of it within `timeout` seconds."""
    from release_actions.deadline import Deadline, DeadlineExceeded

    try:
        return Deadline.after(timeout).run(lambda: _publish_release(request, token, environ,
                                                                     console, timeout))
    except DeadlineExceeded as error:
        raise CheckFailed(GITHUB_UNREACHABLE.format(
            action="making the release", tag=request.tag,
            error=f"{error}; raise `upload-timeout` for large files")) from None


def _publish_release(request: ReleaseRequest, token: str, environ: Mapping[str, str],
                     console: Console, timeout: float) -> ReleaseResult:
    import requests
    from github import GithubException

    prerelease = is_prerelease(request.version)
    latest = make_latest(request.version)
    action = "reading the repository"
    try:
        repo = github.client(token, environ, timeout=min(timeout, 60)).get_repo(
            request.repository)
        action = "reading the releases"
        release = find_release(repo, request.tag)
        created = release is None
        if release is None:
            action = "creating the release"
            try:
                # GitHub puts the given body above the notes it generates.
                release = repo.create_git_release(
                    tag=request.tag, name=request.title, message=request.notes, draft=True,
                    prerelease=prerelease, generate_release_notes=True, make_latest=latest,
                )
                console.info(f"Created a draft release for {request.tag}")
            except GithubException as error:
                if not _already_exists(error):
                    raise
                # Another run created it between our lookup and our create: use theirs.
                console.info(f"A release for {request.tag} appeared meanwhile; updating it")
                created = False
                release = find_release(repo, request.tag)
                if release is None:
                    raise
        else:
            console.info(f"Updating the existing release for {request.tag}")
        action = "uploading the release assets"
        uploaded, kept = sync_assets(release, request.dists, console, request.tag)
        body = release_body(release.body or "", request.notes)
        if (release.draft or release.prerelease != prerelease or release.name != request.title
                or body != (release.body or "")):
            action = "publishing the release"
            release = release.update_release(
                name=request.title, message=body, draft=False,
                prerelease=prerelease, make_latest=latest,
            )
    except GithubException as error:
        raise _refused(error, action, request, environ) from None
    except requests.RequestException as error:
        raise CheckFailed(GITHUB_UNREACHABLE.format(
            action=action, tag=request.tag, error=type(error).__name__)) from None
    except github.unusable_answer() as error:
        raise CheckFailed(GITHUB_UNREACHABLE.format(
            action=action, tag=request.tag, error=github.malformed(error, environ))) from None
    return ReleaseResult(str(release.html_url), created, tuple(uploaded), tuple(kept))
