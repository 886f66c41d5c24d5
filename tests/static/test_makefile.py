"""The Makefile's uv bootstrap: the machine's pip installs uv into .tools/, and a venv's pip
does where the machine's is missing or fails; pip's own lines (a warning about this machine's
pip configuration) are not relayed as ours when it succeeds, and are shown when it fails. The
machine's Python is a stand-in whose pips print what a machine's pip prints, so no network is
needed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import ROOT, clean_env

MACHINE_WARNING = ("WARNING: Location 'file:///opt/pypi-more/simple/uv/' is ignored: it is "
                   "neither a file nor a directory.")
# `python -m pip install ... --target DIR uv==V` and `python -m venv DIR`: the machine's pip is
# absent when PIP_STAND_IN_ABSENT=1; a pip that runs prints the warning, then puts a `uv` into
# its bin folder, or fails when PIP_STAND_IN_FAILS names it (`machine`, `venv` or both).
FAKE_PYTHON = """#!/bin/sh
pip() {{  # $1: who runs (machine or venv), $2: the folder whose bin/ gets uv
  echo "{warning}" >&2
  case " $PIP_STAND_IN_FAILS " in *" $1 "*)
    echo "ERROR: No matching distribution found for uv" >&2; exit 1;;
  esac
  mkdir -p "$2/bin" && printf '#!/bin/sh\\n' > "$2/bin/uv" && chmod +x "$2/bin/uv"
  echo "$1" > "$2/bin/uv.installed-by"
}}
if [ "$1 $2" = "-m venv" ]; then
  mkdir -p "$3/bin"
  printf '#!/bin/sh\\nexec "%s" venv-pip "$(dirname "$0")/.."\\n' "$0" > "$3/bin/pip"
  chmod +x "$3/bin/pip"
  exit 0
fi
if [ "$1" = venv-pip ]; then
  pip venv "$2"; exit
fi
if [ "$1 $2" = "-m pip" ]; then
  [ "$PIP_STAND_IN_ABSENT" = 1 ] && {{ echo "No module named pip" >&2; exit 1; }}
  while [ "$#" -gt 0 ] && [ "$1" != --target ]; do shift; done
  pip machine "$2"; exit
fi
exit 2
"""


def make_uv(tmp_path: Path, *, fails: str = "", absent: bool = False,
            ) -> subprocess.CompletedProcess[str]:
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    python = tmp_path / "python-stand-in"
    python.write_text(FAKE_PYTHON.format(warning=MACHINE_WARNING))
    python.chmod(0o755)
    return subprocess.run(
        ["make", "--no-print-directory", ".tools/bin/uv", f"PYTHON={python}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env=clean_env(PIP_STAND_IN_FAILS=fails, PIP_STAND_IN_ABSENT="1" if absent else "0"),
    )


def installed_by(tmp_path: Path) -> str:
    return (tmp_path / ".tools/bin/uv.installed-by").read_text().strip()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_pips_own_warning_is_not_relayed_when_the_bootstrap_succeeds(tmp_path: Path) -> None:
    done = make_uv(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / ".tools/bin/uv").exists()
    assert installed_by(tmp_path) == "machine"
    assert "Installing uv" in done.stdout
    assert "WARNING" not in done.stdout + done.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("absent", [True, False], ids=["no-machine-pip", "machine-pip-fails"])
def test_a_venv_pip_installs_uv_where_the_machines_cannot(tmp_path: Path, absent: bool) -> None:
    done = make_uv(tmp_path, absent=absent, fails="" if absent else "machine")
    assert done.returncode == 0, done.stdout + done.stderr
    assert installed_by(tmp_path) == "venv"
    assert "WARNING" not in done.stdout + done.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_pips_output_is_shown_when_the_bootstrap_fails(tmp_path: Path) -> None:
    failed = make_uv(tmp_path, fails="machine venv")
    assert failed.returncode != 0
    assert "ERROR: No matching distribution found for uv" in failed.stdout + failed.stderr
    assert not (tmp_path / ".tools/bin/uv").exists()
