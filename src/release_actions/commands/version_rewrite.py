"""`version-rewrite`: the preview version X.Y.Z.devN, written into the checkout only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from release_actions import kinds, versions
from release_actions.atomic import put_back, write_atomically
from release_actions.command import Command, Outcome, Output, option
from release_actions.context import Context
from release_actions.errors import ConfigError
from release_actions.pyproject import Declaration, resolve_project_file
from release_actions.version_source import Current, Rewrite, VersionSource, read_version_source

RUN_NUMBER_EXPRESSION = "${{ github.event.workflow_run.run_number || github.run_number }}"


@dataclass(frozen=True)
class Inputs:
    path: Path = option(
        kinds.workspace_path, "Project file, or a directory holding pyproject.toml.",
        default="pyproject.toml",
    )
    run_number: int = option(
        kinds.positive_int(versions.MAX_DEV_NUMBER, "the largest .devN uv can build"),
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
    tag_prefix: str = option(
        kinds.tag_prefix,
        "VCS-versioned projects (setuptools-scm, hatch-vcs, ...): what precedes X.Y.Z in the "
        "release tags, exactly (mypkg-v in a monorepo). Empty: the tags the build plugin "
        "accepts (setuptools-scm, hatch-vcs, pdm: X.Y.Z, vX.Y.Z, name-X.Y.Z; uv- and "
        "poetry-dynamic-versioning: vX.Y.Z), the highest wins. A tag regex the project "
        "declares wins over both.",
        default="",
    )
    dry_run: bool = option(kinds.boolean, "Decide and report; write nothing.", default="false")


@dataclass(frozen=True)
class Plan:
    """What the preview will be, before anything is written."""

    previous: str
    decision: versions.PreviewDecision
    declarations: list[Declaration]  # the files to rewrite
    rewrite: Rewrite  # their new text, and what the build step needs (a plugin's variable)
    origin: str  # where the version came from, for the log and the summary


def _plan(inputs: Inputs, ctx: Context, source: VersionSource) -> Plan:
    for declaration in source.declarations:
        kinds.require_in_workspace(declaration.path, ctx, str(source.project_file))
    source.require_agreement()
    current = source.current(ctx.console, inputs.tag_prefix or None)
    decision = _decide(inputs, current)
    rewrite = source.rewrite(decision.version) if decision.publish else Rewrite({}, {})
    return Plan(current.text, decision, list(source.declarations), rewrite, current.origin)


def _decide(inputs: Inputs, current: Current) -> versions.PreviewDecision:
    if current.released_here:
        return versions.PreviewDecision(publish=False, version=current.text,
                                        reason=current.released_here)
    try:
        return versions.preview_version(
            current.base, inputs.run_number, allow_prerelease_base=inputs.allow_prerelease_base,
        )
    except versions.VersionRejected as error:
        raise ConfigError(f"{current.origin} holds {kinds.quote(current.text)}: {error}",
                          file=current.file, line=current.line) from None


def run(inputs: Inputs, ctx: Context) -> Outcome:
    console = ctx.console
    source = read_version_source(resolve_project_file(inputs.path), inputs.extra_files)
    plan = _plan(inputs, ctx, source)
    decision = plan.decision
    originals: dict[Path, str] = {}
    if decision.publish:
        if not inputs.dry_run:
            originals = write_atomically(plan.rewrite.contents)
        console.info(_done(inputs, plan, _export_verb(inputs, ctx)))
        for caveat in dict.fromkeys(d.caveat for d in plan.declarations if d.caveat):
            console.warning(caveat, title="version-rewrite")
    else:
        console.notice(f"Skipping the preview: {decision.reason}", title="version-rewrite")
    return Outcome(
        outputs={
            "version": decision.version,
            "previous-version": plan.previous,
            "publish": "true" if decision.publish else "false",
            "reason": decision.reason,
        },
        summary=_summary(inputs, plan, _export_verb(inputs, ctx)),
        env={} if inputs.dry_run else plan.rewrite.env,
        undo=(lambda: put_back(originals)) if originals else None,
    )


def _export_verb(inputs: Inputs, ctx: Context) -> str:
    """How the build step gets the override variable: claim an export only when one happens."""
    if inputs.dry_run:
        return "would export"
    return "exported" if ctx.get("GITHUB_ENV") else ""


def _done(inputs: Inputs, plan: Plan, export: str) -> str:
    rewrite = "dry run: would rewrite" if inputs.dry_run else "Rewrote"
    places = ", ".join(f"{d.path} ({d.where})" for d in plan.declarations)
    said = [f"{rewrite} {plan.previous} → {plan.decision.version} in {places}"] if places else []
    variables = ", ".join(f"{name}={value}" for name, value in plan.rewrite.env.items())
    if variables:
        said.append(f"{export} {variables} for the build" if export else
                    f"the build needs {variables}: GITHUB_ENV is not set, so export them "
                    "yourself (the lines below)")
    return "; ".join(said)


def _summary(inputs: Inputs, plan: Plan, export: str) -> str:
    decision = plan.decision
    if not decision.publish:
        return f"### ⏭️ Preview skipped\n\n{decision.reason}\n"
    verb = "Would rewrite (dry run)" if inputs.dry_run else "Rewrote"
    rows = "\n".join(
        f"| `{d.path}` | {d.where} | {d.line or ''} |" for d in plan.declarations
    )
    table = f"| file | declaration | line |\n|---|---|---|\n{rows}\n" if rows else ""
    exported = "".join(
        f"- {export} `{name}={value}` to the build step (GITHUB_ENV)\n" if export else
        f"- not exported (GITHUB_ENV is not set): `export {name}={value}` before the build\n"
        for name, value in plan.rewrite.env.items()
    )
    return (
        f"### 🔖 Preview version `{decision.version}`\n\n"
        f"{verb if rows else 'From'} `{plan.previous}` → `{decision.version}` (run number "
        f"{inputs.run_number}); version from {plan.origin}.\n\n{table}"
        + (f"\n{exported}" if exported else "")
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
        Output("previous-version", "The version found in the project (VCS-versioned: the "
               "last release tag's version)."),
        Output("publish", "`true` when a preview must be published, `false` when skipped."),
        Output("reason", "One line: why it skipped; empty otherwise."),
    ),
    run=run,
)
