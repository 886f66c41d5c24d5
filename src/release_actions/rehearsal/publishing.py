"""What a rehearsal needs to publish as on GitHub and PyPI: the trusted publishers the index
stand-in has, each job's OIDC identity, which secrets stay empty, and the provenance of what
landed on the index.

- Trusted publishers: by default one per job that publishes (the repository, the workflow file,
  the job's environment), as a user registers them on PyPI; `--trusted-publisher` states them
  instead.
- Each job that may request an OIDC token gets a URL of its own: its tokens carry its claims
  (repository, workflow ref, ref, sha, environment, run id).
- A secret that only feeds the `password` input of a publish step is empty, as it is in a
  repository that uses Trusted Publishing: its canary would make publish upload with a password.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from release_actions.errors import ConfigError
from release_actions.rehearsal.discovery import FOLDER
from release_actions.rehearsal.tp_index import AttestingIndex, TrustedPublisher
from release_actions.sigstore_standins import WorkflowIdentity
from release_actions.workflows import Job, Workflow

if TYPE_CHECKING:
    from sigstore.models import ClientTrustConfig

# The actions whose `password` input is the upload credential Trusted Publishing replaces.
PUBLISH_ACTIONS = ("benchflow-ai/release-actions/publish", "pypa/gh-action-pypi-publish")
SECRET = re.compile(r"secrets\.([A-Za-z_][A-Za-z0-9_]*)")
BAD_PUBLISHER = (
    "--trusted-publisher {value!r} is not [OWNER/REPOSITORY:]WORKFLOW.yml[:ENVIRONMENT]: give "
    "what your publisher on PyPI holds, e.g. `release.yml:pypi` or "
    "`octo/lib:release.yml` (the repository defaults to this one's)."
)


def publishes(job: Job) -> bool:
    return any(step.uses is not None
               and step.uses.text.split("@")[0] in PUBLISH_ACTIONS for step in job.steps)


def _environment(job: Job) -> str:
    """The job's environment by name; one an expression chooses is unknown before the run."""
    text = job.environment.text if job.environment else ""
    return "" if "${{" in text else text


def default_publishers(workflows: Iterable[Workflow], repository: str,
                       ) -> tuple[TrustedPublisher, ...]:
    """One publisher per publishing job, as PyPI's form would hold it for that job."""
    found = {TrustedPublisher(repository, workflow.name, _environment(job))
             for workflow in workflows for job in workflow.jobs if publishes(job)}
    return tuple(sorted(found, key=lambda p: (p.workflow, p.environment)))


def parse_publisher(value: str, repository: str) -> TrustedPublisher:
    """`[OWNER/REPOSITORY:]WORKFLOW.yml[:ENVIRONMENT]` (ConfigError when it is not)."""
    parts = value.split(":")
    if parts and "/" in parts[0]:
        repository, *parts = parts
    if not 1 <= len(parts) <= 2 or not re.fullmatch(r"[\w.-]+\.ya?ml", parts[0]) \
            or repository.count("/") != 1:
        raise ConfigError(BAD_PUBLISHER.format(value=value))
    return TrustedPublisher(repository, parts[0], parts[1] if len(parts) == 2 else "")


def password_only_secrets(workflows: Iterable[Workflow]) -> set[str]:
    """The secrets every mention of which is a publish step's `password` input."""
    everywhere: dict[str, int] = {}
    in_password: dict[str, int] = {}
    for workflow in workflows:
        for name in SECRET.findall(workflow.path.read_text(encoding="utf-8")):
            everywhere[name] = everywhere.get(name, 0) + 1
        for job in workflow.jobs:
            for step in job.steps:
                password = step.inputs.get("password")
                if password is not None and step.uses is not None \
                        and step.uses.text.split("@")[0] in PUBLISH_ACTIONS:
                    for name in SECRET.findall(password.text):
                        in_password[name] = in_password.get(name, 0) + 1
    return {name for name, count in in_password.items() if everywhere.get(name) == count}


def job_identity(workflow: Workflow, job: Job, repository: str, event: str,
                 payload: Mapping[str, Any], run_id: int, number: int,
                 head: str) -> WorkflowIdentity:
    """Who GitHub's token says the job is: a push runs at the pushed ref and commit, a
    published release at its tag, a workflow_run at the default branch's head."""
    ref = "refs/heads/main"
    if event == "push":
        ref = str(payload.get("ref") or ref)
    elif event == "release":
        ref = f"refs/tags/{payload['release']['tag_name']}"
    return WorkflowIdentity(
        repository=repository, workflow=f"{FOLDER}/{workflow.name}", ref=ref, sha=head,
        environment=_environment(job), run_id=str(run_id), run_number=str(number),
        event_name=event)


def provenance(index: AttestingIndex, trust_config: Path) -> dict[str, str]:
    """Per file on the index: `verified` when its attestations verify (Sigstore's verifier,
    the local trusted root `trust_config`) for the workflow that uploaded it and name its bytes,
    `refused` when one does not, `none` without attestations. Sigstore is loaded only for a
    file that has some (a preview rehearsal uploads none)."""
    from packaging.version import Version

    from release_actions.attestations import Signing, trust_of, verify
    from release_actions.distributions import Distribution
    from release_actions.errors import CheckFailed

    found = {}
    trust: ClientTrustConfig | None = None
    for filename, content in index.files.items():
        attested = index.attestations.get(filename)
        if not attested:
            found[filename] = "none"
            continue
        claims = index.uploaded_by[filename]
        dist = Distribution(Path(filename), "", Version("0"),
                            hashlib.sha256(content).hexdigest())
        signing = Signing(trust_config, 30.0, str(claims["repository"]),
                          str(claims["job_workflow_ref"]))
        trust = trust or trust_of(signing)
        try:
            for attestation in attested:
                verify(json.dumps(attestation).encode(), dist, signing, trust)
            found[filename] = "verified"
        except CheckFailed:
            found[filename] = "refused"
    return found
