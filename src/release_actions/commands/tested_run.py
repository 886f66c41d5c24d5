"""`tested-run`: hand the commit that `test` and the integration gate tested, and that `test`
run's number, to the preview release.

`record` (end of integration-eval, after the judge passed) writes the record, which the
composite action uploads as an artifact. `resolve` (start of internal-preview-release, before
any checkout) reads it back through GitHub's API, checks every field and that the commit is on
`branch`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from release_actions import kinds, tested_record
from release_actions.command import Command, Outcome, Output, option
from release_actions.context import Context
from release_actions.errors import CheckFailed, InputError

if TYPE_CHECKING:
    from release_actions.run_artifacts import Where

MODES = ("record", "resolve")
# The record's format, and the artifact name each uses unless `artifact` says otherwise.
FORMATS = {"tested-run": "tested-run", "benchflow": "internal-preview-provenance"}
UPLOAD_ARTIFACT = "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02"  # v4.6.2
RETENTION_DAYS = "7"

NO_RECORD = (
    "Run {run_id} holds no artifact {artifact!r} that has not expired, so there is no tested "
    "commit to release: integration-eval records one only after the judge passed for a push "
    "to {branch} (pull requests and schedules record nothing). Nothing to publish."
)
TWO_RECORDS = (
    "Run {run_id} holds {count} artifacts named {artifact!r}; exactly one tested-run record "
    "is expected. Give each upload in that workflow its own name."
)
BAD_RECORD = (
    "The artifact {artifact!r} of run {run_id} is not a valid tested-run record: {why}. It is "
    "untrusted input and was refused; make sure only `tested-run` with `mode: record` uploads "
    "{artifact!r}."
)
NOT_ON_BRANCH = (
    "The tested commit {sha} (from run {run_id}) is not on {branch} (GitHub's compare API of "
    "{repository} says {status!r}). Only commits on {branch} are released as previews: merge "
    "the change into {branch} and let test and integration-eval run on the merge."
)
COMPARE_FAILED = (
    "Cannot tell whether the tested commit {sha} is on {branch}: the compare API of "
    "{repository} answered HTTP {status}. Check that {branch} exists and that the token may "
    "read the repository (`permissions: contents: read`)."
)
NO_REPOSITORY = (
    "GITHUB_REPOSITORY is not set, so there is no repository to read run {run_id} from. Run "
    "resolve inside GitHub Actions, or set GITHUB_REPOSITORY=owner/name on the command line."
)
# GitHub's API may answer slowly but not forever: every request of the resolve step together.
API_TIMED_OUT = (
    "GitHub's API gave no complete answer while reading the record of run {run_id} ({error}). "
    "Re-run the job; if it keeps happening, check https://www.githubstatus.com."
)


@dataclass(frozen=True)
class Inputs:
    mode: str = option(
        kinds.choice(*MODES),
        "record (end of integration-eval, after the judge passed) or resolve (start of the "
        "preview release).",
        default="resolve",
    )
    sha: str = option(
        kinds.commit_sha, "record: the tested commit (40 hex digits).", default="",
        expression="${{ github.event.workflow_run.head_sha || github.sha }}",
    )
    run_number: int | None = option(
        kinds.optional_positive_int(tested_record.MAX_RUN_NUMBER),
        "record: the number of the tested `test` run.", default="",
        expression="${{ github.event.workflow_run.run_number || github.run_number }}",
    )
    path: Path = option(
        kinds.any_folder("${{ runner.temp }}/tested-run"),
        "record: the directory the record is written to (the action then uploads it as an "
        "artifact).",
        default="tested-run", expression="${{ runner.temp }}/tested-run",
    )
    run_id: int | None = option(
        kinds.run_id, "resolve: the integration-eval run whose artifact holds the record.",
        default="", expression="${{ github.event.workflow_run.id }}",
    )
    format: str = option(
        kinds.choice(*FORMATS),
        "The record's format: `tested-run` (one file, tested-run.json) or `benchflow` "
        "(BenchFlow's provenance: files tested-sha and source-run-number).",
        default="tested-run",
    )
    artifact: str = option(
        kinds.artifact_name,
        "The artifact name; empty: `tested-run`, or `internal-preview-provenance` for "
        "`format: benchflow`.",
        default="",
    )
    branch: str = option(kinds.git_ref, "resolve: the tested commit must be on it.",
                         default="main")
    github_token: str = option(
        kinds.text, "resolve: reads the run's artifacts; needs `actions: read`.", default="",
        expression="${{ github.token }}", secret=True,
    )
    timeout: float = option(
        kinds.seconds(kinds.MAX_TIMEOUT),
        "resolve: longest wait, in seconds, for GitHub's API: listing the run's artifacts, "
        "downloading the record and the compare check together, retries included.",
        default="60",
    )

    @property
    def artifact_name(self) -> str:
        return self.artifact or FORMATS[self.format]

    def __post_init__(self) -> None:
        if self.mode == "record" and not self.sha:
            raise InputError("Input `sha` is empty; `mode: record` needs the tested commit. "
                             "Leave the default or pass `sha: ${{ github.sha }}`.")
        if self.mode == "record" and self.run_number is None:
            raise InputError("Input `run-number` is empty; `mode: record` needs the tested "
                             "run's number. Leave the default.")
        if self.mode == "resolve" and self.run_id is None:
            raise InputError(
                "Input `run-id` is empty; `mode: resolve` needs the integration-eval run id. "
                "Run it in a workflow started by `on: workflow_run` (the default is "
                "`${{ github.event.workflow_run.id }}`) or pass `run-id`."
            )
        if self.mode == "resolve" and not self.github_token:
            raise InputError("Input `github-token` is empty; `mode: resolve` reads the run's "
                             "artifacts through GitHub's API. Leave the default "
                             "`${{ github.token }}` and grant `actions: read`.")


# --- record -------------------------------------------------------------------------------------


def record(inputs: Inputs, ctx: Context) -> Outcome:
    assert inputs.run_number is not None  # __post_init__: record has one
    tested = tested_record.Record(inputs.sha, inputs.run_number)
    write = tested_record.write_benchflow if inputs.format == "benchflow" else tested_record.write
    try:
        path = write(inputs.path, tested)
    except OSError as error:
        raise InputError(f"Input `path`: cannot write the record into {str(inputs.path)!r} "
                         f"({error.strerror}). Give a directory the job can write, such as "
                         "`${{ runner.temp }}/tested-run`.") from None
    ctx.console.info(f"Recorded commit {tested.sha}, run number {tested.run_number} in {path}")
    return Outcome(
        outputs={"path": str(path), "artifact": inputs.artifact_name},
        summary=(f"### 📝 Tested run recorded\n\nCommit `{tested.sha}`, run number "
                 f"{tested.run_number}, uploaded as the artifact `{inputs.artifact_name}`.\n"),
    )


# --- resolve ------------------------------------------------------------------------------------


def _unavailable(inputs: Inputs, ctx: Context) -> Outcome:
    message = NO_RECORD.format(run_id=inputs.run_id, artifact=inputs.artifact_name,
                               branch=inputs.branch)
    ctx.console.notice(message, title="tested-run")
    return Outcome(outputs={"available": "false", "sha": "", "run-number": ""},
                   summary=f"### ⏭️ No tested run to release\n\n{message}\n")


def _read_record(inputs: Inputs, data: bytes) -> tested_record.Record:
    read = (tested_record.benchflow_from_zip if inputs.format == "benchflow"
            else tested_record.from_zip)
    try:
        return read(data)
    except tested_record.RecordInvalid as error:
        raise CheckFailed(BAD_RECORD.format(artifact=inputs.artifact_name, run_id=inputs.run_id,
                                            why=error)) from None


def _check_on_branch(inputs: Inputs, repo: Any, where: Where, sha: str) -> None:
    """Refuse a commit `branch` does not contain, by GitHub's compare API."""
    import requests
    from github import GithubException

    from release_actions import github, run_artifacts

    fields = {"sha": sha, "branch": inputs.branch, "repository": where.repository}
    try:
        contained, status = github.branch_contains(repo, inputs.branch, sha)
    except GithubException as error:
        raise CheckFailed(COMPARE_FAILED.format(status=error.status, **fields)) from None
    except requests.RequestException as error:
        raise run_artifacts.unreachable(error, where,
                                        f"comparing {sha} with {inputs.branch}") from None
    if not contained:
        raise CheckFailed(NOT_ON_BRANCH.format(run_id=inputs.run_id, status=status, **fields))


def _read_tested(inputs: Inputs, ctx: Context) -> tested_record.Record | None:
    """The record of the tested run, checked to be on the branch; None when it has none."""
    from release_actions import run_artifacts

    assert inputs.run_id is not None
    repo, where = run_artifacts.repository(inputs.github_token, ctx.environ, ctx.repository)
    found = run_artifacts.live_artifacts(repo, inputs.run_id, inputs.artifact_name, where)
    if not found:
        return None
    if len(found) > 1:
        raise CheckFailed(TWO_RECORDS.format(run_id=inputs.run_id, count=len(found),
                                             artifact=inputs.artifact_name))
    data = run_artifacts.download(found[0], inputs.run_id, inputs.github_token, where,
                                  seconds=inputs.timeout)
    tested = _read_record(inputs, data)
    _check_on_branch(inputs, repo, where, tested.sha)
    return tested


def resolve(inputs: Inputs, ctx: Context) -> Outcome:

    assert inputs.run_id is not None  # __post_init__: resolve has one
    if not ctx.repository:
        raise InputError(NO_REPOSITORY.format(run_id=inputs.run_id))
    from release_actions import github
    from release_actions.deadline import Deadline, DeadlineExceeded

    try:
        tested = Deadline.after(inputs.timeout).run(lambda: _read_tested(inputs, ctx))
    except DeadlineExceeded as error:
        raise CheckFailed(API_TIMED_OUT.format(run_id=inputs.run_id, error=error)) from None
    except github.unusable_answer() as error:
        raise CheckFailed(API_TIMED_OUT.format(
            run_id=inputs.run_id, error=github.malformed(error, ctx.environ))) from None
    if tested is None:
        return _unavailable(inputs, ctx)
    ctx.console.info(f"Tested commit {tested.sha} (on {inputs.branch}), run number "
                     f"{tested.run_number}, from run {inputs.run_id}")
    return Outcome(
        outputs={"available": "true", "sha": tested.sha,
                 "run-number": str(tested.run_number)},
        summary=(f"### 🧪 Tested run resolved\n\n| commit | run number | from run |\n"
                 f"|---|---|---|\n| `{tested.sha}` | {tested.run_number} | "
                 f"{inputs.run_id} |\n\nThe commit is on `{inputs.branch}`.\n"),
    )


def run(inputs: Inputs, ctx: Context) -> Outcome:
    return record(inputs, ctx) if inputs.mode == "record" else resolve(inputs, ctx)


COMMAND = Command(
    name="tested-run",
    description=(
        "Hand the commit that test and the integration gate tested, and the tested run's "
        "number, to the preview release: record it as an artifact, or resolve it through "
        "GitHub's API and check that the commit is on main."
    ),
    icon="check-circle",
    inputs_type=Inputs,
    outputs=(
        Output("path", "record: what was written and uploaded: the record file, or the "
                       "directory of BenchFlow's two files."),
        Output("artifact", "record: the artifact name it was uploaded as."),
        Output("available", "resolve: `true` when a tested run was found, `false` when none "
                            "(nothing to publish)."),
        Output("sha", "resolve: the tested commit, on `branch`; check it out."),
        Output("run-number", "resolve: the tested run's number (for version-rewrite)."),
    ),
    run=run,
    extra_steps=(
        {
            "if": "inputs.mode == 'record'",
            "uses": UPLOAD_ARTIFACT,
            "with": {
                "name": "${{ steps.run.outputs.artifact }}",
                "path": "${{ steps.run.outputs.path }}",
                "retention-days": RETENTION_DAYS,
                "if-no-files-found": "error",
            },
        },
    ),
)
