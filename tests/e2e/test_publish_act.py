"""publish as a consumer uses it, run by act in host mode against a real local pypiserver."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from devtools.pypi import PypiServer, write_sample_package

from tests.helpers import CHECKOUT, git, run_act

pytestmark = pytest.mark.e2e

WORKFLOW = """\
name: internal-preview-release
on: workflow_run
permissions: {{}}
jobs:
  publish:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: {checkout}
        with:
          persist-credentials: false
      - id: publish
        uses: benchflow-ai/release-actions/publish@v1
        with:
          channel: preview
          trusted-publishing: never
          repository-url: {upload_url}
          check-url: {simple_url}
          username: ${{{{ secrets.INDEX_USER }}}}
          password: ${{{{ secrets.INDEX_PASSWORD }}}}
          expected-version: 0.7.0.dev42
      - env:
          VERSION: ${{{{ steps.publish.outputs.version }}}}
          SKIPPED: ${{{{ steps.publish.outputs.skipped }}}}
          FILES: ${{{{ steps.publish.outputs.files }}}}
          HASHES: ${{{{ steps.publish.outputs.hashes }}}}
        run: |
          echo "RESULT version=$VERSION skipped=$SKIPPED"
          echo "FILES $(echo "$FILES" | tr '\\n' ' ')"
          cd dist && echo "$HASHES" | sha256sum --check
"""


def test_consumer_workflow_publishes_to_the_index(tmp_path: Path, actions_repo: Path) -> None:
    """Given a consumer repository at 0.7.0.dev42 and a local index, when its workflow runs
    `benchflow-ai/release-actions/publish@v1` on the preview channel, then both files land on the
    index, later steps read the outputs, and the `hashes` output verifies the built files."""
    repo = write_sample_package(tmp_path / "consumer", "act-consumer", "0.7.0.dev42")
    with PypiServer.start(tmp_path / "index") as index:
        (repo / ".github/workflows").mkdir(parents=True)
        (repo / ".github/workflows/preview.yml").write_text(WORKFLOW.format(
            checkout=CHECKOUT, upload_url=index.upload_url, simple_url=index.simple_url))
        git(repo, "init", "-q")
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "init")
        event = tmp_path / "event.json"
        event.write_text(json.dumps({"workflow_run": {
            "conclusion": "success", "head_branch": "main", "run_number": 42, "event": "push"}}))

        run = run_act(repo, "workflow_run", actions_repo=actions_repo, event_payload=event,
                      secrets={"INDEX_USER": index.username, "INDEX_PASSWORD": index.password})
        stored = sorted(index.files())

    assert run.code == 0, run.log
    assert stored == ["act_consumer-0.7.0.dev42-py3-none-any.whl",
                      "act_consumer-0.7.0.dev42.tar.gz"]
    assert "RESULT version=0.7.0.dev42 skipped=false" in run.log
    assert f"FILES {' '.join(stored)}" in run.log
    assert run.log.count(": OK") >= 2  # sha256sum --check of both files
    assert index.password not in run.log
