"""`publish`: build, check and upload the distributions, then (public channel) the GitHub Release.

Every step is safe to repeat: `uv publish --check-url` skips the files the index already holds
(a re-run after a partial upload uploads only the rest), and the GitHub Release of a tag is
reused and its assets replaced, never duplicated."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import Version

from release_actions import command, gha, versions
from release_actions.building import (
    DIST,
    build_distributions,
    child_environment,
    last_lines,
    stream,
    uv_binary,
)
from release_actions.command import Outcome
from release_actions.distributions import Distribution, find_distributions, hashes_text
from release_actions.errors import CheckFailed, InputError
from release_actions.gha import Console
from release_actions.trusted_publishing import (
    Job,
    explain_upload_failure,
    fetch_claims,
    preflight,
)

CHANNELS = ("preview", "public")
TRUSTED_PUBLISHING = ("automatic", "always", "never")
PYPI_UPLOAD = "https://upload.pypi.org/legacy/"
PYPI_SIMPLE = "https://pypi.org/simple/"
ALREADY_PRESENT = re.compile(r"File (\S+) already exists, skipping")

PREVIEW_FINAL = "{version} is a final version; {tag_pipeline}"
PREVIEW_NOT_DEV = (
    "The preview channel publishes only development versions (X.Y.Z.devN), and the built "
    "distributions are {version}. Run version-rewrite before publish, or use `channel: public` "
    "from a tag."
)
PUBLIC_REFUSED = "The public channel refuses the built distributions: {reason}"
LOCAL_VERSION = (
    "{version} has a local part (+{local}); package indexes refuse local versions. Remove the "
    "`+...` suffix from the version."
)
EXPECTED_MISMATCH = (
    "expected-version is {expected}, but {found}. Nothing was uploaded. The version was "
    "probably changed after version-rewrite/tag-guard ran, or dist/ holds an older build."
)
TWINE_FAILED = (
    "`twine check --strict` refused the distributions: {detail}. Nothing was uploaded. Fix the "
    "metadata (usually the README's markup or `readme` content type in pyproject.toml) and "
    "reproduce with `twine check --strict dist/*`."
)
CHECK_URL_ELSEWHERE = (
    "Uploading to {upload} but `check-url` is still {check}: a re-run after a partial upload "
    "will not see the files already on {upload}. Set `check-url` to that index's simple API."
)


def _optional_bool(name: str, raw: str) -> bool | None:
    return None if raw == "" else gha.parse_bool(name, raw)


INPUTS = (
    command.text("channel", "`preview` (X.Y.Z.devN only) or `public` (final versions).",
                 choices=CHANNELS),
    command.text("working-directory", "The project directory.", "."),
    command.boolean("build", "Build with `uv build --no-sources` into dist/ (false: use the "
                    "existing dist/).", "true"),
    command.boolean("check", "Run `twine check --strict` on every distribution.", "true"),
    command.text("expected-version", "Every distribution must carry this version (from "
                 "version-rewrite or tag-guard); empty: no check.", ""),
    command.text("repository-url", "Upload endpoint.", PYPI_UPLOAD),
    command.text("check-url", "Index whose files a re-run skips (simple API); empty disables.",
                 PYPI_SIMPLE),
    command.text("trusted-publishing", "Passed to `uv publish`: automatic, always or never.",
                 "automatic", choices=TRUSTED_PUBLISHING),
    command.text("username", "Upload user name when not using Trusted Publishing (`__token__` "
                 "when only a password is given).", ""),
    command.text("password", "Upload password or API token when not using Trusted Publishing.",
                 "", secret=True),
    command.custom("github-release", "Create or update the GitHub Release of `tag`; empty: true "
                   "for `public`, false for `preview`.", _optional_bool, ""),
    command.text("tag", "The release tag.", ""),
    command.text("github-token", "Token for the GitHub Release (needs `contents: write`).", "",
                 secret=True),
    command.boolean("allow-prerelease", "Let the `public` channel publish a/b/rc versions."),
    command.boolean("dry-run", "Build, check and hash; upload nothing, create no release."),
)


@dataclass(frozen=True)
class Inputs:
    channel: str
    working_directory: Path = Path(".")
    build: bool = True
    check: bool = True
    expected_version: Version | None = None
    repository_url: str = PYPI_UPLOAD
    check_url: str = PYPI_SIMPLE
    trusted_publishing: str = "automatic"
    username: str = ""
    password: str = ""
    github_release: bool = False
    tag: str = ""
    github_token: str = ""
    allow_prerelease: bool = False
    dry_run: bool = False
    environ: Mapping[str, str] = field(default_factory=dict)


def make_inputs(values: dict[str, Any], environ: Mapping[str, str]) -> Inputs:
    directory = Path(values["working_directory"] or ".")
    if not directory.is_dir():
        raise InputError(f"Input `working-directory` is {str(directory)!r}, which is not a "
                         "directory. Point it at the project (the folder with pyproject.toml).")
    expected = None
    if values["expected_version"]:
        try:
            expected = versions.parse(values["expected_version"])
        except versions.VersionRejected as error:
            raise InputError(f"Input `expected-version`: {error}") from None
    if values["username"] and not values["password"]:
        raise InputError("Input `username` is set but `password` is empty. Pass the password "
                         "or API token in `password` (from a secret), or drop `username` to "
                         "use Trusted Publishing.")
    if not values["repository_url"]:
        raise InputError("Input `repository-url` is empty. Set the upload endpoint, e.g. "
                         f"{PYPI_UPLOAD}.")
    github_release = values["github_release"]
    if github_release is None:
        github_release = values["channel"] == "public"
    inputs = Inputs(
        channel=values["channel"],
        working_directory=directory,
        build=values["build"],
        check=values["check"],
        expected_version=expected,
        repository_url=values["repository_url"],
        check_url=values["check_url"],
        trusted_publishing=values["trusted_publishing"],
        username=values["username"] or ("__token__" if values["password"] else ""),
        password=values["password"],
        github_release=github_release,
        tag=values["tag"],
        github_token=values["github_token"],
        allow_prerelease=values["allow_prerelease"],
        dry_run=values["dry_run"],
        environ=dict(environ),
    )
    if inputs.github_release and not inputs.dry_run:
        _require_release_inputs(inputs)
    return inputs


def _require_release_inputs(inputs: Inputs) -> None:
    missing = [name for name, value in (("tag", inputs.tag),
                                        ("github-token", inputs.github_token)) if not value]
    if missing:
        raise InputError(
            f"The GitHub Release needs {' and '.join(f'`{m}`' for m in missing)}, which "
            f"{'is' if len(missing) == 1 else 'are'} empty. Run on a tag push (the defaults "
            "are `github.ref_name` and `github.token`), pass them, or set "
            "`github-release: false`."
        )
    if not inputs.environ.get("GITHUB_REPOSITORY"):
        raise InputError("The GitHub Release needs GITHUB_REPOSITORY (owner/name), which the "
                         "runner sets; outside Actions set it, or `github-release: false`.")


# --- policy -------------------------------------------------------------------------------------


def channel_skip_reason(channel: str, version: Version, *, allow_prerelease: bool) -> str:
    """Why the channel skips `version` (empty: publish it); raises CheckFailed when the channel
    refuses it outright. The public rule is tag-guard's (`versions.public_version`)."""
    if channel == "public":
        try:
            versions.public_version(version, allow_prerelease=allow_prerelease)
        except versions.VersionRejected as error:
            raise CheckFailed(PUBLIC_REFUSED.format(reason=error)) from None
        return ""
    if version.local is not None:
        raise CheckFailed(LOCAL_VERSION.format(version=version, local=version.local))
    if versions.is_final(version):
        return PREVIEW_FINAL.format(version=version, tag_pipeline=versions.TAG_PIPELINE)
    if version.dev is None:
        raise CheckFailed(PREVIEW_NOT_DEV.format(version=version))
    return ""


def check_url_mismatch(repository_url: str, check_url: str) -> str:
    """A warning when uploads go to another index while re-runs would look at PyPI."""
    if check_url == PYPI_SIMPLE and repository_url.rstrip("/") != PYPI_UPLOAD.rstrip("/"):
        return CHECK_URL_ELSEWHERE.format(upload=repository_url, check=check_url)
    return ""


def check_expected_version(dists: Sequence[Distribution], expected: Version | None) -> None:
    if expected is None:
        return
    wrong = [d for d in dists if d.version != expected]
    if wrong:
        found = ", ".join(f"{d.filename} carries {d.version}" for d in wrong)
        raise CheckFailed(EXPECTED_MISMATCH.format(expected=expected, found=found))


# --- sub-processes --------------------------------------------------------------------------------


def twine_check(dists: Sequence[Distribution], inputs: Inputs, console: Console,
                env: Mapping[str, str]) -> None:
    # -I: the project's own top-level modules (cwd) must not shadow twine's.
    argv = [sys.executable, "-I", "-m", "twine", "--no-color", "check", "--strict",
            *(str(d.path.relative_to(inputs.working_directory)) for d in dists)]
    code, output = stream(console, "twine check --strict", argv,
                          cwd=inputs.working_directory, env=env)
    if code != 0:
        # From twine's first verdict on: "Checking x.whl: FAILED", then the reasons.
        start = re.search(r"(FAILED|ERROR|WARNING)", output)
        detail = " ".join(output[start.start():].split()) if start else last_lines(output)
        raise CheckFailed(TWINE_FAILED.format(detail=detail[:800]))


def upload(dists: Sequence[Distribution], inputs: Inputs, console: Console,
           env: Mapping[str, str]) -> list[str]:
    """`uv publish`; returns the files the index already held (skipped)."""
    argv = [uv_binary(), "publish", "--no-progress", "--color", "never",
            "--trusted-publishing", inputs.trusted_publishing,
            "--publish-url", inputs.repository_url]
    if inputs.check_url:
        argv += ["--check-url", inputs.check_url]
    argv += [str(d.path.relative_to(inputs.working_directory)) for d in dists]
    env = dict(env)
    if inputs.password:
        # Through the environment, never on a command line other processes can read.
        env.update(UV_PUBLISH_USERNAME=inputs.username, UV_PUBLISH_PASSWORD=inputs.password)
    code, output = stream(console, "uv publish", argv, cwd=inputs.working_directory, env=env)
    if code != 0:
        job = Job.from_environ(inputs.environ)
        claims = (fetch_claims(job, inputs.repository_url, console)
                  if "invalid-publisher" in output else {})
        raise explain_upload_failure(output, code, job=job, publish_url=inputs.repository_url,
                                     claims=claims, check_url=inputs.check_url)
    return ALREADY_PRESENT.findall(output)


# --- the command ------------------------------------------------------------------------------


def run(inputs: Inputs, console: Console) -> Outcome:
    env = child_environment(inputs.environ, publishing=False)
    mismatch = check_url_mismatch(inputs.repository_url, inputs.check_url)
    if mismatch:
        console.warning(mismatch, title="publish")
    dist_dir = inputs.working_directory / DIST
    if inputs.build:
        build_distributions(inputs.working_directory, console, env)
    dists = find_distributions(dist_dir)
    version = dists[0].version
    console.info(f"Distributions of {dists[0].name} {version}: "
                 f"{', '.join(d.filename for d in dists)}")
    check_expected_version(dists, inputs.expected_version)

    skip_reason = channel_skip_reason(inputs.channel, version,
                                      allow_prerelease=inputs.allow_prerelease)
    if skip_reason:
        console.notice(f"Not publishing on the {inputs.channel} channel: {skip_reason}",
                       title="publish skipped")
        return Outcome(outputs=_outputs(version, [], skipped=True),
                       summary=f"### ⏭️ Publish skipped\n\n{skip_reason}\n")

    if inputs.check:
        twine_check(dists, inputs, console, env)
    for dist in dists:
        console.info(f"sha256 {dist.sha256}  {dist.filename}")

    if inputs.dry_run:
        problem = preflight(Job.from_environ(inputs.environ), inputs.trusted_publishing,
                            has_password=bool(inputs.password))
        if problem is not None:
            console.warning(f"A real run would fail: {problem.message}", title="publish")
        console.notice(f"Dry run: {len(dists)} file(s) of {version} built and checked; "
                       "nothing uploaded, no release made.", title="publish")
        return Outcome(outputs=_outputs(version, dists),
                       summary=_summary(inputs, version, dists, [], "", dry_run=True))

    problem = preflight(Job.from_environ(inputs.environ), inputs.trusted_publishing,
                        has_password=bool(inputs.password))
    if problem is not None:
        raise problem
    present = upload(dists, inputs, console, child_environment(inputs.environ, publishing=True))

    release_url = ""
    if inputs.github_release:
        from release_actions.release import ReleaseRequest, publish_release

        request = ReleaseRequest(
            repository=inputs.environ["GITHUB_REPOSITORY"], tag=inputs.tag,
            title=f"{dists[0].name} {version}", version=version, dists=dists,
        )
        result = publish_release(request, inputs.github_token, inputs.environ, console)
        release_url = result.url
        console.info(f"GitHub Release: {release_url}")
    return Outcome(outputs=_outputs(version, dists, release_url=release_url),
                   summary=_summary(inputs, version, dists, present, release_url))


def _outputs(version: Version, dists: Sequence[Distribution], *, release_url: str = "",
             skipped: bool = False) -> dict[str, str]:
    return {
        "version": str(version),
        "files": "\n".join(d.filename for d in dists),
        "hashes": hashes_text(dists),
        "release-url": release_url,
        "skipped": "true" if skipped else "false",
    }


def _summary(inputs: Inputs, version: Version, dists: Sequence[Distribution],
             present: Sequence[str], release_url: str, *, dry_run: bool = False) -> str:
    if dry_run:
        heading = f"### 🧪 Dry run: `{version}` built and checked, nothing uploaded"
    else:
        heading = f"### 📦 Published `{version}` ({inputs.channel})"

    def state(dist: Distribution) -> str:
        if dry_run:
            return "dry run"
        return "already on the index" if dist.filename in present else "uploaded"

    rows = "\n".join(f"| `{d.filename}` | `{d.sha256}` | {state(d)} |" for d in dists)
    lines = [heading, "", f"Index: {inputs.repository_url}", "",
             "| file | sha256 | state |", "|---|---|---|", rows]
    if release_url:
        lines += ["", f"GitHub Release: {release_url}"]
    return "\n".join(lines) + "\n"
