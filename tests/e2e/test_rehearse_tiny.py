"""`release-actions rehearse` on tiny-lib (a static version): every stage green; a publishing
job without id-token and a file the sdist drops, each a red stage with its fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.consumers import ACME, TINY, Kind, make_consumer
from tests.e2e.rehearsing import every_stage_green, rehearse

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("kind", [TINY], ids=lambda kind: kind.name)
def test_every_stage_green_on_a_consumer_repository(tmp_path: Path, kind: Kind) -> None:
    """Every stage green on tiny (tests/e2e/rehearsing.every_stage_green says what is checked;
    each kind's run in its own file)."""
    every_stage_green(tmp_path, kind)


def test_a_publishing_job_without_id_token_is_red_with_the_fix(tmp_path: Path) -> None:
    repository = make_consumer(tmp_path / "acme", ACME, edits={
        ".github/workflows/nightly-preview.yml": ("      id-token: write\n", "")})

    result = rehearse(repository, "--scenario", "preview")

    assert result.code == 1, result.output[-4000:]
    assert "id-token: write" in result.output.split("Fix:", 1)[1]
    assert result.report is not None
    assert {"workflow": "nightly-preview.yml", "job": "ship", "event": "workflow_run",
            "conclusion": "failure"} in result.report["stages"]
    assert result.report["published"] == []


def test_a_file_the_sdist_drops_is_red_with_the_fix(tmp_path: Path) -> None:
    """The sdist's `include` forgets a helper the module imports (nobody chose to leave it
    out): a wheel built from the sdist would break, so publish's inspection refuses before
    anything is uploaded."""
    repository = make_consumer(
        tmp_path / "tiny", TINY,
        edits={"pyproject.toml": ("[build-system]", '[tool.hatch.build.targets.sdist]\n'
                                                    'include = ["src/tiny_lib/__init__.py"]\n\n'
                                                    "[build-system]")},
        extra={"src/tiny_lib/helpers.py": "def help() -> str:\n    return 'help'\n"},
    )

    result = rehearse(repository, "--scenario", "preview")

    assert result.code == 1, result.output[-4000:]
    assert "helpers.py" in result.output.split("Fix:", 1)[1]
    assert result.report is not None and result.report["published"] == []
