"""Every HTTP path against a real local server that misbehaves (hang, trickle, reset, 5xx, 429
with `Retry-After: 3600`, 200 with garbage, a huge body, nested JSON, a redirect loop, 301s to
another host, to the same URL and onward, a gzip bomb): the command ends within its configured
deadline (plus a margin for a loaded machine; a bound, not a benchmark) and within a memory
bound, with one `::error` and no traceback. The faults of one path run concurrently (all at
once), each in its own process, so the suite costs about one deadline per path."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from devtools.fault_server import (
    ANSWERED_200,
    BOMB_BYTES,
    ECHO,
    FAULTS,
    GZIP_BOMB,
    MOVED_HERE,
    FaultServer,
    gzip_bomb,
)
from devtools.pypi import write_sample_package

from tests.helpers import ROOT, Result, clean_env
from tests.hostile.conftest import Workspace, make_workspace

pytestmark = pytest.mark.alone

DEADLINE = 3.0  # seconds, given to every timeout input below
MARGIN = 10.0  # a loaded 2-core machine: start-up, imports, a killed child's clean-up
# Runs of one path at once: all its faults. Each starts Python (about 0.3 s of CPU, compiled
# once per run), so 14 start-ups on 2 cores take about 2 s of the margin.
CONCURRENT_RUNS = len(FAULTS)
# An upload endpoint that answers 200 whatever the body: `uv publish` exits 0 on these.
ANSWERS_200 = ANSWERED_200
# Our process's peak memory (its children, uv and git, not counted): the interpreter and its
# imports take about 60 MiB; every cap together (32 MiB API answers, 8 MiB bodies) stays below.
MEMORY_BOUND_MIB = 200
# The CLI run with its peak resident memory printed last on stderr: VmHWM, the high-water mark
# of this program's own memory (ru_maxrss would count the test process it was spawned from).
MEASURED = (
    "import sys\n"
    "from release_actions.cli import end, main\n"
    "try:\n"
    "    code = main(sys.argv[1:])\n"
    "finally:\n"
    "    with open('/proc/self/status') as status:\n"
    "        peak = next(int(line.split()[1]) for line in status\n"
    "                    if line.startswith('VmHWM:')) // 1024\n"
    "    print(f'peak-memory-mib={peak}', file=sys.stderr)\n"
    "end(code)\n"
)
# (path, fault) -> (seconds taken, configured deadline): the figures the suite reports.
TIMINGS: dict[tuple[str, str], tuple[float, float]] = {}
# (path, fault) -> peak memory in MiB of the command's own process.
MEMORY: dict[tuple[str, str], int] = {}


@dataclass(frozen=True)
class Faulted:
    path: str
    fault: str
    run: Result
    seconds: float
    deadline: float

    @property
    def peak_mib(self) -> int:
        """The peak memory the run printed last (0 when it was killed before)."""
        lines = self.run.stderr.strip().splitlines()
        last = lines[-1] if lines else ""
        return int(last.partition("=")[2]) if last.startswith("peak-memory-mib=") else 0


def _run(workspace: Workspace, argv: list[str], inputs: dict[str, str],
         env: dict[str, str], limit: float = 120) -> Result:
    """The CLI in a process of its own; one still running after `limit` seconds is killed and
    reported as exit code -1 (an unbounded wait)."""
    environ = clean_env(PYTHONPATH=str(ROOT / "src"))
    environ.update(workspace.environ(inputs, **env))
    environ["PATH"] = clean_env()["PATH"]
    try:
        proc = subprocess.run([sys.executable, "-c", MEASURED, *argv],
                              cwd=workspace.root, env=environ, capture_output=True, text=True,
                              timeout=limit, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as expired:
        return Result(-1, str(expired.stdout or ""), f"still running after {limit:g} s")
    return workspace.read_runner_files(Result(proc.returncode, proc.stdout, proc.stderr))


Scenario = Callable[[Workspace, str], tuple[list[str], dict[str, str], dict[str, str]]]


def run_faults(tmp_path: Path, path: str, scenario: Scenario, deadline: float,
               prepare: Callable[[Workspace], None] | None = None,
               faults: tuple[str, ...] = FAULTS) -> list[Faulted]:
    """`scenario` against a server of each fault, all at once; each run timed."""
    with ExitStack() as stack:
        servers = {fault: stack.enter_context(FaultServer(fault)) for fault in faults}

        def one(fault: str) -> Faulted:
            base = tmp_path / fault
            base.mkdir()
            workspace = make_workspace(base)
            if prepare:
                prepare(workspace)
            argv, inputs, env = scenario(workspace, servers[fault].url)
            started = time.monotonic()
            run = _run(workspace, argv, inputs, env, limit=deadline + MARGIN + 20)
            seconds = time.monotonic() - started
            TIMINGS[(path, fault)] = (seconds, deadline)
            faulted = Faulted(path, fault, run, seconds, deadline)
            MEMORY[(path, fault)] = faulted.peak_mib
            return faulted

        with ThreadPoolExecutor(min(len(faults), CONCURRENT_RUNS)) as pool:
            return list(pool.map(one, faults))


def assert_bounded(results: list[Faulted], *, codes: tuple[int, ...] = (1,),
                   checklist: bool = False) -> None:
    """Each run ended in time and within the memory bound with one `::error` (a checklist
    annotates each failed item)."""
    for result in results:
        log = result.run.stdout + result.run.stderr
        assert result.seconds <= result.deadline + MARGIN, (result.fault, result.seconds, log)
        assert 0 < result.peak_mib <= MEMORY_BOUND_MIB, (result.fault, result.peak_mib, log)
        assert result.run.code in codes, (result.fault, log)
        errors = result.run.errors()
        assert len(errors) == 1 or (checklist and errors), (result.fault, log)
        assert "Traceback" not in log, (result.fault, log)


# --- tag-guard ---------------------------------------------------------------------------------


def _tagged(workspace: Workspace, origin: str) -> None:
    """The project at 1.2.3, committed and tagged v1.2.3, with `origin` as its remote."""
    root = workspace.root
    (root / "pyproject.toml").write_text('[project]\nname = "mypkg"\nversion = "1.2.3"\n')
    for args in (["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm",
                                 "1.2.3"], ["tag", "v1.2.3"], ["remote", "add", "origin", origin]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def _bare_origin(workspace: Workspace) -> None:
    bare = workspace.runner / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    _tagged(workspace, str(bare))
    subprocess.run(["git", "push", "-q", "origin", "HEAD:refs/heads/main"], cwd=workspace.root,
                   check=True, capture_output=True)


def test_tag_guard_index_check_is_bounded(tmp_path: Path) -> None:
    """The index check (git answers): refused, since `index-unreachable` defaults to fail."""

    def scenario(workspace: Workspace, url: str) -> tuple[list[str], dict[str, str],
                                                            dict[str, str]]:
        return ["tag-guard"], {"tag": "v1.2.3", "index-url": url, "timeout": str(DEADLINE)}, {}

    results = run_faults(tmp_path, "tag-guard index", scenario, DEADLINE, _bare_origin)
    assert_bounded(results)
    for result in results:
        assert "index-unreachable: warn" in result.run.errors()[0], result.run.errors()[0]


def test_tag_guard_git_fetch_then_compare_api_is_bounded(tmp_path: Path) -> None:
    """origin and GitHub's API both on the faulty server: git fetch, then the compare API, each
    within its own deadline."""

    def scenario(workspace: Workspace, url: str) -> tuple[list[str], dict[str, str],
                                                            dict[str, str]]:
        _tagged(workspace, f"{url}/octo/mypkg.git")
        inputs = {"tag": "v1.2.3", "index-url": "", "timeout": str(DEADLINE),
                  "git-timeout": str(DEADLINE), "github-token": "ghs_compare-token-1234"}
        return ["tag-guard"], inputs, {"GITHUB_API_URL": url}

    results = run_faults(tmp_path, "tag-guard git + compare API", scenario, 2 * DEADLINE)
    # A server that lists no refs (200 with garbage) tells git origin has no such branch: a
    # configuration error (exit 2) that names the branch.
    assert_bounded(results, codes=(1, 2))


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


# --- publish -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One wheel and one sdist of a sample preview version, built once."""
    root = write_sample_package(tmp_path_factory.mktemp("sample"), "faultpkg", "1.0.0.dev1")
    from release_actions.processes import uv_binary

    subprocess.run([uv_binary(), "build", "--quiet", "--out-dir", "dist"], cwd=root, check=True,
                   capture_output=True, timeout=300)
    return root / "dist"


def _with_dist(dist: Path) -> Callable[[Workspace], None]:
    def prepare(workspace: Workspace) -> None:
        shutil.copytree(dist, workspace.root / "dist")

    return prepare


# The upload alone (its verification is asked for only where it is under test).
PUBLISH = {"channel": "preview", "build": "false", "check": "false", "username": "uploader",
           "password": "pw-upload-secret-77", "trusted-publishing": "never",
           "upload-timeout": str(DEADLINE), "verify": "false"}


def test_publish_upload_is_bounded(tmp_path: Path, built_dist: Path) -> None:
    """The upload endpoint faulty, no check-url: every fault but a 200 (whatever its body) is a
    failed upload."""

    def scenario(workspace: Workspace, url: str) -> tuple[list[str], dict[str, str],
                                                            dict[str, str]]:
        return ["publish"], {**PUBLISH, "repository-url": f"{url}/legacy/", "check-url": ""}, {}

    faults = tuple(fault for fault in FAULTS if fault not in ANSWERS_200)
    results = run_faults(tmp_path, "publish upload", scenario, DEADLINE, _with_dist(built_dist),
                         faults)
    assert_bounded(results)


def test_publish_check_url_is_bounded(tmp_path: Path, built_dist: Path) -> None:
    """check-url faulty (uv asks it before uploading): refused within the upload deadline."""

    def scenario(workspace: Workspace, url: str) -> tuple[list[str], dict[str, str],
                                                            dict[str, str]]:
        inputs = {**PUBLISH, "repository-url": f"{url}/legacy/", "check-url": f"{url}/simple/"}
        return ["publish"], inputs, {}

    results = run_faults(tmp_path, "publish check-url", scenario, DEADLINE,
                         _with_dist(built_dist))
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
                             2 * DEADLINE, _with_dist(built_dist), ANSWERS_200)
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
                             _with_dist(built_dist))
    assert_bounded(results)


# --- the GitHub Release and the OIDC token (called in-process: one network step each) --------


@pytest.fixture
def servers() -> Iterator[dict[str, FaultServer]]:
    with ExitStack() as stack:
        yield {fault: stack.enter_context(FaultServer(fault)) for fault in FAULTS}


def _in_threads(call: Callable[[str], object], servers: dict[str, FaultServer],
                path: str, deadline: float) -> dict[str, tuple[object, float]]:
    def one(fault: str) -> tuple[object, float]:
        started = time.monotonic()
        try:
            outcome: object = call(servers[fault].url)
        except Exception as error:  # the outcome is asserted by the caller
            outcome = error
        seconds = time.monotonic() - started
        TIMINGS[(path, fault)] = (seconds, deadline)
        return outcome, seconds

    with ThreadPoolExecutor(len(servers)) as pool:
        return dict(zip(servers, pool.map(one, servers), strict=True))


def test_github_release_is_bounded(servers: dict[str, FaultServer], tmp_path: Path) -> None:
    from packaging.version import Version

    from release_actions.errors import CheckFailed
    from release_actions.gha import Console
    from release_actions.release import ReleaseRequest, publish_release

    def call(url: str) -> object:
        request = ReleaseRequest(repository="octo/mypkg", tag="v1.0.0", title="mypkg 1.0.0",
                                 version=Version("1.0.0"), dists=[])
        console = Console(actions=True, stream=io.StringIO())
        return publish_release(request, "ghs_release-token-1234", {"GITHUB_API_URL": url},
                               console, timeout=DEADLINE)

    for fault, (outcome, seconds) in _in_threads(call, servers, "publish GitHub Release",
                                                 DEADLINE).items():
        assert isinstance(outcome, CheckFailed), (fault, outcome)
        assert seconds <= DEADLINE + MARGIN, (fault, seconds)


def test_bump_dev_pull_request_is_bounded(servers: dict[str, FaultServer]) -> None:
    """bump-dev's pull request (find, then open or update) on the faulty server: one CheckFailed
    or ConfigError that says the branch is pushed, within the step's deadline."""
    from release_actions.errors import ReleaseActionsError
    from release_actions.pull_requests import Proposal, open_or_update

    proposal = Proposal(repository="octo/mypkg", head="release-actions/bump-dev",
                        base="main", title="Bump", body="body")

    def call(url: str) -> object:
        return open_or_update("ghs_pull-token-1234", {"GITHUB_API_URL": url}, proposal,
                              seconds=DEADLINE)

    for fault, (outcome, seconds) in _in_threads(call, servers, "bump-dev pull request",
                                                 DEADLINE).items():
        assert isinstance(outcome, ReleaseActionsError), (fault, outcome)
        assert "release-actions/bump-dev" in outcome.message, (fault, outcome.message)
        assert seconds <= DEADLINE + MARGIN, (fault, seconds)


def test_oidc_claims_are_bounded(servers: dict[str, FaultServer], tmp_path: Path) -> None:
    from release_actions.gha import Console
    from release_actions.trusted_publishing import Job, fetch_claims

    def call(url: str) -> object:
        job = Job.from_environ({"ACTIONS_ID_TOKEN_REQUEST_URL": f"{url}/token",
                                "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token-1234",
                                "GITHUB_WORKSPACE": str(tmp_path)})
        return fetch_claims(job, f"{url}/legacy/", Console(actions=True, stream=io.StringIO()),
                            deadline=DEADLINE)

    for fault, (outcome, seconds) in _in_threads(call, servers, "publish OIDC claims",
                                                 DEADLINE).items():
        assert outcome == {}, (fault, outcome)
        assert seconds <= DEADLINE + MARGIN, (fault, seconds)


# --- tested-run and doctor (GitHub's API) ---------------------------------------------------------


def test_tested_run_resolve_is_bounded(tmp_path: Path) -> None:
    """The record of the tested run read through GitHub's API on the faulty server."""

    def scenario(workspace: Workspace, url: str) -> tuple[list[str], dict[str, str],
                                                            dict[str, str]]:
        inputs = {"mode": "resolve", "run-id": "42", "github-token": "ghs_tested-token-1234",
                  "timeout": str(DEADLINE)}
        return ["tested-run"], inputs, {"GITHUB_API_URL": url}

    results = run_faults(tmp_path, "tested-run resolve", scenario, DEADLINE)
    # A redirect (loop) on the listing is a refusal too, never read as "no tested run".
    assert_bounded(results, codes=(1, 2))


# The program as a runner starts it (`python -m release_actions`), threads switched as often as
# possible: a deadline that expires while its call imports PyGithub leaves that thread in the
# Rust of cryptography (a module's init calling back into Python) when the interpreter shuts down.
SWITCHING_PROGRAM = ("import runpy, sys\nsys.setswitchinterval(1e-6)\n"
                     "runpy.run_module('release_actions', run_name='__main__')\n")
# Timeouts that end anywhere in that import on this machine or a slower one, 2 runs at a time:
# before the exit was made safe, 1 or 2 of these 30 ended in SIGABRT.
EARLY_TIMEOUTS = tuple(round(0.05 + 0.01 * step, 2) for step in range(30))


def test_an_expired_deadline_never_crashes_the_exit(tmp_path: Path) -> None:
    """tested-run against a server that moves every path to itself, its deadline expiring at
    each moment of the import of PyGithub: each run ends with exit 1, one `::error` and the
    summary written, never a signal ("FATAL: exception not rethrown")."""

    def one(server: FaultServer, timeout: float) -> Result:
        base = tmp_path / str(timeout)
        base.mkdir()
        workspace = make_workspace(base)
        environ = clean_env(PYTHONPATH=str(ROOT / "src"))
        environ.update(workspace.environ({"mode": "resolve", "run-id": "42",
                                          "github-token": "ghs_tested-token-1234",
                                          "timeout": str(timeout)}, GITHUB_API_URL=server.url))
        proc = subprocess.run([sys.executable, "-c", SWITCHING_PROGRAM, "tested-run"],
                              cwd=workspace.root, env=environ, capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL)
        return workspace.read_runner_files(Result(proc.returncode, proc.stdout, proc.stderr))

    with FaultServer(MOVED_HERE) as server, ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda timeout: one(server, timeout), EARLY_TIMEOUTS))
    for timeout, run in zip(EARLY_TIMEOUTS, runs, strict=True):
        assert run.code == 1, (timeout, run.code, run.log)
        assert len(run.errors()) == 1, (timeout, run.log)
        assert run.summary.startswith("### ❌ `tested-run`"), (timeout, run.summary)


def test_doctor_environments_are_bounded(tmp_path: Path) -> None:
    """The environments read through GitHub's API on the faulty server."""

    def scenario(workspace: Workspace, url: str) -> tuple[list[str], dict[str, str],
                                                            dict[str, str]]:
        inputs = {"github-token": "ghs_doctor-token-1234", "repository": "octo/mypkg",
                  "timeout": str(DEADLINE)}
        return ["doctor"], inputs, {"GITHUB_API_URL": url}

    results = run_faults(tmp_path, "doctor environments", scenario, DEADLINE)
    assert_bounded(results, codes=(1, 2), checklist=True)


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
    from release_actions.project_regex import TIMEOUT_SECONDS

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
        run = _run(workspace, ["version-rewrite"], {"run-number": "3"}, {},
                   limit=TIMEOUT_SECONDS + MARGIN + 20)
        seconds = time.monotonic() - started
        TIMINGS[("version-rewrite tag regex", name)] = (seconds, TIMEOUT_SECONDS)
        return name, run, seconds

    with ThreadPoolExecutor(len(HOSTILE_TAG_PATTERNS)) as pool:
        results = list(pool.map(one, HOSTILE_TAG_PATTERNS))
    for name, run, seconds in results:
        log = run.stdout + run.stderr
        assert seconds <= TIMEOUT_SECONDS + MARGIN, (name, seconds, log)
        assert run.code == 2, (name, log)
        [error] = run.errors()
        assert "backtracks catastrophically" in error, (name, error)
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
    """Prints faults tried and the longest run against its deadline (run last in this file)."""
    if not TIMINGS:
        pytest.skip("no faulted run in this session")
    (path, fault), (seconds, deadline) = max(TIMINGS.items(), key=lambda item: item[1][0])
    bounded = sum(s <= d + MARGIN for s, d in TIMINGS.values())
    report_figure(f"faults tried: {len(TIMINGS)}; each ended within its deadline plus "
                  f"{MARGIN:g} s for start-up: {bounded}; the slowest took {seconds:.1f} s "
                  f"(deadline {deadline:g} s; {path} / {fault})")
    if MEMORY:
        (path, fault), peak = max(MEMORY.items(), key=lambda item: item[1])
        report_figure(f"largest peak memory: {path} / {fault} {peak} MiB against a bound of "
                      f"{MEMORY_BOUND_MIB} MiB ({len(MEMORY)} runs measured)")
    assert all(s <= d + MARGIN for s, d in TIMINGS.values())
