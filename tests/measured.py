"""The command line in a process forked from a server that has already imported the libraries
the commands use (multiprocessing's forkserver, tests/hostile/faults.run_measured): a process of
its own with its own folder, environment, standard streams and exit code, as `python -c` gave
it, without paying each time for an interpreter's start and about half a second of imports.
Imports nothing heavy itself: the forked process imports this module to find `run_cli`."""

from __future__ import annotations

import os
import sys

# Third-party libraries only: the project's own modules are imported by each run, so nothing
# the server read when it started (its environment, its folder) reaches a run's code.
PRELOAD = ("requests", "urllib3", "github", "packaging.version", "packaging.requirements",
           "tomlkit", "tests.measured")


def run_cli(argv: list[str], cwd: str, env: dict[str, str], stdout: str, stderr: str) -> None:
    """`release-actions *argv` in `cwd` with exactly `env`, its streams into the two files;
    its peak resident memory (VmHWM) printed last on stderr; the exit code the CLI's."""
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
    finally:
        with open("/proc/self/status") as status:
            peak = next(int(line.split()[1]) for line in status
                        if line.startswith("VmHWM:")) // 1024
        print(f"peak-memory-mib={peak}", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)
