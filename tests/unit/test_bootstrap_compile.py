"""bootstrap/manifest.py's `write` compiles what has no current bytecode before it records the
venv: the stale and the missing get theirs, the current are left as they are, a module that
does not compile is left without (as compileall leaves it), in one process or in a pool."""

from __future__ import annotations

import importlib.util
import os
import py_compile
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

MANIFEST = Path(__file__).resolve().parents[2] / "bootstrap/manifest.py"


def manifest() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bootstrap_manifest", MANIFEST)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pyc(path: Path) -> Path:
    return Path(importlib.util.cache_from_source(str(path)))


def test_write_compiles_the_missing_and_the_stale_and_leaves_the_current(
        tmp_path: Path) -> None:
    venv, src = tmp_path / "venv", tmp_path / "src"
    (venv / "lib").mkdir(parents=True)
    src.mkdir()
    missing, stale, current = venv / "lib/missing.py", venv / "lib/stale.py", src / "current.py"
    broken = venv / "lib/broken.py"
    for path in (missing, stale, current):
        path.write_text("VALUE = 1\n")
    broken.write_text("def (:\n")
    py_compile.compile(str(stale))
    py_compile.compile(str(current))
    os.utime(stale, (1_000_000_000, 1_000_000_000))  # the source changed since its bytecode
    before = pyc(current).stat()

    done = subprocess.run([sys.executable, "-I", str(MANIFEST), "write", str(venv), str(src)],
                          capture_output=True, text=True, check=False)

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == ""
    assert pyc(missing).is_file() and not pyc(broken).exists()
    assert manifest()._stale([str(venv), str(src)]) == [str(broken)]
    after = pyc(current).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert "lib/__pycache__/missing" in (venv / ".manifest").read_text()


def test_many_modules_are_compiled_in_a_pool(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    module = manifest()
    monkeypatch.setitem(sys.modules, module.__name__, module)  # the pool finds `_compile`
    for number in range(module.PARALLEL_FROM):
        (tmp_path / f"m{number}.py").write_text(f"VALUE = {number}\n")
    pools = []
    real = __import__("concurrent.futures").futures.ProcessPoolExecutor

    def counted(*args: object, **kwargs: object) -> object:
        pools.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr("concurrent.futures.ProcessPoolExecutor", counted)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    module.compile_modules([str(tmp_path)])
    assert pools == [1]
    assert module._stale([str(tmp_path)]) == []
