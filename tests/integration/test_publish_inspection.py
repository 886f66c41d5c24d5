"""publish's inspection and verification against real parts: real `uv build` (hatchling and
setuptools), a real pypiserver, and an index that accepts uploads but never lists them."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest
from devtools.blackhole_index import blackhole_index
from devtools.pypi import PypiServer, write_sample_package

from tests.helpers import Result, run_cli
from tests.integration.prebuilt import Prebuilt, build, pin_python

ALLOW_DIRECT = "\n[tool.hatch.metadata]\nallow-direct-references = true\n"
# The metadata checks' tests: the sdist-contents check (and the wheel it builds from the tree)
# is the subject of this file's sdist tests.
METADATA_ONLY = {"skip-checks": "sdist-contents"}


@pytest.fixture(autouse=True)
def _pinned_python(monkeypatch: pytest.MonkeyPatch) -> None:
    pin_python(monkeypatch)


def publish(project: Path, index: PypiServer, **inputs: str) -> Result:
    """publish with the inspection as the only check before the upload: twine's check, which
    runs before it, is test_publish.py's subject."""
    values = {
        "channel": "preview", "repository-url": index.upload_url,
        "check-url": index.simple_url, "trusted-publishing": "never",
        "username": index.username, "password": index.password, "check": "false",
    }
    values.update(inputs)
    return run_cli("publish", cwd=project, inputs=values)


def stored(index: PypiServer, prefix: str) -> list[str]:
    return [name for name in index.files() if name.startswith(prefix)]


def add_to_project(project: Path, line: str, after: str = "license = \"MIT\"\n") -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(after, after + line))


def test_module_left_out_of_the_sdist_is_refused(tmp_path: Path,
                                                 pypi_server: PypiServer) -> None:
    """Given a hatchling project whose sdist `include` forgets one module (nobody excluded
    it), when publish runs, then the wheel uv built from the sdist lacks it, the error names
    that module, the sdist and hatchling's setting, and nothing is uploaded; with
    `sdist-contents` skipped, the same tree is uploaded."""
    project = write_sample_package(tmp_path / "p", "lossy-pkg", "0.1.0.dev1")
    (project / "src/lossy_pkg/cli.py").write_text("def main() -> None: ...\n")
    (project / "pyproject.toml").write_text((project / "pyproject.toml").read_text()
                                            + '\n[tool.hatch.build.targets.sdist]\n'
                                              'include = ["src/lossy_pkg/__init__.py"]\n')

    refused = publish(project, pypi_server)

    assert refused.code == 1, refused.log
    [error] = refused.errors()
    assert "lossy_pkg/cli.py" in error and "lossy_pkg-0.1.0.dev1.tar.gz lacks 1 file" in error
    assert "hatchling: `[tool.hatch.build.targets.sdist] include`" in error
    assert "::notice" not in refused.stdout
    assert "file=" in error and "lossy_pkg-0.1.0.dev1.tar.gz" in error.split("::", 2)[1]
    assert "::group::uv build --wheel --no-sources" in refused.log
    assert stored(pypi_server, "lossy_pkg") == []
    assert "nothing was uploaded" in refused.summary

    skipped = publish(project, pypi_server, **{"skip-checks": "sdist-contents"})

    assert skipped.code == 0, skipped.log
    assert "uv build --wheel" not in skipped.log
    assert len(stored(pypi_server, "lossy_pkg")) == 2


FLIT_VENDORED = {
    "pyproject.toml": "[build-system]\nrequires = [\"flit_core>=3.11,<5\"]\n"
    "build-backend = \"flit_core.buildapi\"\n\n[project]\nname = \"vendoring-pkg\"\n"
    "description = \"x\"\nreadme = \"README.md\"\ndynamic = [\"version\"]\n\n[tool.flit.sdist]\n"
    "exclude = [\".devcontainer/devcontainer.json\", \"src/vendoring_pkg/_vendor/**/*.pyi\"]\n",
    "README.md": "# vendoring-pkg\n",
    "src/vendoring_pkg/__init__.py": "__version__ = \"0.1.0.dev1\"\n",
    "src/vendoring_pkg/_vendor/__init__.py": "",
    "src/vendoring_pkg/_vendor/lib/__init__.py": "def f(): ...\n",
    "src/vendoring_pkg/_vendor/lib/__init__.pyi": "def f() -> None: ...\n",
    "src/vendoring_pkg/_vendor/six.pyi": "",
}


def test_files_flit_excludes_on_purpose_are_a_notice(tmp_path: Path,
                                                     pypi_server: PypiServer) -> None:
    """Given a flit project that excludes its vendored stubs from the sdist as pip does
    (`[tool.flit.sdist] exclude = ["src/pip/_vendor/**/*.pyi"]`), when publish runs, then the
    two stubs the sdist's wheel lacks are one notice naming flit_core's setting, and the files
    are uploaded."""
    project = write_files(tmp_path / "p", FLIT_VENDORED)

    result = publish(project, pypi_server)

    assert result.code == 0, result.log
    assert result.errors() == []
    [notice] = [line for line in result.stdout.splitlines() if line.startswith("::notice")
                and "sdist" in line]
    assert "lacks 2 file(s)" in notice and "flit_core" in notice
    assert "`[tool.flit.sdist] exclude` `src/vendoring_pkg/_vendor/**/*.pyi`" in notice
    assert "vendoring_pkg/_vendor/lib/__init__.pyi" in notice
    assert "vendoring_pkg/_vendor/six.pyi" in notice
    assert len(stored(pypi_server, "vendoring_pkg")) == 2


def write_files(project: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    return project


def test_a_manifest_in_prune_is_a_notice(tmp_path: Path, pypi_server: PypiServer) -> None:
    """Given a setuptools project whose MANIFEST.in prunes its test fixtures that package data
    puts into the wheel from the tree, then that is a notice naming the MANIFEST.in line, and
    the files are uploaded."""
    project = write_files(tmp_path / "p", {
        "pyproject.toml": "[build-system]\nrequires = [\"setuptools>=64\"]\n"
        "build-backend = \"setuptools.build_meta\"\n\n[project]\nname = \"pruned-pkg\"\n"
        "version = \"0.1.0.dev1\"\nreadme = \"README.md\"\n\n[tool.setuptools.package-data]\n"
        "pruned_pkg = [\"fixtures/*.txt\"]\n",
        "README.md": "# pruned-pkg\n",
        "MANIFEST.in": "# test data stays in git\nprune src/pruned_pkg/fixtures\n",
        "src/pruned_pkg/__init__.py": "",
        "src/pruned_pkg/fixtures/a.txt": "a",
    })

    result = publish(project, pypi_server)

    assert result.code == 0, result.log
    [notice] = [line for line in result.stdout.splitlines() if line.startswith("::notice")
                and "sdist" in line]
    assert "setuptools" in notice and "`MANIFEST.in` line 2 `prune src/pruned_pkg/fixtures`" \
        in notice and "pruned_pkg/fixtures/a.txt" in notice
    assert len(stored(pypi_server, "pruned_pkg")) == 2


def test_a_file_lost_beside_a_deliberate_exclusion_still_blocks(
    tmp_path: Path, pypi_server: PypiServer
) -> None:
    """Given a hatchling sdist that excludes stubs on purpose and whose `include` forgets a
    module, then the stub is a notice and the module still refuses the upload."""
    project = write_sample_package(tmp_path / "p", "mixed-pkg", "0.1.0.dev1")
    (project / "src/mixed_pkg/cli.py").write_text("def main() -> None: ...\n")
    (project / "src/mixed_pkg/__init__.pyi").write_text("")
    (project / "pyproject.toml").write_text(
        (project / "pyproject.toml").read_text() + '\n[tool.hatch.build.targets.sdist]\n'
        'include = ["src/mixed_pkg/__init__.py*"]\nexclude = ["*.pyi"]\n')

    result = publish(project, pypi_server)

    assert result.code == 1, result.log
    [notice] = [line for line in result.stdout.splitlines() if line.startswith("::notice")
                and "sdist" in line]
    assert "mixed_pkg/__init__.pyi" in notice and "hatchling" in notice
    [error] = result.errors()
    assert "mixed_pkg/cli.py" in error and "__init__.pyi" not in error
    assert stored(pypi_server, "mixed_pkg") == []


def test_direct_url_dependency_is_refused(tmp_path: Path, pypi_server: PypiServer) -> None:
    """Given `foo @ https://...` allowed by hatchling's `allow-direct-references`, then the
    error points at the pyproject.toml line and says PyPI refuses it; nothing is uploaded."""
    project = write_sample_package(tmp_path / "p", "direct-pkg", "0.1.0.dev1")
    add_to_project(project, 'dependencies = ["foo @ https://example.com/foo-1.0.tar.gz"]\n')
    (project / "pyproject.toml").write_text((project / "pyproject.toml").read_text()
                                            + ALLOW_DIRECT)

    result = publish(project, pypi_server, **METADATA_ONLY)

    assert result.code == 1, result.log
    [error] = result.errors()
    lines = (project / "pyproject.toml").read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "foo @" in text)
    assert f"file=pyproject.toml,line={line}," in error
    assert "`foo @ https://example.com/foo-1.0.tar.gz`" in error
    assert "PyPI refuses" in error
    assert stored(pypi_server, "direct_pkg") == []


def test_do_not_upload_classifier_is_refused_unless_skipped(tmp_path: Path,
                                                           pypi_server: PypiServer) -> None:
    """Given `Private :: Do Not Upload`, then publish refuses with nothing uploaded; a private
    index that should receive it is served by skipping `do-not-upload`."""
    project = write_sample_package(tmp_path / "p", "private-pkg", "0.1.0.dev1")
    add_to_project(project, 'classifiers = ["Private :: Do Not Upload"]\n')

    refused = publish(project, pypi_server, **METADATA_ONLY)

    assert refused.code == 1, refused.log
    [error] = refused.errors()
    assert "`Private :: Do Not Upload`" in error and "`do-not-upload`" in error
    assert stored(pypi_server, "private_pkg") == []

    # The refused run's dist/ is what a private index should receive: no need to rebuild it.
    allowed = publish(project, pypi_server, build="false", **{"skip-checks": "do-not-upload"})

    assert allowed.code == 0, allowed.log
    assert allowed.outputs["verified"] == "true"
    assert len(stored(pypi_server, "private_pkg")) == 2


# A hatchling build hook that tags the wheel for this platform, as a project shipping a prebuilt
# binary does (what `uv build` of a C or Rust extension gives on a runner: `linux_x86_64`).
PLATFORM_HOOK = """\
from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version, build_data):
        if self.target_name == "wheel":
            build_data["pure_python"] = False
            build_data["tag"] = "py3-none-linux_x86_64"
"""


def test_a_wheel_tagged_for_this_machine_alone_is_refused_unless_skipped(
        tmp_path: Path, pypi_server: PypiServer) -> None:
    """Given a real build whose wheel is tagged `linux_x86_64`, which PyPI refuses, then publish
    refuses before anything is uploaded (no sdist first and a refused wheel after: half a
    release); an index that takes it is served by skipping `platform-tags`."""
    project = write_sample_package(tmp_path / "p", "binary-pkg", "0.1.0.dev1")
    (project / "hatch_build.py").write_text(PLATFORM_HOOK)
    add_to_project(project, "\n[tool.hatch.build.targets.wheel.hooks.custom]\n",
                   after='build-backend = "hatchling.build"\n')

    refused = publish(project, pypi_server, **METADATA_ONLY)

    assert refused.code == 1, refused.log
    [error] = refused.errors()
    assert "binary_pkg-0.1.0.dev1-py3-none-linux_x86_64.whl is tagged `linux_x86_64`" in error
    assert "auditwheel repair" in error
    assert stored(pypi_server, "binary_pkg") == []

    allowed = publish(project, pypi_server, build="false",
                      **{"skip-checks": "sdist-contents,platform-tags"})

    assert allowed.code == 0, allowed.log
    assert sorted(stored(pypi_server, "binary_pkg")) == [
        "binary_pkg-0.1.0.dev1-py3-none-linux_x86_64.whl", "binary_pkg-0.1.0.dev1.tar.gz"]


SETUPTOOLS_PROJECT = """[project]
name = "setuptools-pkg"
version = "0.1.0.dev1"
description = "A setuptools sample"
readme = "README.md"
requires-python = ">=3.9"
classifiers = [
    "Programming Language :: Python :: 3",
    "Programming Language :: Pyhton :: 3.12",
]

[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"
"""


def test_unknown_classifier_from_setuptools_is_refused(tmp_path: Path,
                                                       pypi_server: PypiServer) -> None:
    """setuptools does not check classifiers, PyPI does: the misspelt one is named, with its
    pyproject.toml line, before anything is uploaded; both checks failing give two errors."""
    project = tmp_path / "p"
    (project / "src/setuptools_pkg").mkdir(parents=True)
    (project / "src/setuptools_pkg/__init__.py").write_text("")
    (project / "README.md").write_text("# setuptools-pkg\n")
    (project / "pyproject.toml").write_text(SETUPTOOLS_PROJECT)

    result = publish(project, pypi_server, **METADATA_ONLY)

    assert result.code == 1, result.log
    [error] = result.errors()
    assert "`Programming Language :: Pyhton :: 3.12` is unknown" in error
    assert "line=9" in error
    assert stored(pypi_server, "setuptools_pkg") == []

    (project / "pyproject.toml").write_text(SETUPTOOLS_PROJECT.replace(
        '    "Programming Language :: Python :: 3",\n',
        '    "Private :: Do Not Upload",\n'))
    # The two metadata checks are the subject here: the files are built, then inspected.
    build(project)
    both = publish(project, pypi_server, build="false")

    assert both.code == 1, both.log
    assert [e.split("::")[2][:40] for e in both.errors()] == [
        "setuptools_pkg-0.1.0.dev1-py3-none-any.w",
        "setuptools_pkg-0.1.0.dev1-py3-none-any.w"]
    assert "Private :: Do Not Upload" in both.errors()[0]
    assert "Pyhton" in both.errors()[1]


def oversized_wheel(dist: Path, name: str, size: int) -> Path:
    """A valid wheel holding `size` bytes of incompressible data (stored, not deflated)."""
    module = name.replace("-", "_")
    path = dist / f"{module}-0.1.0.dev1-py3-none-any.whl"
    info = f"{module}-0.1.0.dev1.dist-info"
    dist.mkdir(parents=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(f"{info}/METADATA",
                         f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0.dev1\n")
        archive.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n"
                                          "Tag: py3-none-any\n")
        # Byte i is i % 251: a period no compressor or deduplication shortens.
        archive.writestr(f"{module}/blob.bin", (bytes(range(251)) * (size // 251 + 1))[:size])
        archive.writestr(f"{info}/RECORD", "")
    return path


def test_file_over_pypis_limit_is_refused(tmp_path: Path, pypi_server: PypiServer) -> None:
    """Given a 101 MiB wheel in dist/ (build: false), then it is refused by name before upload;
    with `build: false` the sdist check says it cannot run instead of building."""
    project = write_sample_package(tmp_path / "p", "huge-pkg", "0.1.0.dev1")
    oversized_wheel(project / "dist", "huge-pkg", 101 * 1024 * 1024)

    result = publish(project, pypi_server, build="false")

    assert result.code == 1, result.log
    [error] = result.errors()
    assert "huge_pkg-0.1.0.dev1-py3-none-any.whl is 101.0 MiB" in error
    assert "over the limit of 100 MiB" in error and "`max-file-size`" in error
    assert "`sdist-contents` skipped: with `build: false`" in result.log
    assert stored(pypi_server, "huge_pkg") == []


@pytest.mark.parametrize(("limit", "refused"), [pytest.param("2", True, id="over"),
                                                pytest.param("4", False, id="raised")])
def test_max_file_size_is_the_limit_applied(tmp_path: Path, pypi_server: PypiServer,
                                            limit: str, refused: bool) -> None:
    """Given a 3 MiB wheel, then `max-file-size` (MiB) decides: refused over 2, let through
    with 4 (a project whose limit PyPI raised); nothing is uploaded in a dry run."""
    project = write_sample_package(tmp_path / "p", "big-pkg", "0.1.0.dev1")
    oversized_wheel(project / "dist", "big-pkg", 3 * 1024 * 1024)

    result = publish(project, pypi_server, build="false", verify="false",
                     **{"max-file-size": limit, "dry-run": "true"})

    assert result.code == (1 if refused else 0), result.log
    assert ("over the limit of 2 MiB" in "".join(result.errors())) is refused
    assert stored(pypi_server, "big_pkg") == []


def test_inspect_false_skips_every_check(tmp_path: Path, pypi_server: PypiServer) -> None:
    project = write_sample_package(tmp_path / "p", "unchecked-pkg", "0.1.0.dev1")
    add_to_project(project, 'classifiers = ["Private :: Do Not Upload"]\n')

    result = publish(project, pypi_server, inspect="false", verify="false")

    assert result.code == 0, result.log
    assert result.outputs["verified"] == "skipped"
    assert "| not verified |" in result.summary
    assert len(stored(pypi_server, "unchecked_pkg")) == 2


def test_unknown_check_name_is_bad_input(tmp_path: Path, pypi_server: PypiServer) -> None:
    project = write_sample_package(tmp_path / "p", "typo-pkg", "0.1.0.dev1")

    result = publish(project, pypi_server, **{"skip-checks": "file-size, clasifiers"})

    assert result.code == 2
    [error] = result.errors()
    assert "'clasifiers'" in error and "classifiers" in error
    assert not (project / "dist").exists()


def test_index_that_never_lists_fails_verification_at_the_timeout(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Given an index that answers every upload with 200 but lists nothing, when publish runs
    with `verify-timeout: 4`, then uv reports the upload done, and publish exits 1 after about
    4 s saying the index accepted but does not serve the files; `verified` is false and no
    file is reported as published."""
    # The verification is the subject, not the build: publish a real build made beforehand.
    project = Prebuilt(tmp_path_factory.mktemp("prebuilt")).project(
        tmp_path / "p", "lost-pkg", "0.1.0.dev1")
    with blackhole_index() as index:
        started = time.monotonic()
        result = run_cli("publish", cwd=project, inputs={
            "channel": "preview", "repository-url": index.upload_url,
            "check-url": index.simple_url, "trusted-publishing": "never",
            "password": "pypi-token", "verify-timeout": "4", "build": "false",
            "check": "false"})
        elapsed = time.monotonic() - started

        assert sorted(index.uploads) == ["lost_pkg-0.1.0.dev1-py3-none-any.whl",
                                         "lost_pkg-0.1.0.dev1.tar.gz"]
        assert index.pages.count("/simple/lost-pkg/") >= 3  # uv's check, then our polls

    assert result.code == 1, result.log
    [error] = result.errors()
    assert "accepted the upload but does not serve" in error
    assert "lost_pkg-0.1.0.dev1.tar.gz (not listed)" in error
    assert result.outputs["verified"] == "false"
    assert result.outputs["files"] == ""
    assert elapsed >= 4  # it waited the whole timeout (an upper bound would be a timed test)


@pytest.mark.parametrize("value", ["0", "-1", "abc", "3601"])
def test_verify_timeout_must_be_sensible(tmp_path: Path, pypi_server: PypiServer,
                                         value: str) -> None:
    project = write_sample_package(tmp_path / "p", "timeout-pkg", "0.1.0.dev1")
    result = publish(project, pypi_server, **{"verify-timeout": value})
    assert result.code == 2 and "verify-timeout" in result.errors()[0]


def test_verify_without_any_index_to_read_is_bad_input(tmp_path: Path,
                                                       pypi_server: PypiServer) -> None:
    """check-url empty and no verify-url: nothing to read back, refused before building."""
    project = write_sample_package(tmp_path / "p", "blind-pkg", "0.1.0.dev1")

    result = publish(project, pypi_server, **{"check-url": ""})

    assert result.code == 2
    [error] = result.errors()
    assert "`verify-url`" in error and "`verify: false`" in error
    assert not (project / "dist").exists()
