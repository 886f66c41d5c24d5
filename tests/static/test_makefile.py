"""The Makefile's uv bootstrap: pip's own lines (a warning about this machine's pip
configuration) are not relayed as ours when it succeeds, and are shown when it fails. `python -m
venv` is replaced by a stand-in that writes a `pip` printing what a machine's pip prints, so no
network is needed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import ROOT, clean_env

MACHINE_WARNING = ("WARNING: Location 'file:///opt/pypi-more/simple/uv/' is ignored: it is "
                   "neither a file nor a directory.")
FAKE_PYTHON = """#!/bin/sh
# `python -m venv .tools`: a venv whose pip prints a machine's warning, then works or fails.
mkdir -p "$3/bin"
cat > "$3/bin/pip" <<'PIP'
#!/bin/sh
echo "{warning}" >&2
if [ "$PIP_STAND_IN_FAILS" = 1 ]; then
  echo "ERROR: No matching distribution found for uv" >&2
  exit 1
fi
printf '#!/bin/sh\\n' > "$(dirname "$0")/uv" && chmod +x "$(dirname "$0")/uv"
PIP
chmod +x "$3/bin/pip"
"""


def make_uv(tmp_path: Path, *, fails: bool) -> subprocess.CompletedProcess[str]:
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    python = tmp_path / "python-stand-in"
    python.write_text(FAKE_PYTHON.format(warning=MACHINE_WARNING))
    python.chmod(0o755)
    return subprocess.run(
        ["make", "--no-print-directory", ".tools/bin/uv", f"PYTHON={python}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env=clean_env(PIP_STAND_IN_FAILS="1" if fails else "0"),
    )


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_pips_own_warning_is_not_relayed_when_the_bootstrap_succeeds(tmp_path: Path) -> None:
    done = make_uv(tmp_path, fails=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / ".tools/bin/uv").exists()
    assert "Installing uv" in done.stdout
    assert "WARNING" not in done.stdout + done.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_pips_output_is_shown_when_the_bootstrap_fails(tmp_path: Path) -> None:
    failed = make_uv(tmp_path, fails=True)
    assert failed.returncode != 0
    assert "ERROR: No matching distribution found for uv" in failed.stdout + failed.stderr
    assert not (tmp_path / ".tools/bin/uv").exists()
