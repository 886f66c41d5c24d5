"""inspection: each check on hand-made archives (the real builds are in the integration tests)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from release_actions import inspection
from release_actions.distributions import read_distribution

RECORD = "demo-1.0.dist-info/RECORD"


def wheel(path: Path, files: dict[str, str], *, requires: tuple[str, ...] = (),
          classifiers: tuple[str, ...] = ()) -> Path:
    lines = ["Metadata-Version: 2.3", "Name: demo", "Version: 1.0",
             *(f"Requires-Dist: {r}" for r in requires),
             *(f"Classifier: {c}" for c in classifiers)]
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("demo-1.0.dist-info/METADATA", "\n".join(lines) + "\n")
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def dist_wheel(tmp_path: Path, **kw: object) -> Path:
    return wheel(tmp_path / "dist/demo-1.0-py3-none-any.whl", {"demo/__init__.py": ""},
                 **kw)  # type: ignore[arg-type]


def test_files_missing_from_the_sdist_wheel_are_named(tmp_path: Path) -> None:
    """Given a tree wheel with a module and data file the sdist's wheel lacks (and RECORDs that
    differ, as they always do), then exactly those two files are reported."""
    tree = wheel(tmp_path / "tree/demo-1.0-py3-none-any.whl",
                 {"demo/__init__.py": "", "demo/cli.py": "", "demo/data/a.json": "{}",
                  RECORD: "tree"})
    built = wheel(tmp_path / "dist/demo-1.0-py3-none-any.whl",
                  {"demo/__init__.py": "", RECORD: "sdist", "demo/extra.py": ""})

    assert inspection.missing_from_sdist(tree, built) == ["demo/cli.py", "demo/data/a.json"]


def test_sdist_check_names_the_sdist_and_the_files(tmp_path: Path) -> None:
    tree = wheel(tmp_path / "tree/demo-1.0-py3-none-any.whl",
                 {"demo/__init__.py": "", "demo/cli.py": ""})
    built = dist_wheel(tmp_path)
    sdist = tmp_path / "dist/demo-1.0.tar.gz"
    dists = [read_distribution(built)]
    sdist_dist = type(dists[0])(sdist, "demo", dists[0].version, "0" * 64)

    [refusal] = inspection.check_sdist_contents(tree, [*dists, sdist_dist], tmp_path)

    assert refusal.check == "sdist-contents"
    assert refusal.file == sdist
    assert "demo-1.0.tar.gz lacks 1 file(s)" in refusal.message
    assert "demo/cli.py" in refusal.message
    assert "`sdist-contents` to `skip-checks`" in refusal.message


def test_sdist_check_without_an_sdist_compares_nothing(tmp_path: Path) -> None:
    tree = wheel(tmp_path / "tree/demo-1.0-py3-none-any.whl", {"demo/cli.py": ""})
    assert inspection.check_sdist_contents(
        tree, [read_distribution(dist_wheel(tmp_path))], tmp_path) == []


@pytest.mark.parametrize(
    ("requires", "found"),
    [
        pytest.param(("requests>=2",), [], id="index-requirement"),
        pytest.param(("foo @ https://example.com/foo-1.0.tar.gz", "bar>=1"),
                     ["foo @ https://example.com/foo-1.0.tar.gz"], id="url"),
        pytest.param(("foo @ git+https://example.com/foo.git@v1 ; python_version > '3'",),
                     ['foo @ git+https://example.com/foo.git@v1 ; python_version > "3"'],
                     id="vcs-with-marker"),
    ],
)
def test_direct_references(tmp_path: Path, requires: tuple[str, ...], found: list[str]) -> None:
    from release_actions.distributions import read_metadata

    assert inspection.direct_references(read_metadata(dist_wheel(tmp_path,
                                                                  requires=requires))) == found


def test_direct_reference_points_at_the_pyproject_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\ndependencies = [\n'
        '  "foo @ https://example.com/foo-1.0.tar.gz",\n]\n')
    dist = read_distribution(dist_wheel(tmp_path,
                                        requires=("foo @ https://example.com/foo-1.0.tar.gz",)))

    [refusal] = inspection.inspect([dist], project=tmp_path)

    assert (refusal.check, refusal.file, refusal.line) == (
        "direct-references", tmp_path / "pyproject.toml", 4)
    assert "demo-1.0-py3-none-any.whl depend(s) on direct URLs" in refusal.message


@pytest.mark.parametrize(
    ("classifiers", "problems"),
    [
        pytest.param(("Programming Language :: Python :: 3",), [], id="known"),
        pytest.param(("Programming Language :: Pyhton :: 3",),
                     ["`Programming Language :: Pyhton :: 3` is unknown"], id="typo"),
        pytest.param(("Private :: Do Not Upload",), [], id="private-is-its-own-check"),
    ],
)
def test_classifier_problems(classifiers: tuple[str, ...], problems: list[str]) -> None:
    assert inspection.classifier_problems(classifiers) == problems


def test_deprecated_classifier_names_its_replacement() -> None:
    from trove_classifiers import deprecated_classifiers

    old, new = next((k, v) for k, v in deprecated_classifiers.items() if v)
    [problem] = inspection.classifier_problems([old])
    assert problem.startswith(f"`{old}` is deprecated (use `{new[0]}`")


def test_do_not_upload_and_unknown_classifiers_are_two_refusals(tmp_path: Path) -> None:
    dist = read_distribution(dist_wheel(
        tmp_path, classifiers=("Private :: Do Not Upload", "Framework :: Nonsense")))

    refusals = inspection.inspect([dist], project=tmp_path)

    assert [r.check for r in refusals] == ["do-not-upload", "classifiers"]
    assert all(r.file == dist.path for r in refusals)  # no pyproject.toml to point at
    assert "`Private :: Do Not Upload`" in refusals[0].message
    assert "`Framework :: Nonsense` is unknown" in refusals[1].message


def test_skipped_checks_refuse_nothing(tmp_path: Path) -> None:
    dist = read_distribution(dist_wheel(
        tmp_path, classifiers=("Private :: Do Not Upload", "Framework :: Nonsense"),
        requires=("foo @ https://example.com/foo.whl",)))

    refusals = inspection.inspect([dist], project=tmp_path, max_file_size=10,
                                  skip=("do-not-upload", "classifiers", "direct-references",
                                        "platform-tags", "file-size"))

    assert refusals == []


def test_file_over_the_limit_is_refused(tmp_path: Path) -> None:
    dist = read_distribution(dist_wheel(tmp_path))
    size = dist.path.stat().st_size

    assert inspection.check_file_sizes([dist], limit=size) == []
    [refusal] = inspection.check_file_sizes([dist], limit=size - 1)
    assert refusal.file == dist.path
    assert "over the limit of" in refusal.message and "`max-file-size`" in refusal.message


def test_pypi_default_limit_is_100_mib() -> None:
    assert inspection.PYPI_MAX_FILE_SIZE == 100 * 1024 * 1024


@pytest.mark.parametrize(
    ("platform", "refused"),
    [
        ("linux_x86_64", ["linux_x86_64"]),  # what `uv build` makes of a C extension here
        ("linux_aarch64", ["linux_aarch64"]),
        ("linux_x86_64.manylinux2014_x86_64", ["linux_x86_64"]),  # PyPI checks each one
        ("manylinux_2_17_x86_64.manylinux2014_x86_64", []),
        ("musllinux_1_2_aarch64", []),
        ("linux_armv7l", []),  # piwheels' tag, which PyPI takes
        ("macosx_11_0_arm64", []),
        ("win_amd64", []),
        ("any", []),
    ],
)
def test_a_wheel_for_this_machine_alone_is_refused(tmp_path: Path, platform: str,
                                                   refused: list[str]) -> None:
    path = wheel(tmp_path / f"dist/demo-1.0-cp312-cp312-{platform}.whl", {"demo/__init__.py": ""})
    found = inspection.check_platform_tags([read_distribution(path)])

    assert [refusal.message.split("`")[1] for refusal in found] == refused
    for refusal in found:
        assert refusal.check == "platform-tags" and refusal.file == path
        assert "auditwheel repair" in refusal.message and "`platform-tags`" in refusal.message


def test_one_refusal_per_tag_names_every_wheel(tmp_path: Path) -> None:
    dists = [read_distribution(wheel(tmp_path / f"dist/demo-1.0-{abi}-{abi}-linux_x86_64.whl",
                                     {"demo/__init__.py": ""})) for abi in ("cp311", "cp312")]

    [refusal] = inspection.check_platform_tags(dists)

    assert "demo-1.0-cp311-cp311-linux_x86_64.whl, demo-1.0-cp312-cp312-linux_x86_64.whl are " \
           "tagged `linux_x86_64`" in refusal.message
    assert inspection.inspect(dists, project=tmp_path, skip=("platform-tags",)) == []
