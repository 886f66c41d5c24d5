"""What a job's GITHUB_TOKEN may do, as GitHub computes it: the job's `permissions:`, else the
workflow's, else the repository's default. The default is GitHub's restricted one, which new
repositories have had since February 2023 (`contents: read`, `packages: read`); `metadata:
read` is always granted. Naming any scope leaves every scope not named at none."""

from __future__ import annotations

from release_actions.workflows import Permissions, Workflow

RESTRICTED_DEFAULT: dict[str, str] = {"contents": "read", "packages": "read"}
SCOPES = ("actions", "attestations", "checks", "contents", "deployments", "discussions",
          "id-token", "issues", "models", "packages", "pages", "pull-requests",
          "repository-projects", "security-events", "statuses")
LEVELS = {"none": 0, "read": 1, "write": 2}


def granted(permissions: Permissions | None) -> dict[str, str]:
    """scope → read/write for one `permissions:` block (None: the repository default)."""
    if permissions is None:
        return dict(RESTRICTED_DEFAULT)
    if permissions.everything in ("read-all", "write-all"):
        level = permissions.everything.removesuffix("-all")
        # id-token has no read level: read-all leaves it out, write-all grants it.
        return {scope: level for scope in SCOPES if scope != "id-token" or level == "write"}
    return {scope: value.text for scope, value in permissions.scopes.items()
            if value.text in ("read", "write")}


def job_permissions(workflow: Workflow, job_id: str) -> dict[str, str]:
    """Job-level permissions replace the workflow's entirely."""
    job = next(job for job in workflow.jobs if job.id == job_id)
    return granted(job.permissions if job.permissions is not None else workflow.permissions)


def allows(scopes: dict[str, str], scope: str, level: str) -> bool:
    if scope == "metadata":
        return True
    return LEVELS.get(scopes.get(scope, "none"), 0) >= LEVELS[level]
