"""doctor's pure parts: the inputs refused before anything runs, the GitHub server check,
the repository read from an origin URL, and PyPI's publisher values."""

from __future__ import annotations

import pytest

from release_actions import command
from release_actions.commands import doctor
from release_actions.commands.doctor import (
    channels,
    check_server,
    publisher_forms,
    repository_from_remote,
)
from release_actions.context import Context
from release_actions.errors import InputError
from release_actions.gha import Console
from tests.helpers import ROOT


def inputs(**given: str) -> doctor.Inputs:
    given = {"workflows": str(ROOT / "examples" / "workflows"), **given}
    environ = {f"INPUT_{name.upper().replace('-', '_')}": value for name, value in given.items()}
    ctx = Context(environ, Console(actions=False))
    return command.read_inputs(doctor.COMMAND, ctx)


@pytest.mark.parametrize(
    ("server", "ok"),
    [
        pytest.param(None, True, id="unset"),
        pytest.param("https://github.com", True, id="github.com"),
        pytest.param("https://github.com/", True, id="trailing-slash"),
        pytest.param("https://ghe.example.com", False, id="ghes"),
        pytest.param("https://octo.ghe.com", False, id="ghe-cloud-data-residency"),
    ],
)
def test_only_github_com_has_trusted_publishing(server: str | None, ok: bool) -> None:
    item = check_server({} if server is None else {"GITHUB_SERVER_URL": server})

    assert item.ok is ok
    if not ok:
        assert "GitHub Enterprise Server" in item.detail and "Fix:" in item.detail


@pytest.mark.parametrize("name", ["preview-environment", "public-environment"])
def test_the_secrets_environment_may_not_be_a_publishing_one(name: str) -> None:
    same = "pypi-public" if name == "public-environment" else "pypi-internal-preview"

    with pytest.raises(InputError, match=r"also the (preview|public) channel's publishing"):
        inputs(**{"secrets-environment": same})


def test_the_forms_hold_what_pypi_asks_for_each_channel() -> None:
    forms = publisher_forms("octo/sample", channels(inputs(**{"public-workflow": "release.yaml",
                                                              "public-environment": "pypi"})))

    assert [form.lines() for form in forms] == [
        [("Owner", "octo"), ("Repository name", "sample"),
         ("Workflow name", "internal-preview-release.yml"),
         ("Environment name", "pypi-internal-preview")],
        [("Owner", "octo"), ("Repository name", "sample"), ("Workflow name", "release.yaml"),
         ("Environment name", "pypi")],
    ]


@pytest.mark.parametrize(
    ("url", "repository"),
    [
        pytest.param("https://github.com/octo/sample.git", "octo/sample", id="https"),
        pytest.param("https://github.com/octo/sample", "octo/sample", id="https-no-suffix"),
        pytest.param("git@github.com:octo/sample.git", "octo/sample", id="scp"),
        pytest.param("ssh://git@github.com/octo/sample.js.git", "octo/sample.js", id="ssh"),
        pytest.param("https://x-access-token:t0k@github.com/octo/sample/", "octo/sample",
                     id="credentials"),
        pytest.param("https://gitlab.com/octo/sample.git", "", id="other-host"),
        pytest.param("https://github.com.evil.example/octo/sample.git", "", id="look-alike"),
        pytest.param("/srv/git/sample.git", "", id="path"),
        pytest.param("git@github.com:../sample.git", "", id="dot-dot-owner"),
        pytest.param("https://github.com/octo/...git", "", id="dot-dot-name"),
    ],
)
def test_the_repository_of_an_origin_url(url: str, repository: str) -> None:
    assert repository_from_remote(url) == repository


def test_the_readme_and_doctor_name_the_same_place_for_pypis_form() -> None:
    """The one-time setup in the README and doctor's forms send the user to the same page."""
    from release_actions.trusted_publishing import PUBLISHER_FORM_PLACE

    readme = " ".join((ROOT / "README.md").read_text().split())
    assert PUBLISHER_FORM_PLACE in readme
    doctor_readme = " ".join((ROOT / "doctor" / "README.md").read_text().split())
    assert PUBLISHER_FORM_PLACE in doctor_readme
