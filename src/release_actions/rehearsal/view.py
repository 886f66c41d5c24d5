"""The workflow file act reads in a rehearsal: the user's, with what GitHub gives a job by its
`permissions:` made explicit, because act ignores them. A job that may write `id-token` gets
the OIDC request variables in its `env:`; any other job does not, as on GitHub."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from release_actions.workflows import LOADER, Permissions, Workflow


def may_request_token(workflow: Workflow, job_id: str) -> bool:
    """Job-level permissions replace the workflow's; without either GitHub's default gives no
    id-token."""
    job = next(job for job in workflow.jobs if job.id == job_id)
    permissions: Permissions | None = job.permissions or workflow.permissions
    return permissions is not None and permissions.grants_id_token


def write_view(workflow: Workflow, target: Path, oidc: Mapping[str, str]) -> Path:
    """`target`: the workflow with `oidc` (the request URL and token) in the env of every job
    that may request a token."""
    top: dict[Any, Any] = yaml.load(workflow.path.read_text(encoding="utf-8"), Loader=LOADER)
    if True in top:  # YAML 1.1 reads the key `on` as true
        top["on"] = top.pop(True)
    for job_id, job in (top.get("jobs") or {}).items():
        if isinstance(job, dict) and may_request_token(workflow, str(job_id)):
            job["env"] = {**(job.get("env") or {}), **oidc}
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(top, sort_keys=False, width=1000))
    return target
