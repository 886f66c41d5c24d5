"""doctor as a consumer runs it, as a step of its own workflow under act in host mode, with the
environments served by the local GitHub stand-in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from release_actions.rehearsal.github_api import fake_github
from tests.helpers import CHECKOUT, ROOT, git, run_act

pytestmark = pytest.mark.e2e

TOKEN = "ghs_act_doctor_token_3317"
WORKFLOW = f"""\
name: doctor
on: workflow_dispatch
permissions: {{}}
jobs:
  doctor:
    runs-on: ubuntu-latest
    permissions:
      actions: read
      contents: read
    steps:
      - uses: {CHECKOUT}
        with:
          persist-credentials: false
      - id: doctor
        uses: benchflow-ai/release-actions/doctor@v1
        with:
          repository: octo/sample
      - env:
          FAILED: ${{{{ steps.doctor.outputs.failed }}}}
          REPORT: ${{{{ steps.doctor.outputs.report }}}}
        run: |
          echo "RESULT failed=$FAILED"
          python3 -c 'import json, os; print("CHECKS", len(json.loads(os.environ["REPORT"])))'
"""


def test_the_composite_action_checks_the_consumer(tmp_path: Path, actions_repo: Path) -> None:
    """Given a consumer with the example workflows plus this doctor workflow, and its three
    environments on the stand-in, when the job runs, then doctor passes, a later step reads
    both outputs, and the job's token reached the API and never the log."""
    repo = tmp_path / "consumer"
    shutil.copytree(ROOT / "examples" / "workflows", repo / ".github" / "workflows")
    (repo / ".github" / "workflows" / "doctor.yml").write_text(WORKFLOW)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")

    with fake_github() as github:
        for name in ("pypi-internal-preview", "pypi-public", "integration-eval-secrets"):
            github.add_environment(name)
        run = run_act(repo, "workflow_dispatch", actions_repo=actions_repo,
                      workflow=".github/workflows/doctor.yml",
                      env={"GITHUB_API_URL": github.url}, secrets={"GITHUB_TOKEN": TOKEN})

    assert run.code == 0, run.log
    assert "RESULT failed=0" in run.log
    checks = next(line for line in run.log.splitlines() if "CHECKS " in line)
    assert int(checks.rsplit(" ", 1)[1]) >= 12
    assert "Workflow name:     public-release.yml" in run.log
    assert "GET /repos/octo/sample/environments/pypi-public" in github.requests
    assert set(github.authorizations) == {f"token {TOKEN}"}
    assert TOKEN not in run.log
