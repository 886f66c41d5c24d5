"""A checklist: items that passed, failed, were skipped or only deserve a note, each with the
file and line it is about, as JSON for later steps and as Markdown for the job summary."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

# acknowledged: a finding the team keeps on purpose, with its reason (a comment in the file)
Status = Literal["pass", "fail", "note", "skip", "acknowledged"]
ICONS: dict[Status, str] = {"pass": "✅", "fail": "❌", "note": "📝", "skip": "⏭️",
                            "acknowledged": "☑️"}


@dataclass(frozen=True)
class Item:
    check: str
    status: Status
    detail: str  # for a failure: what, where and how to fix
    path: Path | None = None  # the file, to annotate
    file: str = ""  # the same, as messages show it
    line: int | None = None
    reason: str = ""  # why an acknowledged finding is kept

    @property
    def ok(self) -> bool:
        return self.status != "fail"

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.file and self.line else self.file


def failed(items: Sequence[Item]) -> list[Item]:
    return [item for item in items if not item.ok]


def to_json(items: Sequence[Item]) -> str:
    """The `report` output: a JSON list of {check, ok, status, detail[, file, line, reason]}."""
    rows = []
    for item in items:
        row: dict[str, object] = {"check": item.check, "ok": item.ok, "status": item.status,
                                  "detail": item.detail}
        if item.file:
            row["file"] = item.file
        if item.line:
            row["line"] = item.line
        if item.reason:
            row["reason"] = item.reason
        rows.append(row)
    return json.dumps(rows, ensure_ascii=False)


def described(item: Item) -> str:
    """The detail, led by the reason when the finding is acknowledged."""
    if item.status == "acknowledged":
        return f"acknowledged: {item.reason} (finding: {item.detail})"
    return item.detail


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def markdown(items: Sequence[Item]) -> str:
    lines = ["| check | result | where | detail |", "|---|---|---|---|"]
    for item in items:
        where = f"`{item.where}`" if item.where else ""
        lines.append(f"| {item.check} | {ICONS[item.status]} | {where} | "
                     f"{_cell(described(item))} |")
    return "\n".join(lines) + "\n"
