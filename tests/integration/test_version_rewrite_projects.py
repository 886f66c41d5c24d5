"""version-rewrite on the version files of real projects (tests/projects, vendored unchanged
with their upstream commit): the version is found where their backend reads it, and a
development version is rewritten there and nowhere else."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import run_cli, snapshot

PROJECTS = Path(__file__).parent.parent / "projects"

# project folder, the folder version-rewrite runs in, the file holding the version, its version
REAL = {
    "pip": ("", "src/pip/__init__.py", "26.3.dev0"),
    "sphinx": ("", "sphinx/__init__.py", "9.1.1"),
    "pydantic-core": ("", "Cargo.toml", "2.41.5"),
    "maturin-workspace-inheritance": ("python", "Cargo.toml", "0.1.0"),
    "pygame-ce": ("", "pyproject.toml", "3.0.0.dev1"),
    "llama-cpp-python": ("", "llama_cpp/__init__.py", "0.3.35"),
}
# How each spells a development version where it holds its final one.
DEV_SPELLING = {"Cargo.toml": "{}-dev.0", "__init__.py": "{}.dev0"}


def checkout(tmp_path: Path, project: str) -> Path:
    shutil.copytree(PROJECTS / project, tmp_path / project)
    (tmp_path / project / ".git").mkdir()  # where a search for a Cargo workspace stops
    return tmp_path / project


@pytest.mark.parametrize("project", REAL)
def test_the_version_is_found_where_the_backend_reads_it(tmp_path: Path, project: str) -> None:
    """Given the project as upstream has it, a final version skips and a development version
    is announced as it is: both read from the file its backend reads."""
    folder, version_file, version = REAL[project]
    root = checkout(tmp_path, project)
    before = snapshot(root)
    result = run_cli("version-rewrite", cwd=root / folder, inputs={"run-number": "41"},
                     env={"GITHUB_WORKSPACE": str(root)})
    assert result.code == 0, result.log
    assert result.outputs["previous-version"] == version
    final = ".dev" not in version
    assert result.outputs["publish"] == ("false" if final else "true")
    if final:
        assert snapshot(root) == before
    else:
        assert result.outputs["version"] == version.replace(".dev0", ".dev41").replace(
            ".dev1", ".dev41")
    assert f"`{version_file}`" in result.summary or final


@pytest.mark.parametrize("project", REAL)
def test_a_development_version_is_rewritten_in_that_file_only(
    tmp_path: Path, project: str
) -> None:
    """Given the project moved to its next development version (spelled as its backend wants
    it), when run 41 rewrites it, then that file alone changes, by the dev number alone."""
    folder, version_file, version = REAL[project]
    root = checkout(tmp_path, project)
    dev = version
    if ".dev" not in version:
        spelling = DEV_SPELLING[Path(version_file).name]
        dev = spelling.format(version)
        path = root / version_file
        text = path.read_text()
        assert text.count(f"\"{version}\"") + text.count(f"'{version}'") == 1
        path.write_text(text.replace(version, dev, 1))
    before = snapshot(root)
    result = run_cli("version-rewrite", cwd=root / folder, inputs={"run-number": "41"},
                     env={"GITHUB_WORKSPACE": str(root)})
    assert result.code == 0, result.log
    new = dev[:dev.rindex("0" if dev.endswith("0") else "1")] + "41"
    assert result.outputs["publish"] == "true"
    after = snapshot(root)
    changed = [name for name in before if after[name] != before[name]]
    assert changed == [version_file]
    assert after[version_file] == before[version_file].replace(dev.encode(), new.encode(), 1)
