"""Running `release-actions rehearse` in a consumer repository as a user would, for the
test_rehearse*.py files: the exit code, the output and the JSON report."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
