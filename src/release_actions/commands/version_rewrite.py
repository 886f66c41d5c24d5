"""`version-rewrite`: the preview version X.Y.Z.devN, written into the checkout only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from release_actions import kinds, versions
from release_actions.command import Command, Outcome, Output, option
from release_actions.context import Context
from release_actions.errors import ConfigError
from release_actions.pyproject import (
    Declaration,
    find_extra_declaration,
    find_lock_entry,
    find_project_version,
    plan_rewrite,
    resolve_project_file,
    write_atomically,
)

RUN_NUMBER_EXPRESSION = "${{ github.event.workflow_run.run_number || github.run_number }}"


@dataclass(frozen=True)
class Inputs:
    path: Path = option(
        kinds.workspace_path, "Project file, or a directory holding pyproject.toml.",
        default="pyproject.toml",
    )
    run_number: int = option(
        kinds.positive_int(),
        "N of .devN: the run number of the tested workflow run (a positive integer).",
        expression=RUN_NUMBER_EXPRESSION,
    )
    allow_prerelease_base: bool = option(
        kinds.boolean, "Also accept X.Y.ZrcK.dev0 and publish X.Y.ZrcK.devN.", default="false"
    )
    extra_files: tuple[Path, ...] = option(
        kinds.workspace_paths,
        "More files that carry the version (CITATION.cff, src/pkg/__init__.py), newline- or "
        "comma-separated; each is rewritten too.",
        default="",
    )
    dry_run: bool = option(kinds.boolean, "Decide and report; write nothing.", default="false")


def _check_same(primary: Declaration, current: Version, other: Declaration) -> None:
    if other.parsed() != current:
        raise ConfigError(
            f"{other.path} says {other.version} ({other.where}) but {primary.path} says "
            f"{primary.version}. Make them equal before releasing.",
            file=other.path, line=other.line,
        )


def run(inputs: Inputs, ctx: Context) -> Outcome:
    console = ctx.console
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


COMMAND = Command(
    name="version-rewrite",
    description=(
        "Rewrite the project version X.Y.Z.devK to the preview version X.Y.Z.devN in the "
        "checkout (nothing is committed); skip when the version is final."
    ),
    icon="tag",
    inputs_type=Inputs,
    outputs=(
        Output("version", "The version after the rewrite (unchanged when skipped)."),
        Output("previous-version", "The version found in the project."),
        Output("publish", "`true` when a preview must be published, `false` when skipped."),
        Output("reason", "One line: why it skipped; empty otherwise."),
    ),
    run=run,
)
