"""The tested-run record format: what `record` writes is what `resolve` accepts, and anything
else (a field changed, added or removed, a file too large, not a zip) is refused."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from release_actions import tested_record
from release_actions.tested_record import Record, RecordInvalid

SHA = "89abcdef0123456789abcdef0123456789abcdef"


def zipped(compression: int = zipfile.ZIP_DEFLATED, **members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_what_is_written_reads_back(tmp_path: Path) -> None:
    path = tested_record.write(tmp_path / "new" / "dir", Record(SHA, 41))

    assert path == tmp_path / "new" / "dir" / "tested-run.json"
    assert tested_record.loads(path.read_bytes()) == Record(SHA, 41)
    assert tested_record.from_zip(zipped(**{"tested-run.json": path.read_bytes()})) == \
        Record(SHA, 41)


@pytest.mark.parametrize("sha", [
    pytest.param(SHA.upper(), id="uppercase"),
    pytest.param(SHA[:-1], id="39-digits"),
    pytest.param(SHA + "0", id="41-digits"),
    pytest.param(SHA[:-1] + "g", id="not-hex"),
    pytest.param(SHA + "\n", id="line-break"),
    pytest.param("\u0660" * 40, id="arabic-digits"),
    pytest.param(None, id="null"),
    pytest.param(123, id="number"),
])
def test_a_sha_that_is_not_40_lowercase_hex_is_refused(sha: object) -> None:
    with pytest.raises(RecordInvalid, match="sha must be a full commit sha"):
        tested_record.check_sha(sha)


@pytest.mark.parametrize("number", [
    0, -3, 1.5, "7", True, None, tested_record.MAX_RUN_NUMBER + 1,
])
def test_a_run_number_that_is_not_a_positive_int_is_refused(number: object) -> None:
    with pytest.raises(RecordInvalid, match="run_number must be a positive whole number"):
        tested_record.check_run_number(number)


def test_a_record_cannot_be_made_invalid() -> None:
    with pytest.raises(RecordInvalid):
        Record("abc", 1)


@pytest.mark.parametrize(("data", "says"), [
    pytest.param(b"\xff\xfe", "not JSON", id="not-utf8"),
    pytest.param(b"{", "not JSON", id="truncated"),
    pytest.param(b"[" * 900 + b"]" * 900, "more than", id="too-large"),
    pytest.param(b'{"sha": "' + SHA.encode() + b'", "run_number": 1, "x": 1}',
                 "exactly the fields", id="extra-field"),
    pytest.param(b'{"sha": "' + SHA.encode() + b'", "sha": "' + SHA.encode() + b'"}',
                 "exactly the fields", id="duplicate-key"),
])
def test_loads_refuses_what_record_never_writes(data: bytes, says: str) -> None:
    with pytest.raises(RecordInvalid, match=says):
        tested_record.loads(data)


@pytest.mark.parametrize(("archive", "says"), [
    pytest.param(b"not a zip", "not a readable zip", id="not-zip"),
    pytest.param(zipped(), "must hold exactly", id="empty"),
    pytest.param(zipped(**{"dir/tested-run.json": b"{}"}), "must hold exactly", id="nested"),
    pytest.param(zipped(**{"tested-run.json": b" " * 10_000_000}), "more than a record",
                 id="inflates-large"),
])
def test_from_zip_refuses_other_archives(archive: bytes, says: str) -> None:
    with pytest.raises(RecordInvalid, match=says):
        tested_record.from_zip(archive)


def test_a_member_altered_after_zipping_fails_its_checksum() -> None:
    data = bytearray(zipped(zipfile.ZIP_STORED,
                            **{"tested-run.json": tested_record.dumps(Record(SHA, 2))}))
    position = data.index(b'"run_number": 2') + len('"run_number": ')
    data[position:position + 1] = b"9"

    with pytest.raises(RecordInvalid, match="not a readable zip"):
        tested_record.from_zip(bytes(data))


def test_benchflow_files_round_trip(tmp_path: Path) -> None:
    record = tested_record.Record("c" * 40, 412)
    folder = tested_record.write_benchflow(tmp_path / "provenance", record)
    files = {path.name: path.read_bytes() for path in folder.iterdir()}
    assert files == {"tested-sha": b"c" * 40 + b"\n", "source-run-number": b"412\n"}
    assert tested_record.loads_benchflow(files) == record


@pytest.mark.parametrize(("sha", "number"), [
    pytest.param(b"c" * 40, b"+3", id="sign"), pytest.param(b"c" * 40, b"", id="empty"),
    pytest.param(b"c" * 40 + b" ", b"3", id="trailing-space"),
    pytest.param(b"c" * 40, b"\xd9\xa1", id="arabic-digit"),
])
def test_benchflow_files_refused_as_its_own_reader_would(sha: bytes, number: bytes) -> None:
    with pytest.raises(tested_record.RecordInvalid):
        tested_record.loads_benchflow({"tested-sha": sha, "source-run-number": number})
