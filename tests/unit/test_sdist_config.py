"""sdist_config: each backend's sdist exclusions matched as the backend matches them."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_actions.sdist_config import glob_regex, manifest_rules, read_sdist_config


@pytest.mark.parametrize(
    ("glob", "path", "matches"),
    [
        ("src/pip/_vendor/**/*.pyi", "src/pip/_vendor/rich/console.pyi", True),
        ("src/pip/_vendor/**/*.pyi", "src/pip/_vendor/six.pyi", True),
        ("src/pip/_vendor/**/*.pyi", "src/pip/_internal/x.pyi", False),
        ("*.pyi", "src/a.pyi", False),  # flit's glob: `*` stays inside one folder
        ("doc/_build", "doc/_build", True),
        ("a?.txt", "ab.txt", True),
        ("a?.txt", "a/.txt", False),
    ],
)
def test_glob_regex(glob: str, path: str, matches: bool) -> None:
    assert bool(glob_regex(glob).fullmatch(path)) is matches


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_flit_exclude_names_the_rule_and_finds_the_src_file(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "pyproject.toml": "[build-system]\nbuild-backend = \"flit_core.buildapi\"\n"
        "[tool.flit.sdist]\nexclude = [\"src/pip/_vendor/**/*.pyi\", \"../outside\"]\n",
        "src/pip/_vendor/six.pyi": "", "src/pip/_vendor/six.py": "",
    })
    config = read_sdist_config(root)
    assert config.backend == "flit_core" and "[tool.flit.sdist] include" in config.include
    rule = config.excluded_by(root, "pip/_vendor/six.pyi")
    assert rule is not None and "src/pip/_vendor/**/*.pyi" in rule.text
    assert config.excluded_by(root, "pip/_vendor/six.py") is None
    assert len(config.rules) == 1  # a pattern leaving the project is one flit refuses too


def test_hatch_exclude_is_gitignore_style(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "pyproject.toml": "[build-system]\nbuild-backend = \"hatchling.build\"\n"
        "[tool.hatch.build.targets.sdist]\nexclude = [\"*.pyi\", \"/tests\"]\n",
        "src/pkg/deep/a.pyi": "", "tests/data.txt": "", "src/pkg/tests/b.txt": "",
    })
    config = read_sdist_config(root)
    assert config.excluded_by(root, "pkg/deep/a.pyi") is not None
    assert config.excluded_by(root, "tests/data.txt") is not None
    assert config.excluded_by(root, "pkg/tests/b.txt") is None  # `/tests` is anchored


def test_manifest_in_commands() -> None:
    rules = manifest_rules([
        "include README.md", "exclude src/pkg/*.json  # generated", "prune src/pkg/fixtures/",
        "global-exclude *.py[cod]", "recursive-exclude src/pkg/data *.bin", "graft docs",
    ])
    matched = {path: [r.text for r in rules if r.pattern.fullmatch(path)] for path in (
        "src/pkg/a.json", "src/pkg/fixtures", "src/pkg/x/y.pyc", "src/pkg/data/z/w.bin",
        "src/pkg/sub/a.json", "README.md")}
    assert matched["src/pkg/a.json"] == ["`MANIFEST.in` line 2 `exclude src/pkg/*.json`"]
    assert matched["src/pkg/fixtures"] == ["`MANIFEST.in` line 3 `prune src/pkg/fixtures/`"]
    assert len(matched["src/pkg/x/y.pyc"]) == 1
    assert len(matched["src/pkg/data/z/w.bin"]) == 1
    assert matched["src/pkg/sub/a.json"] == [] and matched["README.md"] == []


def test_an_unreadable_project_file_means_no_exclusions(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[broken\n")
    config = read_sdist_config(tmp_path)
    assert config.rules == () and config.backend == "setuptools"
