"""`publish`: build, check and upload the distributions, then (public channel) the GitHub Release.

Every step is safe to repeat: `uv publish --check-url` skips the files the index already holds
(a re-run after a partial upload uploads only the rest), and the GitHub Release of a tag is
reused and its assets replaced, never duplicated."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from release_actions import kinds, processes, versions
from release_actions.command import Command, Outcome, Output, option
from release_actions.context import Context
from release_actions.distributions import Distribution, find_distributions, hashes_text
from release_actions.errors import CheckFailed, ConfigError, InputError
from release_actions.gha import Console
from release_actions.trusted_publishing import (
    Job,
    explain_upload_failure,
    fetch_claims,
    preflight,
)

CHANNELS = ("preview", "public")
TRUSTED_PUBLISHING = ("automatic", "always", "never")
DIST = "dist"
PYPI_UPLOAD = "https://upload.pypi.org/legacy/"
PYPI_SIMPLE = "https://pypi.org/simple/"
ALREADY_PRESENT = re.compile(r"File (\S+) already exists, skipping")

PREVIEW_REFUSED = "The preview channel refuses the built distributions: {reason}"
PUBLIC_REFUSED = "The public channel refuses the built distributions: {reason}"
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
BUILD_FAILED = (
    "`uv build --no-sources` failed with exit code {code} in {directory}: {detail}. Reproduce "
    "it with the same command in that directory."
)


@dataclass(frozen=True)
class Inputs:
    channel: str = option(
        kinds.choice(*CHANNELS),
        "`preview` (X.Y.Z.devN only; a final version is skipped) or `public` (final versions "
        "only).",
    )
    working_directory: Path = option(kinds.workspace_dir, "The project directory.", default=".")
    build: bool = option(
        kinds.boolean,
        "Build with `uv build --no-sources` into dist/ (false uses the existing dist/).",
        default="true",
    )
    check: bool = option(
        kinds.boolean, "Run `twine check --strict` on every distribution.", default="true"
    )
    expected_version: Version | None = option(
        kinds.version,
        "Every distribution must carry this version (e.g. the `version` output of "
        "version-rewrite or tag-guard); empty skips the check.",
        default="",
    )
    repository_url: str = option(kinds.url, "Upload endpoint.", default=PYPI_UPLOAD)
    check_url: str = option(
        kinds.optional_url,
        "Index (simple API) whose files are skipped, so a re-run after a partial upload "
        "uploads only the rest; empty disables.",
        default=PYPI_SIMPLE,
    )
    trusted_publishing: str = option(
        kinds.choice(*TRUSTED_PUBLISHING),
        "Passed to `uv publish`: `automatic`, `always` or `never`.", default="automatic",
    )
    username: str = option(
        kinds.line,
        "Upload user name when not using Trusted Publishing (`__token__` when only a password "
        "is given).",
        default="",
    )
    password: str = option(
        kinds.text,
        "Upload password or API token when not using Trusted Publishing (pass a secret).",
        default="", secret=True,
    )
    github_release: bool | None = option(
        kinds.optional_boolean,
        "Create or update the GitHub Release of `tag` with the distributions attached. Empty "
        "means true for `public` and false for `preview`.",
        default="",
    )
    tag: str = option(
        kinds.line, "The release tag.", default="", expression="${{ github.ref_name }}"
    )
    github_token: str = option(
        kinds.text, "Token for the GitHub Release (needs `contents: write`).", default="",
        expression="${{ github.token }}", secret=True,
    )
    allow_prerelease: bool = option(
        kinds.boolean,
        "Let the `public` channel publish a/b/rc versions, and the `preview` channel "
        "X.Y.ZrcK.devN previews.",
        default="false",
    )
    dry_run: bool = option(
        kinds.boolean, "Build, check and hash; upload nothing, create no release.",
        default="false",
    )

    def __post_init__(self) -> None:
        if self.username and not self.password:
            raise InputError("Input `username` is set but `password` is empty. Pass the "
                             "password or API token in `password` (from a secret), or drop "
                             "`username` to use Trusted Publishing.")
        missing = [name for name, value in (("tag", self.tag),
                                            ("github-token", self.github_token)) if not value]
        if self.makes_release and not self.dry_run and missing:
            raise InputError(
                f"The GitHub Release needs {' and '.join(f'`{m}`' for m in missing)}, which "
                f"{'is' if len(missing) == 1 else 'are'} empty. Run on a tag push (the "
                "defaults are `github.ref_name` and `github.token`), pass them, or set "
                "`github-release: false`."
            )

    @property
    def makes_release(self) -> bool:
        if self.github_release is None:
            return self.channel == "public"
        return self.github_release

    @property
    def upload_user(self) -> str:
        return self.username or ("__token__" if self.password else "")


def _require_release_inputs(inputs: Inputs, ctx: Context) -> None:
    if not ctx.repository:
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
    try:
        return versions.preview_channel_skip(version, allow_prerelease=allow_prerelease)
    except versions.VersionRejected as error:
        raise CheckFailed(PREVIEW_REFUSED.format(reason=error)) from None


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


def build(inputs: Inputs, console: Console, env: Mapping[str, str]) -> None:
    argv = [processes.uv_binary(), "build", "--no-sources", "--no-progress", "--color", "never",
            "--out-dir", DIST]
    code, output = processes.stream(console, "uv build --no-sources", argv,
                          cwd=inputs.working_directory,
                          env=processes.reproducible(env, inputs.working_directory))
    if code != 0:
        raise ConfigError(BUILD_FAILED.format(code=code, directory=inputs.working_directory,
                                              detail=processes.last_lines(output)))


def twine_check(dists: Sequence[Distribution], inputs: Inputs, console: Console,
                env: Mapping[str, str]) -> None:
    # -I: the project's own top-level modules (cwd) must not shadow twine's.
    argv = [sys.executable, "-I", "-m", "twine", "--no-color", "check", "--strict",
            *(str(d.path.relative_to(inputs.working_directory)) for d in dists)]
    code, output = processes.stream(console, "twine check --strict", argv,
                          cwd=inputs.working_directory, env=env)
    if code != 0:
        # From twine's first verdict on: "Checking x.whl: FAILED", then the reasons.
        start = re.search(r"(FAILED|ERROR|WARNING)", output)
        detail = " ".join(output[start.start():].split()) if start else processes.last_lines(output)
        raise CheckFailed(TWINE_FAILED.format(detail=detail[:800]))


def upload(dists: Sequence[Distribution], inputs: Inputs, ctx: Context,
           env: Mapping[str, str]) -> list[str]:
    """`uv publish`; returns the files the index already held (skipped)."""
    argv = [processes.uv_binary(), "publish", "--no-progress", "--color", "never",
            "--trusted-publishing", inputs.trusted_publishing,
            "--publish-url", inputs.repository_url]
    if inputs.check_url:
        argv += ["--check-url", inputs.check_url]
    argv += [str(d.path.relative_to(inputs.working_directory)) for d in dists]
    env = dict(env)
    if inputs.password:
        # Through the environment, never on a command line other processes can read.
        env.update(UV_PUBLISH_USERNAME=inputs.upload_user, UV_PUBLISH_PASSWORD=inputs.password)
    code, output = processes.stream(ctx.console, "uv publish", argv,
                                    cwd=inputs.working_directory, env=env, obey_masks=True)
    if code != 0:
        job = Job.from_environ(ctx.environ)
        claims = (fetch_claims(job, inputs.repository_url, ctx.console)
                  if "invalid-publisher" in output else {})
        raise explain_upload_failure(output, code, job=job, publish_url=inputs.repository_url,
                                     claims=claims, check_url=inputs.check_url)
    return ALREADY_PRESENT.findall(output)


# --- the command ------------------------------------------------------------------------------


def run(inputs: Inputs, ctx: Context) -> Outcome:
    console = ctx.console
    if inputs.makes_release and not inputs.dry_run:
        _require_release_inputs(inputs, ctx)
    env = processes.child_environment(ctx.environ, publishing=False)
    mismatch = check_url_mismatch(inputs.repository_url, inputs.check_url)
    if mismatch:
        console.warning(mismatch, title="publish")
    dist_dir = inputs.working_directory / DIST
    if inputs.build:
        build(inputs, console, env)
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
        problem = preflight(Job.from_environ(ctx.environ), inputs.trusted_publishing,
                            has_password=bool(inputs.password))
        if problem is not None:
            console.warning(f"A real run would fail: {problem.message}", title="publish")
        console.notice(f"Dry run: {len(dists)} file(s) of {version} built and checked; "
                       "nothing uploaded, no release made.", title="publish")
        return Outcome(outputs=_outputs(version, dists),
                       summary=_summary(inputs, version, dists, [], "", dry_run=True))

    problem = preflight(Job.from_environ(ctx.environ), inputs.trusted_publishing,
                        has_password=bool(inputs.password))
    if problem is not None:
        raise problem
    present = upload(dists, inputs, ctx,
                     processes.child_environment(ctx.environ, publishing=True))

    release_url = ""
    if inputs.makes_release:
        from release_actions.release import ReleaseRequest, publish_release

        request = ReleaseRequest(
            repository=ctx.repository, tag=inputs.tag,
            title=f"{dists[0].name} {version}", version=version, dists=dists,
        )
        result = publish_release(request, inputs.github_token, ctx.environ, console)
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


COMMAND = Command(
    name="publish",
    description=(
        "Build (uv build --no-sources), check (twine check --strict) and upload (uv publish, "
        "Trusted Publishing) the distributions; for public releases, create or update the GitHub "
        "Release. Safe to re-run."
    ),
    icon="upload-cloud",
    inputs_type=Inputs,
    outputs=(
        Output("version", "The version of the distributions (published, or skipped)."),
        Output("files", "Newline-separated file names uploaded or already present on the index."),
        Output("hashes",
               "`sha256  filename` lines, one per file (the format `sha256sum --check` reads)."),
        Output("release-url",
               "The GitHub Release URL when one was created or updated; empty otherwise."),
        Output("skipped", "`true` when the channel policy skipped publishing (a final version on "
                          "`preview`)."),
    ),
    run=run,
)
