"""tag-guard as a consumer runs it: a tag push drives a workflow under act (host mode) that checks
out the repository and runs `benchflow-ai/release-actions/tag-guard@v1`; a later step reads the
outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import CHECKOUT, run_act
from tests.quiet_git import git

WORKFLOW = f"""name: public-release
on:
  push:
    tags: ['v*']
permissions: {{}}
jobs:
  release:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: {CHECKOUT}
        with:
          persist-credentials: false
      - id: guard
        uses: benchflow-ai/release-actions/tag-guard@v1
        with:
          index-url: ''
      - name: Show what the guard decided
        env:
          VERSION: ${{{{ steps.guard.outputs.version }}}}
          SHA: ${{{{ steps.guard.outputs.sha }}}}
          PRERELEASE: ${{{{ steps.guard.outputs.is-prerelease }}}}
        run: echo "guarded version=$VERSION sha=$SHA prerelease=$PRERELEASE"
"""

PYPROJECT = '[project]\nname = "mypkg"\nversion = "{version}"\n'


def consumer_repository(tmp_path: Path, *, on_main: bool) -> tuple[Path, str]:
    """A consumer with a bare origin, the release workflow and tag v1.2.3 pushed, its commit on
    main or only on a feature branch; the checkout is at the tag, as on a tag push."""
    origin, consumer = tmp_path / "origin.git", tmp_path / "consumer"
    git(tmp_path, "init", "--quiet", "--bare", str(origin))
    consumer.mkdir()
    git(consumer, "init", "--quiet")
    (consumer / ".github" / "workflows").mkdir(parents=True)
    (consumer / ".github" / "workflows" / "public-release.yml").write_text(WORKFLOW)
    (consumer / "pyproject.toml").write_text(PYPROJECT.format(version="1.2.2"))
    git(consumer, "add", "-A")
    git(consumer, "commit", "--quiet", "-m", "1.2.2")
    # act copies the checkout elsewhere: origin must be an absolute URL to stay reachable.
    git(consumer, "remote", "add", "origin", origin.as_uri())
    git(consumer, "push", "--quiet", "origin", "HEAD:refs/heads/main")
    if not on_main:
        git(consumer, "checkout", "--quiet", "-b", "feature")
    (consumer / "pyproject.toml").write_text(PYPROJECT.format(version="1.2.3"))
    git(consumer, "commit", "--quiet", "-am", "Release 1.2.3")
    git(consumer, "push", "--quiet", "origin", "HEAD")
    git(consumer, "tag", "-a", "-m", "1.2.3", "v1.2.3")
    git(consumer, "push", "--quiet", "origin", "refs/tags/v1.2.3")
    return consumer, git(consumer, "rev-parse", "HEAD")


@pytest.mark.e2e
@pytest.mark.parametrize("on_main", [pytest.param(True, id="tag-on-main"),
                                     pytest.param(False, id="tag-on-a-feature-branch")])
def test_a_tag_push_runs_the_guard(tmp_path: Path, actions_repo: Path, on_main: bool) -> None:
    """Given a consumer repository whose tag v1.2.3 matches pyproject.toml, when the tag push
    runs its release workflow under act, then tag-guard passes and a later step reads version,
    sha and is-prerelease when the commit is on main, and fails the job when it is not."""
    consumer, sha = consumer_repository(tmp_path, on_main=on_main)
    event = tmp_path / "push.json"
    event.write_text(json.dumps({"ref": "refs/tags/v1.2.3", "ref_type": "tag", "after": sha}))

    run = run_act(consumer, "push", actions_repo=actions_repo, event_payload=event)

    if on_main:
        assert run.code == 0, run.log
        assert f"guarded version=1.2.3 sha={sha} prerelease=false" in run.log
        assert "v1.2.3 may be released as 1.2.3" in run.log
    else:
        assert run.code != 0, run.log
        assert f"points at commit {sha}, which is not on origin/main" in run.log
        assert "guarded version=" not in run.log
