"""tag-guard's fallback when git cannot reach origin: GitHub's compare API through PyGithub
(`responses` stands in for GitHub), against real git checkouts whose origin has gone away."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import requests
import responses

from release_actions import cli
from release_actions.gha import Console
from tests.helpers import Result, parse_key_values
from tests.integration.test_tag_guard_git import Upstream
from tests.quiet_git import git

API = "https://ghe.example.com/api/v3"
# What PyGithub requests: the same API with the port spelled out.
REQUESTED = "https://ghe.example.com:443/api/v3"
REPOSITORY = "acme/mypkg"
TOKEN = "ghs_s3cr3tT0kenValue1234567890"


def leaks(run: Result, secret: str) -> bool:
    """The secret anywhere but the one `::add-mask::` line, which must come first."""
    lines = run.log.splitlines()
    assert lines[0] == f"::add-mask::{secret}"
    return secret in "\n".join(lines[1:]) + run.summary + str(run.outputs)


def guard(checkout: Path, tmp_path: Path, **environ: str) -> Result:
    """tag-guard in this process (so `responses` sees PyGithub's requests), as on a runner of a
    GitHub Enterprise Server whose API lives at GITHUB_API_URL."""
    output, summary = tmp_path / "output", tmp_path / "summary"
    output.write_text("")
    summary.write_text("")
    base = {
        "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_API_URL": API,
        "GITHUB_REPOSITORY": REPOSITORY, "INPUT_TAG": "v1.2.3", "INPUT_INDEX_URL": "",
        "INPUT_PATH": str(checkout / "pyproject.toml"), "INPUT_GITHUB_TOKEN": TOKEN,
    }
    base.update(environ)
    environ_final = {key: value for key, value in base.items() if value != "<unset>"}
    stream = io.StringIO()
    code = cli.execute("tag-guard", environ_final, Console(actions=True, stream=stream))
    return Result(code, stream.getvalue(), outputs=parse_key_values(output.read_text()),
                  summary=summary.read_text())


@pytest.fixture
def offline_checkout(tmp_path: Path) -> tuple[Path, str]:
    """A depth-1 checkout of v1.2.3 (on main) whose origin no longer exists: git cannot
    answer, so the compare API must."""
    upstream = Upstream.create(tmp_path / "upstream")
    sha = upstream.commit("1.2.3")
    upstream.tag("v1.2.3")
    checkout = upstream.checkout("v1.2.3", "actions")
    shutil.rmtree(upstream.origin)
    return checkout, sha


def answer_compare(sha: str, **answer: object) -> None:
    """GitHub knows the repository and answers `compare/main...<sha>` with `answer`."""
    responses.get(f"{REQUESTED}/repos/{REPOSITORY}",
                  json={"full_name": REPOSITORY, "url": f"{API}/repos/{REPOSITORY}"})
    responses.get(f"{REQUESTED}/repos/{REPOSITORY}/compare/main...{sha}", **answer)


@pytest.mark.parametrize(
    ("status", "code"),
    [
        pytest.param("identical", 0, id="identical"),
        pytest.param("behind", 0, id="behind"),
        pytest.param("ahead", 1, id="ahead"),
        pytest.param("diverged", 1, id="diverged"),
    ],
)
@responses.activate
def test_the_compare_api_decides_when_git_cannot(
    offline_checkout: tuple[Path, str], tmp_path: Path, status: str, code: int
) -> None:
    """Given no access to origin, when GitHub compares main...<sha>, then the tag's commit is
    on main exactly when the answer is `identical` or `behind`."""
    checkout, sha = offline_checkout
    answer_compare(sha, json={"status": status, "ahead_by": 0, "behind_by": 0})

    run = guard(checkout, tmp_path)

    assert run.code == code, run.log
    assert [call.request.url.split("?")[0] for call in responses.calls] == [
        f"{REQUESTED}/repos/{REPOSITORY}", f"{REQUESTED}/repos/{REPOSITORY}/compare/main...{sha}"
    ]
    assert all(call.request.headers["Authorization"].endswith(TOKEN)
               for call in responses.calls)
    if code == 0:
        assert run.outputs == {"version": "1.2.3", "sha": sha, "is-prerelease": "false"}
        assert f"GitHub compare API of {REPOSITORY}" in run.summary
    else:
        assert run.outputs == {}
        assert len(run.errors()) == 1 and sha in run.errors()[0]
        assert "GitHub compare API" in run.errors()[0]
    assert not leaks(run, TOKEN)


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        pytest.param({"status": 404, "json": {"message": "Not Found"}}, "HTTP 404",
                     id="404-no-such-branch-or-commit"),
        pytest.param({"status": 403, "json": {"message": "Resource not accessible"}},
                     "contents: read", id="403-token-cannot-read"),
        pytest.param({"body": requests.ConnectionError("connection refused")},
                     "unreachable", id="connection-error"),
    ],
)
@responses.activate
def test_an_api_that_cannot_answer_refuses_the_release(
    offline_checkout: tuple[Path, str], tmp_path: Path, answer: dict[str, object], phrase: str
) -> None:
    """Given neither git nor the API can answer, when tag-guard runs, then it refuses (exit 1)
    rather than release a commit nobody could place on main."""
    checkout, sha = offline_checkout
    answer_compare(sha, **answer)

    run = guard(checkout, tmp_path)

    assert run.code == 1, run.log
    assert run.outputs == {}
    [error] = run.errors()
    assert phrase in error and sha in error
    assert not leaks(run, TOKEN)


@responses.activate
def test_a_repository_the_token_cannot_see_refuses_the_release(
    offline_checkout: tuple[Path, str], tmp_path: Path
) -> None:
    responses.get(f"{REQUESTED}/repos/{REPOSITORY}", status=404, json={"message": "Not Found"})

    run = guard(offline_checkout[0], tmp_path)

    assert run.code == 1
    [error] = run.errors()
    assert "HTTP 404" in error and REPOSITORY in error


@responses.activate
def test_without_a_repository_name_there_is_no_fallback(
    offline_checkout: tuple[Path, str], tmp_path: Path
) -> None:
    checkout, _sha = offline_checkout

    run = guard(checkout, tmp_path, GITHUB_REPOSITORY="<unset>")

    assert run.code == 1
    assert "GITHUB_REPOSITORY" in run.errors()[0]
    assert len(responses.calls) == 0


@responses.activate
def test_a_local_yes_is_trusted_when_origin_is_gone(tmp_path: Path) -> None:
    """Given a full clone whose origin/main already contains the tag, when origin becomes
    unreachable, then git's local answer suffices and the API is not called."""
    upstream = Upstream.create(tmp_path / "upstream")
    upstream.commit("1.2.3")
    upstream.tag("v1.2.3")
    checkout = upstream.checkout("v1.2.3", "full")
    shutil.rmtree(upstream.origin)

    run = guard(checkout, tmp_path)

    assert run.code == 0, run.log
    assert len(responses.calls) == 0


@responses.activate
def test_a_local_no_is_not_trusted_when_origin_is_gone(tmp_path: Path) -> None:
    """Given a full clone made before the tag's commit reached main (a stale origin/main), when
    origin is unreachable, then the API is asked instead of refusing on stale data."""
    upstream = Upstream.create(tmp_path / "upstream")
    upstream.commit("1.2.2")
    checkout = upstream.root / "stale"
    git(upstream.root, "clone", "--quiet", upstream.url, str(checkout))
    sha = upstream.commit("1.2.3")
    upstream.tag("v1.2.3")
    git(checkout, "fetch", "--quiet", "origin", "+refs/tags/v1.2.3:refs/tags/v1.2.3")
    git(checkout, "checkout", "--quiet", "refs/tags/v1.2.3")
    shutil.rmtree(upstream.origin)
    answer_compare(sha, json={"status": "identical"})

    run = guard(checkout, tmp_path)

    assert run.code == 0, run.log
    assert len(responses.calls) == 2
