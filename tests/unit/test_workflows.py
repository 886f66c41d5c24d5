"""workflows.named_scripts: the repository scripts a `run:` names are read for the audit, and
nothing outside the repository, nothing too large, nothing that is not a regular text file."""

from __future__ import annotations

import os
from pathlib import Path

from release_actions.workflows import SCRIPT_BYTES, named_scripts


def test_scripts_named_by_a_relative_path_are_read_in_order(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "build").write_text("uv build\n")
    (tmp_path / "release.sh").write_text("twine upload dist/*\n")
    run = "set -e\nscripts/build && bash ./release.sh --fast; scripts/build\necho dist/*.whl"
    assert named_scripts(run, tmp_path) == "uv build\n\ntwine upload dist/*\n"


def test_nothing_outside_the_repository_or_not_a_small_text_file_is_read(
        tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    (tmp_path / "secret").write_text("twine upload --password hunter2\n")
    (root / "scripts" / "outside").symlink_to(tmp_path / "secret")
    (root / "scripts" / "big").write_bytes(b"x" * (SCRIPT_BYTES + 1))
    (root / "scripts" / "tool").write_bytes(b"\x7fELF\0\0twine upload")
    os.mkfifo(root / "scripts" / "pipe")
    (root / "scripts" / "dir").mkdir()
    run = ("scripts/outside ../secret /etc/passwd scripts/big scripts/tool scripts/pipe "
           "scripts/dir scripts/missing $HOME/x https://example.com/a/b")
    assert named_scripts(run, root) == ""


def test_a_run_of_many_paths_looks_at_the_first_few_only(tmp_path: Path) -> None:
    """A hostile `run:` naming a hundred thousand paths costs 64 looks, not one each."""
    from release_actions.workflows import PATHS_PER_STEP

    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "late").write_text("twine upload\n")
    (tmp_path / "scripts" / "early").write_text("uv build\n")
    many = " ".join(f"a/{n}" for n in range(100_000))
    assert named_scripts(f"scripts/early {many} scripts/late", tmp_path) == "uv build\n"
    spread = " ".join(f"a/{n}" for n in range(PATHS_PER_STEP - 2))
    assert named_scripts(f"{spread} scripts/early", tmp_path) == "uv build\n"
