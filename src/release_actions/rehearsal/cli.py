"""`release-actions rehearse`: the release pipeline of the repository in the working directory,
run end to end on a throw-away copy with local stand-ins, told stage by stage.

Exit codes: 0 every stage green, 1 a stage failed (its log excerpt and the fix are shown),
2 bad input or an action that cannot be stood in (nothing ran)."""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from release_actions.errors import ConfigError
from release_actions.gha import Console
from release_actions.rehearsal.bookends import (
    Doctor,
    Installed,
    InstallRefused,
    describe,
    distribution,
    doctor,
    install,
)
from release_actions.rehearsal.narration import Narrator, notices
from release_actions.rehearsal.run import (
    ENVIRONMENTS,
    PROVIDER_NAMES,
    Options,
    Rehearsal,
    WorkflowRun,
    published,
    rehearsal,
    repository_name,
)
from release_actions.rehearsal.tp_index import TrustedPublisher

if TYPE_CHECKING:
    from release_actions.workflows import Workflow

SCENARIOS = ("preview", "public", "all")
EXTRA = "pip install 'release-actions[rehearse]'"
NO_TOOLS = (
    "`{tool}` is not installed next to this Python: a rehearsal needs act. Install it with "
    "`{extra}` (or `uv tool install 'release-actions[rehearse]'`)."
)
UNCOMMITTED_WORKFLOWS = (
    "Workflow files are changed but not committed ({files}): a rehearsal runs committed work "
    "only (the copy is your HEAD). Commit them (`git add .github/workflows && git commit`), "
    "or stash the changes, and run it again."
)
NOT_A_REPOSITORY = (
    "{path} is not a git repository with a commit: run `release-actions rehearse` in your "
    "project's checkout (the rehearsal copies its history, never changes it)."
)
BAD_PROVIDER = "--providers-down names {name!r}; the providers are: {known}."
BAD_TAG_AT = (
    "--tag-at {ref!r} is no commit, branch or tag of this repository. Pass a branch name, a "
    "tag or a commit sha (default: main)."
)
EXCERPT_LINES = 25
PUBLISHERS_FROM = {True: "as --trusted-publisher said",
                   False: "one per publishing job: its workflow file and environment"}
# act's lines that show a step's script, which may echo an `::error::` it never printed.
SCRIPT_SHOWN = ("⭐ Run ", "✅  Success - ", "❌  Failure - ")
# act starts each line it logs with `[workflow/job]`; a line without it continues a shown script.
_LOGGED = re.compile(r"\[[^\]\s/][^\]/]*/([^\]]+)\] ")
_STEP_FAILED = re.compile(r"❌  Failure - \w+ (.*?)(?: \[[^\]]*\])?$")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class Refused(Exception):
    """A stage failed: the run that failed, and what to do."""

    def __init__(self, stage: str, run: WorkflowRun | None, fix: str) -> None:
        super().__init__(stage)
        self.stage, self.run, self.fix = stage, run, fix

    def __str__(self) -> str:
        """The stage, the fix and the failed run's last lines up to its failure: what a test
        that meets a red stage shows (the command prints these itself)."""
        tail = excerpt(self.run) if self.run else ""
        return f"{self.stage}: {self.fix}" + (f"\n{tail}" if tail else "")


def say(text: str = "") -> None:
    print(text, flush=True)


@dataclass
class Story:
    rehearsal: Rehearsal
    channels: dict[str, str] = field(default_factory=dict)  # version → channel
    stages: list[tuple[str, WorkflowRun]] = field(default_factory=list)
    doctor: Doctor | None = None
    installed: list[Installed] = field(default_factory=list)
    refused: Refused | None = None
    started: float = field(default_factory=time.monotonic)

    def stage(self, title: str, runs: list[WorkflowRun]) -> None:
        for run in runs:
            self.stages.append((title, run))
        failed = next((run for run in runs if not run.ok), None)
        if failed is not None:
            raise Refused(title, failed, _fix(failed, self.rehearsal.pipeline.workflows))


# --- the stages ----------------------------------------------------------------------------


def release_version(checkout: Path, tag: str | None) -> tuple[Any, str]:
    """The declaration a release pull request moves to the final version (None when the version
    comes from git tags: the tag alone releases), and that final version: `tag`'s, else the
    one main would release."""
    import io

    from release_actions import versions
    from release_actions.version_source import read_version_source

    source = read_version_source(checkout / "pyproject.toml")
    if source.from_tags:  # a first release (no tag yet) needs `--tag`
        return None, tag.lstrip("v") if tag else source.current(
            Console(actions=False, stream=io.StringIO())).base.base_version
    declaration = source.declared
    assert declaration is not None  # one of the two is always set
    return declaration, tag.lstrip("v") if tag else versions.parse(
        declaration.version).base_version


def setup(story: Story) -> None:
    """doctor first: its findings are advice for the real repository, the rehearsal goes on."""
    say("\n== One-time setup: release-actions doctor on the workflow files and the "
        "environments on GitHub (the stand-in's)")
    checked = story.doctor = doctor(story.rehearsal)
    for channel, file, environment in checked.forms:
        say(f"     → PyPI publisher ({channel}): workflow {file}, environment {environment}")
    for finding in checked.findings:
        say(f"     ✘ {finding}")
    if checked.code == 0:
        say("   ✔ no item failed: the setup is ready for the first release")
    elif checked.findings:
        say(f"   ⚠ {len(checked.findings)} item(s) to fix before the first real release, each "
            "with its fix above; the rehearsal goes on")
    else:
        say(f"   ⚠ doctor could not check the setup (exit {checked.code}):")
        say("\n".join(checked.log.strip().splitlines()[-EXCERPT_LINES:]))


def play(run: Rehearsal, scenario: str = "all", tag: str | None = None,
         tag_at: str = "main") -> Story:
    """The whole story: doctor, the scenario's stages, the install of what was published. A
    red stage ends it (`story.refused`); bad input raises ConfigError."""
    story = Story(run)
    try:
        setup(story)
        if scenario in ("preview", "all"):
            preview(story, "Preview")
        if scenario in ("public", "all"):
            public(story, tag, tag_at)
        install_stage(story)
    except Refused as refused:
        story.refused = refused
    return story


def install_stage(story: Story) -> None:
    files = _files(story)
    if not files:
        return
    name = distribution(files)
    say("\n== Install from the index: pip, as a user would, into fresh environments")
    try:
        for pre in (True, False):
            story.installed.append(install(story.rehearsal, name, pre=pre))
            say(f"     → {describe(story.installed[-1])}")
    except InstallRefused as refused:
        raise Refused("install from the index", None, refused.fix) from None
    newest, public = story.installed
    say(f"   ✔ `pip install --pre` gets {newest.version}; `pip install` gets "
        f"{public.version or 'nothing until the first public release'}")


def preview(story: Story, title: str) -> None:
    say(f"\n== {title}: a push to main, and the workflows it starts")
    before = set(_files(story))
    runs = story.rehearsal.push_main()
    story.stage(title, runs)
    _skips(runs)
    for name in sorted(set(_files(story)) - before):
        say(f"   ✔ published {name}")
        story.channels.setdefault(_version_of(name), "preview")


def _skips(runs: list[WorkflowRun]) -> None:
    """version-rewrite's skip is a notice, not a decision line: say it, or a green preview
    that published nothing looks like one that lost its files."""
    for notice in (n for r in runs for n in notices(r.log) if n.startswith("Skipping")):
        say(f"   ✔ {notice}")


def public(story: Story, tag: str | None, tag_at: str = "main") -> None:
    from release_actions.atomic import write_atomically
    from release_actions.pyproject import plan_rewrite

    run = story.rehearsal
    declaration, final = release_version(run.consumer, tag)
    tag = tag or f"v{final}"
    if declaration is not None and declaration.version != final:
        say(f"\n== Release pull request: main {declaration.version} → {final}")
        write_atomically(plan_rewrite([declaration], final))
        if (run.consumer / "uv.lock").is_file():
            _relock(run)
        run.commit_all(f"Release {final}")
        say("   merged to main: the workflows a push starts run again")
        runs = run.push_main()
        story.stage("release pull request merged", runs)
        _skips(runs)
    released = run.pipeline.started_by_release()
    what = "the tag pushed and its GitHub Release published" if released else "the tag pushed"
    say(f"\n== Public release {tag}: {what}, and the workflows they start")
    if not released and not run.pipeline.started_by_push(tag=True):
        say(f"   ! no workflow starts on the push of a tag or on a published GitHub Release: "
            f"{tag} was not rehearsed (a `workflow_dispatch` release is not)")
    before = set(_files(story))
    story.stage(f"public release {tag}", run.push_tag(tag, _commit(run, tag_at)))
    for name in sorted(set(_files(story)) - before):
        say(f"   ✔ published {name}")
        story.channels[_version_of(name)] = "public"
    pull = run.github.pulls[-1] if run.github.pulls else None
    if pull is not None:
        say(f"   ✔ pull request #{pull['number']} ({pull['head']}): {pull['title']}")
        run.merge_pull_request(pull["number"])
        preview(story, "Next preview, after the bump pull request is merged")


def _relock(run: Rehearsal) -> None:
    """The maintainer's `uv lock` after the version change, with the Pythons the workflows get
    (a project that requires a Python this one is not would otherwise ask to download it).
    From uv's cache first; from the index when the cache lacks a dependency's index page (the
    jobs' `uv sync --locked` fetches files, never pages: a fresh cache has none)."""
    from release_actions.rehearsal.act import clean_env

    env = clean_env(**(run.pythons.env() if run.pythons else {}))
    for network in (["--offline"], []):
        done = subprocess.run([sys.executable, "-m", "uv", "lock", *network, "--quiet"],
                              cwd=run.consumer, check=False, capture_output=True, text=True,
                              env=env)
        if done.returncode == 0:
            return
    say(f"   ! uv lock failed, uv.lock is committed unchanged: "
        f"{(done.stderr.strip().splitlines() or [''])[-1]}")


def _commit(run: Rehearsal, ref: str) -> str:
    """`ref` as the copy knows it: main, a branch or tag of the user's repository, a sha."""
    from release_actions.rehearsal.act import git

    for candidate in (ref, f"origin/{ref}"):
        with contextlib.suppress(subprocess.CalledProcessError):
            return git(run.consumer, "rev-parse", "--verify", f"{candidate}^{{commit}}")
    raise ConfigError(BAD_TAG_AT.format(ref=ref))


def _files(story: Story) -> list[str]:
    return sorted(story.rehearsal.index.files)


def _version_of(name: str) -> str:
    from release_actions.rehearsal.tp_index import release_of

    return release_of(name)[1]


# --- the report ----------------------------------------------------------------------------


def _fix(run: WorkflowRun, workflows: Sequence[Workflow] = ()) -> str:
    from release_actions.rehearsal.git_http import checkout_fix, refusal_fix

    if run.problem:
        return run.problem
    failed = {job for job, result in run.jobs.items() if result == "failure"}
    if refused := refusal_fix(run.workflow, run.log, failed):
        return refused
    lines = _until_failure(run.log)
    shown = "\n".join(line for line in lines if not any(label in line for label in SCRIPT_SHOWN))
    errors = re.findall(r"::error[^:]*::(.*)", shown)
    if errors:
        from release_actions.gha import unescape_data

        return unescape_data(str(errors[-1]))
    step = next(((found[1], _LOGGED.match(line)) for line in lines
                 if (found := _STEP_FAILED.search(line))), None)
    if step is None or step[1] is None:
        return (f"a `run:` step of {run.workflow} failed: its log is above; run the same command "
                "in your checkout to see why.")
    command, job = step[0], step[1][1].strip()
    workflow = next((w for w in workflows if w.name == run.workflow), None)
    if fixed := checkout_fix(workflow, job, command):
        return fixed
    return (f"the step `{command}` of job `{job}` in {run.workflow} failed: its log is above; "
            "run the same command in your checkout to see why.")


def _until_failure(log: str) -> list[str]:
    """The lines act logged, without colours, up to the first failed step and the rest of that
    step's output: what an `if: always()` step does later is not why the run failed. act (host
    mode) logs a failed command's end without waiting for the last lines it printed, which
    then follow the failure line, before the job's next step starts."""
    lines: list[str] = []
    failed = None
    for line in log.splitlines():
        line = _ANSI.sub("", line)
        logged = _LOGGED.match(line)
        if not logged:
            continue
        if failed is None:
            lines.append(line)
            failed = logged.group(0) if "❌  Failure - " in line else None
        elif line.startswith(failed):
            if line[len(failed):].lstrip().startswith(("⭐ Run ", "🏁")):
                break
            lines.append(line)
    return lines


def excerpt(run: WorkflowRun) -> str:
    lines = [line for line in _until_failure(run.log) if "| " in line or "::error" in line
             or "Failure" in line]
    return "\n".join(lines[-EXCERPT_LINES:])


def report_document(story: Story) -> dict[str, Any]:
    run = story.rehearsal
    stages = [{"workflow": r.workflow, "job": job, "event": r.event, "conclusion": result}
              for _title, r in story.stages for job, result in r.jobs.items()]
    release = run.github.releases[-1] if run.github.releases else None
    pull = run.github.pulls[-1] if run.github.pulls else None
    return {
        "stages": stages,
        "published": published(run, story.channels),
        "release": {"tag": release["tag_name"], "body": release["body"]} if release else None,
        "pull_request": {"branch": pull["head"], "title": pull["title"]} if pull else None,
        "canaries_leaked": len(run.leaked()),
        "trusted_publishers": [_publisher(p) for p in run.index.trusted],
        "empty_secrets": list(run.empty_secrets),
    }


def _registered(run: Rehearsal, fix: str) -> str:
    """After PyPI's invalid-publisher: what the rehearsal's index had registered."""
    if "invalid-publisher" not in fix:
        return ""
    return ("\nThe rehearsal's index had the trusted publishers "
            f"{', '.join(_publisher(p) for p in run.index.trusted)} "
            f"({PUBLISHERS_FROM[bool(run.options.trusted_publishers)]}).")


def _publisher(publisher: TrustedPublisher) -> str:
    """As `--trusted-publisher` takes it."""
    return ":".join(filter(None, (publisher.repository, publisher.workflow,
                                  publisher.environment)))


def tell(document: dict[str, Any], story: Story | None = None) -> None:
    say("\n# What happened\n")
    say("| workflow | job | event | conclusion |\n|---|---|---|---|")
    for stage in document["stages"]:
        say(f"| {stage['workflow']} | {stage['job']} | {stage['event']} | "
            f"{stage['conclusion']} |")
    if story is not None and story.doctor is not None:
        found = len(story.doctor.findings)
        say("\nSetup (doctor): " + ("no item failed" if story.doctor.code == 0
                                    else f"{found} item(s) to fix"))
    if document["published"]:
        say("\nPublished through Trusted Publishing (the index's token exchange), trusted "
            f"publishers {', '.join(document['trusted_publishers'])} (sha256, provenance):")
        for item in document["published"]:
            say(f"  {item['sha256']}  {item['file']}  ({item['channel']} {item['version']}, "
                f"provenance {item['provenance']})")
    if story is not None and story.installed:
        say("\nInstalled back from the index:")
        for installed in story.installed:
            say(f"  {describe(installed)}")
    if document["release"]:
        say(f"\nGitHub Release {document['release']['tag']}:")
        for line in str(document["release"]["body"]).splitlines():
            say(f"    {line}")
    if document["pull_request"]:
        say(f"\nBump pull request: {document['pull_request']['title']} "
            f"(branch {document['pull_request']['branch']})")
    for name in document["empty_secrets"]:
        say(f"\nSecret {name} given empty: it only feeds publish's `password`, which a "
            "repository publishing with Trusted Publishing leaves unset.")
    leaked = document["canaries_leaked"]
    say(f"\nSecrets: canaries only; {leaked} reached a log, output or file" if leaked else
        "\nSecrets: canaries only; none reached a log, an output or a file.")
    if story is not None:
        say(f"\n{len(story.rehearsal.runs)} workflow runs in "
            f"{time.monotonic() - story.started:.0f} s")


# --- the command ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="release-actions rehearse",
        description="Run this repository's release workflows end to end under act, on a "
                    "throw-away copy, with local stand-ins for GitHub, the package index and "
                    "the LLM providers. Nothing is pushed, published or fetched.",
        epilog="Exit codes: 0 every stage green, 1 a stage failed, 2 bad input or an action "
               "that cannot be stood in.")
    parser.add_argument("--scenario", choices=SCENARIOS, default="all",
                        help="preview: a push to main and its chain; public: the release of "
                             "a tag and the bump pull request; all: both (default)")
    parser.add_argument("--tag", help="the tag to release (default: v + the version main "
                                      "would release)")
    parser.add_argument("--tag-at", default="main", metavar="REF",
                        help="the commit the tag is made on (default: main after the release "
                             "commit); another branch shows what tag-guard refuses")
    parser.add_argument("--map", action="append", default=[], metavar="OWNER/NAME=DIR",
                        help="a third-party action to run from a local folder")
    parser.add_argument("--environment", action="append", default=[], metavar="NAME",
                        help="an environment the repository has on GitHub (default: "
                             f"{', '.join(ENVIRONMENTS)})")
    parser.add_argument("--providers-down", default="", metavar="NAME,...",
                        help=f"LLM providers that answer 503 ({', '.join(PROVIDER_NAMES)})")
    parser.add_argument("--trusted-publisher", action="append", default=[],
                        metavar="[OWNER/REPO:]WORKFLOW.yml[:ENV]",
                        help="a trusted publisher as registered on PyPI (repeatable; default: "
                             "one per publishing job, its workflow file and environment)")
    parser.add_argument("--report", type=Path, metavar="FILE", help="also write the report "
                                                                    "as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the throw-away copy")
    return parser


def _error(console: Console, message: str, file: str | None = None,
           line: int | None = None) -> None:
    """An annotation in Actions; on a terminal, plain lines, not a workflow command."""
    console.error(message, title="rehearse", file=file, line=line)


def _shown(file: str | Path | None, cwd: Path) -> str | None:
    """A file as the user's checkout names it."""
    if file is None:
        return None
    path = Path(file)
    return str(path.relative_to(cwd)) if path.is_absolute() and path.is_relative_to(cwd) \
        else str(path)


def _check_tools() -> None:
    from release_actions.rehearsal.act import VENV_BIN

    for tool in ("act",):
        if not (VENV_BIN / tool).exists():
            raise ConfigError(NO_TOOLS.format(tool=tool, extra=EXTRA))


def _source(path: Path) -> Path:
    done = subprocess.run(["git", "-C", str(path), "rev-parse", "--show-toplevel", "HEAD"],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ConfigError(NOT_A_REPOSITORY.format(path=path))
    root = Path(done.stdout.splitlines()[0])
    # The copy holds HEAD: workflow files changed but not committed would be read by the
    # discovery and not run by act (half the rehearsal on files that are not there).
    changed = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                              "--untracked-files=all", "--", ".github/workflows"],
                             capture_output=True, text=True, check=False).stdout.splitlines()
    if changed:
        files = ", ".join(line[3:] for line in changed[:5]) + (", …" if len(changed) > 5 else "")
        raise ConfigError(UNCOMMITTED_WORKFLOWS.format(files=files))
    return root


def _providers_down(value: str) -> tuple[str, ...]:
    names = tuple(filter(None, (name.strip() for name in value.split(","))))
    for name in names:
        if name not in PROVIDER_NAMES:
            raise ConfigError(BAD_PROVIDER.format(name=name, known=", ".join(PROVIDER_NAMES)))
    return names


def main(argv: Sequence[str], cwd: Path | None = None, console: Console | None = None) -> int:
    from release_actions.rehearsal.discovery import discover, parse_maps
    from release_actions.rehearsal.publishing import parse_publisher

    args = build_parser().parse_args(list(argv))
    console = console or Console(actions=False)
    work = Path(tempfile.mkdtemp(prefix="release-actions-rehearsal-"))
    try:
        source = _source(cwd or Path.cwd())
        _check_tools()
        repository = repository_name(source)
        options = Options(repository, tuple(args.environment) or ENVIRONMENTS,
                          _providers_down(args.providers_down),
                          tuple(parse_publisher(value, repository)
                                for value in args.trusted_publisher))
        from release_actions.rehearsal.actions import write_actions

        pipeline = discover(source, write_actions(work / "actions"), parse_maps(args.map))
    except ConfigError as error:
        _error(console, error.message, _shown(error.file, cwd or Path.cwd()), error.line)
        shutil.rmtree(work, ignore_errors=True)
        return 2
    say(f"release-actions rehearse: {options.repository}, workflows "
        f"{', '.join(w.name for w in pipeline.workflows)}, on a throw-away copy whose main is "
        "your HEAD (committed work only; the checkout is only read).")
    try:
        return _rehearse(work, source, pipeline, options, args, console)
    finally:
        if args.keep:
            say(f"\nThe copy is kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _rehearse(work: Path, source: Path, pipeline: Any, options: Options,
              args: argparse.Namespace, console: Console) -> int:
    with rehearsal(work, source, pipeline, options, Narrator(options.providers_down)) as run:
        try:
            story = play(run, args.scenario, args.tag, args.tag_at)
        except ConfigError as error:
            _error(console, error.message)
            return 2
        return conclude(story, args.report)


def conclude(story: Story, report: Path | None = None) -> int:
    """The end of the story: the red stage with its fix, the report (also as JSON to
    `report`); the exit code, 1 for a red stage or a leaked canary."""
    refused = story.refused
    if refused is not None:
        say(f"\n✘ {refused.stage}" + (f": {refused.run.workflow} failed" if refused.run
                                      else ""))
        if refused.run is not None and refused.run.log:
            say(excerpt(refused.run))
        say(f"\nFix: {refused.fix}{_registered(story.rehearsal, refused.fix)}")
    document = report_document(story)
    tell(document, story)
    if report:
        report.write_text(json.dumps(document, indent=2) + "\n")
    return 1 if document["canaries_leaked"] or refused is not None else 0
