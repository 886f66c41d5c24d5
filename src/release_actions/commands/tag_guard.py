"""`tag-guard`: a public release only when the tag, the project version and `main` agree.

Checks, in order, each one a refusal of its own: the tag is prefix + a PEP 440 version the
public channel releases; the checkout is the tag's commit; the project declares that version;
that commit is on `origin/<branch>` (git, else GitHub's compare API); the index does not hold
the version yet and the version does not go back behind the latest release."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import Version

from release_actions import git, kinds, versions
from release_actions.command import Command, Outcome, Output, option
from release_actions.context import Context
from release_actions.errors import CheckFailed, ConfigError
from release_actions.gha import Console
from release_actions.pyproject import resolve_project_file
from release_actions.vcs_version import ReleaseTag
from release_actions.version_source import Current, VersionSource, read_version_source

MATCH_MODES = ("exact", "normalized")
UNREACHABLE_MODES = ("fail", "warn")
MAX_GIT_TIMEOUT = 3600.0

TAG_HOW_TO = (
    "tag-guard checks a tag: run it in a workflow triggered by `on: push: tags: ['v*']` (the "
    "pushed tag is the default), or pass `tag: v1.2.3` explicitly."
)
NOT_ON_BRANCH = (
    "The tag {tag} points at commit {sha}, which is not on origin/{branch} ({how}). Only "
    "commits on {branch} are released: merge the change into {branch}, delete the tag "
    "(`git push origin :refs/tags/{tag}`) and tag the merged commit."
)
NOT_THE_TAGS_COMMIT = (
    "The checkout is not the tag's commit: HEAD is {head} but the tag {tag} points at {sha}, so "
    "the project read here is not the one that would be released. Check out the tag "
    "(`git checkout {tag}`; in a workflow, actions/checkout with `ref: {tag}`) and run "
    "tag-guard again."
)
FETCHING = (
    "Fetching {branch} from origin into this clone (this updates origin/{branch}{history}) "
    "to check that {sha} is on {branch}."
)
NO_SUCH_BRANCH = (
    "origin has no branch {branch}, so the tag's commit cannot be on it. Set `branch` to the "
    "branch releases are made from (the default is main)."
)
# What INDEX_UNREACHABLE says to do next when `index-unreachable: warn` lets the release go on.
GOING_ON = "Going on because `index-unreachable` is warn; re-run"
INDEX_UNREACHABLE = (
    "{reason}, so tag-guard cannot check that {name} {version} is not on {index} yet and not "
    "lower than its latest release. {then} the job when the index answers, or set "
    "`index-unreachable: warn` to release without this check (publish still refuses a file "
    "the index already has, but not a version lower than the latest)."
)
REFUSE_PUBLISHED = (
    "{name} {version} is already on {index}, and an index never takes a file name twice. "
    "Release a new version (bump the version, tag again). If an earlier run of this same tag "
    "uploaded part of the files, re-run that workflow run: on a re-run tag-guard only warns "
    "and publish skips the files already uploaded."
)


@dataclass(frozen=True)
class Inputs:
    tag: str = option(
        kinds.tag(TAG_HOW_TO),
        "The tag to check, e.g. v1.2.3 (the pushed tag on tag pushes).", default="",
        expression="${{ github.ref_type == 'tag' && github.ref_name || '' }}",
    )
    tag_prefix: str = option(
        kinds.tag_prefix,
        "What precedes the version in the tag, exactly: v, or mypkg-v in a monorepo. Empty: "
        "`v` or nothing (1.2.3, v1.2.3); for a VCS-versioned project (setuptools-scm, "
        "hatch-vcs, ...) the tags its build plugin reads the version from.",
        default="",
    )
    path: Path = option(
        kinds.workspace_path, "Project file, or a directory holding pyproject.toml.",
        default="pyproject.toml",
    )
    branch: str = option(
        kinds.git_ref, "The tag's commit must be reachable from origin/<branch>.", default="main"
    )
    allow_prerelease: bool = option(
        kinds.boolean, "Accept a/b/rc tags (never .dev, never +local).", default="false"
    )
    match: str = option(
        kinds.choice(*MATCH_MODES),
        "exact: the tag is the prefix + the version text as written; normalized: PEP 440 "
        "equality (1.0.0.rc0 matches v1.0.0rc0).",
        default="exact",
    )
    github_token: str = option(
        kinds.text, "Token for the compare API, used only when git cannot reach origin.",
        default="", expression="${{ github.token }}", secret=True,
    )
    index_url: str = option(
        kinds.optional_base_url,
        "Package index with a PyPI JSON API; refuse a version it already has or one lower "
        "than its latest release. Empty disables the check.",
        default="https://pypi.org",
    )
    index_unreachable: str = option(
        kinds.choice(*UNREACHABLE_MODES),
        "When the index cannot be asked: `fail` (the default: a release must not skip the "
        "not-lower-than-latest rule silently; re-run when the index is back) or `warn` (go on "
        "without the index check).",
        default="fail",
    )
    timeout: float = option(
        kinds.seconds(kinds.MAX_TIMEOUT),
        "Longest wait, in seconds, for each network step: the index check and GitHub's "
        "compare API, retries included.",
        default="60",
    )
    git_timeout: float = option(
        kinds.seconds(MAX_GIT_TIMEOUT),
        "Longest wait, in seconds, for each `git fetch` from origin (a full-history fetch of a "
        "large repository takes a while).",
        default="300",
    )


@dataclass
class Report:
    """The rows of the job summary: what was checked and what it found."""

    rows: list[tuple[str, str]] = field(default_factory=list)

    def add(self, check: str, detail: str) -> None:
        self.rows.append((check, detail))

    def markdown(self, title: str) -> str:
        lines = "\n".join(f"| {check} | ✅ | {detail} |" for check, detail in self.rows)
        return f"### {title}\n\n| check | result | detail |\n|---|---|---|\n{lines}\n"


# --- the checks --------------------------------------------------------------------------------


def read_tag(inputs: Inputs, source: VersionSource) -> tuple[ReleaseTag, str]:
    """The version the tag names under the project's release-tag rule, and the rule; a tag
    that names none is a refused check."""
    try:
        return source.read_tag(inputs.tag, inputs.tag_prefix)
    except versions.VersionRejected as error:
        raise CheckFailed(f"The tag {inputs.tag} is not a release tag: {error}") from None


def check_project_version(
    tag: str, prefix: str, tag_version: Version, held: Current, match: str
) -> None:
    """The project holds the tag's version: as text (`exact`) or by PEP 440 (`normalized`)."""
    if held.version != tag_version:
        raise CheckFailed(
            f"Version mismatch: the tag {tag} says {tag_version} but {held.origin} is "
            f"{held.text}. Tag the commit whose version is {tag_version}, or set the version "
            f"to \"{tag_version}\" in {held.file}, merge it and tag that commit.",
            file=held.file, line=held.line,
        )
    if match == "exact" and tag != prefix + held.text:
        raise CheckFailed(
            f"Version spelling differs: the tag {tag} and {held.origin} ({held.text}) are "
            "equal under PEP 440, but `match: exact` compares the text. Tag "
            f"{prefix}{held.text}, write the version as {tag[len(prefix):]}, or set "
            "`match: normalized`.",
            file=held.file, line=held.line,
        )


def resolve_tag(workdir: Path, tag: str, console: Console, git_timeout: float) -> str:
    """The commit the tag points at (annotated tags peeled), fetching the tag when missing."""
    try:
        git.run(workdir, "rev-parse", "--git-dir")
    except git.GitError as error:
        raise ConfigError(
            f"{workdir} is not a git checkout ({error.detail}). Check the repository out first "
            "(actions/checkout) and point `path` inside it."
        ) from None
    sha = git.tag_commit(workdir, tag)
    if sha is None:
        console.info(f"The tag {tag} is not in the checkout; fetching it from origin.")
        try:
            git.fetch_tag(workdir, tag, timeout=git_timeout)
        except git.GitError as error:
            raise ConfigError(
                f"The tag {tag} is neither in this checkout nor fetchable from origin "
                f"({error.detail}). Push the tag, or check it out (actions/checkout does on a "
                "tag push)."
            ) from None
        sha = git.tag_commit(workdir, tag)
    if sha is None:
        raise ConfigError(f"origin has no tag {tag}. Push it: `git push origin {tag}`.")
    head = git.commit_of(workdir, "HEAD")
    if head != sha:
        raise ConfigError(NOT_THE_TAGS_COMMIT.format(head=head or "no commit", tag=tag, sha=sha))
    return sha


def _git_says_contained(workdir: Path, sha: str, inputs: Inputs,
                        console: Console) -> bool | None:
    """Ask git, after fetching the branch (and its full history in a shallow clone). None when
    git cannot answer; a `no` from stale local refs is not an answer either."""
    branch = inputs.branch
    target = git.remote_branch(branch)
    try:
        history = " and, the clone being shallow, fetches its whole history" \
            if git.is_shallow(workdir) else ""
        console.info(FETCHING.format(branch=branch, history=history, sha=sha[:12]))
        fetched = git.fetch_branch(workdir, branch, timeout=inputs.git_timeout)
        if fetched.stderr and console.actions:  # git's own lines, folded; a terminal skips them
            with console.group(f"git fetch origin {branch}"):
                console.info(fetched.stderr)
        elif fetched.stderr:
            console.debug(fetched.stderr)
        return git.is_ancestor(workdir, sha, target)
    except git.GitError as error:
        if git.missing_remote_ref(error):
            raise ConfigError(NO_SUCH_BRANCH.format(branch=branch)) from None
        console.info(f"git cannot answer from origin: {error.message}")
    try:
        if git.commit_of(workdir, target) and git.is_ancestor(workdir, sha, target):
            return True
    except git.GitError:
        pass
    return None


def _compare_api_says_contained(inputs: Inputs, ctx: Context, sha: str) -> bool:
    """Whether `origin/<branch>` contains `sha`, by GitHub's compare API."""
    if not ctx.repository:
        raise CheckFailed(
            f"Cannot tell whether {sha} is on origin/{inputs.branch}: git could not fetch "
            "origin and GITHUB_REPOSITORY is not set for the compare API. Give the job access "
            "to origin (actions/checkout leaves it configured)."
        )
    import requests
    from github import GithubException

    from release_actions import github
    from release_actions.deadline import Deadline, DeadlineExceeded

    def compare() -> bool:
        client = github.client(inputs.github_token, ctx.environ, timeout=inputs.timeout)
        repo = client.get_repo(ctx.repository)
        return github.branch_contains(repo, inputs.branch, sha)[0]

    try:
        contained = Deadline.after(inputs.timeout).run(compare)
    except DeadlineExceeded as error:
        raise CheckFailed(
            f"Cannot tell whether {sha} is on origin/{inputs.branch}: git could not fetch "
            f"origin and the GitHub API gave {error} (`timeout`). Re-run the job."
        ) from None
    except GithubException as error:
        raise CheckFailed(
            f"Cannot tell whether {sha} is on origin/{inputs.branch}: git could not fetch "
            f"origin and the compare API of {ctx.repository} answered HTTP {error.status}. "
            "Check that the branch exists and that `github-token` may read the repository "
            "(`permissions: contents: read`)."
        ) from None
    except requests.RequestException as error:
        raise CheckFailed(
            f"Cannot tell whether {sha} is on origin/{inputs.branch}: git could not fetch "
            f"origin and the GitHub API is unreachable ({type(error).__name__}). Re-run the job."
        ) from None
    except github.unusable_answer() as error:
        raise CheckFailed(
            f"Cannot tell whether {sha} is on origin/{inputs.branch}: git could not fetch "
            f"origin and {github.malformed(error, ctx.environ)}. Re-run the job."
        ) from None
    return contained


def check_on_branch(inputs: Inputs, ctx: Context, workdir: Path, sha: str) -> str:
    """Refuse a commit that `origin/<branch>` does not contain; returns how it was decided."""
    console = ctx.console
    contained = _git_says_contained(workdir, sha, inputs, console)
    how = "git, after fetching the branch"
    if contained is None:
        console.info("Falling back to GitHub's compare API.")
        contained = _compare_api_says_contained(inputs, ctx, sha)
        how = f"GitHub compare API of {ctx.repository}"
    if not contained:
        raise CheckFailed(NOT_ON_BRANCH.format(tag=inputs.tag, sha=sha, branch=inputs.branch,
                                               how=how))
    return how


def check_index(inputs: Inputs, ctx: Context, name: str | None, version: Version) -> str:
    console = ctx.console
    if not inputs.index_url:
        return "skipped (`index-url` is empty)"
    if not name:
        console.warning("The project declares no name; the index check was skipped.",
                        title="tag-guard")
        return "skipped (no project name)"
    from release_actions import index
    from release_actions.deadline import Deadline

    try:
        published = index.published_versions(inputs.index_url, name,
                                             Deadline.after(inputs.timeout))
    except index.IndexUnavailable as error:
        failing = inputs.index_unreachable == "fail"
        message = INDEX_UNREACHABLE.format(
            reason=f"The index could not be asked: {error}", name=name, version=version,
            index=inputs.index_url, then="Re-run" if failing else GOING_ON)
        if failing:
            raise CheckFailed(message) from None
        console.warning(message, title="tag-guard")
        return f"skipped: {inputs.index_url} unreachable (`index-unreachable: warn`)"
    if any(item.version == version for item in published):
        message = REFUSE_PUBLISHED.format(name=name, version=version, index=inputs.index_url)
        if ctx.run_attempt <= 1:
            raise CheckFailed(message)
        console.warning(f"{name} {version} is already on {inputs.index_url}; this is re-run "
                        f"attempt {ctx.run_attempt} of the release, so it goes on and "
                        "publish skips the files already uploaded.", title="tag-guard")
    others = [item.version for item in published if item.live and item.version != version]
    conflict = versions.release_line_conflict(version, others)
    if conflict:
        raise CheckFailed(f"{name}: {conflict}")
    finals = [item for item in others if versions.is_final(item)]
    latest = f"; latest release {max(finals)}" if finals else "; first release"
    return f"`{name}` {version} not on {inputs.index_url} yet{latest}"


def run(inputs: Inputs, ctx: Context) -> Outcome:
    console = ctx.console
    report = Report()
    project_file = resolve_project_file(inputs.path)
    source = read_version_source(project_file)
    release, how = read_tag(inputs, source)
    report.add("tag", f"`{inputs.tag}` = `{release.prefix}` + `{release.version}` ({how})")
    version = release.version
    try:
        versions.public_version(version, allow_prerelease=inputs.allow_prerelease)
    except versions.VersionRejected as error:
        raise CheckFailed(f"The tag {inputs.tag} is refused: {error}") from None
    kind = "pre-release (allowed)" if version.is_prerelease else "final release"
    report.add("public version", kind)

    kinds.require_in_workspace(source.home, ctx, str(project_file))
    workdir = project_file.resolve().parent
    # The checkout before the version: a version read from another commit says nothing.
    sha = resolve_tag(workdir, inputs.tag, console, inputs.git_timeout)
    held = source.at_tag(release)
    check_project_version(inputs.tag, release.prefix, version, held, inputs.match)
    line = f" line {held.line}" if held.line else ""
    report.add("project version", f"`{held.text}` from {held.origin}{line} "
                                  f"(match: {inputs.match})")

    report.add("checkout", f"HEAD is the tag's commit `{sha}`")
    how = check_on_branch(inputs, ctx, workdir, sha)
    report.add(f"on `{inputs.branch}`", f"`{sha[:12]}` is on origin/{inputs.branch} ({how})")
    report.add("index", check_index(inputs, ctx, source.name, version))

    console.info(f"{inputs.tag} may be released as {version} from {sha}.")
    return Outcome(
        outputs={
            "version": str(version),
            "sha": sha,
            "is-prerelease": "true" if version.is_prerelease else "false",
        },
        summary=report.markdown(f"✅ `{inputs.tag}` may be released as `{version}`"),
    )


COMMAND = Command(
    name="tag-guard",
    description=(
        "Refuse a public release unless the tag, the project version and main agree: the tag "
        "is prefix + the project's PEP 440 version, its commit is on origin/main, and the index "
        "does not have that version yet."
    ),
    icon="shield",
    inputs_type=Inputs,
    outputs=(
        Output("version",
               "The validated version, PEP 440 normalized (what the built files carry)."),
        Output("sha", "The full SHA of the tag's commit (annotated tags peeled)."),
        Output("is-prerelease", "`true` for an a/b/rc version, `false` for a final one."),
    ),
    run=run,
)
