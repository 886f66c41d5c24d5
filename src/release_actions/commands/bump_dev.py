"""`bump-dev`: after a public release, a pull request that moves the branch to the next `.dev0`.

The change is built on the tip of `origin/<branch>` (it may have moved since the tag) in a
worktree of its own, rewriting every place the version lives, as version-rewrite does, and the
project's own uv.lock entry; then one branch is force-pushed and one pull request opened or
updated, so a re-run changes nothing it already did."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import Version

from release_actions import bump, git, kinds, versions
from release_actions.atomic import write_atomically
from release_actions.command import Command, Outcome, Output, option
from release_actions.context import Context
from release_actions.errors import ConfigError, InputError, ReleaseActionsError
from release_actions.pyproject import Declaration, resolve_project_file
from release_actions.version_source import read_version_source

TAG_HOW_TO = (
    "Run bump-dev in the workflow the release tag triggered (`on: push: tags: ['v*']`, the "
    "pushed tag is the default), or pass `tag: v1.2.3`."
)
NOT_FINAL = (
    "Input `tag` is {tag!r}: {why} bump-dev follows a public release, tagged {prefix}X.Y.Z; "
    "run it only for final versions (e.g. `if: steps.guard.outputs.is-prerelease == 'false'`)."
)
NEEDS_TOKEN = (
    "Input `github-token` is empty: bump-dev pushes a branch and opens a pull request with it. "
    "Pass `github-token: ${{{{ github.token }}}}` with `permissions: contents: write, "
    "pull-requests: write`, a GitHub App token, or set `dry-run: true`."
)
NEEDS_REPOSITORY = (
    "GITHUB_REPOSITORY is not set, so there is no repository to open the pull request in. Run "
    "bump-dev in a workflow, set GITHUB_REPOSITORY=owner/name, or pass `--dry-run`."
)
NOT_A_CHECKOUT = (
    "{path} is not inside a git checkout ({detail}). Check the repository out first "
    "(actions/checkout) and point `path` inside it."
)
VCS_SKIP = (
    "{file} takes its version from {where}: the tag {tag} already moved the next version on; "
    "nothing to bump."
)
ON_BRANCH = "{message} (on origin/{branch})"
ALREADY_BUMPED = "origin/{branch} already holds {current}, at or above {target}; nothing to bump."
PR_BODY = """\
{tag} is released. This moves `{branch}` to the next development version, `{target}`, so the \
preview pipeline publishes `{target_base}.devN` again.

| file | declaration | was |
|---|---|---|
{rows}

Built on `{tip}`, the tip of `{branch}` when bump-dev ran; a re-run of the release updates \
this branch and this pull request.

If no checks started: pull requests opened with the job's `GITHUB_TOKEN` start no workflows. \
Close and reopen this pull request to run them, or give bump-dev a GitHub App token.
"""


def released_version(tag: str, prefix: str) -> Version:
    """The final version a release tag names; any other tag is bad input."""
    try:
        version = versions.version_in_tag(tag, prefix)
    except versions.VersionRejected as error:
        raise InputError(NOT_FINAL.format(tag=tag, why=error, prefix=prefix)) from None
    if not versions.is_final(version):
        why = f"{version} is not a final release."
        raise InputError(NOT_FINAL.format(tag=tag, why=why, prefix=prefix))
    return version


@dataclass(frozen=True)
class Inputs:
    tag: str = option(
        kinds.tag(TAG_HOW_TO), "The released tag, e.g. v1.2.3 (the pushed tag on tag pushes).",
        expression="${{ github.ref_name }}",
    )
    tag_prefix: str = option(
        kinds.tag_prefix, "What precedes the version in the tag: v, or mypkg-v in a monorepo.",
        default="v",
    )
    part: str = option(
        kinds.choice(*versions.RELEASE_PARTS),
        "Which part the next version raises: patch (X.Y.Z+1.dev0), minor (X.Y+1.0.dev0) or "
        "major (X+1.0.0.dev0).",
        default="patch",
    )
    path: Path = option(
        kinds.workspace_path, "Project file, or a directory holding pyproject.toml.",
        default="pyproject.toml",
    )
    branch: str = option(
        kinds.git_ref, "The branch the pull request targets; the bump is built on its tip.",
        default="main",
    )
    github_token: str = option(
        kinds.text,
        "Pushes the branch and opens the pull request (`contents: write`, `pull-requests: "
        "write`). Pull requests opened with the job's own token start no workflows: pass a "
        "GitHub App token or PAT to have CI run on it.",
        default="", expression="${{ github.token }}", secret=True,
    )
    extra_files: tuple[Path, ...] = option(
        kinds.workspace_paths,
        "More files that carry the version (CITATION.cff, src/pkg/__init__.py), newline- or "
        "comma-separated, as version-rewrite's `extra-files`: each moves to the next .dev0 too.",
        default="",
    )
    dry_run: bool = option(
        kinds.boolean, "Decide and report; push nothing, open nothing.", default="false"
    )
    released: Version = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "released", released_version(self.tag, self.tag_prefix))


@dataclass(frozen=True)
class Plan:
    """What the branch holds and what the bump changes there; `reason` when it changes nothing."""

    current: str
    declarations: list[Declaration] = field(default_factory=list)
    contents: dict[Path, str] = field(default_factory=dict)
    reason: str = ""


def locate(path: Path) -> tuple[Path, Path]:
    """The checkout's root and the project file's path inside it."""
    project_file = resolve_project_file(path).absolute()
    try:
        root = git.toplevel(project_file.parent)
    except git.GitError as error:
        raise ConfigError(NOT_A_CHECKOUT.format(path=path, detail=error.detail)) from None
    return root, project_file.resolve().relative_to(root.resolve())


def in_checkout(root: Path, paths: tuple[Path, ...]) -> list[Path]:
    """The `extra-files` as paths inside the checkout, to find them in the branch's tree."""
    found = []
    for path in paths:
        try:
            found.append(path.resolve().relative_to(root.resolve()))
        except ValueError:
            raise InputError(f"Input `extra-files`: {path} is not inside the git checkout "
                             f"{root}; name files of the repository.") from None
    return found


def _require_inside(folder: Path, relative: Path, branch: str) -> None:
    path = folder / relative
    try:
        inside = path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # a link loop
        inside = False
    if not inside:
        raise ConfigError(f"{relative} on origin/{branch} leads out of the repository (a "
                          "link); name the file it points to in `extra-files`.")


def plan(folder: Path, relative: Path, inputs: Inputs, target: Version,
         extras: list[Path] | None = None) -> Plan:
    project_file = folder / relative
    if not project_file.is_file():
        raise ConfigError(f"origin/{inputs.branch} has no {relative}. Point `path` at the "
                          f"project file as it is on {inputs.branch}.")
    source = read_version_source(project_file, tuple(folder / path for path in extras or []))
    if source.from_tags:
        return Plan("", reason=VCS_SKIP.format(file=relative, where=source.where,
                                               tag=inputs.tag))
    current = source.declared_version()
    if current.version >= target:
        return Plan(current.text, reason=ALREADY_BUMPED.format(
            branch=inputs.branch, current=current.text, target=target))
    for path in extras or []:
        _require_inside(folder, path, inputs.branch)
    source.require_agreement()  # reads the lock and the extra files
    return Plan(current.text, list(source.declarations), source.rewrite(str(target)).contents)


def _planned_on_branch(folder: Path, relative: Path, inputs: Inputs, target: Version,
                       extras: list[Path]) -> Plan:
    """`plan`, with a fault in the branch's files named as the branch's, not the temp folder's."""
    try:
        return plan(folder, relative, inputs, target, extras)
    except ConfigError as error:
        # The file is in a temporary folder the user never sees: named by its path on the branch.
        raise error.restated(ON_BRANCH.format(
            message=error.message.replace(f"{folder}/", ""), branch=inputs.branch),
            file=None) from None


def head_branch(inputs: Inputs, target: Version) -> str:
    return f"release-actions/bump-{inputs.tag_prefix}{target}"


def run(inputs: Inputs, ctx: Context) -> Outcome:
    target = versions.next_dev(inputs.released, inputs.part)
    if not inputs.dry_run:
        _require_api(inputs, ctx)
    if inputs.github_token:
        ctx.console.mask(bump.basic_credential(inputs.github_token))
    root, relative = locate(inputs.path)
    extras = in_checkout(root, inputs.extra_files)
    remote = bump.Remote(root, inputs.github_token)
    tip = bump.fetch_tip(remote, inputs.branch)
    with bump.worktree_at(root, tip, ctx.get("RUNNER_TEMP")) as folder:
        planned = _planned_on_branch(folder, relative, inputs, target, extras)
        if planned.reason or inputs.dry_run:
            return _without_pull_request(inputs, ctx, target, planned, folder)
        write_atomically(planned.contents)
        bump.commit(folder, list(planned.contents), _commit_message(inputs, target))
        with ctx.console.group(f"git push --force origin HEAD:{head_branch(inputs, target)}"):
            bump.push(remote, folder, head_branch(inputs, target))
        rows = _rows(planned, folder)
    return _with_pull_request(inputs, ctx, target, tip, rows)


def _with_pull_request(
    inputs: Inputs, ctx: Context, target: Version, tip: str, rows: str
) -> Outcome:
    from release_actions import pull_requests

    head = head_branch(inputs, target)
    proposal = pull_requests.Proposal(
        ctx.repository, head, inputs.branch, f"Bump version to {target} after {inputs.tag}",
        PR_BODY.format(tag=inputs.tag, branch=inputs.branch, target=target, rows=rows, tip=tip,
                       target_base=target.base_version),
    )
    try:
        pull = pull_requests.open_or_update(inputs.github_token, ctx.environ, proposal)
    except ReleaseActionsError as error:
        # The branch is pushed: a later step may still open the pull request from it.
        raise error.restated(error.message, outputs={
            "version": str(target), "pr-url": "",
            "reason": f"{head} is pushed; GitHub refused the pull request"}) from None
    verb = "Opened" if pull.created else "Updated"
    ctx.console.info(f"{verb} pull request #{pull.number} ({head} → {inputs.branch}): {pull.url}")
    return Outcome(
        outputs={"version": str(target), "pr-url": pull.url, "reason": ""},
        summary=(f"### ⬆️ `{inputs.branch}` → `{target}` after `{inputs.tag}`\n\n"
                 f"{verb} [pull request #{pull.number}]({pull.url}) from `{head}`, built on "
                 f"`{tip}`.\n\n| file | declaration | was |\n|---|---|---|\n{rows}\n"),
    )


def _require_api(inputs: Inputs, ctx: Context) -> None:
    if not inputs.github_token:
        raise InputError(NEEDS_TOKEN)
    if not ctx.repository:
        raise ConfigError(NEEDS_REPOSITORY)


def _without_pull_request(
    inputs: Inputs, ctx: Context, target: Version, planned: Plan, folder: Path
) -> Outcome:
    """Nothing to bump (reason), or a dry run (what would change)."""
    if planned.reason:
        ctx.console.notice(planned.reason, title="bump-dev")
        summary = f"### ⏭️ No bump after `{inputs.tag}`\n\n{planned.reason}\n"
        return Outcome({"version": str(target), "pr-url": "", "reason": planned.reason}, summary)
    rows = _rows(planned, folder)
    head = head_branch(inputs, target)
    ctx.console.info(f"dry run: would push {head} moving origin/{inputs.branch} from "
                     f"{planned.current} to {target} and open a pull request.")
    summary = (f"### ⬆️ Dry run: `{inputs.branch}` → `{target}` after `{inputs.tag}`\n\n"
               f"Would push `{head}` and open a pull request into `{inputs.branch}`.\n\n"
               f"| file | declaration | was |\n|---|---|---|\n{rows}\n")
    return Outcome({"version": str(target), "pr-url": "", "reason": "dry run"}, summary)


def _rows(planned: Plan, folder: Path) -> str:
    return "\n".join(
        f"| `{d.path.relative_to(folder)}` | {d.where} | `{d.version}` |"
        for d in planned.declarations
    )


def _commit_message(inputs: Inputs, target: Version) -> str:
    return (f"Bump version to {target} after {inputs.tag}\n\n"
            f"{inputs.tag} is released; {inputs.branch} moves to the next development version.")


COMMAND = Command(
    name="bump-dev",
    description=(
        "After a public release, open a pull request that moves main to the next .dev0 "
        "version: every place the version lives and the project's uv.lock entry, built on "
        "main's tip; a re-run updates the same branch and pull request."
    ),
    icon="git-pull-request",
    inputs_type=Inputs,
    outputs=(
        Output("version", "The next development version, e.g. 1.2.4.dev0."),
        Output("pr-url", "The pull request opened or updated; empty when nothing was pushed."),
        Output("reason", "One line: why nothing was pushed (already bumped, VCS-versioned, "
                         "dry run); empty otherwise."),
    ),
    run=run,
)
