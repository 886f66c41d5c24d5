"""Running `release-actions rehearse` in a consumer repository as a user would, for the
test_rehearse*.py files: the exit code, the output and the JSON report."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.e2e.consumers import Kind, make_consumer, snapshot
from tests.helpers import VENV_BIN, clean_env


@dataclass
class Rehearsed:
    code: int
    output: str
    report: dict[str, Any] | None


def rehearse(repository: Path, *args: str) -> Rehearsed:
    report = repository.parent / f"{repository.name}-report.json"
    done = subprocess.run(
        [str(VENV_BIN / "release-actions"), "rehearse", "--report", str(report), *args],
        cwd=repository, env=clean_env(), capture_output=True, text=True, timeout=1200,
    )
    document = json.loads(report.read_text()) if report.is_file() else None
    return Rehearsed(done.returncode, done.stdout + done.stderr, document)


def versions(report: dict[str, Any], channel: str) -> set[str]:
    return {item["version"] for item in report["published"] if item["channel"] == channel}


def every_stage_green(tmp_path: Path, kind: Kind) -> None:
    """Given a consumer with its own names, version layout and pins, when it is rehearsed, then
    every job of every workflow run succeeded, main's preview and the public release are on
    the index with their sha256, the release and the bump pull request are reported, no
    canary leaked, and the user's repository is as it was."""
    repository = make_consumer(tmp_path / kind.name, kind)
    before = snapshot(repository)

    result = rehearse(repository)

    assert result.code == 0, result.output[-6000:]
    report = result.report
    assert report is not None
    assert {stage["conclusion"] for stage in report["stages"]} == {"success"}, report["stages"]
    assert {stage["workflow"] for stage in report["stages"]} == set(kind.files)
    assert f"{kind.final}.dev1" in versions(report, "preview")
    assert versions(report, "public") == {kind.final}
    module = kind.module
    names = {item["file"] for item in report["published"]}
    assert {f"{module}-{kind.final}.tar.gz", f"{module}-{kind.final}-py3-none-any.whl"} <= names
    assert all(len(item["sha256"]) == 64 for item in report["published"])
    # Uploaded through the index's Trusted Publishing exchange; the public files carry PEP 740
    # attestations the local Sigstore minted, which verify for the workflow that uploaded them.
    assert "Published through Trusted Publishing" in result.output
    assert {item["provenance"] for item in report["published"]
            if item["channel"] == "public"} == {"verified"}
    assert {item["provenance"] for item in report["published"]
            if item["channel"] == "preview"} == {"none"}
    assert f"(public {kind.final}, provenance verified)" in result.output
    assert report["empty_secrets"] == ([kind.password] if kind.password else [])
    if kind.password:
        assert f"Secret {kind.password} given empty" in result.output
    assert report["release"]["tag"] == f"v{kind.final}"
    assert f"First public release of {kind.name}" in report["release"]["body"]
    major, minor, patch = kind.final.split(".")
    assert report["pull_request"]["title"].startswith(
        f"Bump version to {major}.{minor}.{int(patch) + 1}.dev0")
    assert report["canaries_leaked"] == 0
    assert "none reached a log" in result.output
    # doctor before any workflow runs; the public release installed back from the index
    assert result.output.index("== One-time setup") < result.output.index("▸")
    # doctor's findings (each kind pins an action by tag) are advice: every stage ran green
    assert "item(s) to fix before the first real release" in result.output
    assert f"pip install {kind.name}  → {kind.final} (import {module} ok)" in result.output
    assert snapshot(repository) == before
