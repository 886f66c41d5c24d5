"""The CLI: every command has --help with its flags, errors become one annotation and an exit
code, and a command imports only what it uses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from release_actions import cli
from tests.helpers import ROOT, clean_env, run_cli


@pytest.mark.parametrize("command", list(cli.COMMANDS))
def test_every_command_has_help_listing_its_inputs(command: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "release_actions", command, "--help"],
        capture_output=True, text=True, env=clean_env(PYTHONPATH=str(ROOT / "src")),
    )
    assert proc.returncode == 0, proc.stderr
    for spec in cli.load(command).inputs:
        assert f"--{spec.name}" in proc.stdout


def test_unknown_command_is_a_usage_error() -> None:
    proc = subprocess.run([sys.executable, "-m", "release_actions", "frobnicate"],
                          capture_output=True, text=True,
                          env=clean_env(PYTHONPATH=str(ROOT / "src")))
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr


def test_version_flag() -> None:
    from release_actions import __version__

    proc = subprocess.run([sys.executable, "-m", "release_actions", "--version"],
                          capture_output=True, text=True,
                          env=clean_env(PYTHONPATH=str(ROOT / "src")))
    assert proc.stdout.strip() == f"release-actions {__version__}"


IMPORT_PROBE = """
import json, sys
from release_actions import cli
code = cli.main(sys.argv[1:])
heavy = sorted(m for m in ("requests", "github", "urllib3") if m in sys.modules)
print("IMPORTED=" + json.dumps(heavy), file=sys.stderr)
"""


def test_version_rewrite_imports_neither_requests_nor_github(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1.0.dev0"\n')
    proc = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE, "version-rewrite", "--run-number", "3",
         "--dry-run"],
        cwd=tmp_path, capture_output=True, text=True,
        env=clean_env(PYTHONPATH=str(ROOT / "src")),
    )
    assert "version=1.0.dev3" in proc.stdout
    imported = json.loads(proc.stderr.rsplit("IMPORTED=", 1)[1])
    assert imported == []


def test_an_unexpected_exception_is_reported_as_a_bug(tmp_path: Path) -> None:
    """A bug keeps its traceback and gets its own exit code (3), distinct from a refused check
    (1) and bad input (2)."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1.0.dev0"\n')
    (tmp_path / "sitecustomize.py").write_text(
        "import release_actions.versions as v\n"
        "def boom(*a, **k):\n    raise RuntimeError('kaput')\n"
        "v.preview_version = boom\n"
    )
    result = run_cli("version-rewrite", cwd=tmp_path, inputs={"run-number": "1"},
                     env={"PYTHONPATH": f"{tmp_path}:{ROOT / 'src'}"})
    assert result.code == cli.EXIT_INTERNAL
    assert "Traceback" in result.log
    assert any("Internal error" in line and "kaput" in line for line in result.errors())
