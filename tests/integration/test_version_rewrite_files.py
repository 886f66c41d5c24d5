"""version-rewrite on real project files of every layout: only the version text changes, and on
every error no file changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_cli, snapshot
from tests.integration.regex_bound import SECONDS, short_regex_bound

UV_LOCK = """\
version = 1
revision = 3
requires-python = ">=3.10"

[[package]]
name = "idna"
version = "3.10"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "my-pkg"
version = "0.5.1.dev0"
source = { editable = "." }
dependencies = [
    { name = "idna" },
]
"""

HATCH_PATH = ("[project]\nname = \"x\"\ndynamic = [\"version\"]\n\n"
              "[tool.hatch.version]\npath = \"x.py\"\n")
SETUPTOOLS_BACKEND = ("[build-system]\nrequires = [\"setuptools\"]\n"
                      "build-backend = \"setuptools.build_meta\"\n")
SETUPTOOLS_ATTR = ("[project]\nname = \"x\"\ndynamic = [\"version\"]\n\n"
                   "[tool.setuptools.dynamic]\nversion = {attr = \"x.__version__\"}\n")

MESON = ("[build-system]\nrequires = [\"meson-python\"]\nbuild-backend = \"mesonpy\"\n\n"
         "[project]\nname = \"my-pkg\"\ndynamic = [\"version\"]\n")
FLIT_X = ("[project]\nname = \"x\"\ndynamic = [\"version\"]\n\n[build-system]\n"
          "build-backend = \"flit_core.buildapi\"\n")
CARGO_X = "[build-system]\nbuild-backend = \"maturin\"\n"
SKBUILD_X = ("[project]\nname = \"x\"\ndynamic = [\"version\"]\n\n[build-system]\n"
             "build-backend = \"scikit_build_core.build\"\n\n"
             "[tool.scikit-build.metadata.version]\n"
             "provider = \"scikit_build_core.metadata.regex\"\ninput = \"v.h\"\n")

LAYOUTS: dict[str, dict[str, str]] = {
    "project-table": {
        "pyproject.toml": "# keep me\n[project]\nname = 'my_pkg'\n"
        "version = '0.5.1.dev0'   # next release\ndependencies = [\"idna\"]\n\n"
        "[tool.other]\nversion = \"9.9\"\n",
        "uv.lock": UV_LOCK,
    },
    "poetry": {
        "pyproject.toml": "[tool.poetry]\nname = \"my-pkg\"\nversion = \"0.5.1.dev0\"\n"
        "description = \"\"\n\n[build-system]\nrequires = [\"poetry-core\"]\n",
    },
    "hatch-path": {
        "pyproject.toml": "[project]\nname = \"my-pkg\"\ndynamic = [\"version\"]\n\n"
        "[tool.hatch.version]\npath = \"src/my_pkg/__about__.py\"\n",
        "src/my_pkg/__about__.py": "# SPDX\n__version__ = \"0.5.1.dev0\"\nVERSION_INFO = (0, 5)\n",
    },
    "setuptools-attr-src": {
        "pyproject.toml": "[project]\nname = \"my-pkg\"\ndynamic = [\"version\"]\n\n"
        "[tool.setuptools.dynamic]\nversion = {attr = \"my_pkg.__version__\"}\n",
        "src/my_pkg/__init__.py": "\"\"\"Doc.\"\"\"\n\n__version__: str = '0.5.1.dev0'\n",
    },
    "setuptools-attr-flat": {
        "pyproject.toml": "[project]\nname = \"my-pkg\"\ndynamic = [\"version\"]\n\n"
        "[tool.setuptools.dynamic]\nversion = {attr = \"my_pkg.version.VERSION\"}\n",
        "my_pkg/version.py": "VERSION = \"0.5.1.dev0\"\n",
    },
    "setuptools-file": {
        "pyproject.toml": "[project]\nname = \"my-pkg\"\ndynamic = [\"version\"]\n\n"
        "[tool.setuptools.dynamic]\nversion = {file = \"VERSION\"}\n",
        "VERSION": "0.5.1.dev0\n",
    },
    "hatch-path-lowercase": {
        "pyproject.toml": "[project]\nname = \"my-pkg\"\ndynamic = [\"version\"]\n\n"
        "[tool.hatch.version]\npath = \"src/my_pkg/version.py\"\n",
        "src/my_pkg/version.py": "version = 'v0.5.1.dev0'\n",
    },
    "hatch-custom-pattern": {
        "pyproject.toml": "[project]\nname = \"my-pkg\"\ndynamic = [\"version\"]\n\n"
        "[tool.hatch.version]\npath = \"src/my_pkg/meta.py\"\n"
        "pattern = \"^RELEASE: (?P<version>\\\\S+)$\"\n",
        "src/my_pkg/meta.py": "# RELEASE: 9.9\nRELEASE: 0.5.1.dev0\n",
    },
    "hatch-code-source": {
        "pyproject.toml": "[project]\nname = \"my-pkg\"\ndynamic = [\"version\"]\n\n"
        "[tool.hatch.version]\nsource = \"code\"\npath = \"src/my_pkg/__init__.py\"\n",
        "src/my_pkg/__init__.py": "__version__: str = \"0.5.1.dev0\"\n",
    },
    "crlf": {
        "pyproject.toml": "[project]\r\nname = \"my-pkg\"\r\nversion = \"0.5.1.dev0\"\r\n",
    },
}
CHANGED = {
    "project-table": ["pyproject.toml", "uv.lock"],
    "poetry": ["pyproject.toml"],
    "hatch-path": ["src/my_pkg/__about__.py"],
    "setuptools-attr-src": ["src/my_pkg/__init__.py"],
    "setuptools-attr-flat": ["my_pkg/version.py"],
    "setuptools-file": ["VERSION"],
    "crlf": ["pyproject.toml"],
    "hatch-path-lowercase": ["src/my_pkg/version.py"],
    "hatch-custom-pattern": ["src/my_pkg/meta.py"],
    "hatch-code-source": ["src/my_pkg/__init__.py"],
}


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
    return root


@pytest.mark.parametrize("layout", LAYOUTS)
def test_only_the_version_text_changes(tmp_path: Path, layout: str) -> None:
    """Given a project of this layout at 0.5.1.dev0, when run 123 rewrites it, then each file
    that declares the version equals the original with exactly that text replaced."""
    write_tree(tmp_path, LAYOUTS[layout])
    before = snapshot(tmp_path)
    result = run_cli("version-rewrite", cwd=tmp_path, inputs={"run-number": "123"})
    assert result.code == 0, result.log
    assert result.outputs == {
        "version": "0.5.1.dev123", "previous-version": "0.5.1.dev0", "publish": "true",
        "reason": "",
    }
    after = snapshot(tmp_path)
    assert after.keys() == before.keys()
    for name in before:
        if name in CHANGED[layout]:
            assert after[name] == before[name].replace(b"0.5.1.dev0", b"0.5.1.dev123", 1)
            assert after[name] != before[name]
        else:
            assert after[name] == before[name], name


def test_lock_entry_of_other_packages_untouched(tmp_path: Path) -> None:
    write_tree(tmp_path, LAYOUTS["project-table"])
    run_cli("version-rewrite", cwd=tmp_path, inputs={"run-number": "5"})
    lock = (tmp_path / "uv.lock").read_text()
    assert 'name = "idna"\nversion = "3.10"' in lock
    assert 'name = "my-pkg"\nversion = "0.5.1.dev5"' in lock


def test_path_may_name_a_directory(tmp_path: Path) -> None:
    write_tree(tmp_path / "pkg", LAYOUTS["poetry"])
    result = run_cli("version-rewrite", cwd=tmp_path, inputs={"run-number": "8", "path": "pkg"})
    assert result.code == 0, result.log
    assert 'version = "0.5.1.dev8"' in (tmp_path / "pkg/pyproject.toml").read_text()


def test_extra_files_are_rewritten(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "pyproject.toml": "[project]\nname = \"my-pkg\"\nversion = \"0.5.1.dev0\"\n",
        "CITATION.cff": "cff-version: 1.2.0\ntitle: my-pkg\nversion: \"0.5.1.dev0\"\n",
        "src/my_pkg/__init__.py": "__version__ = \"0.5.1.dev0\"\n",
        "package.json": "{\n  \"name\": \"x\",\n  \"version\": \"0.5.1.dev0\"\n}\n",
    })
    before = snapshot(tmp_path)
    result = run_cli("version-rewrite", cwd=tmp_path, inputs={
        "run-number": "42",
        "extra-files": "CITATION.cff\nsrc/my_pkg/__init__.py, package.json",
    })
    assert result.code == 0, result.log
    after = snapshot(tmp_path)
    for name in before:
        assert after[name] == before[name].replace(b"0.5.1.dev0", b"0.5.1.dev42")
    assert "| `CITATION.cff` |" in result.summary


@pytest.mark.parametrize(
    ("files", "inputs", "message", "where"),
    [
        pytest.param({}, {}, "does not exist", "pyproject.toml", id="missing-project-file"),
        pytest.param({"pyproject.toml": "[project]\nname = \"x\"\nversion = \n"}, {},
                     "is not valid TOML", "pyproject.toml,line=3", id="broken-toml"),
        pytest.param({"pyproject.toml": "[project]\nname = \"x\"\nversion = \"banana\"\n"}, {},
                     "not a valid PEP 440", "pyproject.toml,line=3", id="invalid-version"),
        pytest.param({"pyproject.toml": "[project]\nname = \"x\"\nversion = \"1.0rc1\"\n"}, {},
                     "pre-release without .dev", "pyproject.toml,line=3", id="rc-without-dev"),
        pytest.param({"pyproject.toml": "[project]\nname = \"x\"\nversion = \"1.0.dev0+g1\"\n"},
                     {}, "local part", "pyproject.toml,line=3", id="local"),
        pytest.param({"pyproject.toml": "[project]\nname = \"x\"\n"}, {},
                     "declares no version", "pyproject.toml", id="no-version"),
        pytest.param({"pyproject.toml": "[project]\nname = \"x\"\nversion = 1\n"}, {},
                     "must be a string", "pyproject.toml,line=3", id="non-string-version"),
        pytest.param({"pyproject.toml": "[project]\nname = \"x\"\ndynamic = [\"version\"]\n\n"
                      "[build-system]\nrequires = [\"setuptools\", \"setuptools-scm>=8\"]\n"}, {},
                     "not a git checkout", "pyproject.toml", id="setuptools-scm-outside-git"),
        pytest.param({"pyproject.toml": "[project]\nname = \"x\"\ndynamic = [\"version\"]\n\n"
                      "[tool.hatch.version]\nsource = \"vcs\"\n"}, {},
                     "not a git checkout", "pyproject.toml", id="hatch-vcs-outside-git"),
        pytest.param({"pyproject.toml": "[project]\nname = \"x\"\ndynamic = [\"version\"]\n\n"
                      "[tool.hatch.version]\nsource = \"uv-dynamic-versioning\"\n"}, {},
                     "not a git checkout", "pyproject.toml", id="uv-dynamic-outside-git"),
        pytest.param({"pyproject.toml": "[project]\nname = \"x\"\ndynamic = [\"version\"]\n"}, {},
                     "names no place", "pyproject.toml,line=3", id="dynamic-without-source"),
        pytest.param({"pyproject.toml": HATCH_PATH, "x.py": "__version__: str = \"1.0.dev0\"\n"},
                     {}, "without an annotation", "x.py,line=1", id="hatch-annotated"),
        pytest.param({"pyproject.toml": HATCH_PATH + "pattern = \"(?P<version>[\"\n",
                      "x.py": "__version__ = \"1.0.dev0\"\n"}, {},
                     "not a valid regular expression", "pyproject.toml,line=7",
                     id="hatch-pattern-does-not-compile"),
        pytest.param({"pyproject.toml": HATCH_PATH + "pattern = \"^v = (.+)$\"\n",
                      "x.py": "v = 1\n"}, {}, "no named group `version`",
                     "pyproject.toml,line=7", id="hatch-pattern-without-version-group"),
        pytest.param({"pyproject.toml": SETUPTOOLS_ATTR,
                      "x/__init__.py": "from importlib.metadata import version\n"
                      "__version__ = version('x')\n"}, {}, "not a plain string literal",
                     "x/__init__.py,line=2", id="setuptools-attr-computed"),
        pytest.param({"pyproject.toml": SETUPTOOLS_ATTR, "x/__init__.py": "VERSION = '1.0'\n"},
                     {}, "no top-level assignment", "x/__init__.py",
                     id="setuptools-attr-missing"),
        pytest.param({"pyproject.toml": "[project]\nname = \"x\"\ndynamic = [\"version\"]\n\n"
                      "[tool.setuptools.dynamic]\nversion = {file = [\"A\", \"B\"]}\n",
                      "A": "1.0.dev0\n", "B": "1.0.dev0\n"}, {}, "several files",
                     "pyproject.toml,line=6", id="setuptools-several-files"),
        pytest.param({"pyproject.toml": SETUPTOOLS_BACKEND,
                      "setup.cfg": "[metadata]\nname = x\nversion = file: A, B\n"}, {},
                     "names 2 files", "setup.cfg", id="setup-cfg-several-files"),
        pytest.param({"pyproject.toml": SETUPTOOLS_BACKEND,
                      "setup.cfg": "[metadata]\nname = x\nversion = attr: x.__version__\n"},
                     {}, "setup.cfg [metadata] version attr 'x.__version__' points at module x",
                     "setup.cfg", id="setup-cfg-attr-module-missing"),
        pytest.param({"pyproject.toml": SETUPTOOLS_BACKEND,
                      "setup.cfg": "[metadata]\nname = x\nversion\n"}, {},
                     "is not a valid setup.cfg", "setup.cfg", id="setup-cfg-broken"),
        pytest.param({"pyproject.toml": SETUPTOOLS_BACKEND,
                      "setup.cfg": "[metadata]\nname = x\n"}, {},
                     "setup.cfg's [metadata] version", "pyproject.toml",
                     id="setup-cfg-without-version"),
        pytest.param({"pyproject.toml": SETUPTOOLS_BACKEND,
                      "setup.py": "from setuptools import setup\nsetup(version=v())\n"}, {},
                     "setup.py is code this action does not run", "pyproject.toml",
                     id="version-computed-in-setup-py"),
        pytest.param({"pyproject.toml": "[project]\nname = \"x\"\nversion = \"1.0.dev0\"\n"},
                     {"run-number": "18446744073709551615"}, "up to 18446744073709551614 (the "
                     "largest .devN uv can build)", None, id="run-number-above-uv-limit"),
        pytest.param({"pyproject.toml": "[project]\nname = \"my-pkg\"\nversion = \"0.5.2.dev0\"\n",
                      "uv.lock": UV_LOCK}, {}, "Run `uv lock`", "uv.lock,line=12",
                     id="lock-disagrees"),
        pytest.param({"pyproject.toml": "[project]\nname = \"x\"\ndynamic = [\"version\"]\n\n"
                      "[tool.setuptools.dynamic]\nversion = {file = []}\n"}, {},
                     "names no place", "pyproject.toml,line=3", id="setuptools-empty-file-list"),
        pytest.param({"pyproject.toml": FLIT_X, "x/__init__.py": "from importlib.metadata "
                      "import version\n__version__ = version('x')\n"}, {},
                     "flit_core would import the module", "x/__init__.py", id="flit-computed"),
        pytest.param({"pyproject.toml": FLIT_X, "x/__init__.py": "", "src/x.py": ""}, {},
                     "several exist", "pyproject.toml", id="flit-two-modules"),
        pytest.param({"pyproject.toml": FLIT_X}, {}, "none exists", "pyproject.toml",
                     id="flit-no-module"),
        pytest.param({"pyproject.toml": CARGO_X, "Cargo.toml": "[package]\nname = \"x\"\n"
                      "version = \"1.0.dev0\"\n"}, {}, "is not SemVer", "Cargo.toml,line=3",
                     id="cargo-pep440-spelling"),
        pytest.param({"pyproject.toml": CARGO_X, "Cargo.toml": "[package]\nname = \"x\"\n"
                      "version.workspace = true\n"}, {}, "no Cargo.toml with a [workspace]",
                     "Cargo.toml,line=3", id="cargo-workspace-missing"),
        pytest.param({"pyproject.toml": MESON.replace("my-pkg", "x"), "meson.build":
                      "project('x', version: run_command('v.py', check: true).stdout())\n"},
                     {}, "computes its version", "meson.build,line=1", id="meson-computed"),
        pytest.param({"pyproject.toml": MESON.replace("my-pkg", "x"),
                      "meson.build": "project('x')\n"}, {}, "no `version:`", "meson.build",
                     id="meson-without-version"),
        pytest.param({"pyproject.toml": SKBUILD_X + "result = \"{major}.{minor}\"\n",
                      "v.h": "1.0"}, {}, "builds the version from result",
                     "pyproject.toml", id="skbuild-composed-result"),
        pytest.param({"pyproject.toml": SKBUILD_X, "v.h": "#define V 1\n"}, {},
                     "has no text that", "v.h", id="skbuild-no-match"),
        pytest.param({"pyproject.toml": "[project]\nname = \"x\"\nversion = \"1.0.dev0\"\n"},
                     {"run-number": "abc"}, "positive whole number", None, id="bad-run-number"),
        pytest.param({"pyproject.toml": "[project]\nname = \"x\"\nversion = \"1.0.dev0\"\n"},
                     {"run-number": ""}, "positive whole number", None, id="empty-run-number"),
        pytest.param({"pyproject.toml": "[project]\nname = \"x\"\nversion = \"1.0.dev0\"\n"},
                     {"dry-run": "yes"}, "must be a boolean", None, id="bad-boolean"),
        pytest.param({"pyproject.toml": "[project]\nname = \"x\"\nversion = \"1.0.dev0\"\n",
                      "CITATION.cff": "title: x\nversion: 0.9.0\n"},
                     {"extra-files": "CITATION.cff"}, "says 0.9.0", "CITATION.cff,line=2",
                     id="extra-file-disagrees"),
        pytest.param({"pyproject.toml": "[project]\nname = \"x\"\nversion = \"1.0.dev0\"\n",
                      "notes.md": "1.0.dev0"},
                     {"extra-files": "notes.md"}, "Don't know where", "notes.md",
                     id="extra-file-unsupported"),
        pytest.param({"pyproject.toml": "[project]\nname = \"x\"\nversion = \"1.0.dev0\"\n",
                      "src/x/__init__.py": "\"\"\"no version here\"\"\"\n"},
                     {"extra-files": "src/x/__init__.py, missing.py"}, "No version found",
                     "src/x/__init__.py", id="extra-file-without-version"),
        pytest.param({"pyproject.toml": "[project]\nname = \"x\"\nversion = \"1.0.dev0\"\n"},
                     {"extra-files": "missing.py"}, "does not exist", "missing.py",
                     id="extra-file-missing"),
    ],
)
def test_bad_input_exits_2_with_one_error_and_changes_nothing(
    tmp_path: Path, files: dict[str, str], inputs: dict[str, str], message: str,
    where: str | None,
) -> None:
    write_tree(tmp_path, files)
    before = snapshot(tmp_path)
    result = run_cli("version-rewrite", cwd=tmp_path, inputs={"run-number": "9", **inputs})
    assert result.code == 2, result.log
    errors = result.errors()
    assert len(errors) == 1, result.log
    assert message in errors[0]
    if where:
        assert f"file={where}" in errors[0], errors[0]
    assert "Traceback" not in result.log
    assert result.outputs == {}
    assert snapshot(tmp_path) == before
    assert "❌" in result.summary


@pytest.mark.parametrize("version", ["0.5.1", "0.5.1.post1"])
def test_final_version_skips_and_writes_nothing(tmp_path: Path, version: str) -> None:
    write_tree(tmp_path, {"pyproject.toml": f"[project]\nname = \"x\"\nversion = \"{version}\"\n"})
    before = snapshot(tmp_path)
    result = run_cli("version-rewrite", cwd=tmp_path, inputs={"run-number": "9"})
    assert result.code == 0
    assert result.outputs["publish"] == "false"
    assert result.outputs["version"] == version
    assert "tag pipeline" in result.outputs["reason"]
    assert snapshot(tmp_path) == before
    assert "::notice" in result.stdout


def test_dry_run_reports_and_writes_nothing(tmp_path: Path) -> None:
    write_tree(tmp_path, LAYOUTS["project-table"])
    before = snapshot(tmp_path)
    result = run_cli("version-rewrite", cwd=tmp_path,
                     inputs={"run-number": "77", "dry-run": "true"})
    assert result.code == 0
    assert result.outputs["version"] == "0.5.1.dev77"
    assert snapshot(tmp_path) == before
    assert "dry run" in result.summary


def test_allow_prerelease_base(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[project]\nname = \"x\"\nversion = \"2.0rc1.dev0\"\n"})
    refused = run_cli("version-rewrite", cwd=tmp_path, inputs={"run-number": "3"})
    assert refused.code == 2
    allowed = run_cli("version-rewrite", cwd=tmp_path,
                      inputs={"run-number": "3", "allow-prerelease-base": "true"})
    assert allowed.outputs["version"] == "2.0rc1.dev3"


def test_docker_style_hyphenated_inputs(tmp_path: Path) -> None:
    """GitHub sets INPUT_RUN-NUMBER (hyphen kept) for Docker actions."""
    write_tree(tmp_path, {"pyproject.toml": "[project]\nname = \"x\"\nversion = \"1.0.dev0\"\n"})
    result = run_cli("version-rewrite", cwd=tmp_path, env={"INPUT_RUN-NUMBER": "0012"})
    assert result.outputs["version"] == "1.0.dev12"


def test_cli_flags_print_outputs_outside_actions(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[project]\nname = \"x\"\nversion = \"1.0.dev0\"\n"})
    result = run_cli("version-rewrite", "--run-number", "6", "--dry-run", cwd=tmp_path,
                     actions=False)
    assert result.code == 0
    assert result.stdout.splitlines() == [
        "version=1.0.dev6", "previous-version=1.0.dev0", "publish=true", "reason=",
    ]
    assert "::" not in result.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = run_cli("version-rewrite", cwd=tmp_path, inputs={"run-number": "1"},
                     env={"RUNNER_DEBUG": "1"})
    assert result.code == 2
    assert "Traceback" in result.log


def test_extra_files_keep_their_v_prefix(tmp_path: Path) -> None:
    """`version: v2.14.0.dev0` in CITATION.cff stays a `v` version: only the text after it is the
    version."""
    write_tree(tmp_path, {
        "pyproject.toml": "[project]\nname = \"x\"\nversion = \"2.14.0.dev0\"\n",
        "CITATION.cff": "cff-version: 1.2.0\nversion: v2.14.0.dev0\n",
        "package.json": "{\"version\": \"v2.14.0.dev0\"}\n",
    })
    result = run_cli("version-rewrite", cwd=tmp_path, inputs={
        "run-number": "42", "extra-files": "CITATION.cff, package.json"})
    assert result.code == 0, result.log
    assert (tmp_path / "CITATION.cff").read_text() == "cff-version: 1.2.0\nversion: v2.14.0.dev42\n"
    assert (tmp_path / "package.json").read_text() == "{\"version\": \"v2.14.0.dev42\"}\n"


@pytest.mark.parametrize("name", ["VERSION", "__version__"])
def test_the_label_names_the_assignment_found(tmp_path: Path, name: str) -> None:
    write_tree(tmp_path, {"pyproject.toml": HATCH_PATH, "x.py": f"{name} = '1.0.dev0'\n"})
    result = run_cli("version-rewrite", cwd=tmp_path, inputs={"run-number": "2"})
    assert result.code == 0, result.log
    assert f"| `x.py` | `{name} = …` | 1 |" in result.summary


def test_run_number_at_uv_limit_is_accepted(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[project]\nname = \"x\"\nversion = \"1.0.dev0\"\n"})
    result = run_cli("version-rewrite", cwd=tmp_path,
                     inputs={"run-number": "018446744073709551614"})
    assert result.code == 0, result.log
    assert result.outputs["version"] == "1.0.dev18446744073709551614"


@pytest.mark.parametrize(
    ("project", "setting"),
    [
        pytest.param(HATCH_PATH + 'pattern = "^(?P<version>(v|vv)+)1$"\n',
                     "[tool.hatch.version] pattern", id="hatchling-pattern"),
        pytest.param(SKBUILD_X.replace('input = "v.h"', 'input = "x.py"')
                     + 'regex = "^(?P<value>(v|vv)+)1$"\n',
                     "[tool.scikit-build.metadata.version] regex", id="scikit-build-core-regex"),
    ],
)
def test_a_version_pattern_that_backtracks_for_ever_is_refused_in_bounded_time(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, project: str, setting: str
) -> None:
    """Given a project's own version-file pattern that backtracks exponentially on its version
    file, when version-rewrite reads it, then it stops within the bound, exit 2, naming the
    setting, and changes nothing (before, it hung for ever)."""
    (tmp_path / "pyproject.toml").write_text(project)
    (tmp_path / "x.py").write_text("v" * 40 + "1.x\n")
    before = snapshot(tmp_path)
    result = run_cli("version-rewrite", cwd=tmp_path, inputs={"run-number": "3"}, timeout=60,
                     env=short_regex_bound(tmp_path_factory.mktemp("bound")))
    assert result.code == 2, result.log
    [error] = result.errors()
    assert setting in error and "backtracks" in error, error
    assert f"no answer within {SECONDS:g} s" in error, error
    assert snapshot(tmp_path) == before and "Traceback" not in result.log


COMPOSED = SKBUILD_X + ("regex = \"A (?P<a>\\\\S+)\\\\nB (?P<b>\\\\S+)\\\\nC (?P<c>\\\\S+)\"\n"
                        "result = \"{a}.{b}.{c}\"\n")


@pytest.mark.parametrize(
    ("header", "rewritten", "version"),
    [
        pytest.param("A 1\nB 2\nC 3.dev0\n", "A 1\nB 2\nC 3.dev41\n", "1.2.3.dev41",
                     id="pybind11-like"),
        pytest.param("A 01\nB 2\nC 3.dev0\n", "A 01\nB 2\nC 3.dev41\n", "1.2.3.dev41",
                     id="spelled-otherwise"),
    ],
)
def test_a_version_composed_by_result_rewrites_its_last_group(
        tmp_path: Path, header: str, rewritten: str, version: str) -> None:
    """scikit-build-core's `result` composing plain groups (pybind11's three defines): the
    development part is in the last group, which alone is rewritten."""
    write_tree(tmp_path, {"pyproject.toml": COMPOSED, "v.h": header})
    result = run_cli("version-rewrite", cwd=tmp_path, inputs={"run-number": "41"})
    assert result.code == 0, result.log
    assert result.outputs["version"] == version
    assert (tmp_path / "v.h").read_text() == rewritten


@pytest.mark.parametrize(
    ("header", "message"),
    [
        pytest.param("A 01\nB 2\nC 3.dev\n", "only its last group is rewritten",
                     id="prefix-spelled-otherwise"),
        pytest.param("A 1\nB 2.dev0\nC 3\n", "is not a valid PEP 440 version",
                     id="dev-part-in-the-middle"),
    ],
)
def test_a_composed_version_the_last_group_cannot_carry_is_refused(
        tmp_path: Path, header: str, message: str) -> None:
    write_tree(tmp_path, {"pyproject.toml": COMPOSED, "v.h": header})
    before = snapshot(tmp_path)
    result = run_cli("version-rewrite", cwd=tmp_path, inputs={"run-number": "41"})
    assert result.code == 2, result.log
    [error] = result.errors()
    assert message in error and "v.h,line=" in error
    assert snapshot(tmp_path) == before
