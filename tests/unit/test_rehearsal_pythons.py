"""The Python downloads stand-in: real uv installs a Python this machine has from it (a real
local server), into the folder the rehearsal gives, and finds no download for one it lacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from release_actions.rehearsal.pythons import PythonDownloads, local_installs
from tests.helpers import VENV_BIN, clean_env

OWN = ".".join(str(part) for part in sys.version_info[:3])
MINOR = ".".join(str(part) for part in sys.version_info[:2])


def _uv(downloads: PythonDownloads, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(HOME=str(home), **downloads.env())
    env.pop("UV_PYTHON_DOWNLOADS", None)
    return subprocess.run([str(VENV_BIN / "uv"), "python", *args], env=env, capture_output=True,
                          text=True, check=False, timeout=300)


def test_uv_python_install_gets_the_local_python_into_the_given_folder(tmp_path: Path) -> None:
    with PythonDownloads(tmp_path / "pythons", {OWN: Path(sys.base_prefix)}) as downloads:
        done = _uv(downloads, tmp_path / "home", "install", MINOR)

    assert done.returncode == 0, done.stderr
    assert downloads.requested == [OWN]
    [python] = (tmp_path / "pythons/installed").glob(f"cpython-{OWN}-*/bin/python{MINOR}")
    ran = subprocess.run([str(python), "-c", "import sys, ssl; print(sys.version.split()[0])"],
                         capture_output=True, text=True, check=True)
    assert ran.stdout.strip() == OWN
    assert (tmp_path / "pythons/bin" / f"python{MINOR}").exists()
    assert not list((tmp_path / "home").glob(".local/bin/python*"))  # uv's default links


def test_a_version_the_machine_lacks_has_no_download(tmp_path: Path) -> None:
    with PythonDownloads(tmp_path / "pythons", {OWN: Path(sys.base_prefix)}) as downloads:
        done = _uv(downloads, tmp_path / "home", "install", "3.4")

    assert done.returncode != 0
    assert "No download found" in done.stderr, done.stderr
    assert downloads.requested == []
    assert not (tmp_path / "pythons/installed").is_dir() or \
        not any((tmp_path / "pythons/installed").glob("cpython-3.4*"))


def test_local_installs_are_pyenvs_versions_and_the_running_python(tmp_path: Path) -> None:
    versions = tmp_path / "pyenv/versions"
    for name in ("3.12.9", "3.13-dev", "system", "2.7.18"):
        (versions / name / "bin").mkdir(parents=True)
    (versions / "3.12.9/bin/python3").touch()
    (versions / "3.13-dev/bin/python3").touch()

    found = local_installs({"PYENV_ROOT": str(tmp_path / "pyenv")})

    assert found == {"3.12.9": versions / "3.12.9", OWN: Path(sys.base_prefix)}
