"""`version-rewrite`: the preview version X.Y.Z.devN, written into the checkout only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import Version

from release_actions import command, gha, versions
from release_actions.command import Outcome
from release_actions.errors import ConfigError
from release_actions.gha import Console
from release_actions.pyproject import (
    Declaration,
    find_extra_declaration,
    find_lock_entry,
    find_project_version,
    plan_rewrite,
    resolve_project_file,
    write_atomically,
)

INPUTS = (
    command.text("path", "Project file, or a directory holding pyproject.toml.", "pyproject.toml"),
    command.custom(
        "run-number",
        "N of .devN: the run number of the tested workflow run (a positive integer).",
        gha.parse_positive_int,
    ),
    command.boolean(
        "allow-prerelease-base", "Also accept X.Y.ZrcK.dev0 and publish X.Y.ZrcK.devN."
    ),
    command.items(
        "extra-files",
        "More files that carry the version (CITATION.cff, src/pkg/__init__.py), newline- or "
        "comma-separated; each is rewritten too.",
    ),
    command.boolean("dry-run", "Decide and report; write nothing."),
)


@dataclass(frozen=True)
class Inputs:
    path: Path
    run_number: int
    allow_prerelease_base: bool = False
    extra_files: tuple[Path, ...] = ()
    dry_run: bool = False


def make_inputs(values: dict[str, Any], environ: Mapping[str, str]) -> Inputs:
    return Inputs(
        path=Path(values["path"]),
        run_number=values["run_number"],
        allow_prerelease_base=values["allow_prerelease_base"],
        extra_files=tuple(Path(item) for item in values["extra_files"]),
        dry_run=values["dry_run"],
    )


def _check_same(primary: Declaration, current: Version, other: Declaration) -> None:
    if other.parsed() != current:
        raise ConfigError(
            f"{other.path} says {other.version} ({other.where}) but {primary.path} says "
            f"{primary.version}. Make them equal before releasing.",
            file=other.path, line=other.line,
        )


def run(inputs: Inputs, console: Console) -> Outcome:
    project_file = resolve_project_file(inputs.path)
    primary, name = find_project_version(project_file)
    declarations = [primary]
    lock = find_lock_entry(project_file, name)
    if lock is not None:
        declarations.append(lock)
    declarations += [find_extra_declaration(path) for path in inputs.extra_files]
    current = primary.parsed()
    for other in declarations[1:]:
        _check_same(primary, current, other)

    try:
        decision = versions.preview_version(
            current, inputs.run_number,
            allow_prerelease_base=inputs.allow_prerelease_base,
        )
    except versions.VersionRejected as error:
        raise ConfigError(
            f"{primary.where} = {primary.version!r} in {primary.path}: {error}",
            file=primary.path, line=primary.line,
        ) from None

    places = ", ".join(f"{d.path} ({d.where})" for d in declarations)
    if decision.publish:
        contents = plan_rewrite(declarations, decision.version)
        if inputs.dry_run:
            console.info(f"dry run: would rewrite {primary.version} → {decision.version} in "
                         f"{places}")
        else:
            write_atomically(contents)
            console.info(f"Rewrote {primary.version} → {decision.version} in {places}")
    else:
        console.notice(f"Skipping the preview: {decision.reason}", title="version-rewrite")

    return Outcome(
        outputs={
            "version": decision.version,
            "previous-version": primary.version,
            "publish": "true" if decision.publish else "false",
            "reason": decision.reason,
        },
        summary=_summary(inputs, primary.version, decision, declarations),
    )


def _summary(
    inputs: Inputs,
    previous: str,
    decision: versions.PreviewDecision,
    declarations: list[Declaration],
) -> str:
    if not decision.publish:
        return f"### ⏭️ Preview skipped\n\n{decision.reason}\n"
    verb = "Would rewrite (dry run)" if inputs.dry_run else "Rewrote"
    rows = "\n".join(
        f"| `{d.path}` | {d.where} | {d.line or ''} |" for d in declarations
    )
    return (
        f"### 🔖 Preview version `{decision.version}`\n\n"
        f"{verb} `{previous}` → `{decision.version}` (run number {inputs.run_number}).\n\n"
        f"| file | declaration | line |\n|---|---|---|\n{rows}\n"
    )
