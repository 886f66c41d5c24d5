"""The CLI: every command has --help with its flags, errors become one annotation and an exit
code, and a command imports only what it uses."""

from __future__ import annotations

import json
import re
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


def help_text(*argv: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "release_actions", *argv, "--help"],
        capture_output=True, text=True, env=clean_env(PYTHONPATH=str(ROOT / "src"), COLUMNS="80"),
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


HYPHENATED = re.compile(r"[A-Za-z]-\n\s*[a-z]")


@pytest.mark.parametrize("command", [*cli.COMMANDS, None])
def test_help_never_breaks_a_name_at_its_hyphen(command: str | None) -> None:
    """`index-unreachable`, `github-token`, `release-actions` stay whole in --help."""
    text = help_text(*([command] if command else []))
    assert not HYPHENATED.search(text), HYPHENATED.search(text)


def test_required_flags_are_outside_the_brackets_and_said_required() -> None:
    text = help_text("version-rewrite")
    assert text.startswith("usage: release-actions version-rewrite --run-number VALUE ")
    assert "[--run-number" not in text and "default: required" not in text
    assert "(input `run-number`, required)" in " ".join(text.split())
    publish = help_text("publish")
    assert publish.startswith("usage: release-actions publish --channel VALUE ")


@pytest.mark.parametrize("command", list(cli.COMMANDS))
def test_help_lists_the_commands_own_exit_codes_as_its_readme_does(command: str) -> None:
    """Each command's --help says what its exit codes mean, in the words of its README."""
    text = " ".join(help_text(command).split())
    for code, meaning in cli.EXIT_MEANINGS[command].items():
        assert f"{code} {' '.join(meaning.split())}" in text
    assert "1 a check refused, 2 bad input" not in text  # the generic line is gone
    readme = " ".join((ROOT / command / "README.md").read_text().split())
    assert cli.exit_codes_sentence(command) in readme


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
