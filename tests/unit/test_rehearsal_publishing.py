"""What a rehearsal gives the jobs that publish: each job's own OIDC token URL on the local
issuer (its tokens carry that job's claims), the trusted publishers the index stand-in has, and
the secrets left empty because they only feed publish's `password`. Real local servers, no act."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import certifi
import pytest
import requests

from release_actions.errors import ConfigError
from release_actions.rehearsal.publishing import (
    default_publishers,
    job_identity,
    parse_publisher,
    password_only_secrets,
)
from release_actions.rehearsal.run import published
from release_actions.rehearsal.tp_index import AttestingIndex, TrustedPublisher
from release_actions.sigstore_standins import LocalSigstore, _claims
from release_actions.workflows import Workflow, read_workflow

SHIP = """name: Ship
on:
  push:
    tags: ["v*"]
permissions: {}
jobs:
  release:
    runs-on: ubuntu-latest
    environment:
      name: pypi-public
      url: https://pypi.org/project/lib/
    permissions:
      id-token: write
    steps:
      - uses: benchflow-ai/release-actions/publish@v1
        with:
          password: ${{ secrets.PYPI_PASSWORD }}
      - uses: pypa/gh-action-pypi-publish@76f52bc884231f62b9a034ebfe128415bbaabdfc
        with:
          password: ${{ secrets.SHARED_TOKEN }}
  notify:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
    steps:
      - run: echo "$T"
        env:
          T: ${{ secrets.SHARED_TOKEN }}
"""
PREVIEW = """name: Preview
on:
  workflow_run:
    workflows: [Gate]
    types: [completed]
jobs:
  ship:
    runs-on: ubuntu-latest
    environment: ${{ vars.PREVIEW_ENVIRONMENT }}
    steps:
      - uses: benchflow-ai/release-actions/publish@0123456789abcdef0123456789abcdef01234567
"""


def workflow(tmp_path: Path, name: str, text: str) -> Workflow:
    path = tmp_path / name
    path.write_text(text)
    return read_workflow(path, name)


def token(url: str, request_token: str, audience: str = "pypi") -> requests.Response:
    return requests.get(url, params={"audience": audience}, timeout=10,
                        headers={"Authorization": f"bearer {request_token}"})


def test_each_job_gets_a_token_url_whose_tokens_carry_that_jobs_claims(tmp_path: Path) -> None:
    """Given two jobs of one tag push and a job of a workflow_run, when each asks its own URL
    for a token, then the claims name the repository, the workflow file at the run's ref, the
    commit, the job's environment (in `sub` too) and the run; another job's URL, or the wrong
    request token, gives nothing."""
    ship = workflow(tmp_path, "ship.yml", SHIP)
    preview = workflow(tmp_path, "preview.yml", PREVIEW)
    push = {"ref": "refs/tags/v1.2.0", "after": "a" * 40}
    release, notify = ship.jobs
    with LocalSigstore() as issuer:
        urls = {
            "release": issuer.add_job(job_identity(ship, release, "octo/lib", "push", push,
                                                   1001, 7, "a" * 40)),
            "notify": issuer.add_job(job_identity(ship, notify, "octo/lib", "push", push,
                                                  1001, 7, "a" * 40)),
            "ship": issuer.add_job(job_identity(preview, preview.jobs[0], "octo/lib",
                                                "workflow_run", {"workflow_run": {}}, 1002, 3,
                                                "b" * 40)),
        }
        answers = {job: token(env["ACTIONS_ID_TOKEN_REQUEST_URL"],
                              env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"])
                   for job, env in urls.items()}
        wrong = token(urls["release"]["ACTIONS_ID_TOKEN_REQUEST_URL"],
                      urls["notify"]["ACTIONS_ID_TOKEN_REQUEST_TOKEN"])
        sigstore = token(urls["release"]["ACTIONS_ID_TOKEN_REQUEST_URL"],
                         urls["release"]["ACTIONS_ID_TOKEN_REQUEST_TOKEN"], "sigstore")

    claims = {job: _claims(answer.json()["value"]) for job, answer in answers.items()}
    assert {key: claims["release"][key] for key in (
        "aud", "repository", "workflow_ref", "job_workflow_ref", "ref", "sha", "environment",
        "sub", "run_id", "run_number", "event_name")} == {
        "aud": "pypi", "repository": "octo/lib",
        "workflow_ref": "octo/lib/.github/workflows/ship.yml@refs/tags/v1.2.0",
        "job_workflow_ref": "octo/lib/.github/workflows/ship.yml@refs/tags/v1.2.0",
        "ref": "refs/tags/v1.2.0", "sha": "a" * 40, "environment": "pypi-public",
        "sub": "repo:octo/lib:environment:pypi-public", "run_id": "1001", "run_number": "7",
        "event_name": "push"}
    assert "environment" not in claims["notify"]
    assert claims["notify"]["sub"] == "repo:octo/lib:ref:refs/tags/v1.2.0"
    # A workflow_run runs at the default branch's head; an environment an expression picks is
    # unknown before the run, so the claim is left out.
    assert claims["ship"]["job_workflow_ref"] == (
        "octo/lib/.github/workflows/preview.yml@refs/heads/main")
    assert (claims["ship"]["sha"], claims["ship"]["run_id"]) == ("b" * 40, "1002")
    assert "environment" not in claims["ship"]
    assert wrong.status_code == 401
    assert _claims(sigstore.json()["value"])["aud"] == "sigstore"
    assert len({env["ACTIONS_ID_TOKEN_REQUEST_URL"] for env in urls.values()}) == 3


def test_a_secret_that_only_feeds_a_publish_password_is_the_one_left_empty(
        tmp_path: Path) -> None:
    workflows = [workflow(tmp_path, "ship.yml", SHIP), workflow(tmp_path, "p.yml", PREVIEW)]

    assert password_only_secrets(workflows) == {"PYPI_PASSWORD"}


def test_the_default_publishers_are_one_per_publishing_job_with_its_environment(
        tmp_path: Path) -> None:
    workflows = [workflow(tmp_path, "ship.yml", SHIP), workflow(tmp_path, "p.yml", PREVIEW)]

    assert default_publishers(workflows, "octo/lib") == (
        TrustedPublisher("octo/lib", "p.yml", ""),
        TrustedPublisher("octo/lib", "ship.yml", "pypi-public"))


@pytest.mark.parametrize(("value", "expected"), [
    ("release.yml", TrustedPublisher("octo/lib", "release.yml")),
    ("release.yml:pypi", TrustedPublisher("octo/lib", "release.yml", "pypi")),
    ("acme/other:publish.yaml", TrustedPublisher("acme/other", "publish.yaml")),
    ("acme/other:publish.yml:pypi", TrustedPublisher("acme/other", "publish.yml", "pypi")),
])
def test_a_trusted_publisher_is_read_as_pypi_holds_it(value: str,
                                                     expected: TrustedPublisher) -> None:
    assert parse_publisher(value, "octo/lib") == expected


@pytest.mark.parametrize("value", ["", "release", "acme/other", "a:b:c:d", "x/y/z:r.yml"])
def test_a_trusted_publisher_that_is_not_one_is_refused_with_the_form(value: str) -> None:
    with pytest.raises(ConfigError, match=r"\[OWNER/REPOSITORY:\]WORKFLOW.yml"):
        parse_publisher(value, "octo/lib")


def test_the_jobs_bundle_keeps_the_roots_this_machine_trusts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine behind a proxy trusts the proxy's CA through SSL_CERT_FILE: the bundle handed to
    the jobs replaces that variable, so it must hold those roots too, not only certifi's and the
    local CA (else a step that reaches the real PyPI, like pip-audit, fails on the certificate)."""
    proxy_root = tmp_path / "proxy-ca.pem"
    proxy_root.write_text("-----BEGIN CERTIFICATE-----\nproxy\n-----END CERTIFICATE-----\n")
    monkeypatch.setenv("SSL_CERT_FILE", str(proxy_root))

    with AttestingIndex() as index:
        bundle = index.ca_file.read_text()

    assert proxy_root.read_text() in bundle
    assert Path(certifi.where()).read_text() in bundle


def test_files_without_attestations_are_none_and_sigstores_trust_is_not_loaded(
        tmp_path: Path) -> None:
    """A preview rehearsal uploads no attestations: each file's provenance is `none`, and the
    trusted root (Sigstore's models, about 0.3 s of CPU to load) is not read at all."""
    index = SimpleNamespace(files={"a-1.0.tar.gz": b"sdist", "a-1.0-py3-none-any.whl": b"wheel"},
                            attestations={"a-1.0.tar.gz": []}, uploaded_by={})
    run = SimpleNamespace(index=index, trust_config=tmp_path / "no-trust-config.json")

    found = published(cast(Any, run), {"1.0": "public"})

    assert [(item["file"], item["channel"], item["provenance"]) for item in found] == [
        ("a-1.0-py3-none-any.whl", "public", "none"), ("a-1.0.tar.gz", "public", "none")]
