"""Stand-ins for third-party actions, one folder each with its own `action.yml`, used at any
ref a workflow pins. Another stand-in (e.g. for Sigstore or attestations): add its folder here
and one line to STANDINS; discovery and the act runner pick it up."""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parent

# owner/name as a workflow writes it → the folder of its stand-in.
STANDINS: dict[str, str] = {
    "actions/checkout": "checkout",
    "actions/setup-python": "setup-python",
    "astral-sh/setup-uv": "setup-uv",
    "actions/upload-artifact": "upload-artifact",
    "actions/download-artifact": "download-artifact",
}


def folder(action: str) -> Path | None:
    """The stand-in folder for `owner/name` (any ref), or None."""
    name = STANDINS.get(action.lower())
    return FOLDER / name if name else None
