"""The fault suite, part two: publish's paths (upload, check-url, verification, the OIDC
token), the gate's probe, a project's own catastrophic regex, and the shared reader's caps
against bombs; each ends within its deadline and memory bound with one `::error`
(tests/hostile/faults.py says how)."""

from __future__ import annotations

import io
import subprocess
import time
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from devtools.fault_server import (
    BOMB_BYTES,
    ECHO,
    FAULTS,
    GZIP_BOMB,
    FaultServer,
    gzip_bomb,
)

from tests.helpers import Result
from tests.hostile.conftest import Workspace, make_workspace
from tests.hostile.faults import (
    ANSWERS_200,
    DEADLINE,
    MARGIN,
    MEMORY,
    PUBLISH,
    TIMINGS,
    assert_bounded,
    in_threads,
    report_figures,
    run_faults,
    run_measured,
    with_dist,
)
from tests.integration.regex_bound import SECONDS, short_regex_bound

pytestmark = pytest.mark.alone


# --- publish -------------------------------------------------------------------------------------


def test_publish_upload_is_bounded(tmp_path: Path, built_dist: Path) -> None:
    """The upload endpoint faulty, no check-url: every fault but a 200 (whatever its body) is a
    failed upload."""

    def scenario(workspace: Workspace, url: str) -> tuple[list[str], dict[str, str],
                                                            dict[str, str]]:
        return ["publish"], {**PUBLISH, "repository-url": f"{url}/legacy/", "check-url": ""}, {}

    faults = tuple(fault for fault in FAULTS if fault not in ANSWERS_200)
    results = run_faults(tmp_path, "publish upload", scenario, DEADLINE, with_dist(built_dist),
                         faults)
    assert_bounded(results)


def test_publish_check_url_is_bounded(tmp_path: Path, built_dist: Path) -> None:
    """check-url faulty (uv asks it before uploading): refused within the upload deadline."""

    def scenario(workspace: Workspace, url: str) -> tuple[list[str], dict[str, str],
                                                            dict[str, str]]:
        inputs = {**PUBLISH, "repository-url": f"{url}/legacy/", "check-url": f"{url}/simple/"}
        return ["publish"], inputs, {}

    results = run_faults(tmp_path, "publish check-url", scenario, DEADLINE,
                         with_dist(built_dist))
    assert_bounded(results)


def test_publish_upload_answered_200_with_garbage_is_not_success(tmp_path: Path,
                                                                 built_dist: Path) -> None:
    """`uv publish` exits 0 on any 200; the verification reads the index back (here one that
    lists nothing) and refuses to call the files uploaded."""
    with FaultServer(ECHO, status=404) as empty_index:

        def scenario(workspace: Workspace, url: str) -> tuple[list[str], dict[str, str],
                                                                dict[str, str]]:
            inputs = {**PUBLISH, "repository-url": f"{url}/legacy/", "check-url": "",
                      "verify": "true", "verify-url": f"{empty_index.url}/simple/",
                      "verify-timeout": str(DEADLINE)}
            return ["publish"], inputs, {}

        results = run_faults(tmp_path, "publish upload (200) + verification", scenario,
                             2 * DEADLINE, with_dist(built_dist), ANSWERS_200)
    assert_bounded(results)
    for result in results:
        assert "uploaded |" not in result.run.summary, result.run.summary


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


# --- a project's own regex (no server: the fault is the pattern) ------------------------------

# (where the pattern is declared, the pattern, a tag it backtracks on for 2**40 steps).
HOSTILE_TAG_PATTERNS = {
    "setuptools-scm tag_regex": ('[tool.setuptools_scm]\ntag_regex = "{pattern}"\n',
                                 "^(v+)+$", "v" * 40 + "1x"),
    "hatch-vcs tag-pattern": ('[tool.hatch.version]\nsource = "vcs"\ntag-pattern = "{pattern}"\n',
                              "^(?P<version>(\\\\d|\\\\d\\\\d)+)$", "1" * 40 + "x"),
    "pdm-backend tag_regex": ('[tool.pdm.version]\nsource = "scm"\ntag_regex = "{pattern}"\n',
                              "^(?P<version>(.*)*)-$", "1." * 20 + "0"),
    "uv-dynamic-versioning pattern": ('[tool.hatch.version]\nsource = "uv-dynamic-versioning"\n'
                                      '[tool.uv-dynamic-versioning]\npattern = "{pattern}"\n',
                                      "^(?P<base>(v|vv)+)1$", "v" * 40 + "1.x"),
}


def test_a_catastrophic_tag_pattern_is_bounded(tmp_path: Path) -> None:
    """Each place a project declares its tag regex, with a pattern that backtracks for ever on
    one of its tags: version-rewrite ends within the bound, exit 2, naming the pattern."""
    bound = short_regex_bound(tmp_path)  # the bound itself is not the subject

    def one(name: str) -> tuple[str, Result, float]:
        table, pattern, tag = HOSTILE_TAG_PATTERNS[name]
        base = tmp_path / name.replace(" ", "-")
        base.mkdir()
        workspace = make_workspace(base)
        root = workspace.root
        (root / "pyproject.toml").write_text(
            '[project]\nname = "mypkg"\ndynamic = ["version"]\n'
            '[build-system]\nrequires = ["setuptools-scm"]\n' + table.format(pattern=pattern))
        for args in (["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit",
                                     "-qm", "vcs"], ["tag", tag]):
            subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
        started = time.monotonic()
        run = run_measured(workspace, ["version-rewrite"], {"run-number": "3"}, bound,
                           limit=SECONDS + MARGIN + 20)
        seconds = time.monotonic() - started
        TIMINGS[("version-rewrite tag regex", name)] = (seconds, SECONDS)
        return name, run, seconds

    with ThreadPoolExecutor(len(HOSTILE_TAG_PATTERNS)) as pool:
        results = list(pool.map(one, HOSTILE_TAG_PATTERNS))
    for name, run, seconds in results:
        log = run.stdout + run.stderr
        assert seconds <= SECONDS + MARGIN, (name, seconds, log)
        assert run.code == 2, (name, log)
        [error] = run.errors()
        assert "backtracks catastrophically" in error, (name, error)
        assert f"no answer within {SECONDS:g} s" in error, (name, error)
        assert "Traceback" not in log and run.env == {}, (name, log)


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
