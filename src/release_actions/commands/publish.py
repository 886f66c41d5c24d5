"""`publish`: build, check and upload the distributions, then (public channel) the GitHub Release.

Every step is safe to repeat: `uv publish --check-url` skips the files the index already holds
(a re-run after a partial upload uploads only the rest), and the GitHub Release of a tag is
reused and its assets replaced, never duplicated."""

from __future__ import annotations

import re
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from release_actions import (
    changelog,
    gha,
    inspection,
    kinds,
    processes,
    verification,
    versions,
)
from release_actions import publish_report as report
from release_actions.building import DIST, build_distributions, build_tree_wheel
from release_actions.command import Command, Outcome, Output, option
from release_actions.context import Context
from release_actions.deadline import Deadline
from release_actions.distributions import Distribution, find_distributions
from release_actions.errors import CheckFailed, ConfigError, InputError, ReleaseActionsError
from release_actions.gha import Console
from release_actions.trusted_publishing import (
    Job,
    explain_upload_failure,
    fetch_claims,
    preflight,
    will_use_trusted_publishing,
)

CHANNELS = ("preview", "public")
TRUSTED_PUBLISHING = ("automatic", "always", "never")
# uv refuses credentials beside `--trusted-publishing always`, but only after the build.
PASSWORD_WITH_TRUSTED_PUBLISHING = (
    "Input `password` is set but `trusted-publishing` is `always`, and uv refuses a password "
    "with Trusted Publishing. Use `trusted-publishing: automatic` (a password, when given, "
    "uploads; else the OIDC token), or leave `password` empty (unset the secret).")
PYPI_UPLOAD = "https://upload.pypi.org/legacy/"
PYPI_SIMPLE = "https://pypi.org/simple/"
ALREADY_PRESENT = re.compile(r"File (\S+) already exists, skipping")

CHANGELOGS = ", ".join(changelog.CANDIDATES)
MAX_VERIFY_TIMEOUT = 3600.0

PREVIEW_REFUSED = "The preview channel refuses the built distributions: {reason}"
PUBLIC_REFUSED = "The public channel refuses the built distributions: {reason}"
# setuptools-scm's node (`+g<sha>`, `.dYYYYMMDD` when dirty): a version the plugin computed itself.
_GIT_NODE = re.compile(r"g[0-9a-f]{7,40}(?:\.d\d{8})?\Z")
VCS_BUILT = (
    "{version} has a local part, `+{local}`: the commit git described, so the VCS plugin "
    "computed this version itself, without the override variable version-rewrite exports (PyPI "
    "refuses local versions). In Actions, run version-rewrite earlier in the same job; outside "
    "Actions, run the `export NAME=value` lines it printed, then publish again."
)
EXPECTED_MISMATCH = (
    "expected-version is {expected}, but {found}. Nothing was uploaded. The version was "
    "probably changed after version-rewrite/tag-guard ran, or dist/ holds an older build."
)
VCS_VERSION_NOT_OVERRIDDEN = (
    "expected-version is {expected}, but {found}. Nothing was uploaded. The local part "
    "`+{local}` means the VCS plugin (setuptools-scm, hatch-vcs, ...) computed the version from "
    "git: its override variable, which version-rewrite exports, was not set for this build. In "
    "Actions, run version-rewrite earlier in the same job; outside Actions, run the `export "
    "NAME=value` lines version-rewrite printed, then publish again."
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
UPLOAD_TIMED_OUT = (
    "Some files may be on the index already: re-run the job (files the index already holds "
    "are skipped), or raise `upload-timeout` for a slow index or large files."
)
MAX_UPLOAD_TIMEOUT = 7200.0
MAX_ATTESTATIONS_TIMEOUT = 1800.0
# uv's own timeout for each read from the index (UV_HTTP_TIMEOUT), unless the job sets one.
UV_READ_TIMEOUT = 60
NOTHING_TO_VERIFY = (
    "`verify` is true but both `verify-url` and `check-url` are empty, so there is no index to "
    "read back. Set `verify-url` to the index's simple API (e.g. https://pypi.org/simple/), "
    "or `verify: false`."
)
NOT_SERVED = (
    "The index accepted the upload but does not serve {problems} at {page} after {seconds:.0f} "
    "s ({attempts} look(s){last}). Nothing is reported as published. Check the index (a proxy "
    "or an index that answers 200 without storing), then re-run: files it holds are skipped. "
    "A slow index needs a longer `verify-timeout`."
)
AFTER_UPLOAD = (
    " The upload itself is done: {files} on {index}; re-running publish skips them and "
    "completes what failed."
)
AFTER_UPLOAD_BUG = (
    "{step} failed after the upload with an unexpected {error} (a bug in release-actions: "
    "please report it with the log above)."
)
DIST_OUTSIDE = (
    "{path} is a link to {target}, outside the workspace: publish builds into and uploads "
    "from the checkout only. Replace the link with the file or folder itself, or build here "
    "(`build: true`)."
)
UNHASHED = (
    "{index} lists {files} without a sha256, so the bytes it serves could not be compared with "
    "ours; only their presence was verified."
)
SDIST_CHECK_NEEDS_BUILD = (
    "Inspection: `sdist-contents` skipped: with `build: false` the wheel in dist/ was not built "
    "here from the sdist. Run the inspection in the job that builds."
)
NO_SECTION = (
    "{file} has no section for {version} (looked for a heading such as `## [{version}]`, "
    "`## {version} (date)` or `## v{version}`). The release notes are GitHub's generated notes "
    "only. Add the section, or set `changelog: ''` to use generated notes without this warning."
)
ATTESTATIONS_SKIPPED = (
    "Attestations skipped: the upload does not use Trusted Publishing (a token or password, "
    "`trusted-publishing: never`, or no OIDC token outside Actions), and PyPI takes "
    "attestations only from Trusted Publishing. Set `attestations: false` to silence this notice."
)

NO_CHANGELOG = "No changelog found in {directory} (looked for {names}): generated notes only."


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
        kinds.boolean, "Build (into a temporary folder: dist/ is left as it was), check and "
        "hash; upload nothing, create no release.",
        default="false",
    )
    upload_timeout: float = option(
        kinds.seconds(MAX_UPLOAD_TIMEOUT),
        "Longest wait, in seconds, for each network step: the upload (`uv publish`, its "
        "check-url queries included) and the GitHub Release; then the step is stopped and the "
        "job fails.",
        default="900",
    )
    inspect: bool = option(
        kinds.boolean,
        "Before uploading, refuse what the index would refuse or what would ship broken: "
        "files lost from the sdist, direct-URL dependencies, `Private ::` or unknown "
        "classifiers, wheels tagged for this machine alone (`linux_x86_64`), files over PyPI's "
        "100 MiB limit (false skips every check).",
        default="true",
    )
    skip_checks: tuple[str, ...] = option(
        kinds.subset(*inspection.CHECKS),
        f"Inspection checks to skip, comma-separated: {', '.join(inspection.CHECKS)}.",
        default="",
    )
    max_file_size: int = option(
        kinds.positive_int(10_000), "Largest file, in MiB, the `file-size` check lets through: "
        "PyPI's default limit, or the higher one PyPI granted the project.",
        default="100",
    )
    verify: bool = option(
        kinds.boolean,
        "After uploading, wait until the index serves every file with our sha256 (else exit "
        "1).",
        default="true",
    )
    verify_timeout: float = option(
        kinds.seconds(MAX_VERIFY_TIMEOUT),
        "Longest wait, in seconds, for the index to serve the uploaded files.", default="300",
    )
    verify_url: str = option(
        kinds.optional_url,
        "Simple API the verification reads; empty: `check-url`'s index.", default="",
    )
    changelog: tuple[str, ...] = option(
        kinds.items,
        "Changelog files (in `working-directory`), the first that exists is used: its section "
        "for the version goes above GitHub's generated release notes; empty: generated notes "
        "only.",
        default=CHANGELOGS,
    )
    attestations: bool | None = option(
        kinds.optional_boolean,
        "Sign every distribution with the job's OIDC identity (Sigstore) and upload the PEP 740 "
        "attestation with it (Trusted Publishing only: skipped with a notice for a token "
        "upload). Empty means true for `public` and false for `preview`.",
        default="",
    )
    attestations_timeout: float = option(
        kinds.seconds(MAX_ATTESTATIONS_TIMEOUT),
        "Longest wait, in seconds, for Sigstore (OIDC token, Fulcio, Rekor) for all the "
        "attestations together; then the job fails with nothing uploaded.",
        default="120",
    )
    sigstore_trust_config: Path | None = option(
        kinds.optional_json_file,
        "A Sigstore client trust configuration (JSON: trusted root and signing config) for a "
        "private Sigstore instance; empty uses Sigstore's public-good instance.",
        default="",
    )

    def __post_init__(self) -> None:
        if self.username and not self.password:
            raise InputError("Input `username` is set but `password` is empty. Pass the "
                             "password or API token in `password` (from a secret), or drop "
                             "`username` to use Trusted Publishing.")
        if self.trusted_publishing == "always" and self.password:
            raise InputError(PASSWORD_WITH_TRUSTED_PUBLISHING)
        if self.verify and not (self.verify_url or self.check_url):
            raise InputError(NOTHING_TO_VERIFY)
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

    @property
    def verify_index(self) -> str:
        return self.verify_url or self.check_url

    @property
    def wants_attestations(self) -> bool:
        if self.attestations is None:
            return self.channel == "public"
        return self.attestations


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
    if version.local and _GIT_NODE.match(version.local):
        raise CheckFailed(PREVIEW_REFUSED.format(reason=VCS_BUILT.format(
            version=version, local=version.local)))
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
        local = next((d.version.local for d in wrong if d.version.local), None)
        if local is not None and expected.local is None:
            raise CheckFailed(VCS_VERSION_NOT_OVERRIDDEN.format(expected=expected, found=found,
                                                                local=local))
        raise CheckFailed(EXPECTED_MISMATCH.format(expected=expected, found=found))


def twine_check(dists: Sequence[Distribution], inputs: Inputs, console: Console,
                env: Mapping[str, str]) -> None:
    # -I: the project's own top-level modules (cwd) must not shadow twine's.
    argv = [sys.executable, "-I", "-m", "twine", "--no-color", "check", "--strict",
            *(_shown(d.path, inputs.working_directory) for d in dists)]
    code, output = processes.stream(console, "twine check --strict", argv,
                          cwd=inputs.working_directory, env=env)
    if code != 0:
        # From twine's first verdict on: "Checking x.whl: FAILED", then the reasons.
        start = re.search(r"(FAILED|ERROR|WARNING)", output)
        detail = " ".join(output[start.start():].split()) if start else processes.last_lines(output)
        raise CheckFailed(TWINE_FAILED.format(detail=detail[:800]))


def _shown(path: Path, project: Path) -> str:
    """A file as sub-processes get it: relative to the project, absolute when elsewhere."""
    return str(path.relative_to(project)) if path.is_relative_to(project) else str(path)


def upload(dists: Sequence[Distribution], inputs: Inputs, ctx: Context,
           env: Mapping[str, str], attested: Sequence[Path] = ()) -> list[str]:
    """`uv publish` (each `<file>.publish.attestation` in `attested` goes with its file);
    returns the files the index already held (skipped)."""
    argv = [processes.uv_binary(), "publish", "--no-progress", "--color", "never",
            "--trusted-publishing", inputs.trusted_publishing,
            "--publish-url", inputs.repository_url]
    if inputs.check_url:
        argv += ["--check-url", inputs.check_url]
    argv += [str(d.path.relative_to(inputs.working_directory)) for d in dists]
    argv += [str(p.relative_to(inputs.working_directory)) for p in attested]
    env = dict(env)
    read_timeout = min(UV_READ_TIMEOUT, max(1, round(inputs.upload_timeout)))
    env.setdefault("UV_HTTP_TIMEOUT", str(read_timeout))
    if inputs.password:
        # Through the environment, never on a command line other processes can read.
        env.update(UV_PUBLISH_USERNAME=inputs.upload_user, UV_PUBLISH_PASSWORD=inputs.password)
    code, output = processes.stream(ctx.console, "uv publish", argv,
                                    cwd=inputs.working_directory, env=env, obey_masks=True,
                                    deadline=Deadline.after(inputs.upload_timeout),
                                    on_timeout=UPLOAD_TIMED_OUT)
    if code != 0:
        if attested:
            attestations_refused(output, inputs.repository_url)
        job = Job.from_environ(ctx.environ)
        claims = (fetch_claims(job, inputs.repository_url, ctx.console)
                  if "invalid-publisher" in output else {})
        raise explain_upload_failure(output, code, job=job, publish_url=inputs.repository_url,
                                     claims=claims, check_url=inputs.check_url)
    return ALREADY_PRESENT.findall(output)


def inspect_distributions(dists: Sequence[Distribution], inputs: Inputs, ctx: Context,
                          env: Mapping[str, str]) -> None:
    """The inspection's checks; every refusal is one `::error`, and nothing is uploaded."""
    skip = set(inputs.skip_checks)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="release-actions-tree-wheel-") as out:
        tree_wheel = None
        if inspection.SDIST_CONTENTS not in skip and not inputs.build:
            ctx.console.info(SDIST_CHECK_NEEDS_BUILD)
        elif inspection.SDIST_CONTENTS not in skip:
            tree_wheel = build_tree_wheel(inputs.working_directory, Path(out), ctx.console, env)
        found = inspection.inspect(dists, project=inputs.working_directory, skip=skip,
                                   tree_wheel=tree_wheel,
                                   max_file_size=inputs.max_file_size * inspection.MIB)
    for notice in (item for item in found if item.notice):
        file = gha.workspace_relative(notice.file, ctx.environ) if notice.file else None
        ctx.console.notice(notice.message, title=f"publish: {notice.check}", file=file)
    refusals = [item for item in found if not item.notice]
    ran = [check for check in inspection.CHECKS if check not in skip]
    if refusals:
        refuse(refusals, ctx)
    ctx.console.info(f"Inspection passed: {', '.join(ran) or 'every check skipped'} "
                     f"({time.monotonic() - started:.2f} s)")


def refuse(refusals: Sequence[inspection.Refusal], ctx: Context) -> None:
    """One `::error` per refusal: the last through the exception, the others before it."""
    *others, last = refusals
    for refusal in others:
        file = gha.workspace_relative(refusal.file, ctx.environ) if refusal.file else None
        ctx.console.error(refusal.message, title=CheckFailed.title, file=file,
                          line=refusal.line)
    rows = "\n".join(f"| `{r.check}` | {r.message} |" for r in refusals)
    raise CheckFailed(last.message, file=last.file, line=last.line, summary=(
        f"Inspection refused {len(refusals)} thing(s); nothing was uploaded.\n\n"
        f"| check | refusal |\n|---|---|\n{rows}"))


def release_notes(inputs: Inputs, version: Version, ctx: Context) -> str:
    """The changelog's section for `version` ("" when there is none, with a warning)."""
    if not inputs.changelog:
        return ""
    for name in inputs.changelog:
        kinds.confined("changelog", inputs.working_directory / name, ctx)
    # The first file with a section for the version: a root CHANGELOG.rst that only points to
    # docs/changelog.rst (pytest's) does not hide the one that has it.
    files = changelog.existing(inputs.working_directory, inputs.changelog)
    sections = (changelog.find_section(path, version) for path in files)
    section = next((found for found in sections if found is not None and found.body), None)
    if not files:
        message = NO_CHANGELOG.format(directory=inputs.working_directory,
                                      names=", ".join(inputs.changelog))
        if ", ".join(inputs.changelog) == CHANGELOGS:
            ctx.console.info(message)
        else:
            ctx.console.warning(message, title="publish")
        return ""
    if section is None:
        ctx.console.warning(NO_SECTION.format(file=files[0].name, version=version),
                            title="publish",
                            file=gha.workspace_relative(files[0], ctx.environ))
        return ""
    shown = section.file.relative_to(inputs.working_directory).as_posix()
    ctx.console.info(f"Release notes: {shown} line {section.line} ({section.heading})")
    return section.body


def verify_upload(dists: Sequence[Distribution], inputs: Inputs, ctx: Context,
                  version: Version) -> str:
    """Whether the index serves every file with our sha256: "true", or "skipped"."""
    from release_actions import http

    if not inputs.verify:
        return "skipped"
    index = inputs.verify_index
    ctx.console.info(f"Verifying that {index} serves {len(dists)} file(s) with our sha256 "
                     f"(up to {inputs.verify_timeout:g} s)")
    poller = verification.Poller(http.session(retries=0), timeout=inputs.verify_timeout)
    result = poller.verify(dists, index)
    if result.unhashed:
        ctx.console.warning(UNHASHED.format(index=index, files=", ".join(result.unhashed)),
                            title="publish")
    if not result.ok:
        raise CheckFailed(_not_served(result), outputs={
            **report.outputs(version, [d for d in dists if d.filename in result.served]),
            "verified": "false"})
    ctx.console.info(f"Verified: {index} serves every file with our sha256 "
                     f"({result.seconds:.2f} s, {result.attempts} look(s))")
    return "true"


def _not_served(result: verification.Verification) -> str:
    problems = [f"{name} (not listed)" for name in result.missing] + [
        f"{name} (listed with sha256 {digest})" for name, digest in result.different.items()]
    last = f"; last look: {result.last_problem}" if result.last_problem else ""
    return NOT_SERVED.format(problems=", ".join(problems), page=result.page,
                             seconds=result.seconds, attempts=result.attempts, last=last)


# --- the command ------------------------------------------------------------------------------


def confine_dist(dist_dir: Path, ctx: Context) -> None:
    """Refuse a dist/ that is, or holds, a link leading outside GITHUB_WORKSPACE (dangling
    ones too: a build would write through them): neither the build nor the upload follows
    one."""
    workspace = ctx.workspace
    if workspace is None or not (dist_dir.exists() or dist_dir.is_symlink()):
        return
    inside = workspace.resolve()
    for path in (dist_dir, *sorted(dist_dir.iterdir() if dist_dir.is_dir() else ())):
        try:
            target = path.resolve()
        except (OSError, RuntimeError):  # a link loop leads nowhere, nothing to follow
            continue
        if not target.is_relative_to(inside):
            raise ConfigError(DIST_OUTSIDE.format(path=kinds.quote(str(path), 200),
                                                  target=kinds.quote(str(target), 200)),
                              file=path)


def run(inputs: Inputs, ctx: Context) -> Outcome:
    if not (inputs.dry_run and inputs.build):
        return _run(inputs, ctx, inputs.working_directory / DIST)
    # A dry run leaves no dist/ behind: the next run would find two releases in it.
    with tempfile.TemporaryDirectory(prefix="release-actions-dry-run-") as out:
        return _run(inputs, ctx, Path(out))


def _run(inputs: Inputs, ctx: Context, dist_dir: Path) -> Outcome:
    console = ctx.console
    if inputs.makes_release and not inputs.dry_run:
        _require_release_inputs(inputs, ctx)
    env = processes.child_environment(ctx.environ, publishing=False)
    mismatch = check_url_mismatch(inputs.repository_url, inputs.check_url)
    if mismatch:
        console.warning(mismatch, title="publish")
    # Our own temporary folder (a dry run's) holds only what uv wrote; dist/ may hold links.
    in_workspace = dist_dir == inputs.working_directory / DIST
    if in_workspace:
        confine_dist(dist_dir, ctx)
    if inputs.build:
        build_distributions(inputs.working_directory, console, env, dist_dir)
        if in_workspace:
            confine_dist(dist_dir, ctx)
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
        return Outcome(outputs={**report.outputs(version, [], skipped=True), "verified": "skipped",
                                "provenance": "skipped"},
                       summary=f"### ⏭️ Publish skipped\n\n{skip_reason}\n")

    if inputs.check:
        twine_check(dists, inputs, console, env)
    if inputs.inspect:
        inspect_distributions(dists, inputs, ctx, env)
    notes = release_notes(inputs, version, ctx) if inputs.makes_release else ""
    for dist in dists:
        console.info(f"sha256 {dist.sha256}  {dist.filename}")

    if inputs.dry_run:
        problem = preflight(Job.from_environ(ctx.environ), inputs.trusted_publishing,
                            has_password=bool(inputs.password))
        if problem is not None:
            console.warning(f"A real run would fail: {problem.message}", title="publish")
        done = dry_run_done(inputs)
        console.notice(f"Dry run: {len(dists)} file(s) of {version} {done}; nothing uploaded, "
                       "no release made.", title="publish")
        return Outcome(outputs={**report.outputs(version, dists), "verified": "skipped",
                                "provenance": "skipped"},
                       summary=_summary(inputs, version, dists, [], "", dry_run=done))

    problem = preflight(Job.from_environ(ctx.environ), inputs.trusted_publishing,
                        has_password=bool(inputs.password))
    if problem is not None:
        raise problem
    attested = mint_attestations(dists, inputs, ctx)
    present = upload(dists, inputs, ctx,
                     processes.child_environment(ctx.environ, publishing=True), attested)
    return _after_upload(inputs, ctx, dists, present, notes, attested)


def _after_upload(inputs: Inputs, ctx: Context, dists: Sequence[Distribution],
                  present: Sequence[str], notes: str, attested: Sequence[Path]) -> Outcome:
    """Verification, provenance and the GitHub Release. The upload cannot be undone, so
    whatever fails here still writes the outputs and summary of what was done, and says it."""
    version = dists[0].version
    verified, verifying = "skipped", True
    try:
        verified = verify_upload(dists, inputs, ctx, version)
        verifying = False
        provenance = check_provenance(dists, inputs, ctx) if attested else "skipped"
        release_url = _github_release(inputs, ctx, dists, notes)
    except ReleaseActionsError as error:
        # A failed verification says itself what the index holds.
        raise _uploaded_anyway(error, inputs, dists, present, verified,
                               say=not verifying) from None
    except Exception as error:  # a bug: still report the upload, with the traceback as a log
        import traceback

        traceback.print_exc(file=sys.stderr)
        step = "Verifying the upload" if verifying else "Making the GitHub Release"
        failure = CheckFailed(AFTER_UPLOAD_BUG.format(step=step, error=type(error).__name__))
        raise _uploaded_anyway(failure, inputs, dists, present, verified) from None
    summary = _summary(inputs, version, dists, present, release_url, verified=verified)
    if attested:
        summary += (f"\nAttestations (PEP 740): {len(attested)} uploaded with the files; "
                    f"provenance on the index: {provenance}\n")
    return Outcome(outputs={**report.outputs(version, dists, release_url=release_url),
                            "verified": verified, "provenance": provenance},
                   summary=summary)


def mint_attestations(dists: Sequence[Distribution], inputs: Inputs, ctx: Context,
                      ) -> list[Path]:
    """The `<file>.publish.attestation` files to upload (none when attestations are off)."""
    if not inputs.wants_attestations:
        return []
    job = Job.from_environ(ctx.environ)
    if not job.id_token_url or not will_use_trusted_publishing(
            job, inputs.trusted_publishing, has_password=bool(inputs.password)):
        ctx.console.notice(ATTESTATIONS_SKIPPED, title="publish")
        return []
    from release_actions import attestations

    signing = attestations.Signing.from_environ(ctx.environ, inputs.sigstore_trust_config,
                                                inputs.attestations_timeout)
    return attestations.mint(dists, id_token_url=job.id_token_url,
                             request_token=job.id_token_request_token, signing=signing,
                             console=ctx.console)


def attestations_refused(output: str, index: str) -> None:
    """A clear error naming `attestations` when the index refuses them."""
    from release_actions import attestations

    if "attestation" in output.lower():
        raise CheckFailed(attestations.REFUSED_BY_INDEX.format(
            index=index, detail=processes.last_lines(output)))


def check_provenance(dists: Sequence[Distribution], inputs: Inputs, ctx: Context) -> str:
    if not inputs.verify:
        return "skipped"
    from release_actions import attestations

    signing = attestations.Signing.from_environ(ctx.environ, inputs.sigstore_trust_config,
                                                inputs.attestations_timeout)
    return attestations.check_provenance(dists, inputs.verify_index, signing, ctx.console)


def _github_release(inputs: Inputs, ctx: Context, dists: Sequence[Distribution],
                    notes: str) -> str:
    """The GitHub Release's URL; empty when none is made."""
    if not inputs.makes_release:
        return ""
    from release_actions.release import ReleaseRequest, publish_release

    version = dists[0].version
    request = ReleaseRequest(
        repository=ctx.repository, tag=inputs.tag,
        title=f"{dists[0].name} {version}", version=version, dists=dists, notes=notes,
    )
    result = publish_release(request, inputs.github_token, ctx.environ, ctx.console,
                             timeout=inputs.upload_timeout)
    ctx.console.info(f"GitHub Release: {result.url}")
    return result.url


def _uploaded_anyway(error: ReleaseActionsError, inputs: Inputs,
                     dists: Sequence[Distribution], present: Sequence[str], verified: str, *,
                     say: bool = True) -> ReleaseActionsError:
    """`error`, with the outputs and summary of the upload it came after (its own outputs,
    such as the files a failed verification found served, win) and, when `say`, a word on
    what was done."""
    version = dists[0].version
    outputs = {**report.outputs(version, dists), "verified": verified, **error.outputs}
    verified = outputs["verified"]
    summary = _summary(inputs, version, dists, present, "", verified=verified,
                       heading=f"### 📦 {'Sent' if verified == 'false' else 'Uploaded'} "
                               f"`{version}` ({inputs.channel})") + (
        f"\n{error.summary}" if error.summary else "")
    files = ", ".join(d.filename for d in dists)
    said = AFTER_UPLOAD.format(files=files, index=inputs.repository_url) if say else ""
    return error.restated(error.message + said, outputs=outputs, summary=summary)


def dry_run_done(inputs: Inputs) -> str:
    """What a dry run did with the files, as its notice and summary say: only the checks that
    ran are called done."""
    where = ("built in a temporary folder (removed; dist/ untouched)" if inputs.build
             else "read from dist/")
    checks = [name for name, ran in (("twine check --strict", inputs.check),
                                     ("inspection", inputs.inspect)) if ran]
    checked = (f"checked ({', '.join(checks)})" if checks
               else "not checked (`check` and `inspect` are false)")
    return f"{where}, {checked}"


def _summary(inputs: Inputs, version: Version, dists: Sequence[Distribution],
             present: Sequence[str], release_url: str, *, dry_run: str = "",
             verified: str = "skipped", heading: str = "") -> str:
    return report.summary(inputs.repository_url, inputs.channel, version, dists, present,
                          release_url, dry_run=dry_run, verified=verified, heading=heading)


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
        Output("verified", "`true` when the index serves every file with our sha256, `false` "
                           "when it does not (exit 1), `skipped` without verification."),
        Output("provenance", "`verified` when the index's integrity API names this "
                             "repository's workflow for every file, `unavailable` when the "
                             "index has no integrity API, `skipped` without attestations or "
                             "`verify`."),
    ),
    run=run,
)
