"""The static audit of a repository's workflows for safe Trusted Publishing: which jobs
publish (found by what they run), who may mint an OIDC token, what is pinned, what a publishing
job restores, which environments hold what.

Every failed item names the file, the line and the fix."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from release_actions.checklist import Item
from release_actions.errors import ConfigError
from release_actions.workflows import (
    LOCAL_USES,
    Job,
    Permissions,
    Step,
    Value,
    Workflow,
    called_workflow,
)

OURS = "benchflow-ai/release-actions"
_SHA = re.compile(r"[0-9a-f]{40}\Z")
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}\Z")
_PUBLISH_RUN = re.compile(
    r"\b((?:uv|pdm|poetry|hatch|flit|release-actions)\s+publish|twine\s+upload)\b")
_CACHES = ("actions/cache", "actions/cache/restore")
# where each publisher takes an API token: with one, the upload needs no OIDC token
_TOKEN_ENV = re.compile(
    r"(TWINE_PASSWORD|UV_PUBLISH_TOKEN|UV_PUBLISH_PASSWORD|PDM_PUBLISH_PASSWORD|"
    r"POETRY_PYPI_TOKEN_[A-Z0-9_]+|POETRY_HTTP_BASIC_[A-Z0-9_]+_PASSWORD|FLIT_PASSWORD|"
    r"HATCH_INDEX_AUTH)\Z")
_TOKEN_FLAG = re.compile(r"\s(?:--token|--password|--auth|-p|-u\s+__token__)[\s=]")
# the variables only an upload reads (POETRY_HTTP_BASIC_* also serve `poetry install`)
_PUBLISH_ONLY_ENV = re.compile(r"(TWINE_PASSWORD|UV_PUBLISH_TOKEN|UV_PUBLISH_PASSWORD|"
                               r"PDM_PUBLISH_PASSWORD|POETRY_PYPI_TOKEN_[A-Z0-9_]+|FLIT_PASSWORD|"
                               r"HATCH_INDEX_AUTH)\Z")
# where each publisher is told to upload elsewhere than PyPI: inputs, variables, flags
_INDEX_INPUTS = ("repository-url", "repository_url")
_INDEX_ENV = re.compile(r"(TWINE_REPOSITORY_URL|TWINE_REPOSITORY|UV_PUBLISH_URL|UV_PUBLISH_INDEX|"
                        r"PDM_PUBLISH_REPO|FLIT_INDEX_URL|HATCH_INDEX_REPO)\Z")
_INDEX_FLAG = re.compile(r"\s(?:--repository-url|--publish-url|--repository|--repo|--index|-r)"
                         r"[\s=]+['\"]?([^\s'\";]+)")
_PYPI_NAMES = {"pypi", "main", "https://upload.pypi.org/legacy/", "https://upload.pypi.org/legacy",
               "https://pypi.org/legacy/"}
# Actions that mint an OIDC token for something other than PyPI: `id-token: write` is theirs.
OIDC_ACTIONS = {
    "actions/attest-build-provenance": "GitHub artifact attestations",
    "actions/attest": "GitHub artifact attestations",
    "actions/attest-sbom": "GitHub artifact attestations",
    "sigstore/gh-action-sigstore-python": "Sigstore signatures",
    "ossf/scorecard-action": "OSSF Scorecard",
    "aws-actions/configure-aws-credentials": "a cloud login (AWS)",
    "google-github-actions/auth": "a cloud login (Google Cloud)",
    "azure/login": "a cloud login (Azure)",
    "actions/deploy-pages": "a GitHub Pages deployment",
    "codspeedhq/action": "CodSpeed's tokenless upload",
    "rust-lang/crates-io-auth-action": "crates.io's trusted publishing",
}
# Actions known to mint no OIDC token: a job whose every action is one of these (or ours) and
# that publishes nothing has no use for `id-token: write`. Any other action may mint one
# (a composite or JavaScript action can ask for a token at any time), so there the advice to
# remove the grant is a note, never a failure that would break the job.
OIDC_FREE = frozenset({
    "actions/checkout", "actions/setup-python", "actions/setup-node", "actions/setup-go",
    "actions/setup-java", "actions/cache", "actions/cache/restore", "actions/cache/save",
    "actions/upload-artifact", "actions/download-artifact", "astral-sh/setup-uv",
})
# ... and actions that do so when an input turns it on
OIDC_INPUTS = {
    "hynek/build-and-inspect-python-package": (
        "attest-build-provenance-github", "GitHub artifact attestations"),
    "codecov/codecov-action": ("use_oidc", "Codecov's tokenless upload"),
}
# `run:` commands that mint one, and what for
_OIDC_RUNS = (
    (re.compile(r"\b(?:sigstore\s+sign|cosign\s+(?:sign|attest))\b"), "Sigstore signatures"),
    (re.compile(r"\bnpm\s+publish\b[^\n;&|]*\s--provenance\b"), "npm's provenance"),
    (re.compile(r"\bgetIDToken\s*\("), "a token it requests itself (`core.getIDToken`)"),
)
_TOKEN_REQUEST = re.compile(r"\bACTIONS_ID_TOKEN_REQUEST_(?:URL|TOKEN)\b")
# commands that push with the checkout's credentials: git itself and the docs deployers
PUSH_RUN = re.compile(
    r"\b(git)\b[^\n;&|]*?\spush\b|\b(mkdocs\s+gh-deploy)\b"
    r"|\b(mike|ghp-import)\b[^\n;&|]*?\s(?:--push|-p)\b")
# a publishing action named inside a local composite action's action.yml
_PUBLISH_USES = re.compile(r"\buses:\s*['\"]?((?:pypa/gh-action-pypi-publish|"
                           r"benchflow-ai/release-actions/publish)@)", re.IGNORECASE)
_GIT_FETCH = re.compile(r"\bgit\b[^\n;&|]*?\s(fetch|pull|ls-remote)\b")
# actions that commit, tag and push from the checkout (semantic-release's version commit and tag)
_PUSHING_ACTIONS = ("stefanzweifel/git-auto-commit-action", "endbug/add-and-commit",
                    "python-semantic-release/python-semantic-release",
                    "relekang/python-semantic-release", "cycjimmy/semantic-release-action",
                    "codfish/semantic-release-action", "ad-m/github-push-action")
_SAYS_PUSH = re.compile(r"\bpush", re.IGNORECASE)
_ACKNOWLEDGEMENT = re.compile(r"release-actions:\s*allow\b(.*)\Z", re.IGNORECASE)
_ACKNOWLEDGED = re.compile(r"\s*(?P<rules>[a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)\s*(?:—|\u2013|--|-|:)?"
                           r"\s*(?P<reason>.*)\Z")

ID_TOKEN_AT_WORKFLOW = (
    "`{grant}` at the workflow level of {file} reaches jobs that neither publish nor use OIDC "
    "({needless}): each could mint a token and publish as this repository. {fix}"
)
ID_TOKEN_AT_WORKFLOW_UNUSED = (
    "`{grant}` at the workflow level of {file} reaches no job today (each has its own "
    "`permissions:`), but a job added later would inherit it and could publish as this "
    "repository. Fix: {fix}"
)
REMOVE_FROM_WORKFLOW = "remove `id-token: write` from the workflow's `permissions:`."
EMPTY_AT_WORKFLOW = "set `permissions: {}` at the top (every job has its own)."
ID_TOKEN_AT_WORKFLOW_USED = (
    "`{grant}` at the workflow level of {file} is used by every job that inherits it "
    "({needers}); a job added later would inherit it too. {fix}"
)
ID_TOKEN_AT_WORKFLOW_MAYBE = (
    "`{grant}` at the workflow level of {file} reaches {needers}; of these, {maybes} "
    "publish nothing and use actions that may mint an OIDC token ({actions}: this audit "
    "cannot tell). A job added later would inherit it too. {fix}"
)
MOVE_TO_JOBS = (
    "Fix: set `permissions: {{}}` at the top and give each job its own `permissions:` (job "
    "permissions replace the workflow's): {grants}."
)
ID_TOKEN_NOT_PUBLISHING = (
    "Job `{job}` in {file} has `{grant}` but publishes nothing and uses no OIDC login, "
    "attestation or signature. Fix: remove `id-token: write` from its `permissions:`; only "
    "the job that uploads to PyPI needs it."
)
ID_TOKEN_MAYBE_USED = (
    "Job `{job}` in {file} has `{grant}` and publishes nothing; it uses {actions}, which may "
    "mint an OIDC token (this audit cannot tell). If none does, remove `id-token: write` from "
    "its `permissions:`; if one does, keep it and name an environment in PyPI's trusted "
    "publisher that this job does not use."
)
ID_TOKEN_FOR_CALLED = (
    "Job `{job}` in {file} has `{grant}` and calls `{uses}`, whose jobs get at most what the "
    "caller grants: keep it if one of them mints an OIDC token (publishing, attestations, SLSA "
    "provenance), else remove it. A job there that publishes to PyPI needs PyPI's publisher for "
    "the called file."
)
ID_TOKEN_OTHER_USE = (
    "Job `{job}` in {file} has `{grant}` for {what} (`{uses}`, line {line}), not to publish: "
    "keep it. Name an environment in PyPI's trusted publisher that this job does not use, so "
    "its token cannot publish."
)
ID_TOKEN_MISSING = (
    "Publishing job `{job}` in {file} ({why}) has no `id-token: write`{inherited}, so Trusted "
    "Publishing gets no token. Fix: {fix}"
)
TOKEN_UPLOAD = (
    "Publishing job `{job}` in {file} ({why}) uploads with an API token ({token}), not Trusted "
    "Publishing, so it needs no `id-token: write`. To move to Trusted Publishing, register "
    "this workflow on PyPI, give the job `id-token: write` and drop the token."
)
ADD_TO_JOB = "add `id-token: write` to the job's `permissions:`."
ADD_JOB_PERMISSIONS = (
    "give the job `permissions: {{{scopes}}}` (job permissions replace the workflow's, so keep "
    "the scopes it uses)."
)
ADD_NEW_PERMISSIONS = (
    "add `permissions: {id-token: write, contents: read}` to the job (`contents: write` if it "
    "makes a GitHub Release or pushes)."
)
WRITE_ALL_ON_PUBLISHER = (
    "Publishing job `{job}` in {file} has `permissions: write-all`. Fix: list only what it "
    "needs: `id-token: write` and `contents: read` (`write` for a GitHub Release)."
)
UNPINNED = (
    "`{uses}` in {file} is not pinned to a commit: a moved tag or branch changes what runs in "
    "this job. Fix: `uses: {target}@<40-hex commit SHA> # {ref}` (the SHA the tag points at)."
)
NO_REF = "`{uses}` in {file} names no version. Fix: `uses: {uses}@<40-hex commit SHA>`."
DOCKER_UNPINNED = (
    "`{uses}` in {file} is an image by tag, which can be replaced. Fix: pin its digest, "
    "`docker://image@sha256:<64 hex>`."
)
OURS_AT_TAG = (
    "{count} `{ours}/<name>@<major>` reference(s) ({places}): the README's documented choice, "
    "a moving major tag of these actions. Pin a commit SHA instead if your policy asks for it."
)
PERSISTED_CREDENTIALS = (
    "actions/checkout in job `{job}` of {file} leaves the job's token in .git/config, where "
    "every later step (and a build backend) can read it. Fix: {fix} (a job that pushes keeps "
    "`true`, with a comment saying so)."
)
ADD_PERSIST_FALSE = "add `with: persist-credentials: false` to the step"
# an explicit `true` in a job where nothing is seen to push (fastapi's draft-release job)
MAKE_PERSIST_FALSE = ("change `persist-credentials: true` (line {line}) to `false`: no later "
                      "step is seen to push")
FETCH_CAVEAT = (
    " The later `git {command}` (step at line {line}) works without them in a public "
    "repository; in a private one give the checkout `fetch-depth: 0` instead of fetching."
)
PUSHES_WITH_DEFAULT = (
    "actions/checkout in job `{job}` of {file} keeps the job's token in .git/config by "
    "default, and the job pushes with it ({push}, line {line}): make it deliberate with "
    "`persist-credentials: true  # pushes ...`."
)
OWN_TOKEN_WITH_DEFAULT = (
    "actions/checkout in job `{job}` of {file} takes a token of its own (`token:`) and keeps it "
    "in .git/config by default. If a later step pushes with it, make that deliberate with "
    "`persist-credentials: true  # pushes ...`; if none does, set `persist-credentials: false`."
)
CACHE_BY_EXPRESSION = (
    "Publishing job `{job}` in {file} restores a cache when its expression says so ({what}): "
    "make sure it is off in every run that publishes (a cache written by a pull request's run "
    "would flow into the release); if it is not, {fix}."
)
CACHE_IN_PUBLISHER = (
    "Publishing job `{job}` in {file} restores a cache ({what}): a cache written by another "
    "workflow (a pull request's) would flow into the release. Fix: {fix}."
)
SECRETS_ENV_PUBLISHES = (
    "Publishing job `{job}` in {file} runs in `{environment}`, the provider-key environment: "
    "its secrets would be in the publishing job, and PyPI would trust that environment. Fix: "
    "give the job its channel's environment (`{channels}`)."
)
PUBLISHING_ENV_NOT_PUBLISHING = (
    "Job `{job}` in {file} runs in the publishing environment `{environment}` but publishes "
    "nothing: each such job creates a deployment on it and passes its protection rules. Fix: "
    "use `{secrets}` for provider keys, or no environment."
)
PUBLISHING_ENV_WITH_ID_TOKEN = (
    "Job `{job}` in {file} runs in the publishing environment `{environment}` with `{grant}` "
    "but publishes nothing: PyPI's trusted publisher bound to `{environment}` would accept a "
    "token it mints. Fix: {fix}"
)
REMOVE_OR_MOVE = "remove `id-token: write` from the job, or run it in another environment."
MOVE_ENVIRONMENT = ("run it in another environment (it uses its token for something else, so "
                    "it keeps `id-token: write`).")
PUBLISHING_ENV_OTHER_JOB = (
    "Job `{job}` in {file} runs in the publishing environment `{environment}` but publishes "
    "nothing: it creates a deployment there and passes its protection rules. Keep it if it "
    "needs the environment (its secrets, or an approval); without `id-token: write` it cannot "
    "publish."
)
REUSABLE_PUBLISHER = (
    "Publishing job `{job}` in {file} is inside a reusable workflow (`on: workflow_call`); "
    "PyPI's Trusted Publishing does not accept reusable workflows (the token names the caller, "
    "the publisher is checked against this file). Fix: move the publishing job into the "
    "calling workflow's own file and register that file on PyPI."
)
REUSABLE_ALSO_DIRECT = (
    "Publishing job `{job}` in {file} runs on {triggers} as itself, and is also a reusable "
    "workflow (`on: workflow_call`): called from another workflow, its Trusted Publishing "
    "upload is checked against the caller's file, which needs a publisher of its own on PyPI."
)
ACKNOWLEDGEMENT_WITHOUT_REASON = (
    "{file}:{line} acknowledges a doctor finding without a reason. Write it as `# "
    "release-actions: allow <rule> — <why the team keeps it>`; rules: {rules}."
)
ACKNOWLEDGEMENT_UNKNOWN_RULE = (
    "{file}:{line} acknowledges {unknown}, which is no doctor rule. Use one of: {rules}."
)
ACKNOWLEDGEMENT_UNUSED = (
    "`# release-actions: allow {rules}` at {file}:{line} matches no finding on its line (or "
    "the line below a comment-only line): remove it, or move it to the finding's line."
)
CHANNEL_MISSING = (
    "No `{workflow}` in {folder}: the {channel} channel's trusted publisher on PyPI names that "
    "file. Fix: name the {channel} workflow file `{workflow}`, or set input `{input}` to its name."
)
CHANNEL_PUBLISHES_NOTHING = (
    "{file} ({channel} channel) has no publishing job (none uses the publish action, "
    "pypa/gh-action-pypi-publish, `uv/pdm/poetry/hatch/flit publish` or `twine upload`). Fix: "
    "publish from it, or set "
    "input `{input}` to the workflow that does."
)
CHANNEL_NO_ENVIRONMENT = (
    "Publishing job `{job}` in {file} has no `environment:`; the {channel} trusted publisher "
    "is bound to `{environment}`. Fix: add `environment: {environment}` to the job."
)
CHANNEL_OTHER_INDEX = (
    "Job `{job}` in {file} uploads to {index}, not to PyPI, from {environment}: that index's "
    "own trusted publisher covers it, not the {channel} channel's on PyPI. Nothing to change "
    "here; register the publisher on {index} too if it uses Trusted Publishing."
)
CHANNEL_ENVIRONMENT_BY_EXPRESSION = (
    "Publishing job `{job}` in {file} picks its environment at run time (`{found}`), which "
    "{names} the {channel} channel's `{environment}`; doctor cannot evaluate it. Make sure it "
    "is `{environment}` in every run that uploads to PyPI: PyPI answers invalid-publisher "
    "otherwise."
)
CHANNEL_CALLED_ENVIRONMENT = (
    "Publishing job `{job}` in {file} calls `{uses}`, whose publishing job runs in {found}, but "
    "the {channel} channel's environment is `{environment}`. A calling job cannot name an "
    "environment: set `environment: {environment}` on the publishing job of the called file "
    "(or input `{input}` to the one it has)."
)
CHANNEL_WITHOUT_ENVIRONMENT = (
    "Job `{job}` in {file} publishes ({why}) with no `environment:`, and the {channel} trusted "
    "publisher names none (input `{input}` is empty): PyPI accepts a token from any run of "
    "{file}. PyPI recommends an environment with required reviewers: create it, name it in "
    "the job (`environment: pypi`), in the publisher on PyPI and in input `{input}`."
)
CHANNEL_OTHER_ENVIRONMENT = (
    "Publishing job `{job}` in {file} runs in `{found}`, but the {channel} channel's "
    "environment is `{environment}`: PyPI answers invalid-publisher when they differ. Fix: "
    "`environment: {environment}` (or set input `{input}` to `{found}`)."
)
OTHER_PUBLISHER = (
    "Job `{job}` in {file} publishes too ({why}), outside the preview and public workflows: "
    "{index} needs a trusted publisher for this file as well, or the upload fails."
)


@dataclass(frozen=True)
class Channel:
    name: str  # preview or public
    workflow: str  # the workflow's file name
    environment: str
    workflow_input: str  # the input that names the workflow
    environment_input: str


@dataclass(frozen=True)
class Publisher:
    """A publishing job and why it counts as one."""

    workflow: Workflow
    job: Job
    why: str
    line: int
    token: str = ""  # the API token it uploads with, when it does not use Trusted Publishing
    index: str = ""  # the index it uploads to when that is not PyPI (TestPyPI, a private one)


def _target_and_ref(uses: str) -> tuple[str, str]:
    target, _, ref = uses.partition("@")
    return target.lower(), ref


def _is_ours(target: str) -> bool:
    return target == OURS or target.startswith(OURS + "/")


def publishing_reason(step: Step) -> str | None:
    """Why `step` uploads to an index, or None."""
    if step.uses is not None:
        target, _ = _target_and_ref(step.uses.text)
        command = step.inputs.get("command")
        if target in (f"{OURS}/publish", "pypa/gh-action-pypi-publish",
                      "casperdcl/deploy-pypi") or (
            target == OURS and command is not None and command.text == "publish"
        ) or (target == "pyo3/maturin-action" and command is not None
              and command.text.strip() in ("upload", "publish")):
            return f"`{step.uses.text}`"
        # this repository's composite action (`uses: ./.github/actions/pub`): what it holds
        inner = _PUBLISH_USES.search(step.scripts) or _PUBLISH_RUN.search(step.shell)
        if step.scripts and inner is not None:
            return f"`{step.uses.text}` (`{' '.join(inner.group(1).split())}`)"
    if step.run is not None:
        match = _PUBLISH_RUN.search(step.shell)
        if match:
            return f"`{' '.join(match.group(1).split())}`"
        # The upload inside a script (httpx's `scripts/publish`), given a publisher's token
        credential = next((name for name in step.env if _PUBLISH_ONLY_ENV.match(name)), None)
        if credential is not None:
            script = " ".join(step.run.text.split())
            return f"`{script[:80]}` given `{credential}`"
    return None


def _upload_token(workflow: Workflow, job: Job, step: Step) -> str:
    """How a publishing step passes an API token (then it needs no OIDC token), or ""."""
    password = step.inputs.get("password")
    mode = step.inputs.get("trusted-publishing")  # this project's publish action
    if password is not None and password.text.strip() and (mode is None or mode.text == "never"):
        return "`password:`"
    for env in (step.env, job.env, workflow.env):
        named = next((name for name, value in env.items()
                      if _TOKEN_ENV.match(name) and value.text.strip()), None)
        if named is not None:
            return f"`{named}`"
    if step.run is not None and _TOKEN_FLAG.search(step.shell):
        return "a token on the command line"
    return ""


def upload_index(workflow: Workflow, job: Job, step: Step) -> str:
    """The index a publishing step uploads to when it names one that is not PyPI ("" for PyPI,
    the default, or a value only the run knows: an expression)."""
    named = [step.inputs[name].text for name in _INDEX_INPUTS if name in step.inputs]
    for env in (step.env, job.env, workflow.env):
        named += [value.text for name, value in env.items() if _INDEX_ENV.match(name)]
    if step.run is not None:
        named += [flag for command in _publish_commands(step.shell)
                  for flag in _INDEX_FLAG.findall(command)]
    for value in (value.strip() for value in named):
        if not value or "$" in value or value.lower() in _PYPI_NAMES:  # $: only the run knows
            continue
        lowered = value.lower()
        return ("TestPyPI" if "test.pypi.org" in lowered or lowered in ("testpypi", "test")
                else f"`{value[:200]}`")
    return ""


def _publish_commands(script: str) -> list[str]:
    """Each publishing command of a `run:` script, from its name to the end of the command (a
    line, continuation lines joined by `Step.shell`, or up to `;`, `&&`, `||`, `|`): `pip install -r
    requirements.txt` before it names no index."""
    return [re.split(r"\n|;|&&|\|", script[match.start():], maxsplit=1)[0]
            for match in _PUBLISH_RUN.finditer(script)]


def find_publishers(workflows: Sequence[Workflow]) -> list[Publisher]:
    """Jobs that publish by their steps, then jobs that call a local workflow that does."""
    found = []
    for workflow in workflows:
        for job in workflow.jobs:
            for step in job.steps:
                why = publishing_reason(step)
                if why is not None:
                    found.append(Publisher(workflow, job, why, step.line,
                                           _upload_token(workflow, job, step),
                                           upload_index(workflow, job, step)))
                    break
    publishing_files = {publisher.workflow.name for publisher in found}
    for workflow in workflows:
        for job in workflow.jobs:
            called = called_workflow(job)
            if called in publishing_files and job.uses is not None:
                why = f"calls `{job.uses.text}`, which publishes"
                found.append(Publisher(workflow, job, why, job.uses.line))
    return found


@dataclass(frozen=True)
class Audit:
    workflows: Sequence[Workflow]
    publishers: Sequence[Publisher]
    secrets_environment: str
    channels: Sequence[Channel]

    def publishes(self, workflow: Workflow, job: Job) -> bool:
        return any(p.workflow is workflow and p.job is job for p in self.publishers)


def _fail(check: str, workflow: Workflow, line: int | None, detail: str) -> Item:
    return Item(check, "fail", detail, workflow.path, workflow.file, line)


# --- the checks ----------------------------------------------------------------------------------


def _grant(permissions: Permissions) -> str:
    return "permissions: write-all" if permissions.everything == "write-all" else "id-token: write"


def _id_token_line(permissions: Permissions) -> int:
    scope = permissions.scopes.get("id-token")
    return scope.line if scope is not None else permissions.line


def _granted(permissions: Permissions | None) -> bool:
    return permissions is not None and permissions.grants_id_token


def effective_permissions(workflow: Workflow, job: Job) -> Permissions | None:
    """A job without its own `permissions:` has the workflow's."""
    return job.permissions if job.permissions is not None else workflow.permissions


def oidc_use(job: Job) -> tuple[str, Step] | None:
    """(what for, the step) when a job mints OIDC tokens for something other than PyPI."""
    for step in job.steps:
        if step.uses is not None:
            target, _ = _target_and_ref(step.uses.text)
            if target in OIDC_ACTIONS:
                return OIDC_ACTIONS[target], step
            name, what = OIDC_INPUTS.get(target, ("", ""))
            turned_on = step.inputs.get(name) if name else None
            if turned_on is not None and turned_on.text.lower() == "true":
                return what, step
        script = step.shell + "\n" + (step.inputs["script"].text if "script" in step.inputs
                                       else "")  # actions/github-script's
        minted = next((what for pattern, what in _OIDC_RUNS if pattern.search(script)), None)
        if minted is not None:
            return minted, step
        if _TOKEN_REQUEST.search(step.shell):
            return "a token it requests itself (ACTIONS_ID_TOKEN_REQUEST_URL)", step
    return None


def unknown_actions(job: Job) -> list[str]:
    """The actions of `job` not known to mint no OIDC token (ours are known)."""
    found = []
    for step in job.steps:
        if step.uses is not None:
            target, _ = _target_and_ref(step.uses.text)
            if target not in OIDC_FREE and not _is_ours(target) and target not in found:
                found.append(target)
    return found


def _scopes(permissions: Permissions, *, id_token: bool = True) -> str:
    if permissions.everything:
        return permissions.everything if id_token else "the scopes it uses"
    shown = [f"{name}: {value.text}" for name, value in permissions.scopes.items()
             if id_token or name != "id-token"]
    return ", ".join(shown)


def _jobs_named(jobs: Sequence[Job]) -> str:
    return ", ".join(f"`{job.id}`" for job in jobs)


def _workflow_id_token(audit: Audit, workflow: Workflow) -> Iterator[Item]:
    permissions = workflow.permissions
    if permissions is None or not permissions.grants_id_token:
        return
    heirs = [job for job in workflow.jobs if job.permissions is None]
    # a called workflow gets the caller's permissions and may use them: never told to drop them
    needless = [job for job in heirs if job.uses is None
                and not audit.publishes(workflow, job) and oidc_use(job) is None
                and not unknown_actions(job)]
    needers = [job for job in heirs if job not in needless]
    rest = _scopes(permissions, id_token=False)
    grants = [*([f"`{{{_scopes(permissions)}}}` to {_jobs_named(needers)}"] if needers else []),
              *([f"`{{{rest}}}` (or less) to {_jobs_named(needless)}"] if needless else [])]
    fix = MOVE_TO_JOBS.format(grants="; ".join(grants))
    names = {"grant": _grant(permissions), "file": workflow.file, "fix": fix}
    if not heirs:
        fix = EMPTY_AT_WORKFLOW if permissions.everything else REMOVE_FROM_WORKFLOW
        yield _fail("id-token", workflow, _id_token_line(permissions),
                    ID_TOKEN_AT_WORKFLOW_UNUSED.format(grant=names["grant"], file=workflow.file,
                                                       fix=fix))
    elif needless:
        yield _fail("id-token", workflow, _id_token_line(permissions), ID_TOKEN_AT_WORKFLOW.format(
            needless=_jobs_named(needless), **names))
    elif needers:
        maybes = [job for job in needers if job.uses is None and oidc_use(job) is None
                  and not audit.publishes(workflow, job)]
        actions = dict.fromkeys(target for job in maybes for target in unknown_actions(job))
        text = (ID_TOKEN_AT_WORKFLOW_MAYBE.format(
            needers=_jobs_named(needers), maybes=_jobs_named(maybes),
            actions=", ".join(f"`{target}`" for target in actions), **names) if maybes
            else ID_TOKEN_AT_WORKFLOW_USED.format(needers=_jobs_named(needers), **names))
        yield Item("id-token", "note", text, workflow.path, workflow.file,
                   _id_token_line(permissions))


def _job_id_token(audit: Audit, workflow: Workflow, job: Job) -> Iterator[Item]:
    permissions = job.permissions
    if permissions is None or not permissions.grants_id_token or audit.publishes(workflow, job):
        return
    line = _id_token_line(permissions)
    if job.uses is not None:
        # The called workflow's jobs get at most this grant: only they can say if they use it.
        yield Item("id-token", "note", ID_TOKEN_FOR_CALLED.format(
            job=job.id, file=workflow.file, grant=_grant(permissions), uses=job.uses.text),
            workflow.path, workflow.file, line)
        return
    used = oidc_use(job)
    unknown = unknown_actions(job) if used is None else []
    if unknown:
        yield Item("id-token", "note", ID_TOKEN_MAYBE_USED.format(
            job=job.id, file=workflow.file, grant=_grant(permissions),
            actions=", ".join(f"`{target}`" for target in unknown)),
            workflow.path, workflow.file, line)
        return
    if used is None:
        yield _fail("id-token", workflow, line, ID_TOKEN_NOT_PUBLISHING.format(
            job=job.id, file=workflow.file, grant=_grant(permissions)))
        return
    what, step = used
    uses = step.uses.text if step.uses is not None else "run"
    yield Item("id-token", "note", ID_TOKEN_OTHER_USE.format(
        job=job.id, file=workflow.file, grant=_grant(permissions), what=what, uses=uses,
        line=step.line), workflow.path, workflow.file, line)


def check_id_token(audit: Audit) -> Iterator[Item]:
    for workflow in audit.workflows:
        yield from _workflow_id_token(audit, workflow)
        for job in workflow.jobs:
            yield from _job_id_token(audit, workflow, job)
    for publisher in audit.publishers:
        yield from _publisher_id_token(publisher)


def _missing_fix(workflow: Workflow, job: Job) -> str:
    if job.permissions is not None:
        return ADD_TO_JOB
    if workflow.permissions is not None and not workflow.permissions.everything:
        scopes = _scopes(workflow.permissions)
        return ADD_JOB_PERMISSIONS.format(scopes=", ".join(filter(None, [
            scopes, "id-token: write"])))
    return ADD_NEW_PERMISSIONS


def _publisher_id_token(publisher: Publisher) -> Iterator[Item]:
    workflow, job = publisher.workflow, publisher.job
    if job.uses is not None:
        return  # a call: the called workflow's job is the publisher
    if not _granted(effective_permissions(workflow, job)) and publisher.token:
        yield Item("id-token", "note", TOKEN_UPLOAD.format(
            job=job.id, file=workflow.file, why=publisher.why, token=publisher.token),
            workflow.path, workflow.file, job.line)
    elif not _granted(effective_permissions(workflow, job)):
        inherited = "" if job.permissions is not None else " (its own or the workflow's)"
        yield _fail("id-token", workflow, job.line, ID_TOKEN_MISSING.format(
            job=job.id, file=workflow.file, why=publisher.why, inherited=inherited,
            fix=_missing_fix(workflow, job)))
    elif job.permissions is not None and job.permissions.everything == "write-all":
        yield _fail("id-token", workflow, job.permissions.line,
                    WRITE_ALL_ON_PUBLISHER.format(job=job.id, file=workflow.file))


def _all_uses(workflow: Workflow) -> Iterator[Value]:
    for job in workflow.jobs:
        if job.uses is not None:
            yield job.uses
        yield from (step.uses for step in job.steps if step.uses is not None)


def _pin_problem(uses: str, file: str) -> str | None:
    if uses.startswith(LOCAL_USES):
        return None
    if uses.startswith("docker://"):
        return None if _DIGEST.search(uses) else DOCKER_UNPINNED.format(uses=uses, file=file)
    ref = _target_and_ref(uses)[1]
    if not ref:
        return NO_REF.format(uses=uses, file=file)
    if _SHA.match(ref):
        return None
    return UNPINNED.format(uses=uses, file=file, target=uses.partition("@")[0], ref=ref)


def check_pins(audit: Audit) -> Iterator[Item]:
    ours = []
    for workflow in audit.workflows:
        for uses in _all_uses(workflow):
            target, ref = _target_and_ref(uses.text)
            if _is_ours(target) and ref and not _SHA.match(ref):
                ours.append(f"{workflow.file}:{uses.line}")
                continue
            problem = _pin_problem(uses.text, workflow.file)
            if problem is not None:
                yield _fail("pinned-actions", workflow, uses.line, problem)
    if ours:
        places = ", ".join(ours[:5]) + (", …" if len(ours) > 5 else "")
        yield Item("pinned-actions", "note",
                   OURS_AT_TAG.format(count=len(ours), ours=OURS, places=places))


def _push(steps: Sequence[Step]) -> tuple[str, int] | None:
    """(how, line) of the first of `steps` that pushes with the checkout's credentials."""
    for step in steps:
        found = PUSH_RUN.search(step.shell)
        if found is not None:
            git, gh_deploy, deployer = found.groups()
            how = "git push" if git else "mkdocs gh-deploy" if gh_deploy else f"{deployer} --push"
            return f"`{how}`", step.line
        if step.uses is not None and _target_and_ref(step.uses.text)[0] in _PUSHING_ACTIONS:
            return f"`{step.uses.text}`", step.line
    return None


def _checkout_items(workflow: Workflow, job: Job, index: int) -> Iterator[Item]:
    step = job.steps[index]
    persist = step.inputs.get("persist-credentials")
    if persist is not None and persist.text.lower() == "false":
        return
    push = _push(job.steps[index + 1:])
    # A token of its own (a PAT or an App's) is given to the checkout for a later git command:
    # tox's release job pushes with it from a script doctor cannot read.
    own_token = "token" in step.inputs
    if persist is not None and persist.text.lower() == "true" and (
            push is not None or own_token
            or _SAYS_PUSH.search(workflow.comments_at(persist.line))):
        return  # a deliberate `true` in a job that pushes
    if persist is None and (push is not None or own_token):
        yield Item("checkout-credentials", "note", PUSHES_WITH_DEFAULT.format(
            job=job.id, file=workflow.file, push=push[0], line=push[1]) if push is not None
            else OWN_TOKEN_WITH_DEFAULT.format(job=job.id, file=workflow.file),
            workflow.path, workflow.file, step.line)
        return
    fix = (MAKE_PERSIST_FALSE.format(line=persist.line) if persist is not None
           else ADD_PERSIST_FALSE)
    yield _fail("checkout-credentials", workflow, step.line,
                PERSISTED_CREDENTIALS.format(job=job.id, file=workflow.file, fix=fix)
                + _fetch_caveat(job.steps[index + 1:]))


def _fetch_caveat(steps: Sequence[Step]) -> str:
    """The fix must not break a later fetch: in a private repository it needs credentials."""
    for step in steps:
        found = _GIT_FETCH.search(step.shell)
        if found is not None:
            return FETCH_CAVEAT.format(command=found.group(1), line=step.line)
    return ""


def is_checkout(step: Step) -> bool:
    return step.uses is not None and _target_and_ref(step.uses.text)[0] == "actions/checkout"


def check_checkout_credentials(audit: Audit) -> Iterator[Item]:
    for workflow in audit.workflows:
        for job in workflow.jobs:
            for index, step in enumerate(job.steps):
                if is_checkout(step):
                    yield from _checkout_items(workflow, job, index)


def _cache_restored(step: Step) -> tuple[str, str] | None:
    """(what restores a cache, the fix) for a step that restores one."""
    if step.uses is None:
        return None
    target, _ = _target_and_ref(step.uses.text)
    if target in _CACHES:
        return f"`{step.uses.text}`", "remove the step from the publishing job"
    cache = step.inputs.get("cache")
    if target == "actions/setup-python" and cache is not None and cache.text:
        return f"setup-python `cache: {cache.text}`", "remove `cache:` from setup-python"
    enable = step.inputs.get("enable-cache")
    if target == "astral-sh/setup-uv" and (enable is None or enable.text.lower() != "false"):
        what = (f"setup-uv `enable-cache: {enable.text}`" if enable is not None else
                "setup-uv without `enable-cache: false`, which caches on GitHub-hosted runners")
        return what, "set `with: enable-cache: false` on setup-uv"
    return None


def _decided_at_run_time(step: Step) -> bool:
    """The step's cache setting is an expression (jsonschema's setup-uv: `enable-cache: ${{
    github.ref_type != 'tag' }}`, off on the tag runs that publish): only the run knows."""
    return any("${{" in step.inputs[name].text for name in ("cache", "enable-cache")
               if name in step.inputs)


def check_publish_cache(audit: Audit) -> Iterator[Item]:
    for publisher in audit.publishers:
        for step in publisher.job.steps:
            restored = _cache_restored(step)
            if restored is None:
                continue
            names = {"job": publisher.job.id, "file": publisher.workflow.file,
                     "what": restored[0], "fix": restored[1]}
            if _decided_at_run_time(step):
                yield Item("publish-cache", "note", CACHE_BY_EXPRESSION.format(**names),
                           publisher.workflow.path, publisher.workflow.file, step.line)
            else:
                yield _fail("publish-cache", publisher.workflow, step.line,
                            CACHE_IN_PUBLISHER.format(**names))


def check_environments(audit: Audit) -> Iterator[Item]:
    channels = [channel.environment for channel in audit.channels if channel.environment]
    for workflow in audit.workflows:
        for job in workflow.jobs:
            if job.environment is None:
                continue
            name, line = job.environment.text, job.environment.line
            if audit.publishes(workflow, job) and name == audit.secrets_environment:
                yield _fail("environment-roles", workflow, line, SECRETS_ENV_PUBLISHES.format(
                    job=job.id, file=workflow.file, environment=name,
                    channels="`, `".join(channels)))
            elif not audit.publishes(workflow, job) and name in channels:
                yield _other_job_in_publishing_env(audit, workflow, job)


def _other_job_in_publishing_env(audit: Audit, workflow: Workflow, job: Job) -> Item:
    """Provider keys (integration-gate's job) or a job that can mint a token in a publishing
    environment fail; any other job may need the environment (an environment-scoped secret,
    an approval gate), so that is a note."""
    assert job.environment is not None
    names = {"job": job.id, "file": workflow.file, "environment": job.environment.text}
    line = job.environment.line
    permissions = effective_permissions(workflow, job)
    if any(_target_and_ref(step.uses.text)[0] == f"{OURS}/integration-gate"
           for step in job.steps if step.uses is not None):
        return _fail("environment-roles", workflow, line, PUBLISHING_ENV_NOT_PUBLISHING.format(
            secrets=audit.secrets_environment, **names))
    if permissions is not None and _granted(permissions):
        # A job that uses its token (attestations, crates.io) keeps it: only the move is offered.
        fix = (MOVE_ENVIRONMENT if oidc_use(job) is not None or job.uses is not None
               else REMOVE_OR_MOVE)
        return _fail("environment-roles", workflow, line, PUBLISHING_ENV_WITH_ID_TOKEN.format(
            grant=_grant(permissions), fix=fix, **names))
    return Item("environment-roles", "note", PUBLISHING_ENV_OTHER_JOB.format(**names),
                workflow.path, workflow.file, line)


def check_reusable(audit: Audit) -> Iterator[Item]:
    for publisher in audit.publishers:
        workflow = publisher.workflow
        if "workflow_call" not in workflow.triggers or publisher.job.uses is not None:
            continue
        names = {"job": publisher.job.id, "file": workflow.file}
        others = sorted(workflow.triggers - {"workflow_call"})
        if publisher.token:  # an API token: Trusted Publishing's limit does not apply
            continue
        if others:  # run on its own triggers, it publishes as itself
            yield Item("reusable-workflow", "note", REUSABLE_ALSO_DIRECT.format(
                triggers=", ".join(f"`{name}`" for name in others), **names),
                workflow.path, workflow.file, publisher.job.line)
        else:
            yield _fail("reusable-workflow", workflow, publisher.job.line,
                        REUSABLE_PUBLISHER.format(**names))


def check_other_publishers(audit: Audit) -> Iterator[Item]:
    channel_files = {channel.workflow for channel in audit.channels}
    for publisher in audit.publishers:
        workflow = publisher.workflow
        if workflow.name not in channel_files and "workflow_call" not in workflow.triggers:
            yield Item("other-publishers", "note", OTHER_PUBLISHER.format(
                job=publisher.job.id, file=workflow.file, why=publisher.why,
                index=publisher.index or "PyPI"),
                workflow.path, workflow.file, publisher.job.line)


CHECKS = (
    ("id-token", check_id_token,
     "`id-token: write` only on the jobs that publish or use OIDC otherwise, and on every "
     "publishing job"),
    ("pinned-actions", check_pins, "every third-party `uses:` pinned to a full commit SHA"),
    ("checkout-credentials", check_checkout_credentials,
     "every actions/checkout has `persist-credentials: false` (or `true` in a job that pushes)"),
    ("publish-cache", check_publish_cache, "no publishing job restores a cache"),
    ("environment-roles", check_environments,
     "provider keys and publishing live in separate environments"),
    ("reusable-workflow", check_reusable, "no publishing job inside a reusable workflow"),
    ("other-publishers", check_other_publishers, ""),
)


def audit_workflows(
    workflows: Sequence[Workflow], secrets_environment: str, channels: Sequence[Channel]
) -> list[Item]:
    """Every check's failures and notes, and one passing item for each check that found none."""
    audit = Audit(workflows, find_publishers(workflows), secrets_environment, channels)
    items: list[Item] = []
    for check, run, passed in CHECKS:
        found = list(run(audit))
        if passed and not any(not item.ok for item in found):
            items.append(Item(check, "pass", passed))
        items += found
    return items


# --- the channels --------------------------------------------------------------------------------


def _channel_job(channel: Channel, publisher: Publisher,
                 publishers: Sequence[Publisher] = ()) -> Item:
    workflow, job = publisher.workflow, publisher.job
    check = f"{channel.name}-workflow"
    names = {"job": job.id, "file": workflow.file, "channel": channel.name,
             "environment": channel.environment, "input": channel.environment_input}
    if job.uses is not None and channel.environment:
        return _calling_job(check, channel, publisher, publishers, names)
    if not channel.environment:
        return _publisher_without_environment(channel, publisher, names)
    if job.environment is None:
        return _fail(check, workflow, job.line, CHANNEL_NO_ENVIRONMENT.format(**names))
    if "${{" in job.environment.text and job.environment.text != channel.environment:
        # Decided at run time (`tag && 'pypi' || 'testpypi'`): only the run can evaluate it.
        named = f"'{channel.environment}'" in job.environment.text.replace('"', "'")
        return Item(check, "note", CHANNEL_ENVIRONMENT_BY_EXPRESSION.format(
            found=job.environment.text, names="names" if named else "does not name",
            **names), workflow.path, workflow.file, job.environment.line)
    if job.environment.text != channel.environment:
        return _fail(check, workflow, job.environment.line, CHANNEL_OTHER_ENVIRONMENT.format(
            found=job.environment.text, **names))
    return Item(check, "pass", f"job `{job.id}` publishes ({publisher.why}) in environment "
                               f"`{channel.environment}`", workflow.path, workflow.file, job.line)


def _calling_job(check: str, channel: Channel, publisher: Publisher,
                 publishers: Sequence[Publisher], names: dict[str, str]) -> Item:
    """A job that publishes by calling a workflow of this repository cannot name an
    environment (GitHub refuses `environment:` beside `uses:`): the called job's counts."""
    workflow, job = publisher.workflow, publisher.job
    assert job.uses is not None
    called = called_workflow(job)
    found = sorted({p.job.environment.text for p in publishers if p.workflow.name == called
                    and p.job.uses is None and p.job.environment is not None})
    if channel.environment in found:
        return Item(check, "pass", f"job `{job.id}` publishes ({publisher.why}) from "
                                   f"environment `{channel.environment}` of the called job",
                    workflow.path, workflow.file, job.line)
    shown = ", ".join(f"`{name}`" for name in found) or "no environment"
    return _fail(check, workflow, job.uses.line, CHANNEL_CALLED_ENVIRONMENT.format(
        uses=job.uses.text, found=shown, **names))


def _publisher_without_environment(channel: Channel, publisher: Publisher,
                                   names: dict[str, str]) -> Item:
    """A publisher that names no environment accepts the job from any environment, or none;
    without one, PyPI trusts every run of the file that can mint a token: a note."""
    workflow, job = publisher.workflow, publisher.job
    check = f"{channel.name}-workflow"
    if job.environment is not None:
        return Item(check, "pass", f"job `{job.id}` publishes ({publisher.why}) in environment "
                                   f"`{job.environment.text}` (the {channel.name} publisher names "
                                   "no environment: PyPI accepts any)",
                    workflow.path, workflow.file, job.line)
    return Item(check, "note", CHANNEL_WITHOUT_ENVIRONMENT.format(why=publisher.why, **names),
                workflow.path, workflow.file, job.line)


def check_channel(workflows: Sequence[Workflow], channel: Channel, folder: str,
                  channels: Sequence[Channel] = ()) -> list[Item]:
    """The channel's workflow file exists and publishes from the channel's environment. When
    another of `channels` shares the file (one workflow publishing both, each job in its own
    environment: one trusted publisher per environment), a job in that channel's environment
    is that channel's."""
    check = f"{channel.name}-workflow"
    workflow = next((w for w in workflows if w.name == channel.workflow), None)
    if workflow is None:
        return [Item(check, "fail", CHANNEL_MISSING.format(
            workflow=channel.workflow, folder=folder, channel=channel.name,
            input=channel.workflow_input))]
    theirs = {other.environment for other in channels if other.workflow == channel.workflow
              and other.environment != channel.environment}
    publishers = [p for p in find_publishers(workflows) if p.workflow is workflow
                  and (p.job.environment is None or p.job.environment.text not in theirs)]
    # A job uploading to another index (attrs' TestPyPI job beside its PyPI one) answers to that
    # index's trusted publisher, in its own environment: not this channel's.
    elsewhere = [p for p in publishers if p.index and not _in_environment(p, channel)]
    items = [Item(check, "note", CHANNEL_OTHER_INDEX.format(
        job=p.job.id, file=workflow.file, index=p.index, channel=channel.name,
        environment=f"environment `{p.job.environment.text}`" if p.job.environment else
        "no environment"), workflow.path, workflow.file, p.job.line) for p in elsewhere]
    publishers = [p for p in publishers if p not in elsewhere]
    if not publishers:
        return [_fail(check, workflow, None, CHANNEL_PUBLISHES_NOTHING.format(
            file=workflow.file, channel=channel.name, input=channel.workflow_input)), *items]
    found = find_publishers(workflows)
    return [_channel_job(channel, publisher, found) for publisher in publishers] + items


def _in_environment(publisher: Publisher, channel: Channel) -> bool:
    environment = publisher.job.environment
    return environment is not None and environment.text == channel.environment


# --- acknowledgements ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Acknowledgement:
    """`# release-actions: allow <rule>[, <rule>] — <reason>` where a finding stands."""

    rules: frozenset[str]
    reason: str
    line: int  # where the comment is written
    target: int  # the line it acknowledges: its own, or the next after a comment-only line


def rule_names(channels: Sequence[Channel]) -> tuple[str, ...]:
    return tuple(check for check, _, _ in CHECKS) + tuple(f"{c.name}-workflow" for c in channels)


def _acknowledgement(workflow: Workflow, line: int, known: Sequence[str]) -> Acknowledgement:
    found = _ACKNOWLEDGEMENT.match(workflow.comment(line))
    assert found is not None
    body = _ACKNOWLEDGED.match(found.group(1))
    where = {"file": workflow.file, "line": line, "rules": ", ".join(known)}
    if body is None or not body.group("reason").strip():
        raise ConfigError(ACKNOWLEDGEMENT_WITHOUT_REASON.format(**where), file=workflow.path,
                          line=line)
    rules = frozenset(name.strip() for name in body.group("rules").split(","))
    unknown = sorted(rules - set(known))
    if unknown:
        raise ConfigError(ACKNOWLEDGEMENT_UNKNOWN_RULE.format(
            unknown=", ".join(f"`{name[:60]}`" for name in unknown), **where),
            file=workflow.path, line=line)
    target = line + 1 if workflow.comment_only(line) else line
    return Acknowledgement(rules, " ".join(body.group("reason").split())[:300], line, target)


def acknowledgements(workflow: Workflow, known: Sequence[str]) -> list[Acknowledgement]:
    """Every acknowledgement in the file; one without a reason or naming no rule is bad input."""
    return [_acknowledgement(workflow, line, known)
            for line in range(1, len(workflow.lines) + 1)
            if _ACKNOWLEDGEMENT.match(workflow.comment(line))]


def _matching(item: Item, candidates: Sequence[Acknowledgement]) -> Acknowledgement | None:
    if item.status not in ("fail", "note"):
        return None
    return next((ack for ack in candidates
                 if ack.target == item.line and item.check in ack.rules), None)


def acknowledge(items: Sequence[Item], workflows: Sequence[Workflow],
                channels: Sequence[Channel]) -> list[Item]:
    """Findings acknowledged where they stand become `acknowledged` (with the reason), never
    dropped; an acknowledgement that matches nothing is a note."""
    known = rule_names(channels)
    found = {workflow.path: acknowledgements(workflow, known) for workflow in workflows}
    used: set[tuple[object, int]] = set()
    result = []
    for item in items:
        match = _matching(item, found.get(item.path, []) if item.path is not None else [])
        if match is None:
            result.append(item)
            continue
        used.add((item.path, match.line))
        result.append(dataclasses.replace(item, status="acknowledged", reason=match.reason))
    for workflow in workflows:
        result += [Item("acknowledgements", "note", ACKNOWLEDGEMENT_UNUSED.format(
            rules=", ".join(sorted(ack.rules)), file=workflow.file, line=ack.line),
            workflow.path, workflow.file, ack.line)
            for ack in found[workflow.path] if (workflow.path, ack.line) not in used]
    return result
