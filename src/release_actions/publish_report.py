"""What publish reports: its outputs and the job summary's table of files, one row per file
with its sha256, what happened to it and whether the index serves it."""

from __future__ import annotations

from collections.abc import Sequence

from packaging.version import Version

from release_actions.distributions import Distribution, hashes_text

SERVED = {"true": "yes, same sha256", "false": "not proven", "skipped": "not verified"}


def outputs(version: Version, dists: Sequence[Distribution], *, release_url: str = "",
            skipped: bool = False) -> dict[str, str]:
    return {
        "version": str(version),
        "files": "\n".join(d.filename for d in dists),
        "hashes": hashes_text(dists),
        "release-url": release_url,
        "skipped": "true" if skipped else "false",
    }


def summary(index: str, channel: str, version: Version, dists: Sequence[Distribution],
            present: Sequence[str], release_url: str, *, dry_run: str = "",
            verified: str = "skipped", heading: str = "") -> str:
    """The Markdown table of the files on `index`; `present`: those it already held;
    `dry_run`: what a dry run did with the files (empty: not a dry run)."""
    if dry_run:
        heading = f"### 🧪 Dry run: `{version}` {dry_run}, nothing uploaded"
    heading = heading or f"### 📦 Published `{version}` ({channel})"

    def state(dist: Distribution) -> str:
        if dry_run:
            return "dry run"
        if dist.filename in present:
            return "already on the index"
        # Accepted by the index but not found served: never called uploaded.
        return "sent" if verified == "false" else "uploaded"

    rows = "\n".join(f"| `{d.filename}` | `{d.sha256}` | {state(d)} | {SERVED[verified]} |"
                     for d in dists)
    lines = [heading, "", f"Index: {index}", "",
             "| file | sha256 | state | served by the index |", "|---|---|---|---|", rows]
    if release_url:
        lines += ["", f"GitHub Release: {release_url}"]
    return "\n".join(lines) + "\n"
