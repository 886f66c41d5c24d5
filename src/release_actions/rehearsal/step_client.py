"""An action step of a rehearsal, as a job runs it: `python -I -S step_client.py COMMAND`.

It hands its command, folder, environment, umask and standard streams to the rehearsal's step
server (`steps.py`), which forks the step from a process that has already imported the
commands, forwards the signals it gets, and ends with the step's exit code. Without a server
(none started, or none answering) it becomes the step itself: `python -I -m
release_actions.rehearsal.shim COMMAND`. The standard library only, so that `-S` (no site, a
start of about 10 ms) can run it from any installation."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct
import sys
import time

SERVER = "REHEARSAL_STEP_SERVER"
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
FAILED_GRACE = 0.25  # seconds
LOST = "rehearsal: the step server lost this step before it ended\n"


def on_its_own(argv: list[str]) -> None:
    """The step in this process: the shim on a fresh interpreter (with its site)."""
    os.execv(sys.executable,
             [sys.executable, "-I", "-m", "release_actions.rehearsal.shim", *argv])


def connect(path: str) -> socket.socket | None:
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.connect(path)
    except OSError:
        client.close()
        return None
    return client


def exactly(connection: socket.socket, size: int, start: bytes = b"") -> bytes | None:
    """`size` bytes from `connection` (`start` those already read); None when it ends first."""
    data = bytearray(start)
    while len(data) < size:
        more = connection.recv(min(size - len(data), 1 << 20))  # retried after a signal
        if not more:
            return None
        data += more
    return bytes(data)


def request(argv: list[str]) -> bytes:
    umask = os.umask(0o022)
    os.umask(umask)
    return json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ),
                       "umask": umask}).encode()


def main(argv: list[str]) -> int:
    for fd in (0, 1, 2):  # a stream the step was started without: /dev/null, as for its children
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDWR)  # the lowest free number: this one
    path = os.environ.get(SERVER, "")
    server = connect(path) if path else None
    if server is None:
        on_its_own(argv)
    assert server is not None
    body = request(argv)
    try:
        socket.send_fds(server, [struct.pack("!I", len(body))], [0, 1, 2])
        server.sendall(body)
    except OSError:  # the server went away before it read the step: run it here
        on_its_own(argv)

    def forward(number: int, _frame: object) -> None:
        with contextlib.suppress(OSError):  # the step ended meanwhile: its code is on its way
            server.sendall(bytes([number]))

    for number in FORWARDED:
        signal.signal(number, forward)
    reply = exactly(server, 4)
    if reply is None:
        sys.stderr.write(LOST)
    code = 1 if reply is None else int(struct.unpack("!i", reply)[0])
    if code != 0:
        # act (host mode) stops reading a step's terminal as soon as a failed step's process
        # ends: the lines the step printed last (its ::error, the reason) would be lost when
        # it ends at once. A new interpreter's shutdown used to give act that moment.
        time.sleep(FAILED_GRACE)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
