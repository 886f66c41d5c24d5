"""The rehearsal's step server (release_actions/rehearsal/steps.py) and its client: a step forked
from the server is the step a new interpreter would run (folder, environment, umask, streams,
exit code), gets its client's signals, and stops with its client; without a server the client
runs the step itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from devtools.fault_server import HANG, FaultServer

from release_actions.rehearsal import step_client
from release_actions.rehearsal.steps import step_server
from tests.helpers import parse_key_values
from tests.hostile.conftest import Workspace, make_workspace

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the step server is Linux's")

CLIENT = Path(step_client.__file__).resolve()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[dict[str, str]]:
    folder = tmp_path / "rehearsal"
    folder.mkdir()
    with step_server(folder) as env:
        assert env.get(step_client.SERVER), (folder / "steps.log").read_text()
        yield env


def test_a_socket_path_too_long_for_the_folder_goes_to_a_short_folder(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    with step_server(deep) as env:
        path = env.get(step_client.SERVER, "")
        assert path.startswith("/tmp/release-actions-steps-") and Path(path).is_socket()
        assert server_pid(env)
    assert not Path(path).parent.exists()


def client(command: str, workspace: Workspace, env: dict[str, str],
           **popen: object) -> subprocess.Popen[str]:
    """The step as the composite action starts it: `python -I -S step_client.py COMMAND`."""
    return subprocess.Popen([sys.executable, "-I", "-S", str(CLIENT), command],
                            cwd=workspace.root, env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **popen)  # type: ignore[call-overload]


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{pid}\n" in status:
                found.append(int(entry.name))
    return found


def server_pid(env: dict[str, str]) -> int:
    socket_path = env[step_client.SERVER]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"release_actions.rehearsal.steps" in cmdline and \
                    os.fsencode(socket_path) in cmdline:
                return int(entry.name)
    raise AssertionError("no step server is running")


def waiting_step(env: dict[str, str]) -> int:
    """The pid of the step a session of the server forked (within 20 s)."""
    server = server_pid(env)
    for _ in range(200):
        steps = [step for session in children(server) for step in children(session)]
        if steps:
            return steps[0]
        time.sleep(0.1)
    raise AssertionError("no step was forked from the server")


def gone(pid: int) -> bool:
    """The process ended within 10 s (a zombie has ended)."""
    for _ in range(100):
        try:
            if "\nState:\tZ" in Path(f"/proc/{pid}/status").read_text():
                return True
        except FileNotFoundError:
            return True
        time.sleep(0.1)
    return False


def test_a_step_from_the_server_has_its_folder_environment_umask_and_streams(
        tmp_path: Path, server: dict[str, str]) -> None:
    """version-rewrite reads pyproject.toml in the client's folder and its inputs from the
    client's environment, writes its outputs where that environment says, creates the job
    summary with the client's umask, and prints on the client's stdout."""
    workspace = make_workspace(tmp_path)
    summary = workspace.runner / "new-summary.md"
    env = workspace.environ({"run-number": "7"}, GITHUB_STEP_SUMMARY=str(summary), **server)

    step = client("version-rewrite", workspace, env, umask=0o077)
    out, err = step.communicate(timeout=60)

    assert step.returncode == 0, out + err
    assert parse_key_values((workspace.runner / "github_output").read_text())["version"] \
        .endswith(".dev7")
    assert ".dev7" in (workspace.root / "pyproject.toml").read_text()
    assert summary.stat().st_mode & 0o777 == 0o600
    assert ".dev7" in out


def test_a_refused_step_exits_with_its_own_code_and_error(tmp_path: Path,
                                                          server: dict[str, str]) -> None:
    workspace = make_workspace(tmp_path)
    step = client("tag-guard", workspace, workspace.environ({}, **server))
    out, err = step.communicate(timeout=60)
    assert step.returncode == 2, out + err
    assert [line for line in out.splitlines() if line.startswith("::error")] != []
    assert "Input `tag` is empty" in out


def _hanging_resolve(tmp_path: Path, server: dict[str, str],
                     hang: FaultServer) -> tuple[subprocess.Popen[str], int]:
    workspace = make_workspace(tmp_path)
    env = workspace.environ({"mode": "resolve", "run-id": "42", "timeout": "120",
                             "github-token": "ghs_steps-token-1234"},
                            GITHUB_API_URL=hang.url, **server)
    step = client("tested-run", workspace, env)
    return step, waiting_step(server)


def test_a_killed_client_stops_its_step(tmp_path: Path, server: dict[str, str]) -> None:
    """As a runner stops a cancelled step: the client killed, the step (waiting on an API
    that never answers) is killed with its process group."""
    with FaultServer(HANG) as hang:
        step, forked = _hanging_resolve(tmp_path, server, hang)
        step.kill()
        step.communicate(timeout=60)
        assert gone(forked)


@pytest.mark.parametrize(("number", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["SIGINT", "SIGTERM"])
def test_a_signal_to_the_client_reaches_its_step(tmp_path: Path, server: dict[str, str],
                                                 number: int, code: int) -> None:
    """Ctrl-C interrupts the command (exit 130, as `python -m release_actions`); SIGTERM ends
    the step as it ends a new interpreter (128 + 15)."""
    with FaultServer(HANG) as hang:
        step, forked = _hanging_resolve(tmp_path, server, hang)
        step.send_signal(number)
        out, err = step.communicate(timeout=60)
        assert step.returncode == code, out + err
        assert gone(forked)


def test_without_a_server_the_client_runs_the_step_itself(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path)
    env = workspace.environ({}, **{step_client.SERVER: str(tmp_path / "no-such.sock")})
    step = client("tag-guard", workspace, env)
    out, err = step.communicate(timeout=60)
    assert step.returncode == 2, out + err
    assert "Input `tag` is empty" in out


def test_the_server_stops_with_its_rehearsal(tmp_path: Path) -> None:
    with step_server(tmp_path) as env:
        pid = server_pid(env)
    assert not Path(f"/proc/{pid}").exists()

