"""native_version: the Cargo, meson.build and scikit-build-core readers on hand-made files (the
real builds are in tests/integration/test_version_rewrite_builds.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_actions.errors import ConfigError
from release_actions.native_version import cargo_declaration, cargo_form, meson_declaration


@pytest.mark.parametrize(
    ("old", "new", "written"),
    [
        ("1.2.3-dev.0", "1.2.3.dev41", "1.2.3-dev.41"),
        ("1.2.3-dev0", "1.2.3.dev41", "1.2.3-dev41"),
        ("2.0.0-rc.1.dev.0", "2.0.0rc1.dev7", "2.0.0-rc.1.dev.7"),
        ("1.2.3-dev.0", "1.2.3.dev18446744073709551614", "1.2.3-dev.18446744073709551614"),
        # bump-dev: from a release to the next development version, and back (tag-guard).
        ("1.2.3", "1.2.4.dev0", "1.2.4-dev.0"),
        ("1.2.3", "1.3.0rc1.dev0", "1.3.0-rc.1.dev.0"),
        ("1.2.3", "2.0.0b2", "2.0.0-beta.2"),
        ("1.2.3-dev.0", "1.2.3", "1.2.3"),
    ],
)
def test_cargo_form_changes_only_the_dev_number(old: str, new: str, written: str) -> None:
    assert cargo_form(old, new) == written


def test_cargo_form_refuses_what_it_cannot_spell() -> None:
    with pytest.raises(ConfigError, match=r"Cannot spell 1!2\.0"):
        cargo_form("1.2.3-dev.0", "1!2.0")


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("1.2.3.dev0", "is not SemVer"),
        ("1.2", "is not SemVer"),
        ("1.2.3-dev", "no `-dev.K` pre-release ending in a number"),
    ],
)
def test_cargo_versions_cargo_or_maturin_would_not_build_are_refused(
    tmp_path: Path, version: str, message: str
) -> None:
    manifest = tmp_path / "Cargo.toml"
    manifest.write_text(f"[package]\nname = \"x\"\nversion = \"{version}\"\n")
    with pytest.raises(ConfigError, match=message) as error:
        cargo_declaration(manifest)
    assert error.value.line == 3


def test_cargo_workspace_named_by_package_workspace(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "root/Cargo.toml").write_text(
        "[workspace]\n\n[workspace.package]\nversion = \"1.0.0-dev.3\"\n")
    crate = tmp_path / "crates/x/Cargo.toml"
    crate.parent.mkdir(parents=True)
    crate.write_text("[package]\nname = \"x\"\nworkspace = \"../../root\"\n"
                     "version = { workspace = true }\n")
    found = cargo_declaration(crate)
    assert found.path == tmp_path / "root/Cargo.toml"
    assert (found.version, found.line, found.where) == (
        "1.0.0-dev.3", 4, "[workspace.package].version (Cargo)")
    text = found.path.read_text()
    assert found.rewrite(text, "1.0.0.dev9") == text.replace("dev.3", "dev.9")


@pytest.mark.parametrize(
    ("build", "version", "line"),
    [
        ("project('x', version: '1.0.dev0')\n", "1.0.dev0", 1),
        ("# project('y', version: '9')\nproject(\n  'x',\n  ['c', 'cpp'],\n"
         "  default_options: ['version=9'],  # version: '8'\n  version : '1.0.dev0',\n)\n",
         "1.0.dev0", 6),
        ("project('x', meson_version: '>=1.1', version: '1.0.dev0', license: 'MIT')\n"
         "x = {'version': '7'}\n", "1.0.dev0", 1),
    ],
)
def test_meson_project_version_as_meson_reads_it(
    tmp_path: Path, build: str, version: str, line: int
) -> None:
    path = tmp_path / "meson.build"
    path.write_text(build)
    found = meson_declaration(path)
    assert (found.version, found.line) == (version, line)
    assert found.rewrite(build, "1.0.dev5") == build.replace("'1.0.dev0'", "'1.0.dev5'")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        ("project('x', version: run_command('v.py').stdout().strip())\n", "computes its version"),
        ("project('x', version: '1.0' + '.dev0')\n", "computes its version"),
        ("project('x', version: '''1.0.dev0''')\n", "computes its version"),
        ("project('x', license: 'MIT')\n", "no `version:`"),
        ("x = 1\n", r"no project\(\) call"),
    ],
)
def test_meson_versions_not_written_as_one_string_are_refused(
    tmp_path: Path, build: str, message: str
) -> None:
    path = tmp_path / "meson.build"
    path.write_text(build)
    with pytest.raises(ConfigError, match=message):
        meson_declaration(path)


def test_meson_version_file(tmp_path: Path) -> None:
    (tmp_path / "meson.build").write_text("project('x', version: files('VERSION'))\n")
    (tmp_path / "VERSION").write_text("1.0.dev0\n")
    found = meson_declaration(tmp_path / "meson.build")
    assert (found.path, found.version) == (tmp_path / "VERSION", "1.0.dev0")
