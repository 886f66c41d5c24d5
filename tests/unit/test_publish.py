"""publish's pure parts: the channel policy, the inputs, and reading distributions' own
metadata (wheels and sdists made by hand here; the real builds are in tests/integration)."""

from __future__ import annotations

import hashlib
import io
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
from packaging.version import Version

from release_actions import processes
from release_actions.commands import publish
from release_actions.distributions import find_distributions, hashes_text, read_distribution
from release_actions.errors import CheckFailed, ConfigError, InputError
from tests.helpers import clean_env, parse_inputs

METADATA = "Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n"


def make_wheel(folder: Path, name: str, version: str, *, metadata: str | None = None) -> Path:
    path = folder / f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name.replace('-', '_')}-{version}.dist-info/METADATA",
                         metadata or METADATA.format(name=name, version=version))
        # A vendored dist-info deeper down must not be mistaken for the wheel's own.
        archive.writestr("pkg/_vendor/other-9.dist-info/METADATA",
                         METADATA.format(name="other", version="9"))
    return path


def make_sdist(folder: Path, name: str, version: str) -> Path:
    base = f"{name.replace('-', '_')}-{version}"
    path = folder / f"{base}.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for member, text in ((f"{base}/PKG-INFO", METADATA.format(name=name, version=version)),
                             (f"{base}/tests/data/PKG-INFO", METADATA.format(name="x",
                                                                            version="0"))):
            data = text.encode()
            info = tarfile.TarInfo(member)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


# --- channel policy ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "version", "allow", "outcome"),
    [
        pytest.param("preview", "0.6.3.dev123", False, "publish", id="preview-dev"),
        pytest.param("preview", "1.0rc1.dev4", True, "publish", id="preview-dev-of-rc-allowed"),
        pytest.param("preview", "1.0rc1.dev4", False, "allow-prerelease",
                     id="preview-dev-of-rc-needs-allow"),
        pytest.param("preview", "1.0.post1.dev3", False, "post-release",
                     id="preview-refuses-post-dev"),
        pytest.param("preview", "0.6.3", False, "skip", id="preview-skips-final"),
        pytest.param("preview", "0.6.3.post1", False, "skip", id="preview-skips-post"),
        pytest.param("preview", "0.6.3rc1", False, "pre-release without .dev",
                     id="preview-refuses-rc"),
        pytest.param("preview", "0.6.3.dev1+g12", False, "local part", id="preview-local"),
        # jsonschema's main built without version-rewrite's export: hatch-vcs's own version.
        pytest.param("preview", "4.26.1.dev142+gb37f7be6d", False,
                     r"local part, `\+gb37f7be6d`: the commit git described.*run version-rewrite",
                     id="preview-vcs-built-without-the-export"),
        pytest.param("public", "0.6.3", False, "publish", id="public-final"),
        pytest.param("public", "0.6.3.post2", False, "publish", id="public-post"),
        pytest.param("public", "0.6.3.dev1", True, "is a development release",
                     id="public-refuses-dev-even-allowed"),
        pytest.param("public", "0.6.3rc1", False, "allow-prerelease", id="public-rc-refused"),
        pytest.param("public", "0.6.3rc1", True, "publish", id="public-rc-allowed"),
        pytest.param("public", "0.6.3a1", True, "publish", id="public-alpha-allowed"),
        pytest.param("public", "0.6.3+cpu", False, "local part", id="public-local"),
        # A VCS build off the tag (pluggy's main): the tag is the fix, not "release 1.6.1.dev179".
        pytest.param("public", "1.6.1.dev179+ge382e72", False,
                     r"is a development release.*Tag a final version such as 1\.6\.1\.$",
                     id="public-vcs-build-off-a-tag"),
    ],
)
def test_channel_policy(channel: str, version: str, allow: bool, outcome: str) -> None:
    if outcome in ("publish", "skip"):
        reason = publish.channel_skip_reason(channel, Version(version), allow_prerelease=allow)
        assert bool(reason) is (outcome == "skip")
        if reason:
            assert "tag pipeline" in reason
        return
    with pytest.raises(CheckFailed, match=outcome):
        publish.channel_skip_reason(channel, Version(version), allow_prerelease=allow)


def test_expected_version_compares_pep440_equality(tmp_path: Path) -> None:
    dists = [read_distribution(make_wheel(tmp_path, "pkg", "1.0.0.dev3"))]
    publish.check_expected_version(dists, Version("1.0.0dev3"))  # same version, other spelling
    with pytest.raises(CheckFailed, match=r"expected-version is 1.0.0.dev4.*carries 1.0.0.dev3"):
        publish.check_expected_version(dists, Version("1.0.0.dev4"))


@pytest.mark.parametrize(
    ("upload", "check", "warns"),
    [
        pytest.param(publish.PYPI_UPLOAD, publish.PYPI_SIMPLE, False, id="pypi-defaults"),
        pytest.param("https://test.pypi.org/legacy/", publish.PYPI_SIMPLE, True,
                     id="testpypi-upload-checked-on-pypi"),
        pytest.param("https://test.pypi.org/legacy/", "https://test.pypi.org/simple/", False,
                     id="testpypi-both"),
        pytest.param("https://test.pypi.org/legacy/", "", False, id="check-disabled"),
    ],
)
def test_check_url_left_on_pypi_for_another_index_warns(upload: str, check: str,
                                                        warns: bool) -> None:
    assert bool(publish.check_url_mismatch(upload, check)) is warns


# --- inputs -----------------------------------------------------------------------------------


def values(tmp_path: Path, **inputs: str) -> publish.Inputs:
    parsed: publish.Inputs = parse_inputs(
        publish.COMMAND, {"working-directory": str(tmp_path), **inputs})
    return parsed


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        pytest.param({}, "`channel` is required", id="channel-missing"),
        pytest.param({"channel": "nightly"}, "must be one of preview, public",
                     id="channel-unknown"),
        pytest.param({"channel": "preview", "trusted-publishing": "sometimes"},
                     "must be one of automatic, always, never", id="trusted-publishing"),
        pytest.param({"channel": "preview", "github-release": "maybe"}, "must be a boolean",
                     id="github-release-not-boolean"),
        pytest.param({"channel": "preview", "expected-version": "v-one"},
                     "must be a PEP 440 version", id="expected-version-invalid"),
        pytest.param({"channel": "preview", "username": "me"}, "`password` is empty",
                     id="username-without-password"),
        pytest.param({"channel": "preview", "trusted-publishing": "always", "password": "p"},
                     "uv refuses a password with Trusted Publishing",
                     id="password-with-trusted-publishing-always"),
        pytest.param({"channel": "preview", "working-directory": "/no/such/dir"},
                     "not a directory", id="working-directory-missing"),
        pytest.param({"channel": "public", "tag": "v1.0.0"}, "`github-token`",
                     id="release-without-token"),
        pytest.param({"channel": "public", "github-token": "t"}, "`tag`",
                     id="release-without-tag"),
    ],
)
def test_bad_inputs_are_input_errors(tmp_path: Path, inputs: dict[str, str],
                                     message: str) -> None:
    with pytest.raises(InputError, match=message):
        values(tmp_path, **inputs)


@pytest.mark.parametrize(
    ("channel", "raw", "expected"),
    [
        pytest.param("public", "", True, id="public-default-true"),
        pytest.param("preview", "", False, id="preview-default-false"),
        pytest.param("preview", "true", True, id="preview-explicit"),
        pytest.param("public", "false", False, id="public-explicit-off"),
    ],
)
def test_github_release_default_follows_the_channel(tmp_path: Path, channel: str, raw: str,
                                                    expected: bool) -> None:
    inputs = values(tmp_path, channel=channel, **{"github-release": raw, "tag": "v1",
                                                  "github-token": "t"})
    assert inputs.makes_release is expected


def test_password_alone_uploads_as_token_user(tmp_path: Path) -> None:
    inputs = values(tmp_path, channel="preview", password="pypi-abc")
    assert (inputs.upload_user, inputs.password) == ("__token__", "pypi-abc")


def test_runner_settings_do_not_reach_the_upload() -> None:
    """INPUT_* (the password among them) and UV_PUBLISH_* from the runner never reach uv."""
    env = processes.child_environment({"PATH": "/bin", "INPUT_PASSWORD": "s",
                                     "UV_PUBLISH_TOKEN": "t", "UV_CACHE_DIR": "/c"},
                                    publishing=True)
    assert env == {"PATH": "/bin", "UV_CACHE_DIR": "/c"}


JOB_CREDENTIALS = {
    "ACTIONS_ID_TOKEN_REQUEST_URL": "https://token.actions.example/x",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "oidc-request-token",
    "ACTIONS_RUNTIME_TOKEN": "runtime-token",
    "GITHUB_TOKEN": "ghs_job_token",
}


def test_builds_are_stamped_with_the_commit_time(tmp_path: Path) -> None:
    """So a rebuild on a re-run gives the same bytes with time-stamping backends too."""
    repo, elsewhere = tmp_path / "repo", tmp_path / "not-a-repo"
    repo.mkdir()
    elsewhere.mkdir()
    env = clean_env(GIT_AUTHOR_NAME="T", GIT_AUTHOR_EMAIL="t@example.com",
                    GIT_COMMITTER_NAME="T", GIT_COMMITTER_EMAIL="t@example.com",
                    GIT_COMMITTER_DATE="@1700000000 +0000", GIT_CEILING_DIRECTORIES=str(tmp_path))
    for argv in (["init", "-q"], ["commit", "-q", "--allow-empty", "-m", "x"]):
        subprocess.run(["git", *argv], cwd=repo, env=env, check=True)

    assert processes.reproducible({}, repo)["SOURCE_DATE_EPOCH"] == "1700000000"
    assert processes.reproducible({"SOURCE_DATE_EPOCH": "5"}, repo)["SOURCE_DATE_EPOCH"] == "5"
    assert "SOURCE_DATE_EPOCH" not in processes.reproducible({}, elsewhere)  # not a checkout


def test_build_and_twine_cannot_mint_a_pypi_token() -> None:
    """The build backend, its build requirements and twine run without the OIDC request token
    or the job's tokens; only `uv publish` gets the OIDC request (Trusted Publishing needs it),
    and no child gets the job's GITHUB_TOKEN or runtime token."""
    environ = {"PATH": "/bin", **JOB_CREDENTIALS}
    assert processes.child_environment(environ, publishing=False) == {"PATH": "/bin"}
    assert processes.child_environment(environ, publishing=True) == {
        "PATH": "/bin", "ACTIONS_ID_TOKEN_REQUEST_URL": "https://token.actions.example/x",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "oidc-request-token"}


def test_password_is_masked_first() -> None:
    assert next(spec for spec in publish.COMMAND.inputs if spec.name == "password").secret
    assert next(spec for spec in publish.COMMAND.inputs if spec.name == "github-token").secret


# --- distributions ----------------------------------------------------------------------------


def test_reads_name_and_version_from_inside_the_archives(tmp_path: Path) -> None:
    """The wheel's own METADATA and the sdist's top-level PKG-INFO count, not nested ones, and
    the version is the metadata's, whatever the file name says."""
    wheel = make_wheel(tmp_path, "my-pkg", "2.0.0",
                       metadata=METADATA.format(name="my-pkg", version="2.0.1"))
    sdist = make_sdist(tmp_path, "my-pkg", "2.0.0")

    assert (read_distribution(wheel).name, read_distribution(wheel).version) == (
        "my-pkg", Version("2.0.1"))
    assert read_distribution(sdist).version == Version("2.0.0")


def test_find_distributions_ignores_other_files_and_hashes(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*\n")  # uv build writes this into dist/
    (tmp_path / "notes.txt").write_text("x")
    wheel = make_wheel(tmp_path, "pkg", "1.0")
    sdist = make_sdist(tmp_path, "pkg", "1.0")

    dists = find_distributions(tmp_path)

    assert [d.path for d in dists] == [wheel, sdist]
    assert hashes_text(dists).splitlines() == [
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}" for p in (wheel, sdist)]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        pytest.param("missing", "does not exist", id="no-dist-dir"),
        pytest.param("empty", "holds no wheel", id="empty-dist"),
        pytest.param("two-versions", "more than one release", id="two-versions"),
        pytest.param("two-projects", "more than one release", id="two-projects"),
        pytest.param("corrupt", "Cannot read the metadata", id="corrupt-wheel"),
        pytest.param("no-version", "Cannot read the metadata", id="metadata-without-version"),
    ],
)
def test_unusable_dist_dirs_are_config_errors(tmp_path: Path, setup: str, message: str) -> None:
    dist = tmp_path / "dist"
    if setup != "missing":
        dist.mkdir()
    if setup == "two-versions":
        make_wheel(dist, "pkg", "1.0")
        make_sdist(dist, "pkg", "1.1")
    elif setup == "two-projects":
        make_wheel(dist, "pkg", "1.0")
        make_wheel(dist, "other", "1.0")
    elif setup == "corrupt":
        (dist / "pkg-1.0-py3-none-any.whl").write_bytes(b"not a zip")
    elif setup == "no-version":
        make_wheel(dist, "pkg", "1.0", metadata="Metadata-Version: 2.4\nName: pkg\n")

    with pytest.raises(ConfigError, match=message):
        find_distributions(dist)


@pytest.mark.parametrize(("inputs", "said"), [
    ({}, "built in a temporary folder (removed; dist/ untouched), checked "
         "(twine check --strict, inspection)"),
    ({"build": "false", "check": "false"}, "read from dist/, checked (inspection)"),
    ({"check": "false", "inspect": "false"},
     "built in a temporary folder (removed; dist/ untouched), not checked (`check` and "
     "`inspect` are false)"),
])
def test_a_dry_run_says_only_the_checks_that_ran(tmp_path: Path, inputs: dict[str, str],
                                                  said: str) -> None:
    """A dry run's notice and summary call the files checked only by the checks that ran:
    with `check: false` twine never read them."""
    parsed = values(tmp_path, channel="preview", **{"dry-run": "true", **inputs})

    assert publish.dry_run_done(parsed) == said
