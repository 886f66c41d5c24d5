"""What a rehearsal tells about each workflow run as it ends: the decisions our actions printed
(the gate's probes and choice, the tested commit, the rewrite, the files and their sha256, the
skip of a final version, the tag's check, the inspection, the verification, the release and the
bump pull request), each explained where a newcomer could misread it."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

from release_actions.rehearsal.run import Progress, WorkflowRun

# Why a workflow run started, as the narrator says it.
WHY_EVENT = {"push": "push", "workflow_run": "after the previous workflow"}

DOWN = ("simulated: `--providers-down` made this stand-in answer 503, to show the gate "
        "falling through to the next provider; *** is the key, masked")
SIMULATED = ("simulated by the rehearsal's stand-in, which never reaches the real provider; "
             "*** is the key, masked")
JUDGE_PREFIX = ("`openai/` is LiteLLM's prefix for any OpenAI-compatible API: the judge talks "
                "to the chosen provider's stand-in, not to OpenAI")
ABANDONED = ("still probing when a higher-priority provider had already answered; the gate "
             "does not wait for it")
NOT_PROBED = ("never sent a request: a higher-priority provider answered before its turn "
              "(the gate probes in order, hedged)")
OFFLINE = ("the job's token makes it configured, but this machine has no network to reach "
           "GitHub Models")

_PROBE = r"\| (deepseek|glm|qwen|litellm|openai|github-models): "
_SELECTION = r"\| (Selected |rollout: |judge: )"
_DECISIONS = (r"\| (Tested commit |Rewrote |sha256 [0-9a-f]{64}|Skipping |v\S+ may be released|"
              r"Inspection passed|Verified: |Release notes: |GitHub Release: |"
              r"(Opened|Updated) pull request|Attest|Provenance)")
_NOTICE = re.compile(r"::notice[^:]*::(.*)")


def lines(log: str, pattern: str) -> list[str]:
    """The step output lines (act prefixes them with `| `) that match `pattern`, each once (act
    prints a composite action's summary twice)."""
    found = [line.split("| ", 1)[-1] for line in log.splitlines()
             if "| " in line and re.search(pattern, line)]
    return list(dict.fromkeys(found))


def notices(log: str) -> list[str]:
    return list(dict.fromkeys(found.strip() for found in _NOTICE.findall(log)))


def explain_probe(line: str, down: Iterable[str] = ()) -> str:
    name, _, rest = line.partition(":")
    if "Stand-in provider simulating" in rest:
        return f"{line}  ({DOWN if name in set(down) else SIMULATED})"
    if line.endswith(": abandoned"):
        return f"{line}  ({ABANDONED})"
    if line.endswith(": not probed"):
        return f"{line}  ({NOT_PROBED})"
    if name == "github-models" and "connection error" in rest:
        return f"{line}  ({OFFLINE})"
    return line


def explain_selection(line: str) -> str:
    return f"{line}  ({JUDGE_PREFIX})" if "judge model openai/" in line else line


def decisions(log: str, down: Iterable[str] = ()) -> list[str]:
    """The lines worth a newcomer's eye in one run's log, in the order they happened."""
    down = tuple(down)
    probes = [f"gate {explain_probe(line, down)}" for line in lines(log, _PROBE)]
    chosen = [explain_selection(line) for line in lines(log, _SELECTION)]
    return [*probes, *chosen, *lines(log, _DECISIONS)]


class Narrator(Progress):
    """Each workflow run as it starts and how it ended, flushed (a pipe shows progress), then
    the decisions it printed."""

    def __init__(self, providers_down: Iterable[str] = ()) -> None:
        self.started_at = 0.0
        self.down = tuple(providers_down)

    def started(self, workflow: str, event: str) -> None:
        self.started_at = time.monotonic()
        print(f"   ▸ {workflow} ({WHY_EVENT.get(event, event)}) … ", end="", flush=True)

    def finished(self, run: WorkflowRun) -> None:
        jobs = ", ".join(f"{job} {result}" for job, result in run.jobs.items())
        verdict = "ok" if run.ok else "FAILED"
        print(f"{verdict} in {time.monotonic() - self.started_at:.0f} s ({jobs})", flush=True)
        for decision in decisions(run.log, self.down):
            print(f"     → {decision}", flush=True)
