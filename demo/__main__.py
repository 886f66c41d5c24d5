"""`make demo`: release the sample package end to end on this machine, with no Docker engine
and no network, and tell the story stage by stage as it runs.

1. Setup: `release-actions doctor` checks the consumer's one-time setup (workflow files,
   environments) and prints the values PyPI's trusted-publisher form needs.
2. Preview: main at 0.1.0.dev0; test → integration-eval → internal-preview-release publishes
   0.1.0.dev<N>, N = the tested run's number.
3. Skip: the release pull request sets 0.1.0 on main; the preview pipeline skips it.
4. Public release: tag v0.1.0; public-release guards the tag, publishes 0.1.0, makes the
   GitHub Release, then bump-dev opens a pull request that moves main to 0.1.1.dev0.
5. Next preview: that pull request merged, main holds 0.1.1.dev0; the next preview,
   0.1.1.dev<N>.
6. Install: `pip install --pre` takes the newest preview back from the index; plain
   `pip install` takes the public release.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from demo.pipeline import DOCTOR, Pipelines, Progress, Step, pipelines

# What the stand-ins do on purpose, so a reader does not take it for a fault.
SIMULATED = {
    "deepseek": "simulated: the demo's deepseek stand-in refuses every key as a wrong one (*** is "
                "the key, masked), to show the gate falling through to the next provider",
}
JUDGE_PREFIX = ("`openai/` is LiteLLM's prefix for any OpenAI-compatible API: the judge talks "
                "to the chosen provider's stand-in, not to OpenAI")
ABANDONED = ("still probing when a higher-priority provider had already answered; the gate "
             "does not wait for it")
NOT_PROBED = ("never sent a request: a higher-priority provider answered before its turn "
              "(the gate probes in order, hedged)")
OFFLINE = ("the job's token makes it configured, but this machine has no network to reach "
           "GitHub Models")
WHY_EVENT = {"push": "push", "workflow_run": "after the previous workflow",
             "laptop": "in the checkout, as on a laptop"}


def say(text: str = "") -> None:
    print(text, flush=True)


class Narrator(Progress):
    """Prints each workflow run as it starts and how it ended, flushed, so a pipe shows progress."""

    def __init__(self) -> None:
        self.started_at = 0.0

    def started(self, name: str, workflow: str, event: str) -> None:
        self.started_at = time.monotonic()
        print(f"   ▸ {workflow} ({WHY_EVENT.get(event, event)}) … ", end="", flush=True)

    def finished(self, step: Step) -> None:
        result = "ok" if step.ok else f"failed (exit {step.code})"
        say(f"{result} in {time.monotonic() - self.started_at:.0f} s")
        for decision in DECISIONS.get(step.workflow, lambda step: [])(step):
            say(f"     → {decision}")


def _fail(step: Step) -> None:
    say(step.log[-6000:])
    raise SystemExit(f"demo: {step.name} ({step.workflow}) failed with exit code {step.code}")


def _expect(steps: list[Step], count: int) -> None:
    for step in steps:
        if not step.ok:
            _fail(step)
    if len(steps) != count:
        raise SystemExit("demo: a pipeline stopped early")


def lines(step: Step, pattern: str) -> list[str]:
    """The step output lines (act prefixes them with `| `) that match `pattern`."""
    found = [line.split("| ", 1)[-1] for line in step.log.splitlines()
             if "| " in line and re.search(pattern, line)]
    return list(dict.fromkeys(found))  # act prints a composite action's summary twice


def notice(step: Step) -> str:
    found = re.search(r"::notice[^:]*::(.*)", step.log)
    return found.group(1) if found else ""


def explain_probe(line: str) -> str:
    name = line.split(":", 1)[0]
    if name in SIMULATED and "ok" not in line.split(":", 1)[1][:4]:
        return f"{line}  ({SIMULATED[name]})"
    if line.endswith(": abandoned"):
        return f"{line}  ({ABANDONED})"
    if line.endswith(": not probed"):
        return f"{line}  ({NOT_PROBED})"
    if name == "github-models" and "connection error" in line:
        return f"{line}  ({OFFLINE})"
    return line


def tell(decision: str) -> None:
    say(f"     → {decision}")


def explain_selection(line: str) -> str:
    return f"{line}  ({JUDGE_PREFIX})" if "judge model openai/" in line else line


def gate_decisions(step: Step) -> list[str]:
    probes = lines(step, r"\| (deepseek|glm|qwen|litellm|openai|github-models): ")
    return [*("gate " + explain_probe(line) for line in probes),
            *map(explain_selection, lines(step, r"\| (Selected|rollout: |judge: )"))]


def preview_decisions(step: Step) -> list[str]:
    return lines(step, r"\| (Tested commit|Rewrote|sha256 [0-9a-f]|Skipping)")


def public_decisions(step: Step) -> list[str]:
    return lines(step, r"\| (v0\.1\.0 may be released|Inspection passed|sha256 [0-9a-f]|"
                       r"Verified: |Release notes: |GitHub Release: |"
                       r"(Opened|Updated) pull request)")


def doctor_decisions(step: Step) -> list[str]:
    """PyPI's form values, one line per channel."""
    found = re.findall(r"PyPI trusted publisher, (\w+) channel.*\n(?:.*\n){2}"
                       r"\s*Workflow name:\s*(\S+)\n\s*Environment name:\s*(\S+)", step.log)
    return [f"PyPI publisher ({channel}): workflow {workflow}, environment {environment}"
            for channel, workflow, environment in found]


DECISIONS: dict[str, Callable[[Step], list[str]]] = {
    DOCTOR: doctor_decisions,
    "integration-eval.yml": gate_decisions,
    "internal-preview-release.yml": preview_decisions,
    "public-release.yml": public_decisions,
}


# --- the stages -----------------------------------------------------------------------------


def stage_doctor(run: Pipelines) -> str:
    step = run.doctor()
    _expect([step], 1)
    return "no item failed: the setup is ready for the first release"


def preview(run: Pipelines, test_run: int) -> list[Step]:
    steps = run.preview_pipeline(test_run=test_run)
    _expect(steps, 3)
    return steps


def stage_preview(run: Pipelines) -> str:
    steps = preview(run, test_run=41)
    return f"published {_versions(steps[2])} built from the tested commit, numbered with run #41"


def stage_skip(run: Pipelines) -> str:
    run.set_version("0.1.0")
    steps = preview(run, test_run=42)
    return notice(steps[2]) or "skipped"


def stage_public(run: Pipelines) -> str:
    public = run.public_release("v0.1.0")
    _expect([public], 1)
    release = run.github.release("v0.1.0")
    assets = ", ".join(asset["name"] for asset in release["_assets"]) if release else "none"
    if release:
        tell("release notes (CHANGELOG.md's 0.1.0 section, then GitHub's generated notes):")
        for line in str(release["body"]).splitlines():
            say(f"         {line}")
    bump = run.github.pulls[-1] if run.github.pulls else None
    if bump is None:
        _fail(public)
    return (f"0.1.0 on the index; GitHub Release v0.1.0 published with {assets}; bump-dev "
            f"opened pull request #{bump['number']}: {bump['title']}")


def stage_next_preview(run: Pipelines) -> str:
    run.merge_pull_request(run.github.pulls[-1]["number"])
    steps = preview(run, test_run=43)
    return f"published {_versions(steps[2])}"


def stage_install(run: Pipelines) -> str:
    pre, plain = run.install(pre=True), run.install(pre=False)
    tell(f"pip install --pre {pre.split()[0]}  → {pre}")
    tell(f"pip install {plain.split()[0]}        → {plain}")
    return "previews reach `pip install --pre` only; `pip install` gets the public release"


def _versions(step: Step) -> str:
    found = re.findall(r"Rewrote \S+ → (\S+)", step.log)
    return found[0] if found else "the preview"


@dataclass(frozen=True)
class Stage:
    title: str
    does: str  # which workflows run, and why
    act: Callable[[Pipelines], str]


STAGES = (
    Stage("One-time setup checked", "doctor reads the workflow files and the environments on "
          "GitHub (the stand-in)", stage_doctor),
    Stage("Preview of run #41", "main holds 0.1.0.dev0; a push runs test, then "
          "integration-eval, then internal-preview-release", stage_preview),
    Stage("Skip while main holds a final version", "the release pull request set 0.1.0 on "
          "main; the same three workflows run for run #42", stage_skip),
    Stage("Public release v0.1.0", "the tag v0.1.0 is pushed; public-release runs: publish, "
          "then bump-dev", stage_public),
    Stage("Next preview", "bump-dev's pull request is merged, main holds 0.1.1.dev0; the "
          "three workflows run for run #43", stage_next_preview),
    Stage("Install from the index", "pip, from the local index, as a user would",
          stage_install),
)


def report(run: Pipelines, started: float) -> None:
    say("\n# What happened\n")
    say("| stage | workflow run | result |\n|---|---|---|")
    for step in run.steps:
        say(f"| {step.stage} | {step.workflow} | {'ok' if step.ok else f'exit {step.code}'} |")
    say("\nOn the index (sha256):")
    for path in sorted(run.index.packages.iterdir()):
        say(f"  {hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}")
    runs = [step for step in run.steps if step.workflow != DOCTOR]
    say(f"\n{len(runs)} workflow runs in {time.monotonic() - started:.0f} s")


def run_story(run: Pipelines) -> None:
    started = time.monotonic()
    run.progress = Narrator()
    for number, stage in enumerate(STAGES, 1):
        say(f"\n== Stage {number}/{len(STAGES)}: {stage.title}")
        say(f"   {stage.does}")
        run.stage = f"{number}. {stage.title}"
        outcome = stage.act(run)
        say(f"   ✔ {outcome}")
    report(run, started)


def main() -> int:
    say("release-actions demo: the sample package's preview and public release pipelines, run "
        "under act on this machine\nagainst a local package index and local stand-ins for the "
        "LLM providers and GitHub's API.")
    work = Path(tempfile.mkdtemp(prefix="release-actions-demo-"))
    try:
        with pipelines(work) as demo:
            run_story(demo)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
