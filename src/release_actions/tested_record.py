"""The tested-run record: which commit `test` and the integration gate tested, and the number of
that `test` run. A small JSON file handed from integration-eval to internal-preview-release as
an artifact; untrusted on both sides, so every field is checked when written and when read.

BenchFlow's own format holds the same two fields as two text files, `tested-sha` and
`source-run-number` (its artifact `internal-preview-provenance`); read and written here too,
with the same checks."""

from __future__ import annotations

import io
import json
import lzma
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from release_actions.answers import Malformed, reading

FILE_NAME = "tested-run.json"
MAX_BYTES = 1024  # a record is ~80 bytes; anything larger is not ours
MAX_RUN_NUMBER = 10**12
FIELDS = ("sha", "run_number")
BENCHFLOW_SHA = "tested-sha"
BENCHFLOW_RUN_NUMBER = "source-run-number"
BENCHFLOW_FILES = (BENCHFLOW_SHA, BENCHFLOW_RUN_NUMBER)
_RUN_NUMBER_TEXT = re.compile(r"[1-9][0-9]{0,12}\Z")  # BenchFlow's reader: ^[1-9][0-9]*$
_SHA = re.compile(r"[0-9a-f]{40}\Z")
# How a damaged or unusual zip fails to read: a broken deflate or LZMA stream, an encrypted
# member (RuntimeError), a bad CRC or a cut-off file, a method zipfile does not know.
UNREADABLE_ZIP = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError,
                  OSError, zlib.error, lzma.LZMAError, RuntimeError)


class RecordInvalid(ValueError):
    """The record, or a field of it, is not what `record` writes; the message says what."""


@dataclass(frozen=True)
class Record:
    sha: str
    run_number: int

    def __post_init__(self) -> None:
        check_sha(self.sha)
        check_run_number(self.run_number)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:60] + "…"


def check_sha(value: object) -> str:
    """A full commit sha: 40 lowercase hex digits."""
    if not isinstance(value, str) or not _SHA.match(value):
        raise RecordInvalid(f"sha must be a full commit sha (40 lowercase hex digits), "
                            f"got {_shown(value)}")
    return value


def check_run_number(value: object) -> int:
    """A workflow run number: a positive integer (JSON number, not text or a boolean)."""
    if type(value) is not int or not 0 < value <= MAX_RUN_NUMBER:
        raise RecordInvalid(f"run_number must be a positive whole number, got {_shown(value)}")
    return value


def dumps(record: Record) -> bytes:
    return (json.dumps({"sha": record.sha, "run_number": record.run_number}) + "\n").encode()


def loads(data: bytes) -> Record:
    """The record `data` holds, every field checked; RecordInvalid otherwise."""
    if len(data) > MAX_BYTES:
        raise RecordInvalid(f"{FILE_NAME} is {len(data)} bytes, more than a record's "
                            f"{MAX_BYTES}")
    try:
        with reading(FILE_NAME):
            value = json.loads(data.decode("utf-8"))
    except Malformed as error:
        raise RecordInvalid(f"{FILE_NAME} is not JSON ({error.why})") from None
    if not isinstance(value, dict) or sorted(value) != sorted(FIELDS):
        raise RecordInvalid(f"{FILE_NAME} must be a JSON object with exactly the fields "
                            f"{', '.join(FIELDS)}")
    return Record(check_sha(value["sha"]), check_run_number(value["run_number"]))


def write(directory: Path, record: Record) -> Path:
    """Write the record as `directory/tested-run.json` (the directory is made if missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FILE_NAME
    path.write_bytes(dumps(record))
    return path


def from_zip(data: bytes) -> Record:
    """The record inside an artifact's zip: one member, `tested-run.json`, small."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            names = [member.filename for member in members]
            if names != [FILE_NAME]:
                raise RecordInvalid(f"the artifact must hold exactly {FILE_NAME}, it holds "
                                    f"{_shown(names)}")
            if members[0].file_size > MAX_BYTES:
                raise RecordInvalid(f"{FILE_NAME} in the artifact is {members[0].file_size} "
                                    f"bytes, more than a record's {MAX_BYTES}")
            with archive.open(members[0]) as member:
                content = member.read(MAX_BYTES + 1)
    except UNREADABLE_ZIP as error:
        raise RecordInvalid(f"the artifact is not a readable zip ({_shown(str(error))})") from None
    return loads(content)


# --- BenchFlow's format -------------------------------------------------------------------------


def write_benchflow(directory: Path, record: Record) -> Path:
    """Write `directory/tested-sha` and `directory/source-run-number`, one line each, as
    BenchFlow's release gate does (`printf '%s\\n'`); the directory is the artifact."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / BENCHFLOW_SHA).write_text(f"{record.sha}\n")
    (directory / BENCHFLOW_RUN_NUMBER).write_text(f"{record.run_number}\n")
    return directory


def _line(name: str, data: bytes) -> str:
    """A file's text without its line breaks, as BenchFlow reads it (`tr -d '\\r\\n'`)."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise RecordInvalid(f"{name} is not ASCII text") from None
    return text.replace("\r", "").replace("\n", "")


def loads_benchflow(files: dict[str, bytes]) -> Record:
    """The record BenchFlow's two files hold, every field checked; RecordInvalid otherwise."""
    sha = _line(BENCHFLOW_SHA, files[BENCHFLOW_SHA])
    number = _line(BENCHFLOW_RUN_NUMBER, files[BENCHFLOW_RUN_NUMBER])
    if not _RUN_NUMBER_TEXT.match(number):
        raise RecordInvalid(f"{BENCHFLOW_RUN_NUMBER} must hold a positive whole number, got "
                            f"{_shown(number)}")
    try:
        return Record(check_sha(sha), check_run_number(int(number)))
    except RecordInvalid as error:
        raise RecordInvalid(f"{BENCHFLOW_SHA}: {error}") from None


def _members(data: bytes, names: tuple[str, ...]) -> dict[str, bytes]:
    """The members of an artifact's zip, which must be exactly `names`, each small."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            found = sorted(member.filename for member in members)
            if found != sorted(names):
                raise RecordInvalid(f"the artifact must hold exactly {', '.join(names)}, it "
                                    f"holds {_shown(found)}")
            content = {}
            for member in members:
                if member.file_size > MAX_BYTES:
                    raise RecordInvalid(f"{member.filename} in the artifact is "
                                        f"{member.file_size} bytes, more than {MAX_BYTES}")
                with archive.open(member) as opened:
                    content[member.filename] = opened.read(MAX_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError,
            OSError) as error:
        raise RecordInvalid(f"the artifact is not a readable zip ({error})") from None
    return content


def benchflow_from_zip(data: bytes) -> Record:
    """The record inside BenchFlow's `internal-preview-provenance` artifact."""
    return loads_benchflow(_members(data, BENCHFLOW_FILES))
