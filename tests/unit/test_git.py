"""What of the job's environment git is given: what it needs to reach origin, nothing else."""

from __future__ import annotations

import os

import pytest

from release_actions import git

JOB = {
    "PATH": "/usr/bin", "HOME": "/home/runner", "LANG": "C.UTF-8", "LC_CTYPE": "C.UTF-8",
    "HTTPS_PROXY": "http://proxy:3128", "no_proxy": "localhost", "SSL_CERT_FILE": "/ca.pem",
    "SSH_AUTH_SOCK": "/tmp/agent", "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "a.b",
    "GIT_CONFIG_VALUE_0": "c", "GIT_AUTHOR_NAME": "Ann",
    "INPUT_GITHUB_TOKEN": "ghs_secret", "GITHUB_TOKEN": "ghs_secret", "DEEPSEEK_API_KEY": "sk",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "oidc", "ACTIONS_RUNTIME_TOKEN": "rt", "RUNNER_TEMP": "/t",
    "PYTHONPATH": "/evil", "LD_PRELOAD": "/evil.so",
}


def test_git_gets_what_it_needs_and_no_token() -> None:
    given = git.minimal_environment(JOB)
    assert set(given) == {
        "PATH", "HOME", "LANG", "LC_CTYPE", "HTTPS_PROXY", "no_proxy", "SSL_CERT_FILE",
        "SSH_AUTH_SOCK", "GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_0", "GIT_CONFIG_VALUE_0",
        "GIT_AUTHOR_NAME",
    }


def test_hooks_are_off_after_the_workflows_own_git_configuration(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """Our settings come after the workflow's GIT_CONFIG_* entries (the later one wins)."""
    monkeypatch.setattr(os, "environ", dict(JOB))
    environ = git._environment()
    assert environ["GIT_CONFIG_KEY_0"] == "a.b"
    assert (environ["GIT_CONFIG_KEY_1"], environ["GIT_CONFIG_VALUE_1"]) == ("core.hooksPath",
                                                                          os.devnull)
    assert environ["GIT_CONFIG_COUNT"] == "2"
    assert "INPUT_GITHUB_TOKEN" not in environ and "GITHUB_TOKEN" not in environ
