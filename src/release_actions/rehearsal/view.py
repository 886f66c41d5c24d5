"""The workflow file act reads in a rehearsal: the user's, with what GitHub gives a job by its
`permissions:` made explicit, because act ignores them. A job that may write `id-token` gets
its own OIDC request variables in its `env:` (its tokens carry its claims); any other job does
not, as on GitHub. Every job gets the variables the runner sets and act does not
(GITHUB_WORKFLOW_REF, GITHUB_WORKFLOW_SHA). Each job gets
its own GITHUB_TOKEN (a secret of its own, in place of `secrets.GITHUB_TOKEN` and
`github.token`, and as our actions' `github-token` and the checkout's `token` default), which
the API stand-in and the git server know by the job's permissions."""

from __future__ import annotations

import re
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


OURS = "benchflow-ai/release-actions"
_TOKEN = re.compile(r"\bsecrets\.GITHUB_TOKEN\b|\bgithub\.token\b")
# Third-party actions whose token input defaults to `github.token` → that input's name.
_TOKEN_INPUTS = {"actions/checkout": "token"}


def _with_token(node: Any, secret: str) -> Any:
    """`node` with every GITHUB_TOKEN expression naming `secret` instead."""
    if isinstance(node, str):
        return _TOKEN.sub(f"secrets.{secret}", node)
    if isinstance(node, list):
        return [_with_token(item, secret) for item in node]
    if isinstance(node, dict):
        return {key: _with_token(value, secret) for key, value in node.items()}
    return node


def _job_token(job: dict[Any, Any], secret: str) -> dict[Any, Any]:
    """The job reading its token from `secret`, our actions and the checkout included (their
    `github-token` and `token` default to `github.token`, which act gives every job alike)."""
    job = _with_token(job, secret)
    for step in job.get("steps") or []:
        uses = str(step.get("uses", "")) if isinstance(step, dict) else ""
        name = _TOKEN_INPUTS.get(uses.split("@")[0].lower()) or (
            "github-token" if uses.startswith(OURS) else "")
        if name:
            step["with"] = {name: f"${{{{ secrets.{secret} }}}}", **(step.get("with") or {})}
    return job


def _local(uses: Any) -> Any:
    """GitHub's `$/path[@ref]` (this repository, at the run's commit) as act reads it: the
    copy's `./path`."""
    if isinstance(uses, str) and uses.startswith("$/"):
        return "./" + uses[2:].split("@")[0]
    return uses


def _same_repository(job: dict[Any, Any]) -> None:
    if "uses" in job:
        job["uses"] = _local(job["uses"])
    for step in job.get("steps") or []:
        if isinstance(step, dict) and "uses" in step:
            step["uses"] = _local(step["uses"])


def write_view(workflow: Workflow, target: Path, oidc: Mapping[str, Mapping[str, str]],
               tokens: Mapping[str, str] | None = None,
               runner: Mapping[str, str] | None = None) -> Path:
    """`target`: the workflow with `oidc[job id]` (the request URL and token) in the env of
    every job that may request a token, `runner` in every job's env, and each job of `tokens`
    (job id → secret name) reading its GITHUB_TOKEN from that secret."""
    top: dict[Any, Any] = yaml.load(workflow.path.read_text(encoding="utf-8"), Loader=LOADER)
    if True in top:  # YAML 1.1 reads the key `on` as true
        top["on"] = top.pop(True)
    for job_id, job in (top.get("jobs") or {}).items():
        if isinstance(job, dict):
            job.pop("name", None)  # act labels its log with the name; the report reads job ids
            _same_repository(job)
        if isinstance(job, dict) and runner:
            job["env"] = {**(job.get("env") or {}), **runner}
        if isinstance(job, dict) and may_request_token(workflow, str(job_id)):
            job["env"] = {**(job.get("env") or {}), **oidc.get(str(job_id), {})}
        if isinstance(job, dict) and str(job_id) in (tokens or {}):
            top["jobs"][job_id] = _job_token(job, (tokens or {})[str(job_id)])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(top, sort_keys=False, width=1000))
    return target
