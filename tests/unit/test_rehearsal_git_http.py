"""The rehearsal's git server decides as GitHub does from what a job's token was granted: which
credential an Authorization header carries, which service a request is, whether it is served,
and the Fix read from a failed job's log."""

from __future__ import annotations

import base64

import pytest

from release_actions.rehearsal.git_http import (
    BAD_CREDENTIAL,
    FETCH,
    PUSH,
    TWO_CREDENTIALS,
    Credential,
    Refusal,
    credential,
    decide,
    refusal_fix,
    service_of,
)
from release_actions.rehearsal.permissions import RESTRICTED_DEFAULT

TOKENS = {"ghs_read": {"contents": "read"}, "ghs_write": {"contents": "write"},
          "ghs_none": {}, "ghs_default": RESTRICTED_DEFAULT}
DENIED = Refusal(403, "Permission to octo/repo.git denied to github-actions[bot].")


def basic(text: str, scheme: str = "basic") -> str:
    return f"{scheme} {base64.b64encode(text.encode()).decode()}"


@pytest.mark.parametrize(("headers", "expected"), [
    ([], None),
    ([basic("x-access-token:ghs_read")], Credential("ghs_read")),
    ([basic("anyone:ghs_read", "Basic")], Credential("ghs_read")),  # GitHub reads the password
    ([basic("x-access-token:")], Credential(problem=BAD_CREDENTIAL)),
    ([basic("ghs_read")], Credential(problem=BAD_CREDENTIAL)),
    (["Bearer ghs_read"], Credential(problem=BAD_CREDENTIAL)),
    (["basic not-base64!"], Credential(problem=BAD_CREDENTIAL)),
    ([basic("x-access-token:a"), basic("x-access-token:b")], Credential(problem=TWO_CREDENTIALS)),
])
def test_the_credential_is_the_basic_auth_password(headers: list[str],
                                                   expected: Credential | None) -> None:
    assert credential(headers) == expected


@pytest.mark.parametrize(("path", "query", "service"), [
    ("/octo/repo.git/info/refs", "service=git-receive-pack", PUSH),
    ("/octo/repo/git-receive-pack", "", PUSH),
    ("/octo/repo.git/info/refs", "service=git-upload-pack", FETCH),
    ("/octo/repo.git/git-upload-pack", "", FETCH),
    ("/octo/repo.git/HEAD", "", FETCH),  # dumb HTTP reads
])
def test_a_push_is_receive_pack_everything_else_a_fetch(path: str, query: str,
                                                        service: str) -> None:
    assert service_of(path, query) == service


@pytest.mark.parametrize(("service", "token", "public", "expected"), [
    # A push needs contents: write; a token that may only read gets GitHub's 403.
    (PUSH, "ghs_write", True, None),
    (PUSH, "ghs_read", True, DENIED),
    (PUSH, "ghs_default", True, DENIED),  # the restricted default reads only
    (PUSH, "ghs_none", True, DENIED),  # permissions: {}
    (PUSH, None, True, Refusal(401)),  # no credential: git asks for a user name
    # A public repository: anyone fetches, with any token or none.
    (FETCH, None, True, None),
    (FETCH, "ghs_none", True, None),
    # A private one: a fetch needs contents: read; without it the repository is not there.
    (FETCH, None, False, Refusal(401)),
    (FETCH, "ghs_read", False, None),
    (FETCH, "ghs_none", False, Refusal(404, "Repository not found.")),
    (PUSH, "ghs_none", False, Refusal(404, "Repository not found.")),
    (PUSH, "ghs_read", False, DENIED),
    # A token no job was given (a PAT or App token from a secret): not ours to judge.
    (PUSH, "ghp_from_a_secret", True, None),
    (FETCH, "ghp_from_a_secret", False, None),
])
def test_the_server_serves_what_the_tokens_job_was_granted(
        service: str, token: str | None, public: bool, expected: Refusal | None) -> None:
    sent = None if token is None else Credential(token)
    assert decide(service, sent, TOKENS, "octo/repo", public=public) == expected


def test_a_malformed_credential_is_refused_even_for_a_public_fetch() -> None:
    assert decide(FETCH, Credential(problem=BAD_CREDENTIAL), TOKENS, "octo/repo") == \
        Refusal(401, BAD_CREDENTIAL)


LOG = """\
[Publish release/release]   | checked out refs/tags/v1.0.0 at 0123
[Publish release/release]   | remote: Permission to octo/repo.git denied to github-actions[bot].
[Publish release/bump   ]   | fatal: could not read Username for 'http://127.0.0.1:4711': \
terminal prompts disabled
[Publish release/bump   ]   ❌  Failure - Main git push origin HEAD:refs/heads/next
"""


def test_the_fix_names_the_failed_job_and_what_it_lacks() -> None:
    denied = refusal_fix("release.yml", LOG, {"release"})
    assert denied.startswith("job `release` of release.yml pushed to origin")
    assert "`Permission to octo/repo.git denied to github-actions[bot]`" in denied
    assert "permissions: contents: write" in denied
    bare = refusal_fix("release.yml", LOG, {"bump"})
    assert bare.startswith("job `bump` of release.yml reached origin without a credential")
    assert "persist-credentials: false" in bare


def test_a_refusal_in_a_job_that_succeeded_is_not_the_fix() -> None:
    """A step may tolerate a refused push (`git push || true`): another failure is the cause."""
    assert refusal_fix("release.yml", LOG, set()) == ""
    assert refusal_fix("release.yml", "[Publish release/bump] | error: tests failed\n",
                       {"bump"}) == ""
