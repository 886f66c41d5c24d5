"""The bootstrap venv's manifest: every file and link the venv holds, with its sha256 or its
target, written when the venv is made or extended and checked before it is used again. A file
an earlier step of the job planted or changed (a `.pth`, a module, the interpreter link) makes
the bootstrap build the venv again instead of running it with the job's token in reach.

Run by the interpreter that made the venv, never the venv's own, without its site (`-S`: the
standard library is all this needs, and no `.pth` file of that Python runs code before the check):
`python -I -S manifest.py write VENV [FOLDER...]` or `python -I -S manifest.py check VENV` (exit 3
and the first difference on stdout; exit 2 when this Python is older than 3.10, so the
bootstrap tries the next one). `write` first compiles the modules of the venv and of each
FOLDER that have no current bytecode (the command then runs with -B and writes none): in
parallel when there are many (a venv of fresh downloads), in this process when there are few
(a venv whose files came with their bytecode: compileall -j0 would start a pool and send it
every file, ten times the CPU). The check hashes only what changed in size, inode or ctime since the
manifest was written (no call sets ctime back), so a reuse costs a walk of the folder."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys

NAME = ".manifest"
DIFFERS = 3
# The bootstrap's own markers at the venv's top: the manifest itself, `.complete`, `.set-*`.
CHUNK = 1 << 20


def _is_marker(relative: str) -> bool:
    return "/" not in relative and (relative in (NAME, ".complete")
                                    or relative.startswith(".set-"))


def _digest(path: str) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            sha.update(block)
    return sha.hexdigest()


def _walk(venv: str) -> dict[str, tuple[str, os.stat_result]]:
    """relative path -> (kind, lstat) of every entry but the folders and the markers."""
    found = {}
    for folder, dirs, files in os.walk(venv):
        for name in dirs + files:
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, venv).replace(os.sep, "/")
            info = os.lstat(path)
            if stat.S_ISDIR(info.st_mode) or _is_marker(relative):
                continue
            kind = "link" if stat.S_ISLNK(info.st_mode) else (
                "file" if stat.S_ISREG(info.st_mode) else "other")
            found[relative] = (kind, info)
    return found


def _record(venv: str, relative: str, kind: str, info: os.stat_result) -> list[object]:
    path = os.path.join(venv, relative)
    content = (os.readlink(path) if kind == "link" else
               _digest(path) if kind == "file" else "")
    return [kind, content, info.st_size, info.st_ino, info.st_ctime_ns]


def _load(venv: str) -> dict[str, list[object]] | None:
    try:
        with open(os.path.join(venv, NAME), encoding="utf-8") as handle:
            loaded: dict[str, list[object]] = json.load(handle)
    except (OSError, ValueError):
        return None
    return loaded


def _unchanged(record: list[object] | None, kind: str, info: os.stat_result) -> bool:
    return record is not None and record[0] == kind and record[2:] == [
        info.st_size, info.st_ino, info.st_ctime_ns]


# Fewer modules than this to compile: one process does it.
PARALLEL_FROM = 200


def _stale(folders: list[str]) -> list[str]:
    """The modules under `folders` whose bytecode is missing or not that of the source (the
    check compileall makes: magic number, flags and the source's mtime)."""
    import importlib.util
    import struct

    found = []
    for top in folders:
        for folder, dirs, files in os.walk(top):
            dirs[:] = [name for name in dirs if name != "__pycache__"]
            for name in files:
                if not name.endswith(".py"):
                    continue
                path = os.path.join(folder, name)
                try:
                    expected = struct.pack("<4sLL", importlib.util.MAGIC_NUMBER, 0,
                                           int(os.stat(path).st_mtime) & 0xFFFF_FFFF)
                    with open(importlib.util.cache_from_source(path), "rb") as handle:
                        current = handle.read(12) == expected
                except (OSError, ValueError):
                    current = False
                if not current:
                    found.append(path)
    return found


def _compile(path: str) -> bool:
    import compileall

    return bool(compileall.compile_file(path, quiet=2))


def compile_modules(folders: list[str]) -> None:
    """Bytecode for every module under `folders` that lacks it (one that does not compile, say
    a test file of a package written for another Python, is left without, as compileall does)."""
    stale = _stale(folders)
    if len(stale) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1:
        try:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor() as pool:
                list(pool.map(_compile, stale, chunksize=16))
            return
        except (ImportError, OSError):  # no pool here (say, no /dev/shm): one process then
            pass
    for path in stale:
        _compile(path)


def write(venv: str, also: list[str] | None = None) -> int:
    """The manifest of `venv`, its modules and those of `also` compiled first; an extended
    venv's old one (checked at the step's start) lends the digests of the files that did not
    change."""
    compile_modules([venv, *(also or [])])
    old = _load(venv) or {}
    entries = {}
    for relative, (kind, info) in sorted(_walk(venv).items()):
        record = old.get(relative)
        entries[relative] = (record if record is not None and _unchanged(record, kind, info)
                             else _record(venv, relative, kind, info))
    with open(os.path.join(venv, NAME), "w", encoding="utf-8") as handle:
        json.dump(entries, handle, separators=(",", ":"))
    return 0


def check(venv: str) -> int:
    expected = _load(venv)
    if expected is None:
        print("its manifest is missing or unreadable")
        return DIFFERS
    found = _walk(venv)
    removed = sorted(set(expected) - set(found))
    if removed:
        print(f"{removed[0]} was removed")
        return DIFFERS
    for relative, (kind, info) in sorted(found.items()):
        record = expected.get(relative)
        if record is None:
            print(f"{relative} was added")
            return DIFFERS
        if not _unchanged(record, kind, info) and _record(venv, relative, kind,
                                                          info)[:3] != record[:3]:
            print(f"{relative} was changed")
            return DIFFERS
    return 0


if __name__ == "__main__":
    if sys.version_info < (3, 10):  # noqa: UP036  (run by whatever python3 is on PATH)
        raise SystemExit(2)
    action, folder, *others = sys.argv[1:]
    raise SystemExit(write(folder, others) if action == "write" else check(folder))
