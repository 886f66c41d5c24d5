"""The command line in a process forked from a server that has already imported the libraries
the commands use and the commands' own modules (multiprocessing's forkserver): a process of
its own, with its own folder, environment, standard streams and exit code, killed at its
limit, as `python -m release_actions` gives it, without paying each time for an
interpreter's start and its imports (0.1 to 0.5 s of CPU a run, hundreds of runs in the
suite). `run` falls back to a new interpreter when the environment asks for what only an
interpreter's start reads (a PYTHONPATH of its own, with a sitecustomize; other PYTHON*
settings).

This module imports nothing heavy: each forked process imports it to find `_child`."""

from __future__ import annotations

import atexit
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

from release_actions.rehearsal.steps import LIBRARIES  # the standard library and step_client

SRC = str(Path(__file__).resolve().parent.parent / "src")


def _own_modules() -> list[str]:
    """The package's modules and its commands' (not the rehearsal's: no run here starts it)."""
    package = Path(SRC) / "release_actions"
    names = []
    for path in sorted([*package.glob("*.py"), *package.glob("commands/*.py")]):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] != "__main__":
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


# The libraries the commands use (those the rehearsal's step server preloads), then the
# project's own modules: importing one of ours reads nothing of the process (its environment,
# folder or arguments: a static test holds it), so nothing the server read when it started
# reaches a run. Each run then pays only for its own
# work: the project's imports cost 0.02 to 0.1 s of CPU a run.
PRELOAD = (*LIBRARIES, "tests.forked", *_own_modules())
# The peak resident memory (VmHWM, the high-water mark of this process's own memory), printed
# last on stderr when asked for.
PEAK = "peak-memory-mib="
# A new interpreter's program: the CLI, then the peak as a forked run prints it (the tree goes
# last on its path, for this module, so it shadows nothing the run's own path holds).
NEW_INTERPRETER = (
    "import sys\n"
    "sys.path.append(sys.argv.pop(1))\n"
    "from release_actions.cli import end, main\n"
    "from tests.forked import print_peak\n"
    "peak = sys.argv.pop(1) == 'peak'\n"
    "try:\n"
    "    code = main(sys.argv[1:])\n"
    "finally:\n"
    "    if peak:\n"
    "        print_peak()\n"
    "end(code)\n"
)
_FORKS = multiprocessing.get_context("forkserver")
_FORKS.set_forkserver_preload(list(PRELOAD))


@dataclass(frozen=True)
class Ran:
    code: int | None  # None: still running at the limit, then killed
    stdout: str
    stderr: str


def print_peak() -> None:
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(f"{PEAK}{peak // 1024}", file=sys.stderr, flush=True)


def run(argv: list[str], *, cwd: Path, env: dict[str, str], limit: float,
        peak: bool = False) -> Ran:
    """`release-actions *argv` in `cwd` with exactly `env` (stdin empty), killed after `limit`
    seconds; with `peak`, its peak memory printed last on stderr."""
    if _needs_interpreter(env):
        return _interpreter(argv, cwd=cwd, env=env, limit=limit, peak=peak)
    streams = Path(tempfile.mkdtemp(prefix="release-actions-run-"))
    stdout, stderr = streams / "stdout", streams / "stderr"
    process = _FORKS.Process(target=_child,
                             args=(argv, str(cwd), env, str(stdout), str(stderr), peak))
    try:
        process.start()
    except OSError:  # no forkserver on this machine (say, a TMPDIR too long for its socket)
        shutil.rmtree(streams, ignore_errors=True)
        return _interpreter(argv, cwd=cwd, env=env, limit=limit, peak=peak)
    process.join(limit)
    unbounded = process.is_alive()
    if unbounded:
        process.kill()
        process.join()
    code = process.exitcode
    process.close()
    # A child that died before opening its streams (its error went to the server's) left none.
    out, err = (path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
                for path in (stdout, stderr))
    shutil.rmtree(streams, ignore_errors=True)
    return Ran(None if unbounded else code, out, err)


def _needs_interpreter(env: dict[str, str]) -> bool:
    if env.get("PYTHONPATH", SRC) != SRC:
        return True
    return any(env.get(key) != os.environ.get(key) for key in {*env, *os.environ}
               if key.startswith("PYTHON") and key != "PYTHONPATH")


def _interpreter(argv: list[str], *, cwd: Path, env: dict[str, str], limit: float,
                 peak: bool) -> Ran:
    program = [sys.executable, "-c", NEW_INTERPRETER, str(Path(SRC).parent),
               "peak" if peak else "-", *argv]
    try:
        done = subprocess.run(program, cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=limit, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as expired:
        out = expired.stdout
        return Ran(None, out.decode(errors="replace") if isinstance(out, bytes) else out or "",
                   "")
    return Ran(done.returncode, done.stdout, done.stderr)


def _child(argv: list[str], cwd: str, env: dict[str, str], stdout: str, stderr: str,
           peak: bool) -> None:
    """In the forked process: the folder, environment and streams of the run, the CLI, then
    the end a new interpreter's would have been (exit handlers, unless a thread abandoned at a
    deadline is still running: see `release_actions.cli.end`)."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    for fd, path, flags in ((0, os.devnull, os.O_RDONLY),
                            (1, stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                            (2, stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
        opened = os.open(path, flags, 0o600)
        os.dup2(opened, fd)
        os.close(opened)
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    from release_actions.cli import main

    try:
        code = main(argv)
    except SystemExit as exit_:  # as the interpreter ends on it
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:  # a crash: its traceback, exit 1, as the interpreter gives it
        traceback.print_exc()
        code = 1
    if peak:
        print_peak()
    sys.stdout.flush()
    sys.stderr.flush()
    if not any(thread.daemon and thread.is_alive() for thread in threading.enumerate()):
        atexit._run_exitfuncs()
    os._exit(code)
