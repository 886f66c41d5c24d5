"""devtools/uv_cache.py, which `make test` runs first: the cache entries a symlinked install
points into are found (and only those), and a failure leaves the run slower, never stopped."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from devtools import uv_cache


def test_the_entries_a_symlinked_install_points_into_are_found(tmp_path: Path) -> None:
    archive = tmp_path / "cache/archive-v0"
    for entry, module in (("AAA", "hatchling/build.py"), ("BBB", "pluggy/_hooks.py"),
                          ("CCC", "unused/mod.py")):
        (archive / entry / module).parent.mkdir(parents=True)
        (archive / entry / module).write_text("x = 1\n")
    site = tmp_path / "venv/lib/python3.11/site-packages"
    for entry, module in (("AAA", "hatchling/build.py"), ("BBB", "pluggy/_hooks.py")):
        (site / module).parent.mkdir(parents=True)
        (site / module).symlink_to(archive / entry / module)
    (site / "local.py").write_text("y = 2\n")  # a file of the venv's own: no cache entry

    assert uv_cache.archive_roots(site) == {archive / "AAA", archive / "BBB"}


def test_a_cache_done_before_for_the_same_lists_is_left_alone(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[str] = []
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(uv_cache, "warm", lambda uv: calls.append(uv) or "warmed")

    assert uv_cache.main() == 0
    assert len(calls) == 1
    assert (tmp_path / ".release-actions-compiled").read_text() == uv_cache.stamp()
    assert uv_cache.main() == 0
    assert len(calls) == 1  # the stamp matched: nothing done
    (tmp_path / ".release-actions-compiled").write_text("made for other lists")
    assert uv_cache.main() == 0
    assert len(calls) == 2


def test_a_failure_is_one_line_and_the_run_goes_on(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path))
    def fails(uv: str) -> str:
        raise subprocess.CalledProcessError(2, ["uv", "pip", "install"],
                                            stderr=b"error: no index reachable")

    monkeypatch.setattr(uv_cache, "warm", fails)

    assert uv_cache.main() == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "uv cache not prepared (the run is only slower)" in err
    assert "no index reachable" in err
    assert not (tmp_path / ".release-actions-compiled").exists()
