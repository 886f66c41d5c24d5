"""Damaged and oversized archives, links out of the workspace, and a GitHub API that moves
away after the upload. Real zips and tars crafted here, the CLI run
in-process against real local servers; each refusal is one `::error` with exit 1 or 2, never a
traceback, and its peak memory is traced. Prints how many cases were tried."""

from __future__ import annotations

import io
import tarfile
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from devtools.fault_server import ECHO, FaultServer

from release_actions.rehearsal.github_api import fake_github
from tests.helpers import Result
from tests.hostile.conftest import Workspace, run_in_process, tree_hash

RECORD = b'{"sha": "' + b"a" * 40 + b'", "run_number": 7}\n'
WHEEL = "mypkg-1.2.3.dev0-py3-none-any.whl"
SDIST = "mypkg-1.2.3.dev0.tar.gz"
METADATA = b"Metadata-Version: 2.1\nName: mypkg\nVersion: 1.2.3.dev0\n\n"
BOMB = 256 << 20  # what the oversized metadata expands to
PEAK_BOUND_MIB = 64  # the 16 MiB metadata cap, read once, and the readers' copies of it
# case -> peak MiB traced while it was refused: the figures this suite reports.
TRIED: dict[str, float] = {}


# --- crafting ----------------------------------------------------------------------------------


def _zip(name: str, data: bytes, method: int = zipfile.ZIP_DEFLATED) -> bytearray:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        archive.writestr(name, data)
    return bytearray(buffer.getvalue())


def _data_at(archive: bytearray) -> int:
    """Where the first member's data starts (after its local header)."""
    return 30 + int.from_bytes(archive[26:28], "little") + int.from_bytes(archive[28:30],
                                                                          "little")


def damaged(kind: str, name: str, data: bytes) -> bytes:
    """A zip of one member `name`, damaged as `kind` says."""
    if kind == "deflate-stream":  # an invalid block type: zlib.error
        archive = _zip(name, data)
        archive[_data_at(archive)] = 0xFF
    elif kind == "lzma-stream":  # LZMAError
        archive = _zip(name, data, zipfile.ZIP_LZMA)
        start = _data_at(archive) + 9  # past zipfile's LZMA header and properties
        archive[start:start + 12] = b"\xff" * 12
    elif kind == "encrypted":  # RuntimeError: a password is required
        archive = _zip(name, data, zipfile.ZIP_STORED)
        archive[6] |= 1
        archive[bytes(archive).rindex(b"PK\x01\x02") + 8] |= 1
    elif kind == "bad-crc":
        archive = _zip(name, data)
        central = bytes(archive).rindex(b"PK\x01\x02")
        for at in (14, central + 16):
            archive[at] ^= 0xFF
    elif kind == "truncated":
        archive = _zip(name, data)
        archive = archive[: len(archive) // 2]
    else:
        raise ValueError(kind)
    return bytes(archive)


DAMAGE = ("deflate-stream", "lzma-stream", "encrypted", "bad-crc", "truncated")


def zip_bomb(name: str, head: bytes) -> bytes:
    """A zip whose member `name` is `head` then spaces, BOMB bytes in all (about 250 KiB)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=9) as archive, archive.open(name, "w") as member:
        member.write(head)
        block = b" " * (1 << 20)
        for _ in range(BOMB >> 20):
            member.write(block)
    return buffer.getvalue()


def tar_bomb(name: str, head: bytes) -> bytes:
    """An sdist whose `name` is `head` then spaces, BOMB bytes in all."""

    class Spaces:
        def __init__(self) -> None:
            self.left = head

        def read(self, size: int = -1) -> bytes:
            chunk, self.left = self.left[:size], self.left[size:]
            return chunk + b" " * (size - len(chunk))

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=9) as archive:
        info = tarfile.TarInfo(name)
        info.size = BOMB
        archive.addfile(info, Spaces())
    return buffer.getvalue()


# --- running -----------------------------------------------------------------------------------


def traced(case: str, call: Callable[[], Result]) -> Result:
    tracemalloc.start()
    try:
        run = call()
    finally:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    TRIED[case] = peak
    return run


def assert_one_error(run: Result, code: int, *phrases: str) -> str:
    log = run.stdout + run.stderr
    assert run.code == code, log
    assert len(run.errors()) == 1, log
    assert "Traceback" not in log + run.summary, log
    for phrase in phrases:
        assert phrase in run.errors()[0], run.errors()[0]
    return run.errors()[0]


# --- tested-run: the artifact's zip ------------------------------------------------------------


@pytest.mark.parametrize("kind", DAMAGE)
def test_a_damaged_artifact_zip_is_refused(kind: str, workspace: Workspace,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    with fake_github() as github:
        github.add_artifact(42, "tested-run", damaged(kind, "tested-run.json", RECORD))
        environ = workspace.environ({"mode": "resolve", "run-id": "42",
                                     "github-token": "ghs_zip-token-1234"},
                                    GITHUB_API_URL=github.url)
        run = traced(f"tested-run zip {kind}",
                     lambda: run_in_process(workspace, ["tested-run"], environ, monkeypatch))
    assert_one_error(run, 1, "not a readable zip")
    assert run.outputs.get("available") != "true"


# --- publish: the archives in dist/ ------------------------------------------------------------

PUBLISH = {"channel": "preview", "build": "false", "check": "false", "inspect": "false",
           "trusted-publishing": "never", "username": "u", "password": "pw-links-secret-55",
           "verify": "false", "check-url": ""}


def _publish(workspace: Workspace, monkeypatch: pytest.MonkeyPatch, index: FaultServer,
             **inputs: str) -> Result:
    environ = workspace.environ({**PUBLISH, "repository-url": f"{index.url}/legacy/",
                                 **inputs})
    return run_in_process(workspace, ["publish"], environ, monkeypatch)


ARCHIVES: dict[str, Callable[[], tuple[str, bytes]]] = {
    "wheel-metadata-bomb": lambda: (WHEEL, zip_bomb(
        "mypkg-1.2.3.dev0.dist-info/METADATA", METADATA)),
    "sdist-pkg-info-bomb": lambda: (SDIST, tar_bomb("mypkg-1.2.3.dev0/PKG-INFO", METADATA)),
    **{f"wheel-{kind}": (lambda kind=kind: (WHEEL, damaged(  # type: ignore[misc]
        kind, "mypkg-1.2.3.dev0.dist-info/METADATA", METADATA))) for kind in DAMAGE},
}


@pytest.mark.parametrize("case", ARCHIVES)
def test_an_oversized_or_damaged_archive_in_dist_is_refused_before_upload(
    case: str, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    filename, data = ARCHIVES[case]()
    (workspace.root / "dist").mkdir()
    (workspace.root / "dist" / filename).write_bytes(data)
    with FaultServer(ECHO, status=200) as index:
        run = traced(f"publish {case}", lambda: _publish(workspace, monkeypatch, index))
        assert index.requests == []
    assert_one_error(run, 2, filename)
    assert TRIED[f"publish {case}"] <= PEAK_BOUND_MIB, TRIED


# --- publish: dist/ and its files confined to the workspace ------------------------------------


def _outside(workspace: Workspace) -> Path:
    """A folder beside the workspace holding a valid-looking wheel."""
    outside = workspace.runner / "elsewhere"
    outside.mkdir()
    (outside / WHEEL).write_bytes(bytes(_zip("mypkg-1.2.3.dev0.dist-info/METADATA",
                                             METADATA)))
    return outside


def _dist_is_a_link(workspace: Workspace, outside: Path) -> Path:
    (workspace.root / "dist").symlink_to(outside, target_is_directory=True)
    return workspace.root / "dist"


def _file_is_a_link(workspace: Workspace, outside: Path) -> Path:
    (workspace.root / "dist").mkdir()
    (workspace.root / "dist" / WHEEL).symlink_to(outside / WHEEL)
    return workspace.root / "dist" / WHEEL


def _dangling_link(workspace: Workspace, outside: Path) -> Path:
    (workspace.root / "dist").mkdir()
    (workspace.root / "dist" / SDIST).symlink_to(outside / SDIST)  # a build would write there
    return workspace.root / "dist" / SDIST


LINKS = {"dist-is-a-link": _dist_is_a_link, "a-file-is-a-link": _file_is_a_link,
         "a-dangling-link": _dangling_link}


@pytest.mark.parametrize("build", ["false", "true"])
@pytest.mark.parametrize("case", LINKS)
def test_a_link_out_of_the_workspace_in_dist_is_refused_before_anything(
    case: str, build: str, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused before the build (which would write through the link) and the upload, naming
    the link and where it leads."""
    outside = _outside(workspace)
    link = LINKS[case](workspace, outside)
    before = tree_hash(workspace.root), tree_hash(outside)
    with FaultServer(ECHO, status=200) as index:
        run = traced(f"publish {case} (build: {build})",
                     lambda: _publish(workspace, monkeypatch, index, build=build))
        assert index.requests == []
    error = assert_one_error(run, 2, repr(str(link.relative_to(workspace.root))),
                             "outside the workspace")
    assert str(outside) in error
    assert (tree_hash(workspace.root), tree_hash(outside)) == before


def test_links_inside_the_workspace_are_followed(workspace: Workspace,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A dist/ linked to another folder of the checkout is the checkout's own files."""
    built = workspace.root / "build-output"
    built.mkdir()
    (built / WHEEL).write_bytes(bytes(_zip("mypkg-1.2.3.dev0.dist-info/METADATA", METADATA)))
    (workspace.root / "dist").symlink_to(built, target_is_directory=True)
    with FaultServer(ECHO, status=200) as index:
        run = _publish(workspace, monkeypatch, index)
    assert "outside the workspace" not in run.stdout
    assert any(WHEEL in line for line in run.stdout.splitlines()), run.stdout


# --- publish: the GitHub Release moves away after the upload ------------------------------------


def test_a_301_from_the_release_api_after_the_upload_says_what_was_done(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files are uploaded (to an index that accepts them), then GitHub's API answers the
    release's creation with a 301 to another host (PyGithub raises RuntimeError): exit 1, one
    `::error` saying the upload is done, and the upload's outputs and summary written."""
    (workspace.root / "pyproject.toml").write_text(
        '[project]\nname = "mypkg"\nversion = "1.2.3"\n')
    (workspace.root / "dist").mkdir()
    final = "mypkg-1.2.3-py3-none-any.whl"
    (workspace.root / "dist" / final).write_bytes(bytes(_zip(
        "mypkg-1.2.3.dist-info/METADATA", METADATA.replace(b"1.2.3.dev0", b"1.2.3"))))
    with FaultServer(ECHO, status=200) as index, fake_github() as github:
        github.moved["POST /repos/octo/mypkg/releases"] = "http://elsewhere.invalid/releases"
        environ = workspace.environ(
            {**PUBLISH, "channel": "public", "repository-url": f"{index.url}/legacy/",
             "tag": "v1.2.3", "github-token": "ghs_release-token-1234"},
            GITHUB_API_URL=github.url)
        run = traced("publish release 301 after upload",
                     lambda: run_in_process(workspace, ["publish"], environ, monkeypatch))
        uploads = [r for r in index.requests if r["method"] == "POST"]
    assert uploads, "the file was not uploaded"
    error = assert_one_error(run, 1, "HTTP 301", "The upload itself is done", final)
    assert "elsewhere.invalid" in error
    assert run.outputs["files"] == final and final in run.outputs["hashes"]
    assert run.outputs["version"] == "1.2.3" and run.outputs["release-url"] == ""
    assert f"`{final}`" in run.summary and "Uploaded `1.2.3`" in run.summary
    assert github.releases == []


def test_a_renamed_repository_is_still_followed() -> None:
    """GitHub answers a renamed repository's old path with a 301 on its own host, here with a
    relative Location (PyGithub compares the raw header with its scheme and host, and raised
    RuntimeError): followed, as before, with the token kept on the API's host."""
    from release_actions import github as api

    with fake_github() as github:
        github.moved["GET /repos/octo/old-name"] = "/repos/octo/mypkg"
        repo = api.client("ghs_renamed-token-1234", {"GITHUB_API_URL": github.url}).get_repo(
            "octo/old-name")
        assert repo.full_name == "octo/mypkg"
        assert github.requests == ["GET /repos/octo/old-name", "GET /repos/octo/mypkg"]


# --- the figures ---------------------------------------------------------------------------------


def test_zz_report_the_figures(report_figure: Callable[[str], None]) -> None:
    if not TRIED:
        pytest.skip("no case in this session")
    case, peak = max(TRIED.items(), key=lambda item: item[1])
    report_figure(f"archives, links and moved answers tried: {len(TRIED)}; largest peak memory "
                  f"traced: {case} {peak:.1f} MiB (archives expand to {BOMB >> 20} MiB)")
