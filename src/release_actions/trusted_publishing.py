"""Trusted Publishing (OIDC) as PyPI and GitHub Actions implement it: a preflight that catches
the configurations that can never get a token, and a translation of `uv publish` failures into
what to change, with the identity (OIDC claims) this job actually presented.

`uv publish` does the exchange itself; this module only explains."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from release_actions.answers import Malformed, json_field, parse_json, reading
from release_actions.errors import CheckFailed, ConfigError, ReleaseActionsError
from release_actions.gha import Console

if TYPE_CHECKING:
    from release_actions.deadline import Deadline

DOCS = "https://docs.pypi.org/trusted-publishers/troubleshooting/"
# Reading the claims only explains a failed upload: never worth a long wait.
CLAIMS_DEADLINE = 30.0
DEFAULT_AUDIENCE = "pypi"
MINT_REQUEST_SECONDS = 10.0
MAX_OIDC_ANSWER_BYTES = 64 << 10  # an OIDC token answer is a few KiB

ID_TOKEN_MISSING = (
    "Trusted Publishing needs an OIDC token, but this job cannot request one "
    "(ACTIONS_ID_TOKEN_REQUEST_URL is not set). Add `permissions: id-token: write` at the job "
    "level of the publishing job{workflow}; job-level permissions replace the workflow's, so "
    "list `contents: read` (or `write` for a GitHub Release) there too. Or upload with a token: "
    "`trusted-publishing: never` plus `password: ${{{{ secrets.PYPI_TOKEN }}}}`."
)
FORK_PULL_REQUEST = (
    "This job runs for a pull request from the fork {head}; GitHub gives workflows triggered "
    "by fork pull requests no OIDC token (and no secrets), so Trusted Publishing cannot work "
    "here. Publish from `push`, tag or `workflow_run` events, or skip the step for forks with "
    "`if: github.event.pull_request.head.repo.full_name == github.repository`."
)
# Where PyPI's trusted-publisher form is, as the README and doctor say it.
PUBLISHER_FORM_PLACE = (
    "PyPI → Your projects → the project → Manage → Publishing → Add a new publisher → GitHub "
    "(before its first upload: Your account → Publishing → Add a new pending publisher)"
)
INVALID_PUBLISHER = (
    "{index} refused this job's Trusted Publishing token (invalid-publisher): no trusted "
    "publisher of the project matches it. The publisher form (PyPI → Your projects → the "
    "project → Manage → Publishing) must hold exactly: Owner `{owner}`, Repository name "
    "`{repository}`, "
    "Workflow name `{workflow}`, Environment name `{environment}`. {claims}See {docs}"
)
REUSABLE_WORKFLOW = (
    "{index} refused this job's Trusted Publishing token: the upload runs inside the reusable "
    "workflow `{job_workflow}`, called from `{workflow}`, and PyPI does not support Trusted "
    "Publishing from reusable workflows. Move the publish step into a job of the top-level "
    "workflow `{workflow_file}` and register that file as the publisher. {claims}See {docs}"
)
NO_CREDENTIALS = (
    "`uv publish` has no credentials for {url}: Trusted Publishing was not used and no "
    "`username`/`password` were given. On GitHub Actions keep `trusted-publishing: automatic` "
    "and add `permissions: id-token: write` to the job; elsewhere pass `password` (an API token)."
)
FILE_DIFFERS = (
    "The index already holds a file with this name but different contents ({detail}). Files on "
    "an index are immutable, so a rebuild of the same version cannot replace it. Publish a new "
    "version (a preview: a new run number; a public release: a new tag); re-running the same "
    "build is safe because reproducible builds give identical files."
)
ALREADY_UPLOADED = (
    "The index already holds a file of this upload ({detail}) and `check-url` is {check}, so "
    "uv could not skip it. Set `check-url` to the index's simple API (e.g. "
    "https://pypi.org/simple/) so re-runs skip the files already uploaded."
)
UPLOAD_REFUSED = (
    "The index refused the upload ({detail}). Check `repository-url` and the credentials: an "
    "API token goes in `password` (username `__token__`), or use Trusted Publishing."
)
UPLOAD_FAILED = (
    "`uv publish` failed with exit code {code}: {detail}. See the `uv publish` log above."
)

_ERROR_LINE = re.compile(r"^\s*(error|cause):\s*(.+)$", re.MULTILINE)


@dataclass(frozen=True)
class Job:
    """What the runner tells about this job: enough to name the publisher PyPI expects."""

    actions: bool
    repository: str
    workflow_ref: str
    event_name: str
    event: Mapping[str, Any]
    id_token_url: str
    id_token_request_token: str

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Job:
        return cls(
            actions=environ.get("GITHUB_ACTIONS") == "true",
            repository=environ.get("GITHUB_REPOSITORY", ""),
            workflow_ref=environ.get("GITHUB_WORKFLOW_REF", ""),
            event_name=environ.get("GITHUB_EVENT_NAME", ""),
            event=_read_event(environ.get("GITHUB_EVENT_PATH", "")),
            id_token_url=environ.get("ACTIONS_ID_TOKEN_REQUEST_URL", ""),
            id_token_request_token=environ.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN", ""),
        )

    @property
    def workflow_file(self) -> str:
        return workflow_file(self.workflow_ref)


def _read_event(path: str) -> Mapping[str, Any]:
    if not path:
        return {}
    try:
        with open(path, "rb") as handle:
            event = parse_json(handle.read(), path)
    except (OSError, Malformed):
        return {}
    return event if isinstance(event, dict) else {}


def workflow_file(workflow_ref: str) -> str:
    """`owner/repo/.github/workflows/release.yml@refs/tags/v1` → `release.yml`."""
    path = workflow_ref.split("@", 1)[0]
    return path.rsplit("/", 1)[-1] if path else ""


def fork_head(job: Job) -> str | None:
    """The fork's `owner/repo` when this run is for a pull request from a fork."""
    pull_request = job.event.get("pull_request")
    if not job.event_name.startswith("pull_request") or not isinstance(pull_request, dict):
        return None
    head = (pull_request.get("head") or {}).get("repo") or {}
    base = (pull_request.get("base") or {}).get("repo") or {}
    head_name, base_name = head.get("full_name"), base.get("full_name")
    if head.get("fork") or (head_name and base_name and head_name != base_name):
        return str(head_name or "a fork")
    return None


def will_use_trusted_publishing(job: Job, mode: str, *, has_password: bool) -> bool:
    """uv's rule: `always`, or `automatic` on GitHub Actions when no credentials are given."""
    return mode == "always" or (mode == "automatic" and job.actions and not has_password)


def preflight(job: Job, mode: str, *, has_password: bool) -> ConfigError | None:
    """Why Trusted Publishing cannot work in this job, checked before anything is uploaded."""
    if not job.actions or not will_use_trusted_publishing(job, mode, has_password=has_password):
        return None
    head = fork_head(job)
    if head:
        return ConfigError(FORK_PULL_REQUEST.format(head=head))
    if not job.id_token_url or not job.id_token_request_token:
        where = f" (in {job.workflow_file})" if job.workflow_file else ""
        return ConfigError(ID_TOKEN_MISSING.format(workflow=where))
    return None


# --- after a failed upload ---------------------------------------------------------------------


def decode_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, unverified: only to show which identity was presented."""
    try:
        with reading("the OIDC token"):
            payload = token.split(".")[1]
            claims = parse_json(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)),
                                "the OIDC token")
    except Malformed:
        return {}
    return claims if isinstance(claims, dict) else {}


def fetch_claims(job: Job, publish_url: str, console: Console, *,
                 deadline: float = CLAIMS_DEADLINE) -> dict[str, Any]:
    """The claims of an OIDC token minted for the index's audience, or {} when unavailable.

    The token itself is a credential: masked at once, never printed."""
    if not job.id_token_url or not job.id_token_request_token:
        return {}
    from release_actions.deadline import Deadline, DeadlineExceeded

    step = Deadline.after(deadline)
    try:
        token = step.run(lambda: _mint_token(job, publish_url, step))
    except DeadlineExceeded:
        return {}
    if not token:
        return {}
    console.mask(token)
    return decode_claims(token)


def _mint_token(job: Job, publish_url: str, step: Deadline) -> str:
    """An OIDC token for the index's audience, asked of the runner; empty when refused."""
    from requests import RequestException

    from release_actions import http

    audience = DEFAULT_AUDIENCE
    parts = urlsplit(publish_url)
    where = f"{parts.scheme}://{parts.netloc}/_/oidc/audience"
    try:
        reply, body = http.get(where, step.sooner(MINT_REQUEST_SECONDS), retries=1,
                               max_bytes=MAX_OIDC_ANSWER_BYTES)
        if reply.ok:
            audience = str(json_field(body, "audience", where) or DEFAULT_AUDIENCE)
    except (RequestException, Malformed):
        pass  # the index's audience endpoint is optional: PyPI's default then
    try:
        reply, body = http.get(
            job.id_token_url, step.sooner(MINT_REQUEST_SECONDS), retries=1,
            max_bytes=MAX_OIDC_ANSWER_BYTES, params={"audience": audience},
            headers={"Authorization": f"bearer {job.id_token_request_token}"},
        )
        return str(json_field(body, "value", job.id_token_url) or "") if reply.ok else ""
    except (RequestException, Malformed):
        return ""


def _claims_text(claims: Mapping[str, Any]) -> str:
    shown = ("sub", "repository", "repository_owner", "workflow_ref", "job_workflow_ref",
             "environment", "ref")
    pairs = ", ".join(f"{key}={claims[key]}" for key in shown if claims.get(key))
    return f"The token's claims: {pairs}. " if pairs else ""


def _index_name(publish_url: str) -> str:
    return urlsplit(publish_url).netloc or publish_url


def _failure_detail(output: str) -> str:
    """uv's own `error:`/`cause:` lines, joined; the HTML of an error page left out."""
    lines = [match.group(2).strip() for match in _ERROR_LINE.finditer(output)]
    return " — ".join(dict.fromkeys(lines))[:600] or "no error message"


def explain_upload_failure(
    output: str, code: int, *, job: Job, publish_url: str, claims: Mapping[str, Any],
    check_url: str = "",
) -> ReleaseActionsError:
    """The one error to show for a failed `uv publish`, from its output."""
    index = _index_name(publish_url)
    if "invalid-publisher" in output:
        workflow_ref = str(claims.get("workflow_ref") or job.workflow_ref)
        job_workflow_ref = str(claims.get("job_workflow_ref") or workflow_ref)
        claims_text = _claims_text(claims)
        if job_workflow_ref.split("@")[0] != workflow_ref.split("@")[0]:
            return ConfigError(REUSABLE_WORKFLOW.format(
                index=index, job_workflow=job_workflow_ref, workflow=workflow_ref,
                workflow_file=workflow_file(workflow_ref), claims=claims_text, docs=DOCS))
        repository = str(claims.get("repository") or job.repository or "<owner>/<repository>")
        owner, _, name = repository.partition("/")
        environment = str(claims.get("environment") or "")
        return ConfigError(INVALID_PUBLISHER.format(
            index=index, owner=owner, repository=name,
            workflow=workflow_file(workflow_ref) or "<the workflow file>",
            environment=environment or "(empty: this job has no `environment:`)",
            claims=claims_text, docs=DOCS))
    if "id-token: write" in output or "ACTIONS_ID_TOKEN_REQUEST" in output:
        where = f" (in {job.workflow_file})" if job.workflow_file else ""
        return ConfigError(ID_TOKEN_MISSING.format(workflow=where))
    if "Missing credentials" in output:
        return ConfigError(NO_CREDENTIALS.format(url=publish_url))
    # uv may wrap its message, so the file's name can stand on the next line.
    differs = re.search(r"Local file and index file do not match for\s+(\S.*)", output)
    if differs:
        return CheckFailed(FILE_DIFFERS.format(detail=differs.group(1).strip()))
    exists = re.search(r"status code (400|409).{0,2000}?already exists", output, re.S)
    if exists:
        return CheckFailed(ALREADY_UPLOADED.format(
            detail=exists.group(0).splitlines()[0].strip(),
            check=f"`{check_url}`" if check_url else "empty"))
    refused = re.search(r"status code (401|403)[^.\n]*", output)
    if refused:
        return CheckFailed(UPLOAD_REFUSED.format(detail=refused.group(0)))
    return CheckFailed(UPLOAD_FAILED.format(code=code, detail=_failure_detail(output)))
