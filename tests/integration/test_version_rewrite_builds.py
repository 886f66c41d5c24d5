"""version-rewrite, then a real `uv build`: what each backend reads is what was rewritten
(split from test_version_rewrite_files.py, whose layouts and MESON it shares)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import clean_env, run_cli, snapshot
from tests.integration.build_envs import BuildEnvs
from tests.integration.test_version_rewrite_files import MESON, write_tree

FLIT = ("[build-system]\nrequires = [\"flit_core>=3.11,<5\"]\n"
        "build-backend = \"flit_core.buildapi\"\n\n")
MATURIN_BIN = ("[build-system]\nrequires = [\"maturin>=1.5,<2\"]\nbuild-backend = \"maturin\"\n\n"
               "[tool.maturin]\nbindings = \"bin\"\n")
MAIN_RS = "fn main() {}\n"
MESON_SOURCES = ("py = import('python').find_installation()\n"
                 "py.install_sources('my_pkg/__init__.py', subdir: 'my_pkg')\n")

# --- what the backend reads is what was rewritten: real builds ---------------------------------

SETUPTOOLS_ATTR_PROJECT = ("[project]\nname = \"my-pkg\"\ndynamic = [\"version\"]\n\n"
                           "[build-system]\nrequires = [\"setuptools>=64\"]\n"
                           "build-backend = \"setuptools.build_meta\"\n\n"
                           "[tool.setuptools.dynamic]\n"
                           "version = {attr = \"my_pkg.__version__\"}\n")
SETUPTOOLS_ONLY = ("[build-system]\nrequires = [\"setuptools>=64\"]\n"
                   "build-backend = \"setuptools.build_meta\"\n")
SETUP_CFG = ("[bumpversion]\ncurrent_version = 0.5.0\n\n[metadata]\nname = my-pkg\n"
             "version = {version}\n\n[options]\npython_requires = >=3.9\npackage_dir =\n    =src\n"
             "packages = find:\n\n[options.packages.find]\nwhere = src\n")
BUILDS = {
    "hatch-lowercase-path": {
        "pyproject.toml": "[project]\nname = \"my-pkg\"\ndynamic = [\"version\"]\n\n"
        "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n"
        "[tool.hatch.version]\npath = \"src/my_pkg/__init__.py\"\n",
        "src/my_pkg/__init__.py": "version = \"0.5.1.dev0\"\n",
    },
    "setuptools-annotated-attr": {
        "pyproject.toml": "[project]\nname = \"my-pkg\"\ndynamic = [\"version\"]\n\n"
        "[build-system]\nrequires = [\"setuptools>=64\"]\n"
        "build-backend = \"setuptools.build_meta\"\n\n"
        "[tool.setuptools.dynamic]\nversion = {attr = \"my_pkg.__version__\"}\n",
        # setuptools reads the first top-level assignment statically, annotated or not.
        "src/my_pkg/__init__.py": "__version__: str = \"0.5.1.dev0\"\n__version__ = \"9.9\"\n",
    },
    # setuptools' declarative setup.cfg, before [project] (yarl, aiohttp): `attr:`, `file:`,
    # and the version itself; pyproject.toml names the backend only.
    "setup-cfg-attr": {
        "pyproject.toml": SETUPTOOLS_ONLY,
        "setup.cfg": SETUP_CFG.format(version="attr: my_pkg.__version__"),
        "src/my_pkg/__init__.py": "__version__ = \"0.5.1.dev0\"\n",
    },
    "setup-cfg-file": {
        "pyproject.toml": SETUPTOOLS_ONLY,
        "setup.cfg": SETUP_CFG.format(version="file: VERSION"),
        "VERSION": "0.5.1.dev0\n",
        "src/my_pkg/__init__.py": "",
    },
    "setup-cfg-literal": {
        "pyproject.toml": SETUPTOOLS_ONLY,
        # An older section's own `version` comes first: only [metadata]'s is the package's.
        "setup.cfg": "[build_sphinx]\nversion = 0.5\n\n" + SETUP_CFG.format(version="0.5.1.dev0"),
        "src/my_pkg/__init__.py": "",
    },
    # SQLAlchemy's: no package-dir, the package finder's `where` is what maps `lib/`.
    "setuptools-attr-find-where": {
        "pyproject.toml": "[project]\nname = \"my-pkg\"\ndynamic = [\"version\"]\n\n"
        "[build-system]\nrequires = [\"setuptools>=64\"]\n"
        "build-backend = \"setuptools.build_meta\"\n\n"
        "[tool.setuptools.packages.find]\nwhere = [\"lib\"]\n\n"
        "[tool.setuptools.dynamic]\nversion = {attr = \"my_pkg.__version__\"}\n",
        "lib/my_pkg/__init__.py": "__version__ = \"0.5.1.dev0\"\n",
    },
    # pre-commit's: setup.py and setup.cfg, no pyproject.toml at all.
    "setup-cfg-without-pyproject": {
        "setup.py": "from setuptools import setup\n\nsetup()\n",
        "setup.cfg": SETUP_CFG.format(version="0.5.1.dev0"),
        "src/my_pkg/__init__.py": "",
    },
    # Pillow's: the package re-exports the version its `_version` module assigns; setuptools,
    # reading no literal, imports the package and gets that module's.
    "setuptools-attr-reexported-module": {
        "pyproject.toml": SETUPTOOLS_ATTR_PROJECT,
        "src/my_pkg/__init__.py": "from . import _version\n\n"
        "__version__ = _version.__version__\ndel _version\n",
        "src/my_pkg/_version.py": "__version__ = \"0.5.1.dev0\"\n",
    },
    "setuptools-attr-imported-name": {
        "pyproject.toml": SETUPTOOLS_ATTR_PROJECT,
        "src/my_pkg/__init__.py": "from .about import __version__ as __version__\n",
        "src/my_pkg/about/__init__.py": "__version__ = \"0.5.1.dev0\"\n",
    },
    "project-table": {
        "pyproject.toml": "[project]\nname = \"my-pkg\"\nversion = \"0.5.1.dev0\"\n\n"
        "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n",
        "src/my_pkg/__init__.py": "",
    },
    "poetry": {
        "pyproject.toml": "[tool.poetry]\nname = \"my-pkg\"\nversion = \"0.5.1.dev0\"\n"
        "description = \"\"\nauthors = []\n\n[build-system]\nrequires = [\"poetry-core>=1,<3\"]\n"
        "build-backend = \"poetry.core.masonry.api\"\n",
        "my_pkg/__init__.py": "",
    },
    "hatch-code-source": {
        "pyproject.toml": "[project]\nname = \"my-pkg\"\ndynamic = [\"version\"]\n\n"
        "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n"
        "[tool.hatch.version]\nsource = \"code\"\npath = \"src/my_pkg/__init__.py\"\n",
        "src/my_pkg/__init__.py": "__version__: str = \"0.5.1.dev0\"\n",
    },
    "hatch-custom-pattern": {
        "pyproject.toml": "[project]\nname = \"my-pkg\"\ndynamic = [\"version\"]\n\n"
        "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n"
        "[tool.hatch.version]\npath = \"src/my_pkg/meta.py\"\n"
        "pattern = \"^RELEASE: str = '(?P<version>[^']+)'$\"\n",
        "src/my_pkg/meta.py": "RELEASE: str = '0.5.1.dev0'\n",
        "src/my_pkg/__init__.py": "",
    },
    "setuptools-file": {
        "pyproject.toml": "[project]\nname = \"my-pkg\"\ndynamic = [\"version\"]\n\n"
        "[build-system]\nrequires = [\"setuptools>=64\"]\n"
        "build-backend = \"setuptools.build_meta\"\n\n"
        "[tool.setuptools.dynamic]\nversion = {file = \"VERSION\"}\n",
        "VERSION": "0.5.1.dev0\n",
        "src/my_pkg/__init__.py": "",
    },
    "pdm-file": {
        "pyproject.toml": "[project]\nname = \"my-pkg\"\ndynamic = [\"version\"]\n\n"
        "[build-system]\nrequires = [\"pdm-backend\"]\nbuild-backend = \"pdm.backend\"\n\n"
        "[tool.pdm.version]\nsource = \"file\"\npath = \"src/my_pkg/__init__.py\"\n",
        "src/my_pkg/__init__.py": "__version__ = \"0.5.1.dev0\"\n",
    },
    "flit-src-package": {  # pip's layout
        "pyproject.toml": "[project]\ndynamic = [\"version\"]\nname = \"my-pkg\"\n"
        "description = \"x\"\n\n" + FLIT,
        "src/my_pkg/__init__.py": "from __future__ import annotations\n\n"
        "__version__ = \"0.5.1.dev0\"\n",
    },
    "flit-module-name-annotated": {  # sphinx's layout
        "pyproject.toml": "[project]\nname = \"My-Dist\"\ndescription = \"x\"\n"
        "dynamic = [\"version\"]\n\n" + FLIT + "[tool.flit.module]\nname = \"my_pkg\"\n",
        "my_pkg/__init__.py": "from typing import Final\n\n__version__: Final = '0.5.1.dev0'\n"
        "__display_version__: Final = __version__\n",
    },
    "flit-single-file-module": {
        "pyproject.toml": "[project]\nname = \"my-pkg\"\ndescription = \"x\"\n"
        "dynamic = [\"version\"]\n\n" + FLIT,
        # flit takes the first assignment of a literal: the computed one above it is skipped.
        "my_pkg.py": "import os\n__version__ = os.environ.get('V', '9.9')\n"
        "__version__ = \"0.5.1.dev0\"\n",
    },
    "flit-version-module": {
        "pyproject.toml": "[project]\nname = \"my-pkg\"\ndescription = \"x\"\n"
        "dynamic = [\"version\"]\n\n" + FLIT,
        # __init__.py has no literal, so flit reads _version.py (after __version__.py).
        "src/my_pkg/__init__.py": "from ._version import __version__\n",
        "src/my_pkg/_version.py": "__version__ = \"0.5.1.dev0\"\n",
        "src/my_pkg/__version__.py": "__version__ = \"9.9\"\n",
    },
    "maturin-cargo-dev-dot": {
        "pyproject.toml": "[project]\nname = \"my-pkg\"\ndynamic = [\"version\"]\n\n" + MATURIN_BIN,
        "Cargo.toml": "[package]\nname = \"my-pkg\"\n"
        "version = \"0.5.1-dev.0\"  # maturin: 0.5.1.dev0\nedition = \"2021\"\n",
        "src/main.rs": MAIN_RS,
    },
    "maturin-workspace-inheritance": {
        "pyproject.toml": MATURIN_BIN + "manifest-path = \"crates/cli/Cargo.toml\"\n",
        "Cargo.toml": "[workspace]\nmembers = [\"crates/cli\"]\nresolver = \"2\"\n\n"
        "[workspace.package]\nversion = '0.5.1-dev0'\nedition = \"2021\"\n",
        "crates/cli/Cargo.toml": "[package]\nname = \"my-pkg\"\nversion.workspace = true\n"
        "edition.workspace = true\n",
        "crates/cli/src/main.rs": MAIN_RS,
    },
    "maturin-static-project-version": {
        "pyproject.toml": "[project]\nname = \"my-pkg\"\nversion = \"0.5.1.dev0\"\n\n"
        + MATURIN_BIN,
        "Cargo.toml": "[package]\nname = \"my-pkg\"\nversion = \"7.0.0\"\nedition = \"2021\"\n",
        "src/main.rs": MAIN_RS,
    },
    "meson-project-version": {
        "pyproject.toml": MESON,
        "meson.build": "project(\n  'my-pkg',  # version: '9.9'\n  version : '0.5.1.dev0',\n"
        "  meson_version: '>=1.0',\n)\n" + MESON_SOURCES,
        "my_pkg/__init__.py": "",
    },
    "meson-version-file": {
        "pyproject.toml": MESON,
        "meson.build": "project('my-pkg', version: files('VERSION'))\n" + MESON_SOURCES,
        "VERSION": "0.5.1.dev0\n",
        "my_pkg/__init__.py": "",
    },
    "scikit-build-core-regex": {
        "pyproject.toml": "[build-system]\nrequires = [\"scikit-build-core\"]\n"
        "build-backend = \"scikit_build_core.build\"\n\n[project]\nname = \"my-pkg\"\n"
        "dynamic = [\"version\"]\n\n[tool.scikit-build.metadata.version]\n"
        "provider = \"scikit_build_core.metadata.regex\"\ninput = \"VERSION\"\n"
        "regex = '(?P<value>\\S+)'\n",
        "VERSION": "0.5.1.dev0\n",
        "CMakeLists.txt": "cmake_minimum_required(VERSION 3.15)\n"
        "project(${SKBUILD_PROJECT_NAME} LANGUAGES NONE)\n",
        "src/my_pkg/__init__.py": "",
    },
    # pybind11's: three defines, composed by `result`; the development part in the last one
    "scikit-build-core-composed-result": {
        "pyproject.toml": "[build-system]\nrequires = [\"scikit-build-core\"]\n"
        "build-backend = \"scikit_build_core.build\"\n\n[project]\nname = \"my-pkg\"\n"
        "dynamic = [\"version\"]\n\n[tool.scikit-build.metadata.version]\n"
        "provider = \"scikit_build_core.metadata.regex\"\ninput = \"include/my/common.h\"\n"
        "regex = '''(?sx)\n\\#define \\s+ MY_VERSION_MAJOR \\s+ (?P<major>\\d+) .*?\n"
        "\\#define \\s+ MY_VERSION_MINOR \\s+ (?P<minor>\\d+) .*?\n"
        "\\#define \\s+ MY_VERSION_PATCH \\s+ (?P<patch>\\S+)\n'''\n"
        "result = \"{major}.{minor}.{patch}\"\n",
        "include/my/common.h": "#define MY_VERSION_MAJOR 0\n#define MY_VERSION_MINOR 5\n"
        "#define MY_VERSION_PATCH 1.dev0\n",
        "CMakeLists.txt": "cmake_minimum_required(VERSION 3.15)\n"
        "project(${SKBUILD_PROJECT_NAME} LANGUAGES NONE)\n",
        "src/my_pkg/__init__.py": "",
    },
    "scikit-build-core-default-regex": {
        "pyproject.toml": "[build-system]\nrequires = [\"scikit-build-core\"]\n"
        "build-backend = \"scikit_build_core.build\"\n\n[project]\nname = \"my-pkg\"\n"
        "dynamic = [\"version\"]\n\n[tool.scikit-build.metadata.version]\n"
        "provider = \"scikit_build_core.metadata.regex\"\ninput = \"src/my_pkg/__init__.py\"\n",
        "CMakeLists.txt": "cmake_minimum_required(VERSION 3.15)\n"
        "project(${SKBUILD_PROJECT_NAME} LANGUAGES NONE)\n",
        "src/my_pkg/__init__.py": "__version__: str = \"0.5.1.dev0\"\n",
    },
}


# meson-python's sdist is `meson dist`: a git checkout whose rewrite is committed (never pushed).
COMMITTED = {"meson-project-version", "meson-version-file"}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@localhost", *args],
                   cwd=root, check=True, capture_output=True, env=clean_env())


@pytest.fixture(scope="module")
def build_envs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuildEnvs]:
    yield BuildEnvs(tmp_path_factory.mktemp("build-envs"))


def uv_build(root: Path, build_envs: BuildEnvs) -> None:
    build = build_envs.uv_build(root)
    assert build.returncode == 0, build.stderr[-3000:]


def built_versions(root: Path) -> set[str]:
    """The version in the name of every file `uv build` made (sdist and wheel)."""
    return {
        path.name.removesuffix(".tar.gz").split("-")[1] for path in (root / "dist").iterdir()
        if path.name.endswith((".whl", ".tar.gz"))
    }


@pytest.mark.parametrize("layout", BUILDS)
def test_uv_builds_the_rewritten_version(
    tmp_path: Path, layout: str, build_envs: BuildEnvs
) -> None:
    """Given a layout a backend reads in its own way, when the largest run number uv accepts
    is rewritten, then `uv build` (sdist, and the wheel from it) makes exactly the announced
    version, and only the version text changed."""
    write_tree(tmp_path, BUILDS[layout])
    if layout in COMMITTED:
        git(tmp_path, "init", "-q")
        git(tmp_path, "add", "-A")
        git(tmp_path, "commit", "-qm", "project")
    before = snapshot(tmp_path)
    result = run_cli("version-rewrite", cwd=tmp_path,
                     inputs={"run-number": "18446744073709551614"})
    assert result.code == 0, result.log
    assert result.outputs["version"] == "0.5.1.dev18446744073709551614"
    after = snapshot(tmp_path)
    changed = [name for name in before if after[name] != before[name]]
    assert len(changed) == 1, changed
    # The first dev number (`dev0`, Cargo's `dev.0`) is the version; a comment's stays.
    assert after[changed[0]] == re.sub(rb"(dev\.?)0(?!\d)", rb"\g<1>18446744073709551614",
                                       before[changed[0]], count=1)
    if layout in COMMITTED:
        git(tmp_path, "commit", "-qam", "preview")
    uv_build(tmp_path, build_envs)
    assert built_versions(tmp_path) == {result.outputs["version"]}
    assert len(list((tmp_path / "dist").glob("*.whl"))) == 1


def test_meson_warns_that_its_sdist_is_the_last_commit(
    tmp_path: Path, build_envs: BuildEnvs
) -> None:
    """Given a meson-python project in git, when the rewrite is not committed, then the
    warning is true: the sdist holds the committed meson.build, so the wheel built from it is
    the old version and uv stops."""
    write_tree(tmp_path, BUILDS["meson-project-version"])
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "project")
    result = run_cli("version-rewrite", cwd=tmp_path, inputs={"run-number": "41"})
    assert result.code == 0, result.log
    warnings = [line for line in result.stdout.splitlines() if line.startswith("::warning")]
    assert len(warnings) == 1 and "meson dist" in warnings[0], result.log
    build = build_envs.uv_build(tmp_path)
    assert build.returncode != 0
    assert ("sdist declares version 0.5.1.dev41, but the wheel declares version 0.5.1.dev0"
            in " ".join(build.stderr.replace("source distribution", "sdist").split()))
