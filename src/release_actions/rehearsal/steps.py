"""The rehearsal's step server: each action step of a rehearsal forked from one process that has
already imported the commands and the libraries they use, instead of a new interpreter paying
for those imports each time (0.1 to 0.4 s of CPU a step, PyGithub alone 0.3 s).

A step stays what a job runs: a process of its own with the step's folder, environment, umask
and standard streams, its own exit code, the signals its step gets, and, when the step is
stopped (its client gone), its whole process group stopped with it, as a runner stops a
cancelled step. The client (`step_client.py`) runs the shim itself when no server answers.
Linux only: forking a process that has loaded system frameworks is not safe on macOS."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from release_actions.rehearsal import step_client

CLIENT = "REHEARSAL_STEP_CLIENT"
CLIENT_FILE = str(Path(step_client.__file__).resolve())
READY = b"ready\n"
# A step's request: its command line, folder and environment (a runner's is tens of KiB).
MAX_REQUEST = 16 * 1024 * 1024
# An AF_UNIX socket's path is at most 108 bytes on Linux.
MAX_SOCKET_PATH = 100
# What the steps import: the libraries first, then the commands (`cli.load` imports each). None
# of our modules reads the process's environment, folder or arguments when imported (a static
# test holds it), so nothing the server saw when it started reaches a step.
LIBRARIES = ("requests", "urllib3", "github", "packaging.version", "packaging.requirements",
             "packaging.metadata", "tomlkit", "yaml")
PRELOAD = (*LIBRARIES, "release_actions.rehearsal.shim")


@contextlib.contextmanager
def step_server(folder: Path) -> Iterator[dict[str, str]]:
    """The server for one rehearsal's steps, running until the block ends; yields what the
    steps' environment needs to reach it (only the client's path where no server runs)."""
    env = {CLIENT: CLIENT_FILE}
    if sys.platform != "linux":
        yield env
        return
    with contextlib.ExitStack() as stack:
        path = folder / "steps.sock"
        if len(os.fsencode(path)) > MAX_SOCKET_PATH:  # a deep TMPDIR: a short folder of ours
            import tempfile

            path = Path(stack.enter_context(tempfile.TemporaryDirectory(
                prefix="release-actions-steps-", dir="/tmp"))) / "s"
        yield from _serving(folder, path, env)


def _serving(folder: Path, path: Path, env: dict[str, str]) -> Iterator[dict[str, str]]:
    with open(folder / "steps.log", "wb") as log:
        # stdin stays open while the rehearsal runs: its end tells the server to stop.
        # A session of its own: a terminal's Ctrl-C reaches the steps through their clients.
        server = subprocess.Popen(
            [sys.executable, "-I", "-m", "release_actions.rehearsal.steps", str(path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, start_new_session=True)
    try:
        assert server.stdout is not None
        if server.stdout.readline() == READY:
            env[step_client.SERVER] = str(path)
        yield env
    finally:
        server.kill()
        server.wait()
        for stream in (server.stdin, server.stdout):
            if stream is not None:
                stream.close()


def step_command() -> list[str]:
    """The command line that runs one command as a step (the client: forked from the server
    when the step's environment names one, else the shim on its own), its arguments to
    follow."""
    return [sys.executable, "-I", "-S", CLIENT_FILE]


def serve(path: str) -> None:
    """Listen at `path` (steps that connect meanwhile wait in the backlog), import what the
    steps use, then fork a session for each step until stdin ends."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    sys.stdout.buffer.write(READY)
    sys.stdout.flush()
    try:
        _preload()
    except Exception:  # each step then imports what it needs itself
        import traceback

        traceback.print_exc()
    while True:
        ready, _, _ = select.select([listener, sys.stdin], [], [], 1.0)
        _reap()
        if sys.stdin in ready and not os.read(sys.stdin.fileno(), 1):
            return
        if listener not in ready:
            continue
        connection, _ = listener.accept()
        connection.setblocking(True)
        if os.fork() == 0:
            listener.close()
            code = 1
            try:
                _session(connection)
                code = 0
            except BaseException:
                import traceback

                traceback.print_exc()
            finally:
                os._exit(code)
        connection.close()


def _preload() -> None:
    import gc
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    from release_actions import cli

    for name in cli.COMMANDS:
        cli.load(name)
    gc.freeze()  # the forked steps do not copy the preloaded objects' pages to collect them


def _reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _session(connection: socket.socket) -> None:
    """One step: its request, the step forked, its signals forwarded, its exit code answered.
    The client gone before the step ended: the step's process group is killed."""
    import threading

    request, fds = _receive(connection)
    worker = os.fork()
    if worker == 0:
        connection.close()
        _step(request, fds)
    with contextlib.suppress(OSError):  # the worker may have done it first
        os.setpgid(worker, worker)
    for fd in fds:
        os.close(fd)

    ended = threading.Event()

    def answer() -> None:
        _, status = os.waitpid(worker, 0)
        ended.set()
        code = os.waitstatus_to_exitcode(status)
        with contextlib.suppress(OSError):
            connection.sendall(struct.pack("!i", code if code >= 0 else 128 - code))
        os._exit(0)

    threading.Thread(target=answer, daemon=True).start()
    while data := connection.recv(64):
        for number in data:
            if number in step_client.FORWARDED:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker, number)
    if not ended.is_set():  # the client is gone first: the step goes with it
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker, signal.SIGKILL)
    threading.Event().wait()  # until `answer` ends the session


def _receive(connection: socket.socket) -> tuple[dict[str, Any], list[int]]:
    start, fds, _, _ = socket.recv_fds(connection, 4, 3)
    header = step_client.exactly(connection, 4, start)
    if header is None:
        raise EOFError("the step's request ended early")
    (size,) = struct.unpack("!I", header)
    if size > MAX_REQUEST or len(fds) != 3:
        raise ValueError(f"a step's request of {size} bytes with {len(fds)} streams")
    body = step_client.exactly(connection, size)
    if body is None:
        raise EOFError("the step's request ended early")
    return json.loads(body), fds


def _step(request: dict[str, Any], fds: list[int]) -> None:
    """In the step's process: its process group, streams, folder, umask, environment and
    arguments, then the shim, ended as a new interpreter's run would end."""
    import atexit
    import threading
    import traceback

    code = 1
    try:
        os.setpgid(0, 0)
        # A new interpreter's handlers: Ctrl-C raises KeyboardInterrupt, the others stop it.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(number, signal.SIG_DFL)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        for fd in fds:
            os.close(fd)
        # The step's own streams (the server's wrap the same numbers, their buffers empty).
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace",  # noqa: SIM115
                          closefd=False, buffering=1)
        os.chdir(request["cwd"])
        os.umask(int(request["umask"]))
        os.environ.clear()
        os.environ.update(request["env"])
        from release_actions.rehearsal import shim

        sys.argv = [shim.__file__, *request["argv"]]
        code = shim.main()
    except SystemExit as exit_:  # as the interpreter ends on it
        if exit_.code is None or isinstance(exit_.code, int):
            code = exit_.code or 0
        else:
            print(exit_.code, file=sys.stderr)
    except BaseException:  # a crash: its traceback, exit 1, as the interpreter gives it
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        # As `cli.end`: the exit handlers run unless a thread abandoned at a deadline still runs.
        if not any(thread.daemon and thread.is_alive() for thread in threading.enumerate()):
            atexit._run_exitfuncs()
        os._exit(code)


if __name__ == "__main__":
    serve(sys.argv[1])
