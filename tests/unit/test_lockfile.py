"""The project's own uv.lock entry: found by uv's layout, edited in place, verified by re-reading
it with tomllib; every other byte stays."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_actions.errors import ConfigError
from release_actions.lockfile import find_lock_entry

OWN = """\
[[package]]
name = "my-pkg"
version = "{version}"
source = {{ editable = "." }}
dependencies = [
    {{ name = "my-pkg", extra = ["cli"] }},
]

[package.optional-dependencies]
cli = [
    {{ name = "click" }},
]

[package.metadata]
requires-dist = [{{ name = "click", marker = "extra == 'cli'" }}]
"""
REGISTRY_TWIN = """\
[[package]]
name = "my-pkg"
version = "0.1.0"
source = { registry = "https://pypi.org/simple" }
"""
HEAD = (
    'version = 1\nrevision = 3\nrequires-python = ">=3.10"\n\n[manifest]\nmembers = ["my-pkg"]\n\n'
)


def write_lock(tmp_path: Path, text: str) -> Path:
    (tmp_path / "uv.lock").write_bytes(text.encode())
    return tmp_path / "pyproject.toml"


def test_only_the_own_entry_version_changes_even_with_a_registry_twin(tmp_path: Path) -> None:
    """Given a lock where the project's name also appears as a registry package (forked
    resolution), when rewriting, then only the editable entry's version text changes."""
    text = HEAD + REGISTRY_TWIN + "\n" + OWN.format(version="0.5.1.dev0")
    project = write_lock(tmp_path, text)
    declaration = find_lock_entry(project, "My_Pkg")
    assert declaration is not None
    assert declaration.version == "0.5.1.dev0"
    assert declaration.line == text.splitlines().index('version = "0.5.1.dev0"') + 1
    new = declaration.rewrite(text, "0.5.1.dev77")
    assert new == text.replace('"0.5.1.dev0"', '"0.5.1.dev77"')
    assert 'version = "0.1.0"' in new


def test_crlf_lock_keeps_its_line_endings(tmp_path: Path) -> None:
    text = (HEAD + OWN.format(version="1.0.dev0")).replace("\n", "\r\n")
    declaration = find_lock_entry(write_lock(tmp_path, text), "my-pkg")
    assert declaration is not None
    assert declaration.rewrite(text, "1.0.dev5") == text.replace("1.0.dev0", "1.0.dev5")


def test_a_dynamic_version_has_no_entry_to_rewrite(tmp_path: Path) -> None:
    text = HEAD + '[[package]]\nname = "my-pkg"\nsource = { editable = "." }\n'
    assert find_lock_entry(write_lock(tmp_path, text), "my-pkg") is None


def test_an_entry_not_laid_out_as_uv_writes_it_says_uv_lock(tmp_path: Path) -> None:
    text = HEAD + '[[package]]\nname = "my-pkg"\nsource = { editable = "." }\nversion = "1.0"\n'
    with pytest.raises(ConfigError, match="uv lock") as error:
        find_lock_entry(write_lock(tmp_path, text), "my-pkg")
    assert error.value.line == 8


def test_an_edit_that_does_not_verify_is_refused(tmp_path: Path) -> None:
    """The re-read with tomllib is what stands between a bad edit and a broken lock."""
    text = HEAD + OWN.format(version="1.0.dev0")
    declaration = find_lock_entry(write_lock(tmp_path, text), "my-pkg")
    assert declaration is not None
    with pytest.raises(ConfigError, match="uv lock"):
        declaration.rewrite(text, 'x" \nbroken = "')
