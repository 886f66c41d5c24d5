"""bump-dev's decisions that need no git: which tags name a release it follows, and how
GitHub's refusals to open a pull request (played by `responses`) become the fix they call for."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import responses

from release_actions import pull_requests
from release_actions.bump import translate_push_error
from release_actions.commands.bump_dev import released_version
from release_actions.errors import CheckFailed, ConfigError, InputError
from release_actions.git import GitError, config_env

API = "https://api.github.com"
REQUESTED = "https://api.github.com:443"  # PyGithub spells the port out
REPO = "octo/sample"
PROPOSAL = pull_requests.Proposal(REPO, "release-actions/bump-v1.2.4.dev0", "main",
                                  "Bump version to 1.2.4.dev0 after v1.2.3", "body")


@pytest.mark.parametrize(("tag", "prefix", "expected"), [
    pytest.param("v1.2.3", "v", "1.2.3", id="plain"),
    pytest.param("mypkg-v0.4.0", "mypkg-v", "0.4.0", id="monorepo-prefix"),
    pytest.param("1.2.3", "", "1.2.3", id="no-prefix"),
    pytest.param("v1.2.3.post1", "v", "1.2.3.post1", id="post-release-is-final"),
])
def test_release_tags(tag: str, prefix: str, expected: str) -> None:
    assert str(released_version(tag, prefix)) == expected


@pytest.mark.parametrize(("tag", "prefix", "message"), [
    pytest.param("v1.3.0rc1", "v", "not a final release", id="rc"),
    pytest.param("v1.3.0.dev0", "v", "not a final release", id="dev"),
    pytest.param("v1.3.0+local", "v", "not a final release", id="local"),
    pytest.param("1.2.3", "v", "does not start with the tag prefix", id="no-prefix"),
    pytest.param("vv1.2.3", "v", "does not start with a digit", id="double-prefix"),
    pytest.param("vlatest", "v", "does not start with a digit", id="word"),
    pytest.param("v1.2.3.x", "v", "not a valid PEP 440", id="not-pep440"),
])
def test_other_tags_are_bad_input(tag: str, prefix: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        released_version(tag, prefix)


def pull_json(number: int) -> dict[str, Any]:
    return {"number": number, "html_url": f"https://github.com/{REPO}/pull/{number}",
            "url": f"{API}/repos/{REPO}/pulls/{number}", "state": "open"}


@pytest.fixture
def api() -> Any:
    with responses.RequestsMock() as mock:
        mock.get(f"{REQUESTED}/repos/{REPO}", json={
            "full_name": REPO, "name": "sample", "url": f"{API}/repos/{REPO}",
            "owner": {"login": "octo"}})
        yield mock


@pytest.fixture(autouse=True)
def no_write_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("github.Requester.time.sleep", lambda seconds: None)


def open_pr() -> pull_requests.PullRequest:
    return pull_requests.open_or_update("ghs_token", {"GITHUB_API_URL": API}, PROPOSAL)


def test_an_open_pull_request_is_updated_not_doubled(api: Any) -> None:
    listing = api.get(f"{REQUESTED}/repos/{REPO}/pulls", json=[pull_json(7)])
    api.patch(f"{REQUESTED}/repos/{REPO}/pulls/7", json=pull_json(7))

    pull = open_pr()

    assert pull == pull_requests.PullRequest(7, f"https://github.com/{REPO}/pull/7", False)
    query = listing.calls[0].request.params
    assert query["head"] == "octo:release-actions/bump-v1.2.4.dev0"
    assert query["state"] == "open" and query["base"] == "main"


@pytest.mark.parametrize(("status", "message", "error", "says"), [
    pytest.param(403, "GitHub Actions is not permitted to create or approve pull requests.",
                 ConfigError, "Allow GitHub Actions to create and approve pull requests",
                 id="repository-setting"),
    pytest.param(403, "Resource not accessible by integration", ConfigError,
                 "pull-requests: write", id="token-permission"),
    pytest.param(401, "Bad credentials", ConfigError, "pull-requests: write", id="bad-token"),
    pytest.param(422, "Validation Failed", ConfigError, "Check that main exists", id="422"),
    pytest.param(502, "Server Error", CheckFailed, "re-run", id="outage"),
])
def test_refusals_name_their_fix(
    api: Any, status: int, message: str, error: type[Exception], says: str
) -> None:
    api.get(f"{REQUESTED}/repos/{REPO}/pulls", json=[])
    api.post(f"{REQUESTED}/repos/{REPO}/pulls", status=status, json={"message": message})

    with pytest.raises(error) as raised:
        open_pr()

    assert says.lower() in raised.value.args[0].lower()


def test_an_unreachable_api_says_the_branch_is_pushed(api: Any) -> None:
    api.get(f"{REQUESTED}/repos/{REPO}/pulls", body=requests.ConnectionError("refused"))

    with pytest.raises(CheckFailed, match=r"is pushed\. Re-run the job"):
        open_pr()


@pytest.mark.parametrize(("stderr", "says"), [
    pytest.param("remote: error: GH006: Protected branch update failed for refs/heads/x.",
                 "branch protection rule", id="protected"),
    pytest.param("remote: error: GH013: Repository rule violations found for refs/heads/x.",
                 "branch protection rule", id="ruleset"),
    pytest.param("remote: Permission to octo/sample.git denied to github-actions[bot].\n"
                 "fatal: unable to access '...': The requested URL returned error: 403",
                 "contents: write", id="no-write"),
])
def test_push_refusals_name_their_fix(stderr: str, says: str) -> None:
    error = translate_push_error("release-actions/bump-v1.2.4.dev0",
                                 GitError(["push"], stderr, 1))
    assert says in error.message


def test_other_push_failures_keep_gits_words() -> None:
    failure = GitError(["push"], "fatal: the remote end hung up unexpectedly", 128)
    assert translate_push_error("b", failure) is failure


def test_one_commands_git_configuration_follows_the_environments() -> None:
    environ = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "a.b", "GIT_CONFIG_VALUE_0": "1"}
    added = config_env(environ, [("http.x.extraheader", ""), ("http.x.extraheader", "H")])
    assert added == {
        "GIT_CONFIG_COUNT": "3",
        "GIT_CONFIG_KEY_1": "http.x.extraheader", "GIT_CONFIG_VALUE_1": "",
        "GIT_CONFIG_KEY_2": "http.x.extraheader", "GIT_CONFIG_VALUE_2": "H",
    }
    assert config_env({}, []) == {}
