"""The fault suite, part four: publish's verification (the index read back after an upload) and
its OIDC token, the gate's probe, and the shared reader's caps against bombs; each ends within
its deadline and memory bound with one `::error` (tests/hostile/faults.py says how)."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from devtools.fault_server import (
    BOMB_BYTES,
    ECHO,
    GZIP_BOMB,
    FaultServer,
    gzip_bomb,
)

from tests.hostile.conftest import Workspace
from tests.hostile.faults import (
    DEADLINE,
    MARGIN,
    MEMORY,
    PUBLISH,
    assert_bounded,
    in_threads,
    report_figures,
    run_faults,
    with_dist,
)

pytestmark = pytest.mark.alone


# --- publish verification ------------------------------------------------------------------------


def test_publish_verification_is_bounded(tmp_path: Path, built_dist: Path) -> None:
    """The index read back after a good upload is the faulty one."""
    with FaultServer(ECHO, status=200) as accepting:

        def scenario(workspace: Workspace, url: str) -> tuple[list[str], dict[str, str],
                                                                dict[str, str]]:
            inputs = {**PUBLISH, "repository-url": f"{accepting.url}/legacy/", "check-url": "",
                      "verify": "true", "verify-url": f"{url}/simple/",
                      "verify-timeout": str(DEADLINE)}
            return ["publish"], inputs, {}

        results = run_faults(tmp_path, "publish verification", scenario, 2 * DEADLINE,
                             with_dist(built_dist))
    assert_bounded(results)


# --- integration-gate ----------------------------------------------------------------------------


def test_integration_gate_probe_is_bounded(tmp_path: Path) -> None:
    def scenario(workspace: Workspace, url: str) -> tuple[list[str], dict[str, str],
                                                            dict[str, str]]:
        return (["integration-gate"], {"providers": "deepseek", "timeout": str(DEADLINE)},
                {"DEEPSEEK_API_KEY": "sk-probe-key-123456", "DEEPSEEK_BASE_URL": url})

    results = run_faults(tmp_path, "integration-gate probe", scenario, DEADLINE)
    assert_bounded(results)
    for result in results:
        assert result.run.outputs["provider"] == ""


def test_oidc_claims_are_bounded(servers: dict[str, FaultServer], tmp_path: Path) -> None:
    from release_actions.gha import Console
    from release_actions.trusted_publishing import Job, fetch_claims

    def call(url: str) -> object:
        job = Job.from_environ({"ACTIONS_ID_TOKEN_REQUEST_URL": f"{url}/token",
                                "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token-1234",
                                "GITHUB_WORKSPACE": str(tmp_path)})
        return fetch_claims(job, f"{url}/legacy/", Console(actions=True, stream=io.StringIO()),
                            deadline=DEADLINE)

    for fault, (outcome, seconds) in in_threads(call, servers, "publish OIDC claims",
                                                 DEADLINE).items():
        assert outcome == {}, (fault, outcome)
        assert seconds <= DEADLINE + MARGIN, (fault, seconds)


# --- memory: a small gzip answer that expands to BOMB_BYTES (in-process, traced) ------------

# Peak Python allocations while one read is refused: its cap (at most 32 MiB) plus slack.
READ_BOUND_MIB = 48


def _traced(path: str, call: Callable[[], object]) -> object:
    """`call()`'s outcome (its exception, if it raised), its peak allocations recorded."""
    tracemalloc.start()
    try:
        outcome: object = call()
    except Exception as error:  # the outcome is asserted by the caller
        outcome = error
    finally:
        peak = tracemalloc.get_traced_memory()[1] >> 20
        tracemalloc.stop()
    MEMORY[(path, GZIP_BOMB)] = peak
    assert peak <= READ_BOUND_MIB, (path, peak, BOMB_BYTES >> 20)
    return outcome


def _packed(encoding: str) -> bytes:
    """BOMB_BYTES of spaces in one Content-Encoding (gzip twice: "gzip, gzip")."""
    import zlib

    def pack(wbits: int, parts: Iterator[bytes]) -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
        return b"".join(packer.compress(part) for part in parts) + packer.flush()

    if encoding == "deflate":
        return pack(15, (b" " * (1 << 20) for _ in range(BOMB_BYTES >> 20)))
    # The inner gzip is the fault server's bomb (the same bytes, made once per process).
    return pack(31, iter([gzip_bomb()]))


@pytest.mark.parametrize("encoding", ["deflate", "gzip, gzip"])
def test_the_shared_reader_caps_decoded_bytes(encoding: str) -> None:
    """http.read_body, which every other read goes through, counts bytes after decoding."""
    from http.server import BaseHTTPRequestHandler

    from release_actions import http
    from release_actions.deadline import Deadline
    from release_actions.rehearsal.servers import serving

    body = _packed(encoding)

    class Packed(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Encoding", encoding)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serving(Packed) as port:
        outcome = _traced(f"http.read_body ({encoding})", lambda: http.get(
            f"http://127.0.0.1:{port}/", Deadline.after(120)))
    assert isinstance(outcome, http.BodyTooLarge), outcome


def test_verification_reads_a_gzip_bomb_capped() -> None:
    """The index page read back after an upload: refused at its cap, never expanded."""
    from release_actions import http, verification

    with FaultServer(GZIP_BOMB) as bomb:
        poller = verification.Poller(http.session(retries=0), timeout=120)
        outcome = _traced("publish verification page",
                          lambda: poller.fetch(f"{bomb.url}/simple/mypkg/", 120))
    assert outcome == (None, "a page larger than 32 MiB"), outcome


@pytest.mark.parametrize("status", [200, 403])
def test_github_api_answer_gzip_bomb_is_capped(status: int) -> None:
    """Every PyGithub request (one transport): an answer is refused at its cap; a 403's body,
    which PyGithub's retry reads to tell a rate limit, too."""
    import requests
    from github import GithubException

    from release_actions import github

    with FaultServer(GZIP_BOMB, status=status) as bomb:
        client = github.client("ghs_bomb-token-1234", {"GITHUB_API_URL": bomb.url}, timeout=120)
        outcome = _traced(f"GitHub API answer ({status})", lambda: client.get_repo("octo/mypkg"))
    assert isinstance(outcome, (requests.RequestException, GithubException)), outcome


def test_oidc_token_answer_gzip_bomb_is_capped(tmp_path: Path) -> None:
    from release_actions.gha import Console
    from release_actions.trusted_publishing import Job, fetch_claims

    with FaultServer(GZIP_BOMB) as bomb:
        job = Job.from_environ({"ACTIONS_ID_TOKEN_REQUEST_URL": f"{bomb.url}/token",
                                "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token-1234",
                                "GITHUB_WORKSPACE": str(tmp_path)})
        outcome = _traced("publish OIDC token", lambda: fetch_claims(
            job, f"{bomb.url}/legacy/", Console(actions=True, stream=io.StringIO()),
            deadline=120))
    assert outcome == {}, outcome


# --- the figures ---------------------------------------------------------------------------------


def test_zz_report_the_figures(report_figure: Callable[[str], None]) -> None:
    """Prints this file's faults tried and its longest run against its deadline (run last)."""
    report_figures(report_figure)
