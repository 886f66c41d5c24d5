"""integration-gate as a consumer job uses it, run by act in host mode against local providers."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_actions.rehearsal.providers import fake_providers
from tests.helpers import git, run_act

pytestmark = pytest.mark.e2e

# The stand-ins' base URLs are filled in as job `env:`, the keys come in as secrets.
WORKFLOW = """\
name: integration-eval
on: push
permissions:
  contents: read
  models: read
jobs:
  eval:
    runs-on: ubuntu-latest
    env:
      DEEPSEEK_API_KEY: ${{ secrets.DEEPSEEK_API_KEY }}
      DEEPSEEK_BASE_URL: {deepseek}
      GLM_API_KEY: ${{ secrets.GLM_API_KEY }}
      GLM_BASE_URL: {glm}
      DAYTONA_API_KEY: ${{ secrets.DAYTONA_API_KEY }}
    steps:
      - id: gate
        uses: benchflow-ai/release-actions/integration-gate@v1
        with:
          timeout: "10"
      - name: Smoke rollout and judge with the chosen provider
        env:
          PROVIDER: ${{ steps.gate.outputs.provider }}
          ROLLOUT_MODEL: ${{ steps.gate.outputs.rollout-model }}
          JUDGE_MODEL: ${{ steps.gate.outputs.judge-model }}
          KEY_ENV: ${{ steps.gate.outputs.api-key-env }}
          DAYTONA: ${{ steps.gate.outputs.daytona }}
        run: |
          echo "RESULT provider=$PROVIDER rollout=$ROLLOUT_MODEL judge=$JUDGE_MODEL"
          echo "RESULT key-env=$KEY_ENV daytona=$DAYTONA"
          echo "EXPORTED provider=$LLM_PROVIDER model=$LLM_MODEL base=$OPENAI_BASE_URL"
          if [ "$OPENAI_API_KEY" = "${!KEY_ENV}" ]; then echo "EXPORTED key matches $KEY_ENV"; fi
"""
SECRETS = {"DEEPSEEK_API_KEY": "canary-act-deepseek-51c2", "GLM_API_KEY": "canary-act-glm-9e04"}


def test_consumer_job_reads_the_choice_and_the_exports(tmp_path: Path, actions_repo: Path) -> None:
    """Given deepseek refusing the key and glm answering, when a consumer job runs the gate,
    then later steps read glm from the outputs and from the exported env, deepseek was probed,
    glm got its own key, and no key shows in the log."""
    repo = tmp_path / "consumer"
    (repo / ".github/workflows").mkdir(parents=True)
    with fake_providers("401", "ok") as (refusing, live):
        workflow = WORKFLOW.replace("{deepseek}", refusing.base_url)
        (repo / ".github/workflows/integration-eval.yml").write_text(
            workflow.replace("{glm}", live.base_url)
        )
        git(repo, "init", "-q")
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "init")
        run = run_act(repo, "push", actions_repo=actions_repo, secrets=SECRETS)

    assert run.code == 0, run.log
    assert "RESULT provider=glm rollout=glm/glm-5.1 judge=openai/glm-5.1" in run.log
    assert "RESULT key-env=GLM_API_KEY daytona=false" in run.log
    assert f"EXPORTED provider=glm model=glm-5.1 base={live.base_url}" in run.log
    assert "EXPORTED key matches GLM_API_KEY" in run.log
    assert [r.authorization for r in refusing.received] == [f"Bearer {SECRETS['DEEPSEEK_API_KEY']}"]
    assert [r.authorization for r in live.received] == [f"Bearer {SECRETS['GLM_API_KEY']}"]
    assert "deepseek: unauthorized (HTTP 401)" in run.log
    for key in SECRETS.values():
        assert key not in run.log
