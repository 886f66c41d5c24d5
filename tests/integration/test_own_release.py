"""This repository's own release, as .github/workflows/release.yml runs it, on a real git origin
and a real pypiserver: the release commit (`__version__ = "1.0.0"`, tagged v1.0.0 on main) is
guarded by its own tag-guard and published by its own publish; the package on the index is
publishable (twine check, inspection, classifiers) and installs a working `release-actions`.
Only Trusted Publishing is replaced, by the index's password: there is no OIDC here."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml
from devtools.pypi import PypiServer

from tests.helpers import ROOT, VENV_BIN, clean_env, copy_tracked_tree, git, run_cli
from tests.integration.prebuilt import pin_python

VERSION_FILE = "src/release_actions/__init__.py"


@pytest.fixture(autouse=True)
def _pinned_python(monkeypatch: pytest.MonkeyPatch) -> None:
    pin_python(monkeypatch)


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone whose HEAD is the release commit of v1.0.0, on origin's main."""
    root = tmp_path_factory.mktemp("own-release")
    origin = root / "origin.git"
    work = copy_tracked_tree(root / "work")
    version_file = work / VERSION_FILE
    text = version_file.read_text()
    version_file.write_text(re.sub(r'__version__ = "[^"]+"', '__version__ = "1.0.0"', text))
    git(root, "init", "--quiet", "--bare", str(origin))
    git(work, "init", "--quiet", "--initial-branch", "main")
    git(work, "add", "-A")
    git(work, "commit", "--quiet", "-m", "Release 1.0.0")
    git(work, "tag", "-a", "-m", "release-actions 1.0.0", "v1.0.0")
    git(work, "remote", "add", "origin", origin.as_uri())
    git(work, "push", "--quiet", "origin", "main", "refs/tags/v1.0.0")
    return work


def release_step_inputs(uses: str) -> dict[str, str]:
    """The `with:` of the release workflow's step, its expressions replaced as GitHub would
    for a published final release v1.0.0 (the guard's version output is checked below)."""
    spec = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text())
    step = next(s for s in spec["jobs"]["publish-pypi"]["steps"] if s.get("uses") == uses)
    values = {
        "${{ github.event.release.tag_name }}": "v1.0.0",
        "${{ github.event.release.prerelease }}": "false",
        "${{ steps.guard.outputs.version }}": "1.0.0",
    }
    return {name: values.get(str(value), str(value).lower() if isinstance(value, bool)
                             else str(value))
            for name, value in step["with"].items()}


def test_the_release_workflow_publishes_an_installable_release_actions(
    released: Path, pypi_server: PypiServer, tmp_path: Path
) -> None:
    guard = run_cli("tag-guard", cwd=released, timeout=300, inputs={
        **release_step_inputs("$/tag-guard"), "index-url": pypi_server.url})
    assert guard.code == 0, guard.log
    assert guard.outputs["version"] == "1.0.0"

    published = run_cli("publish", cwd=released, timeout=600, inputs={
        **release_step_inputs("$/publish"),
        "repository-url": pypi_server.upload_url, "check-url": pypi_server.simple_url,
        "trusted-publishing": "never", "username": pypi_server.username,
        "password": pypi_server.password})
    assert published.code == 0, published.log
    assert published.outputs["verified"] == "true"
    assert "Inspection passed: sdist-contents, direct-references, do-not-upload, " \
        "classifiers, platform-tags, file-size" in published.log
    stored = sorted(name for name in pypi_server.files() if name.startswith("release_actions"))
    assert stored == ["release_actions-1.0.0-py3-none-any.whl", "release_actions-1.0.0.tar.gz"]

    wheel = pypi_server.packages / stored[0]
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read("release_actions-1.0.0.dist-info/METADATA").decode()
    assert "License-Expression: MIT" in metadata
    assert "Requires-Python: >=3.10" in metadata
    assert "Classifier: Programming Language :: Python :: 3 :: Only" in metadata
    assert "Project-URL: Homepage, https://github.com/benchflow-ai/release-actions" in metadata

    # Installed from the index's file (its dependencies from this environment: no network).
    venv = tmp_path / "venv"
    subprocess.run([str(VENV_BIN / "uv"), "venv", "--quiet", str(venv)], check=True,
                   env=clean_env(), timeout=120)
    subprocess.run([str(VENV_BIN / "uv"), "pip", "install", "--quiet", "--offline",
                    "--no-deps", "--python", str(venv / "bin/python"), str(wheel)],
                   check=True, env=clean_env(), timeout=120)
    site = next((VENV_BIN.parent / "lib").glob("python3*/site-packages"))
    env = clean_env(PYTHONPATH=str(site))
    where = subprocess.run([str(venv / "bin/python"), "-c",
                            "import release_actions; print(release_actions.__file__)"],
                           capture_output=True, text=True, env=env, timeout=60)
    assert where.stdout.startswith(str(venv)), where.stdout + where.stderr
    version = subprocess.run([str(venv / "bin/release-actions"), "--version"], cwd=tmp_path,
                             capture_output=True, text=True, env=env, timeout=60)
    assert version.stdout.strip() == "release-actions 1.0.0", version.stderr
    usage = subprocess.run([str(venv / "bin/release-actions"), "version-rewrite", "--help"],
                           cwd=tmp_path, capture_output=True, text=True, env=env, timeout=60)
    assert usage.stdout.startswith("usage: release-actions version-rewrite"), usage.stderr
