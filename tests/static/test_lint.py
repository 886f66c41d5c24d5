"""ruff over the whole tree and strict mypy over src/, inside the test suite so `make test`
(and CI) fail on them."""

from __future__ import annotations

import subprocess

from tests.helpers import ROOT, VENV_BIN


def test_ruff_is_clean() -> None:
    proc = subprocess.run(
        [str(VENV_BIN / "ruff"), "check", "src", "tests", "bench", "examples", "demo", "devtools"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict_is_clean() -> None:
    proc = subprocess.run([str(VENV_BIN / "mypy")], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
