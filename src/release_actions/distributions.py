"""The distributions in `dist/`: which files they are, the name and version their own metadata
declares (wheel `METADATA`, sdist `PKG-INFO`), and their sha256.

The metadata is parsed by `packaging.metadata`; what is ours is finding it inside the archive
and refusing a `dist/` that does not hold exactly one release of one project."""

from __future__ import annotations

import hashlib
import lzma
import re
import tarfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from packaging.metadata import Metadata
from packaging.utils import canonicalize_name
from packaging.version import Version

from release_actions.errors import ConfigError

# No build tool writes these in a file name; in a log line or an output they forge records.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
WHEEL = ".whl"
SDIST = ".tar.gz"
CHUNK = 1 << 20
# Core metadata holds the long description (a README): a few hundred KiB at most in practice.
MAX_METADATA_BYTES = 16 << 20
MAX_SDIST_MEMBERS = 100_000
METADATA_TOO_LARGE = (
    "{member} in {file} expands to more than {limit} MiB; core metadata is a few KiB plus the "
    "README. Rebuild the file (`build: true`) or remove it from dist/."
)
# How a damaged archive fails to read: a broken deflate, LZMA or bzip2 stream, an encrypted
# member (RuntimeError), a bad CRC or a cut-off file, a compression zipfile does not know.
UNREADABLE = (OSError, EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile,
              zipfile.LargeZipFile, tarfile.TarError, NotImplementedError, RuntimeError,
              ValueError, RecursionError)


@dataclass(frozen=True)
class Distribution:
    """One file to upload, with what its own metadata says."""

    path: Path
    name: str
    version: Version
    sha256: str

    @property
    def filename(self) -> str:
        return self.path.name


def is_distribution(path: Path) -> bool:
    return path.is_file() and path.name.endswith((WHEEL, SDIST))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _wheel_metadata(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        # The one `<name>-<version>.dist-info/METADATA` at the top of the wheel.
        names = [n for n in archive.namelist()
                 if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
        if len(names) != 1:
            raise ConfigError(f"{path.name} is not a valid wheel: it has {len(names)} "
                              "*.dist-info/METADATA files (expected 1).", file=path)
        with archive.open(names[0]) as handle:
            return _capped(handle.read(MAX_METADATA_BYTES + 1), path, names[0])


def _sdist_metadata(path: Path) -> bytes:
    with tarfile.open(path, "r:gz") as archive:
        # `<name>-<version>/PKG-INFO` at the root of the sdist (not a vendored one deeper down).
        members = [m for m in _members(archive, path)
                   if m.isfile() and m.name.count("/") == 1 and m.name.endswith("/PKG-INFO")]
        if len(members) != 1:
            raise ConfigError(f"{path.name} is not a valid sdist: it has {len(members)} "
                              "top-level PKG-INFO files (expected 1).", file=path)
        handle = archive.extractfile(members[0])
        assert handle is not None  # a regular file member
        return _capped(handle.read(MAX_METADATA_BYTES + 1), path, members[0].name)


def _members(archive: tarfile.TarFile, path: Path) -> Iterator[tarfile.TarInfo]:
    """The sdist's members, at most MAX_SDIST_MEMBERS of them (each is kept in memory)."""
    for count, member in enumerate(archive, 1):
        if count > MAX_SDIST_MEMBERS:
            raise ConfigError(f"{path.name} holds more than {MAX_SDIST_MEMBERS} files; no "
                              "sdist of a Python project does. Rebuild it (`build: true`).",
                              file=path)
        yield member


def _capped(data: bytes, path: Path, member: str) -> bytes:
    """A member's bytes, read up to one more than the cap: refused when over it."""
    if len(data) > MAX_METADATA_BYTES:
        raise ConfigError(METADATA_TOO_LARGE.format(
            file=path.name, member=member[:100], limit=MAX_METADATA_BYTES >> 20), file=path)
    return data


def read_metadata(path: Path) -> Metadata:
    """The core metadata inside a wheel (`METADATA`) or sdist (`PKG-INFO`), parsed lazily: a
    field is validated when read."""
    raw = _wheel_metadata(path) if path.name.endswith(WHEEL) else _sdist_metadata(path)
    return Metadata.from_email(raw, validate=False)


def read_distribution(path: Path) -> Distribution:
    """A wheel's or sdist's name and version, from the metadata inside the archive."""
    try:
        metadata = read_metadata(path)
        name, version = metadata.name, metadata.version
    except UNREADABLE as error:
        raise ConfigError(
            f"Cannot read the metadata of {path}: {str(error)[:200]}. Rebuild it "
            "(`build: true`) or remove it from dist/.", file=path,
        ) from None
    return Distribution(path, name, version, sha256_of(path))


def find_distributions(dist_dir: Path) -> list[Distribution]:
    """Every wheel and sdist in `dist_dir`, sorted by file name, all of one project and one
    version: a stale file from another build would otherwise be uploaded too."""
    if not dist_dir.is_dir():
        raise ConfigError(
            f"{dist_dir} does not exist. Build first (`build: true`) or point "
            "`working-directory` at the project whose dist/ holds the files.",
        )
    files = sorted((p for p in dist_dir.iterdir() if is_distribution(p)), key=lambda p: p.name)
    strange = [p.name for p in files if _UNPRINTABLE.search(p.name)]
    if strange:
        raise ConfigError(
            f"{dist_dir} holds a file whose name has a line break or control character "
            f"({strange[0][:80]!r}); no build tool writes such a name. Remove it.",
        )
    if not files:
        raise ConfigError(
            f"{dist_dir} holds no wheel (.whl) or sdist (.tar.gz). Build first "
            "(`build: true`) or check the build step's output directory.",
        )
    dists = [read_distribution(path) for path in files]
    _require_one_release(dist_dir, dists)
    return dists


def _require_one_release(dist_dir: Path, dists: list[Distribution]) -> None:
    releases = sorted({(canonicalize_name(d.name), str(d.version)) for d in dists})
    if len(releases) > 1:
        found = "; ".join(
            f"{name} {version}: " + ", ".join(d.filename for d in dists
                                              if (canonicalize_name(d.name), str(d.version))
                                              == (name, version))
            for name, version in releases
        )
        raise ConfigError(
            f"{dist_dir} holds more than one release ({found}). Remove the stale files "
            "(e.g. `rm -rf dist` before building) so only one version is uploaded.",
        )


def hashes_text(dists: Iterable[Distribution]) -> str:
    """`sha256  filename` lines, the format `sha256sum --check` reads."""
    return "\n".join(f"{d.sha256}  {d.filename}" for d in dists)
