"""doctor end to end: the CLI as a runner runs it, over a consumer checkout holding a copy of
examples/workflows, with the environments served by the local GitHub stand-in over real HTTP."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from release_actions.rehearsal.github_api import FakeGitHub, fake_github
from tests.helpers import ROOT, Result, git, run_cli
from tests.in_process import run_here

TOKEN = "ghs_doctor_token_8841"
ENVIRONMENTS = ("pypi-internal-preview", "pypi-public", "integration-eval-secrets")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "examples" / "workflows", tmp_path / ".github" / "workflows")
    return tmp_path


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with fake_github() as fake:
        fake.add_environment("pypi-internal-preview")
        fake.add_environment("pypi-public", reviewers=("alice", "bob"), wait_timer=5)
        fake.add_environment("integration-eval-secrets")
        yield fake


def doctor(checkout: Path, github: FakeGitHub | None, run: Callable[..., Result] = run_here,
           **inputs: str) -> Result:
    """doctor as a runner runs it; in this process (tests/in_process.py) but where a test
    passes `run=run_cli`."""
    env = {"GITHUB_REPOSITORY": "octo/sample"}
    if github is not None:
        env["GITHUB_API_URL"] = github.url
    return run("doctor", cwd=checkout, inputs={"github-token": TOKEN, **inputs}, env=env)


def report(result: Result) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(result.outputs["report"])
    return rows


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def line_of(path: Path, marker: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if marker in line)


def test_a_ready_setup_passes_and_prints_the_publisher_forms(
    checkout: Path, github: FakeGitHub
) -> None:
    """Given the reference workflows and the three environments, when doctor runs, then it
    exits 0, lists each environment with its protection rules, and prints (and summarises)
    the values PyPI's form needs for each channel; the token never shows."""
    result = doctor(checkout, github, run=run_cli)

    assert result.code == 0, result.log
    assert result.errors() == []
    assert result.outputs["failed"] == "0"
    rows = {row["check"]: row for row in report(result) if row["status"] == "pass"}
    public = rows["environment `pypi-public`"]
    assert public["detail"] == ("exists (the public channel's publishing environment): required "
                                "reviewers: alice, bob; wait timer: 5 min")
    assert "Owner:             octo" in result.log
    assert "Workflow name:     internal-preview-release.yml" in result.log
    assert "Environment name:  pypi-public" in result.log
    assert "| Workflow name | `internal-preview-release.yml` | `public-release.yml` |" in (
        result.summary)
    assert "| Repository name | `sample` | `sample` |" in result.summary
    assert "all clear" in result.summary
    assert [r for r in github.requests if "/environments/" in r] == [
        f"GET /repos/octo/sample/environments/{name}" for name in ENVIRONMENTS]
    assert set(github.authorizations) == {f"token {TOKEN}"}
    assert TOKEN not in result.log.replace(f"::add-mask::{TOKEN}", "")


def test_each_failed_item_is_annotated_with_file_line_and_fix_then_one_summary(
    checkout: Path, github: FakeGitHub
) -> None:
    """Given two problems in two files, when doctor runs, then it exits 1 with one `::error`
    per problem (file, line, fix) and one final `::error` that counts them."""
    workflows = checkout / ".github" / "workflows"
    edit(workflows / "test.yml", "persist-credentials: false", "persist-credentials: true")
    edit(workflows / "public-release.yml", "permissions: {}", "permissions:\n  id-token: write")

    result = doctor(checkout, github)

    assert result.code == 1, result.log
    errors = result.errors()
    assert len(errors) == 3, errors
    checkout_line = line_of(workflows / "test.yml", "actions/checkout@")
    token_line = line_of(workflows / "public-release.yml", "  id-token: write")
    assert errors[0].startswith(f"::error file=.github/workflows/public-release.yml,"
                                f"line={token_line},title=doctor%3A id-token::")
    assert errors[1].startswith(f"::error file=.github/workflows/test.yml,line={checkout_line},"
                                "title=doctor%3A checkout-credentials::")
    # The explicit `true` is named, with its line, where nothing later pushes.
    persist_line = line_of(workflows / "test.yml", "persist-credentials: true")
    assert (f"Fix: change `persist-credentials: true` (line {persist_line}) to `false`"
            in errors[1])
    assert "2 item(s) of the one-time release setup failed" in errors[2]
    assert "checkout-credentials (.github/workflows/test.yml:" in errors[2]
    assert result.outputs["failed"] == "2"
    failed = [row for row in report(result) if not row["ok"]]
    assert [(row["file"], row["line"]) for row in failed] == [
        (".github/workflows/public-release.yml", token_line),
        (".github/workflows/test.yml", checkout_line)]
    assert "| checkout-credentials | ❌ |" in result.summary


def test_a_missing_environment_fails_with_where_to_create_it(
    checkout: Path, github: FakeGitHub
) -> None:
    del github.environments["pypi-public"]

    result = doctor(checkout, github)

    assert result.code == 1
    assert len(result.errors()) == 2
    assert "octo/sample has no environment `pypi-public`" in result.errors()[0]
    assert "Settings → Environments → New environment" in result.errors()[0]
    assert result.outputs["failed"] == "1"


def test_a_public_environment_limited_to_protected_branches_is_noted(
    checkout: Path, github: FakeGitHub
) -> None:
    github.add_environment("pypi-public", reviewers=("alice",), protected_branches=True)

    result = doctor(checkout, github)

    assert result.code == 0
    assert "deployments from protected branches only" in result.outputs["report"]
    notices = [line for line in result.log.splitlines()
               if line.startswith("::notice") and "tag push" in line]
    assert len(notices) == 1 and "add the tag rule `v*`" in notices[0]


@pytest.mark.parametrize(
    ("setup", "phrase"),
    [
        pytest.param("no-token", "skipped: no `github-token`", id="no-token"),
        pytest.param("forbidden", "may not read the environments of octo/sample (HTTP 403); "
                     "give the job `permissions: actions: read`", id="forbidden"),
        pytest.param("unreachable", "skipped: the API is unreachable", id="unreachable"),
    ],
)
def test_api_checks_that_cannot_run_are_skipped_and_the_static_checks_still_run(
    checkout: Path, github: FakeGitHub, setup: str, phrase: str
) -> None:
    workflows = checkout / ".github" / "workflows"
    edit(workflows / "test.yml", "persist-credentials: false", "persist-credentials: true")
    inputs = {"github-token": ""} if setup == "no-token" else {}
    if setup == "forbidden":
        github.environments_status = 403
    if setup == "unreachable":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            github.url = f"http://127.0.0.1:{probe.getsockname()[1]}"

    result = doctor(checkout, github, **inputs)

    assert result.code == 1, result.log  # the static failure, not the API
    skipped = [row for row in report(result) if row["status"] == "skip"]
    assert len(skipped) == 1 and phrase in str(skipped[0]["detail"]), skipped
    assert skipped[0]["ok"] is True
    assert result.outputs["failed"] == "1"
    assert "checkout-credentials" in result.errors()[0]


def test_github_enterprise_server_is_flagged(checkout: Path, github: FakeGitHub) -> None:
    result = run_cli("doctor", cwd=checkout, inputs={"github-token": ""},
                     env={"GITHUB_SERVER_URL": "https://ghe.example.com",
                          "GITHUB_REPOSITORY": "octo/sample"})

    assert result.code == 1
    assert "https://ghe.example.com, a GitHub Enterprise Server" in result.errors()[0]
    assert "trusted-publishing: never" in result.errors()[0]


def test_an_unparseable_workflow_is_one_error_with_file_and_line(
    checkout: Path, github: FakeGitHub
) -> None:
    (checkout / ".github" / "workflows" / "broken.yml").write_text(
        "on: push\njobs:\n  a:\n    steps: [\n")

    result = doctor(checkout, github)

    assert result.code == 2
    assert len(result.errors()) == 1
    assert result.errors()[0].startswith("::error file=.github/workflows/broken.yml,line=5,")
    assert "Traceback" not in result.log
    assert github.requests == []


@pytest.mark.parametrize(
    ("inputs", "phrase"),
    [
        pytest.param({"secrets-environment": "pypi-public"}, "also the public channel's",
                     id="secrets-is-public"),
        pytest.param({"workflows": "ci"}, "which is not a folder", id="no-folder"),
        pytest.param({"workflows": "../.."}, "leads outside the workspace", id="outside"),
        pytest.param({"public-workflow": ".github/workflows/release.yml"},
                     "a workflow file name such as public-release.yml", id="path-not-name"),
        pytest.param({"preview-environment": "pypi\nx"}, "an environment name", id="newline"),
        pytest.param({"repository": "octo"}, "must be owner/name", id="repository"),
        pytest.param({"repository": "octo/.."}, "must be owner/name", id="repository-dot-dot"),
        pytest.param({"repository": "../../orgs/octo"}, "must be owner/name",
                     id="repository-walks-paths"),
        pytest.param({"preview-workflow": "", "public-workflow": ""},
                     "both empty: there is no publishing workflow", id="no-channel"),
    ],
)
def test_bad_inputs_are_one_error_and_exit_2(
    checkout: Path, inputs: dict[str, str], phrase: str
) -> None:
    with fake_github() as github:
        result = doctor(checkout, github, **inputs)

    assert result.code == 2, result.log
    assert len(result.errors()) == 1
    assert phrase in result.errors()[0]
    assert github.requests == []  # the token went nowhere


def test_on_a_laptop_with_flags_and_a_token_in_the_environment(
    checkout: Path, github: FakeGitHub
) -> None:
    """Given no runner (no GITHUB_ACTIONS), when `release-actions doctor --repository` runs
    with GITHUB_TOKEN set, then it asks the API with that token, prints the checklist and the
    forms in plain text, and the outputs as name=value lines."""
    result = run_cli("doctor", "--repository", "octo/sample", cwd=checkout, actions=False,
                     env={"GITHUB_API_URL": github.url, "GITHUB_TOKEN": TOKEN})

    assert result.code == 0, result.log
    assert "::" not in result.stderr
    assert "✅ environment `pypi-internal-preview`: exists" in result.stderr
    assert "Repository name:   sample" in result.stderr
    assert result.stdout.splitlines()[-1] == "failed=0"
    assert set(github.authorizations) == {f"token {TOKEN}"}


def test_on_a_laptop_each_part_is_printed_once_and_stdout_stays_short(
    checkout: Path, github: FakeGitHub
) -> None:
    """Given a laptop run, then the checklist and the publisher forms are printed once (not
    again as Markdown tables), stdout holds only `failed=0` (no one-line JSON report), and the
    last line is the headline."""
    result = run_cli("doctor", "--repository", "octo/sample", cwd=checkout, actions=False,
                     env={"GITHUB_API_URL": github.url, "GITHUB_TOKEN": TOKEN})

    assert result.code == 0, result.log
    assert result.stdout == "failed=0\n"
    assert result.stderr.count("✅ environment `pypi-internal-preview`") == 1
    assert result.stderr.count("Repository name:") == 2  # one form per channel
    assert "| check |" not in result.stderr and "| field |" not in result.stderr
    assert result.stderr.rstrip().splitlines()[-1] == (
        "🩺 Release setup of `octo/sample`: all clear")


def test_a_failing_laptop_run_prints_the_checklist_once(checkout: Path) -> None:
    edit(checkout / ".github" / "workflows" / "test.yml", "persist-credentials: false",
         "persist-credentials: true")

    result = run_cli("doctor", "--repository", "octo/sample", cwd=checkout, actions=False,
                     env={"GITHUB_TOKEN": ""})

    assert result.code == 1
    assert result.stdout == "failed=1\n"
    assert result.stderr.count("leaves the job's token in .git/config") == 1
    assert "| check |" not in result.stderr


def test_a_skipped_check_is_never_all_clear(checkout: Path) -> None:
    """Given no token, the environments check is skipped: the headline says so, on the
    terminal and in the job summary."""
    laptop = run_cli("doctor", "--repository", "octo/sample", cwd=checkout, actions=False,
                     env={"GITHUB_TOKEN": ""})
    runner = doctor(checkout, None, **{"github-token": ""})

    for text in (laptop.stderr, runner.summary):
        assert "all clear" not in text
        assert "no item failed; 1 check(s) skipped (environments)" in text


def test_a_local_origin_says_how_to_name_the_repository(checkout: Path) -> None:
    git(checkout, "init", "-q")
    git(checkout, "remote", "add", "origin", "/srv/git/sample.git")

    result = run_cli("doctor", cwd=checkout, actions=False, env={"GITHUB_TOKEN": TOKEN})

    assert result.code == 0, result.log
    assert "Owner:             <owner>" in result.stderr
    assert "checkout's origin is not on github.com. Pass `--repository owner/name`" in (
        result.stderr)
    assert "/srv/git" not in result.stderr


ACK = "  # release-actions: allow environment-roles — provider keys kept here on purpose"


def test_an_acknowledged_finding_passes_and_is_reported_with_its_reason(
    checkout: Path, github: FakeGitHub
) -> None:
    """Given provider keys deliberately in the preview publishing environment, acknowledged
    on the line, then doctor exits 0, and the report, the log and the summary show the
    finding as acknowledged with its reason."""
    path = checkout / ".github" / "workflows" / "integration-eval.yml"
    edit(path, "environment: integration-eval-secrets", "environment: pypi-internal-preview" + ACK)

    result = doctor(checkout, github)

    assert result.code == 0, result.log
    (row,) = [row for row in report(result) if row["status"] == "acknowledged"]
    assert row["check"] == "environment-roles" and row["ok"] is True
    assert row["reason"] == "provider keys kept here on purpose"
    assert row["line"] == line_of(path, "release-actions: allow")
    assert "acknowledged: provider keys kept here on purpose" in result.log
    assert "| environment-roles | ☑️ |" in result.summary
    assert "1 finding(s) acknowledged" in result.summary


@pytest.mark.parametrize(
    ("comment", "phrase"),
    [
        pytest.param("  # release-actions: allow environment-roles", "without a reason",
                     id="no-reason"),
        pytest.param("  # release-actions: allow env-roles — typo", "no doctor rule",
                     id="unknown-rule"),
    ],
)
def test_a_bad_acknowledgement_is_bad_input_with_file_and_line(
    checkout: Path, comment: str, phrase: str
) -> None:
    path = checkout / ".github" / "workflows" / "integration-eval.yml"
    edit(path, "environment: integration-eval-secrets",
         "environment: integration-eval-secrets" + comment)

    result = doctor(checkout, None)

    assert result.code == 2, result.log
    (error,) = result.errors()
    assert error.startswith("::error file=.github/workflows/integration-eval.yml,"
                            f"line={line_of(path, 'release-actions: allow')},")
    assert phrase in error
    assert "Traceback" not in result.log


def test_on_a_laptop_the_repository_comes_from_the_origin_remote(
    checkout: Path, github: FakeGitHub
) -> None:
    """Given a clone whose origin is on github.com and no GITHUB_REPOSITORY, then doctor asks
    the API about that repository and fills PyPI's form with it."""
    git(checkout, "init", "-q")
    git(checkout, "remote", "add", "origin", "git@github.com:octo/sample.git")

    result = run_cli("doctor", cwd=checkout, actions=False,
                     env={"GITHUB_API_URL": github.url, "GITHUB_TOKEN": TOKEN})

    assert result.code == 0, result.log
    assert "Repository octo/sample, from the checkout's origin remote." in result.stderr
    assert "Owner:             octo" in result.stderr
    assert "GET /repos/octo/sample/environments/pypi-public" in github.requests


def test_without_a_repository_the_api_checks_are_skipped(checkout: Path) -> None:
    result = run_cli("doctor", cwd=checkout, actions=False, env={"GITHUB_TOKEN": TOKEN})

    assert result.code == 0, result.log
    assert "skipped: no repository" in result.stderr
    assert "Owner:             <owner>" in result.stderr


# A project with one channel, as most have: one release workflow on a tag push, publishing
# with pypa's action from an environment named `pypi`, and no LLM provider keys.
PUBLIC_ONLY = """\
name: release
on:
  push:
    tags: ["v*"]
permissions: {}
jobs:
  pypi:
    runs-on: ubuntu-latest
    environment: pypi
    permissions:
      id-token: write
    steps:
      - uses: actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093 # v4.3.0
      - uses: pypa/gh-action-pypi-publish@76f52bc884231f62b9a034ebfe128415bbaabdfc # v1.12.4
"""


@pytest.fixture
def public_only(tmp_path: Path) -> Path:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "release.yml").write_text(PUBLIC_ONLY)
    return tmp_path


def test_a_project_without_a_preview_channel_can_be_all_clear(public_only: Path) -> None:
    """Given a project that publishes only on tags, when doctor runs with `preview-workflow`
    empty (and no provider keys), then only that channel is checked, its one environment is
    asked for, and the setup is all clear: an empty workflow input means no such channel."""
    with fake_github() as github:
        github.add_environment("pypi")
        result = doctor(public_only, github, run=run_cli, **{
            "preview-workflow": "", "public-workflow": "release.yml",
            "public-environment": "pypi", "secrets-environment": ""})

    assert result.code == 0, result.log
    assert result.errors() == [] and result.outputs["failed"] == "0"
    assert "No preview channel (input `preview-workflow` is empty)" in result.log
    assert [r for r in github.requests if "/environments/" in r] == [
        "GET /repos/octo/sample/environments/pypi"]
    assert "preview channel" not in result.summary and "all clear" in result.summary
    checks = [row["check"] for row in report(result)]
    assert "public-workflow" in checks and "preview-workflow" not in checks


def test_a_publisher_without_an_environment_is_a_note_not_a_failure(public_only: Path) -> None:
    """PyPI's publisher form leaves the environment optional: with `public-environment` empty,
    a publishing job without `environment:` passes with a note recommending one, and the
    form says to leave the field empty; a job with an environment is accepted as it is."""
    release = public_only / ".github" / "workflows" / "release.yml"
    edit(release, "    environment: pypi\n", "")

    result = doctor(public_only, None, **{"preview-workflow": "", "public-workflow": "release.yml",
                                         "public-environment": "", "secrets-environment": ""})

    assert result.code == 0, result.log
    [note] = [line for line in result.log.splitlines() if line.startswith("::notice")]
    assert f"line={line_of(release, '  pypi:')}" in note
    assert "publisher names none (input `public-environment` is empty)" in note
    assert "Environment name:  (leave it empty)" in result.log

    release.write_text(PUBLIC_ONLY)
    again = doctor(public_only, None, **{"preview-workflow": "", "public-workflow": "release.yml",
                                        "public-environment": "", "secrets-environment": ""})
    assert again.code == 0, again.log
    assert not [line for line in again.log.splitlines() if line.startswith("::notice")]
