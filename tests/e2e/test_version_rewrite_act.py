"""version-rewrite as a consumer uses it, run by act in host mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import CHECKOUT, run_act
from tests.quiet_git import git

pytestmark = pytest.mark.e2e

WORKFLOW = f"""\
name: preview
on: workflow_run
permissions: {{}}
jobs:
  rewrite:
    runs-on: ubuntu-latest
    steps:
      - uses: {CHECKOUT}
        with:
          persist-credentials: false
      - id: probe
        uses: benchflow-ai/release-actions/version-rewrite@v1
        with:
          dry-run: true
      - id: rewrite
        uses: benchflow-ai/release-actions/version-rewrite@v1
        with:
          extra-files: src/demo/__init__.py
      - env:
          VERSION: ${{{{ steps.rewrite.outputs.version }}}}
          PREVIOUS: ${{{{ steps.rewrite.outputs.previous-version }}}}
          PUBLISH: ${{{{ steps.rewrite.outputs.publish }}}}
          PROBED: ${{{{ steps.probe.outputs.version }}}}
        run: |
          echo "RESULT version=$VERSION previous=$PREVIOUS publish=$PUBLISH probed=$PROBED"
          echo "FILE $(grep '^version' pyproject.toml) $(cat src/demo/__init__.py)"
"""


def test_consumer_workflow_reads_the_outputs(tmp_path: Path, actions_repo: Path) -> None:
    """Given a consumer repository at 0.3.0.dev0 and a workflow_run event of tested run 321,
    when the job runs version-rewrite twice, then the later step sees 0.3.0.dev321, the files in
    the checkout carry it, and the second action reuses the first one's environment."""
    repo = tmp_path / "consumer"
    (repo / ".github/workflows").mkdir(parents=True)
    (repo / "src/demo").mkdir(parents=True)
    (repo / ".github/workflows/preview.yml").write_text(WORKFLOW)
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0.3.0.dev0"\n'
    )
    (repo / "src/demo/__init__.py").write_text('__version__ = "0.3.0.dev0"\n')
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"workflow_run": {
        "conclusion": "success", "head_branch": "main", "run_number": 321, "event": "push",
    }}))

    run = run_act(repo, "workflow_run", actions_repo=actions_repo, event_payload=event)

    assert run.code == 0, run.log
    assert "RESULT version=0.3.0.dev321 previous=0.3.0.dev0 publish=true probed=0.3.0.dev321" \
        in run.log
    assert 'FILE version = "0.3.0.dev321" __version__ = "0.3.0.dev321"' in run.log
    assert run.log.count("release-actions: creating the environment") == 1
    assert run.log.count("release-actions: reusing the environment") == 1
    # act copied the repository; the consumer's own files are untouched.
    assert 'version = "0.3.0.dev0"' in (repo / "pyproject.toml").read_text()
