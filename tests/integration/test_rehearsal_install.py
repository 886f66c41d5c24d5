"""The rehearsal's last stage installs what was published from the https index stand-in, as a
user would: pip must trust the index's local CA, and a failure to read the index is a red stage,
never "nothing published yet"."""

from __future__ import annotations

import subprocess
import types
from pathlib import Path

import pytest

from release_actions.rehearsal.act import VENV_BIN
from release_actions.rehearsal.bookends import InstallRefused, install
from release_actions.rehearsal.tp_index import AttestingIndex

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample-package"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([str(VENV_BIN / "uv"), "build", "--quiet", "--wheel", "--out-dir", str(out),
                    str(SAMPLE)], check=True, capture_output=True)
    return next(out.glob("*.whl"))


def _serving(index: AttestingIndex, wheel: Path) -> None:
    index.files[wheel.name] = wheel.read_bytes()
    index.projects["release-actions-sample"] = [wheel.name]


def test_a_preview_on_the_https_index_is_installed_and_imported(tmp_path: Path,
                                                                 wheel: Path) -> None:
    with AttestingIndex() as index:
        _serving(index, wheel)
        run = types.SimpleNamespace(work=tmp_path, index=index)
        got = install(run, "release-actions-sample", pre=True)  # type: ignore[arg-type]
        plain = install(run, "release-actions-sample", pre=False)  # type: ignore[arg-type]
        index.files.clear()
        index.projects.clear()
        empty = types.SimpleNamespace(work=tmp_path / "again", index=index)
        nothing = install(empty, "release-actions-sample", pre=True)  # type: ignore[arg-type]

    assert got.version == wheel.name.split("-")[1]
    assert got.modules == ["release_actions_sample"]
    assert plain.version == got.version  # pip takes a pre-release when nothing else is there
    assert nothing.version == ""  # nothing on the index: nothing to install, not a failure


def test_an_index_pip_cannot_verify_is_a_red_stage_not_nothing_published(
        tmp_path: Path, wheel: Path) -> None:
    with AttestingIndex() as index, AttestingIndex() as stranger:
        _serving(index, wheel)
        index.ca_file = stranger.ca_file  # a bundle that does not hold this index's CA
        run = types.SimpleNamespace(work=tmp_path, index=index)
        with pytest.raises(InstallRefused) as refused:
            install(run, "release-actions-sample", pre=True)  # type: ignore[arg-type]

    assert "pip install --pre release-actions-sample" in str(refused.value)
