"""What a rehearsal reports of a run: jobs by id whatever their `name:`, the Fix from an error a
step printed (never from a script act only shows), and every provider the gate knows stood in."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from release_actions.cli import main
from release_actions.gha import Console
from release_actions.rehearsal import shim
from release_actions.rehearsal.cli import Refused, _error, _fix, excerpt
from release_actions.rehearsal.run import _JOB_END, PROVIDER_NAMES, WorkflowRun
from release_actions.rehearsal.view import write_view
from release_actions.workflows import read_workflow

NAMED = """name: Ship
on: push
jobs:
  provenance:
    name: Find tested release provenance
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
"""


def test_the_view_drops_job_names_so_act_logs_job_ids(tmp_path: Path) -> None:
    path = tmp_path / "ship.yml"
    path.write_text(NAMED)

    view = write_view(read_workflow(path, tmp_path), tmp_path / "view.yml", {})

    job = yaml.safe_load(view.read_text())["jobs"]["provenance"]
    assert "name" not in job and job["steps"] == [{"run": "echo hi"}]
    assert _JOB_END.findall("[Ship/provenance] 🏁  Job succeeded") == [
        ("provenance", "succeeded")]


def _run(log: str) -> WorkflowRun:
    return WorkflowRun("test.yml", "test", "push", 1, 1, "0" * 40, 1, log, {"test": "failure"})


def test_the_fix_is_the_error_a_step_printed_not_one_its_script_shows() -> None:
    script = 'test -x "$UV" || { echo "::error::UV has no uv"; exit 1; }'
    log = "\n".join([
        f"[test/test] ⭐ Run Main {script}",
        f"[test/test]   ✅  Success - Main {script}",
        "[test/test]   | ::error file=pyproject.toml::the lock is stale",
        "[test/test]   ❌  Failure - Main uv sync --locked",
        f"[test/audit] ⭐ Run Main {script}",
    ])
    assert _fix(_run(log)) == "the lock is stale"
    assert "run the same command" in _fix(_run(f"[test/test] ⭐ Run Main {script}"))


def test_every_provider_the_gate_knows_is_sent_to_its_stand_in() -> None:
    """Gemini too: BenchFlow lists it, and a rehearsal never reaches a real provider."""
    from release_actions.providers import KNOWN

    assert {provider.name for provider in KNOWN} <= set(PROVIDER_NAMES)
    environ = {f"REHEARSAL_PROVIDER_{name.upper().replace('-', '_')}": f"http://local/{name}"
               for name in PROVIDER_NAMES}
    environ["GEMINI_BASE_URL"] = "https://generativelanguage.googleapis.com/v1beta/openai"

    shim.provider_stand_ins(environ)

    assert environ["GEMINI_BASE_URL"] == "http://local/gemini"
    assert environ["DEEPSEEK_BASE_URL"] == "http://local/deepseek"


# Tried as a new user would: integration-eval.yml copied from examples/workflows/ into a project
# without scripts/smoke.py. The failed step, then an `if: always()` upload-artifact stand-in whose
# multi-line script act shows with unprefixed continuation lines, one of them an `::error::`.
ALWAYS_AFTER = "\n".join([
    "[integration-eval/eval-and-judge]   | \x1b[32m+\x1b[39m \x1b[1mpytest\x1b[0m==9.2.0",
    "[integration-eval/eval-and-judge]   | .venv/bin/python: can't open file 'scripts/smoke.py':"
    " [Errno 2] No such file or directory",
    "[integration-eval/eval-and-judge]   ❌  Failure - Main Smoke rollout with the chosen provider"
    " [162.247562ms]",
    '[integration-eval/eval-and-judge] ⭐ Run Main mkdir -p "$REHEARSAL_ARTIFACTS/$NAME"',
    '  [ "$IF_NONE" = error ] && { echo "::error::no files at $SOURCE"; exit 1; }',
    '  echo "no files at $SOURCE"; exit 0',
    "[integration-eval/eval-and-judge]   | no files at jobs/",
    '[integration-eval/eval-and-judge]   ✅  Success - Main mkdir -p "$REHEARSAL_ARTIFACTS/$NAME"',
])


def test_the_fix_names_the_failed_step_not_a_script_shown_after_it() -> None:
    run = WorkflowRun("integration-eval.yml", "eval-and-judge", "workflow_run", 1, 1, "0" * 40,
                      1, ALWAYS_AFTER, {"eval-and-judge": "failure"})

    assert _fix(run) == ("the step `Smoke rollout with the chosen provider` of job "
                         "`eval-and-judge` in integration-eval.yml failed: its log is above; "
                         "run the same command in your checkout to see why.")
    shown = excerpt(run)
    assert shown.endswith("❌  Failure - Main Smoke rollout with the chosen provider"
                          " [162.247562ms]")
    assert "scripts/smoke.py" in shown and "+ pytest==9.2.0" in shown
    assert "\x1b" not in shown and "IF_NONE" not in shown and "no files" not in shown


# Seen under load: act (host mode) logged the composite step's failure before the last lines
# the command printed, which came after it, before the job's next step.
LATE_ERROR = "\n".join([
    "[Preview build/ship]   ❌  Failure - Main \"$REHEARSAL_PYTHON\" -I -S "
    "\"$REHEARSAL_STEP_CLIENT\" tested-run [213.431227ms]",
    "[Preview build/ship]   ❌  Failure - Main benchflow-ai/release-actions/tested-run@v1.4.0"
    " [399.789786ms]",
    "[Preview build/ship] exit status 2",
    "[Preview build/ship]   ❗  ::error title=Invalid project configuration::The token may not"
    " read the artifacts. Give the job `permissions: actions: read`.",
    "[Preview build/ship] ⭐ Run Post benchflow-ai/release-actions/tested-run@v1.4.0",
    "[Preview build/ship]   | ::error::a post step's error is not why it failed",
    "[Preview build/ship] 🏁  Job failed",
])


def test_the_fix_is_the_failed_steps_error_logged_after_its_failure_line() -> None:
    run = WorkflowRun("nightly-preview.yml", "ship", "workflow_run", 1, 1, "0" * 40, 1,
                      LATE_ERROR, {"ship": "failure"})

    assert _fix(run) == "The token may not read the artifacts. Give the job " \
                        "`permissions: actions: read`."
    assert "post step" not in excerpt(run)


def test_a_red_stage_met_by_a_test_says_why() -> None:
    """A test that calls a stage itself shows the Refused it meets: the fix and the failed
    step's lines, not the stage's title alone."""
    run = WorkflowRun("nightly-preview.yml", "ship", "workflow_run", 1, 1, "0" * 40, 1,
                      LATE_ERROR, {"ship": "failure"})

    shown = str(Refused("Preview", run, _fix(run)))

    assert shown.startswith("Preview: The token may not read the artifacts.")
    assert "❌  Failure - " in shown and "post step" not in shown
    assert str(Refused("install from the index", None, "pip failed")) == \
        "install from the index: pip failed"


UNKNOWN = ("The release pipeline uses actions a rehearsal cannot stand in:\n"
           "  .github/workflows/ci.yml:32: octo/build@v2\n"
           "  .github/workflows/ci.yml:67: octo/setup@v1\n"
           "Map each to a local folder, e.g. `--map octo/build=path/to/folder`.")


def test_an_error_on_a_terminal_is_plain_lines(capsys: pytest.CaptureFixture[str]) -> None:
    """Tried as a new user would: the list of unmappable actions came as one `%0A` line."""
    _error(Console(actions=False), UNKNOWN, ".github/workflows/ci.yml", 32)

    shown = capsys.readouterr()
    assert shown.err == f"error: .github/workflows/ci.yml:32: {UNKNOWN}\n"
    assert "%0A" not in shown.err + shown.out


def test_an_error_in_actions_is_one_annotation(capsys: pytest.CaptureFixture[str]) -> None:
    _error(Console(actions=True), UNKNOWN, ".github/workflows/ci.yml", 32)

    assert capsys.readouterr().out.splitlines() == [
        "::error file=.github/workflows/ci.yml,line=32,title=rehearse::"
        + UNKNOWN.replace("\n", "%0A")]


@pytest.mark.parametrize(("environ", "start"), [({}, "error: "), ({"GITHUB_ACTIONS": "true"},
                                                                  "::error ")])
def test_the_entry_point_speaks_as_the_environment_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    environ: dict[str, str], start: str,
) -> None:
    monkeypatch.chdir(tmp_path)  # no git checkout: bad input, before anything runs

    assert main(["rehearse"], environ) == 2

    shown = capsys.readouterr()
    assert (shown.out + shown.err).startswith(start)


RELEASE = """name: Publish release
on: push
jobs:
  bump:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683  # v4.2.2
        with:
          persist-credentials: {persist}
      - run: git push origin HEAD:refs/heads/bumped
"""
# act (host mode) may drop the last lines of a failed step: here git's own `fatal:` line, the one
# `refusal_fix` reads, never reached the log (seen once in a loaded run of
# test_rehearse_permissions). The job's label is padded to the longest in the workflow.
LOST_GIT_LINE = "\n".join([
    "[Publish release/bump   ] ⭐ Run Main git push origin HEAD:refs/heads/bumped",
    "[Publish release/bump   ]   ❌  Failure - Main git push origin HEAD:refs/heads/bumped "
    "[40.105636ms]",
])


def test_a_push_whose_git_words_act_lost_is_told_from_the_checkout(tmp_path: Path) -> None:
    """A push without a persisted credential gets the same fix as when git's line is there;
    with the credential kept, the fix names the step, the job unpadded."""
    run = WorkflowRun("release.yml", "Publish release", "push", 1, 1, "0" * 40, 1,
                      LOST_GIT_LINE, {"bump": "failure"})
    fixes = []
    for persist in ("false", "true"):
        path = tmp_path / persist / "release.yml"
        path.parent.mkdir()
        path.write_text(RELEASE.format(persist=persist))
        fixes.append(_fix(run, [read_workflow(path, "release.yml")]))

    assert "job `bump` of release.yml reached origin without a credential" in fixes[0]
    assert "Set `persist-credentials: true` on that checkout" in fixes[0]
    assert fixes[1] == ("the step `git push origin HEAD:refs/heads/bumped` of job `bump` in "
                        "release.yml failed: its log is above; run the same command in your "
                        "checkout to see why.")
