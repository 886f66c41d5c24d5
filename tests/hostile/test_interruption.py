"""A cancelled job: SIGINT or SIGTERM while version-rewrite changes
several files. A real process gets a real signal at a known point: a wrapper pauses it right
after the first temp file is written, or right after pyproject.toml is renamed into place, and
the test signals it there, then lets it go on. All files change together or none does, and no
temp file survives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import ROOT, clean_env, commands_in
from tests.hostile.conftest import Workspace, tree_hash

# Runs the CLI with one pause: after the first call of `shutil.copymode` (a temp file staged)
# or of `os.replace` (a file renamed into place), it says so in READY and waits on the FIFO GO.
WRAPPER = """
import os, shutil, sys
from release_actions import cli
ready, go, phase = sys.argv[1:4]
done = []
def pause():
    if not done:
        done.append(1)
        open(ready, "w").close()
        with open(go) as fifo:
            fifo.read()
module, name = (os, "replace") if phase == "rename" else (shutil, "copymode")
real = getattr(module, name)
def paused(*args, **kwargs):
    real(*args, **kwargs)
    pause()
setattr(module, name, paused)
sys.exit(cli.main(["version-rewrite"]))
"""
WAIT_SECONDS = 60
TRIED: list[str] = []


def _interrupt(workspace: Workspace, tmp_path: Path, phase: str, number: int
               ) -> subprocess.CompletedProcess[str]:
    ready, go = tmp_path / "ready", tmp_path / "go"
    os.mkfifo(go)
    env = clean_env(PYTHONPATH=str(ROOT / "src"))
    env.update(workspace.environ({"run-number": "7", "extra-files": "version.py"}))
    proc = subprocess.Popen(
        [sys.executable, "-c", WRAPPER, str(ready), str(go), phase], cwd=workspace.root,
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + WAIT_SECONDS
    while not ready.exists():  # waiting for the child to reach the pause, not racing it
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the child never reached the pause"
        time.sleep(0.01)
    os.kill(proc.pid, number)
    with open(go, "w") as fifo:
        fifo.write("go")
    stdout, stderr = proc.communicate(timeout=WAIT_SECONDS)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("phase", ["stage", "rename"])
def test_a_signal_during_the_rewrite_changes_no_file_and_leaves_no_temp_file(
    phase: str, number: signal.Signals, workspace: Workspace, tmp_path: Path
) -> None:
    """Given version-rewrite of pyproject.toml and an extra file, when the job is cancelled
    after the first temp file is written or after pyproject.toml is already replaced, then
    both files hold their old text, no `.tmp` file is left, exit is 128 + the signal and the
    one error says what happened."""
    TRIED.append(f"{number.name} at {phase}")
    (workspace.root / "version.py").write_text('VERSION = "1.2.3.dev0"\n')
    before = tree_hash(workspace.root)
    done = _interrupt(workspace, tmp_path, phase, number)
    assert done.returncode == 128 + number, done.stdout + done.stderr
    assert tree_hash(workspace.root) == before, (workspace.root / "pyproject.toml").read_text()
    assert list(workspace.root.rglob("*.tmp")) == []
    errors = [line for line in commands_in(done.stdout) if line.startswith("::error")]
    assert len(errors) == 1 and number.name in errors[0] and "no file was changed" in errors[0]
    assert "Traceback" not in done.stdout + done.stderr


def test_interruption_cases_are_reported(report_figure: Callable[[str], None]) -> None:
    report_figure(f"interruptions tried: {len(TRIED)}")
    assert TRIED
