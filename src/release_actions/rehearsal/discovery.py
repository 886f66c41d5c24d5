"""What a rehearsal runs: the release pipeline in `.github/workflows/` (the workflows that use
these actions and the workflows they chain from through `workflow_run`), the events that start
them, and where every `uses:` of theirs comes from. Nothing is fetched: an action that is
neither ours, nor stood in, nor local, nor mapped with `--map` is refused before anything runs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from release_actions.errors import ConfigError
from release_actions.rehearsal import standins
from release_actions.workflows import (
    LOADER,
    LOCAL_USES,
    Workflow,
    called_workflow,
    read_workflow,
    workflow_paths,
)

OURS = "benchflow-ai/release-actions"
FOLDER = ".github/workflows"

NO_WORKFLOWS = (
    "{folder} has no workflow that uses {ours} actions, so there is no release pipeline to "
    "rehearse. Add the workflows of the README's release model (test, integration-eval, "
    "internal-preview-release, public-release) and run `release-actions rehearse` again."
)
UNMAPPED = (
    "The release pipeline uses actions a rehearsal cannot stand in, and nothing is fetched "
    "from the network:\n{listed}\nMap each to a local folder that holds its action.yml (a "
    "checkout of it, or a stand-in that does what your workflow needs), e.g. `--map "
    "{example}=path/to/folder`."
)
DOCKER_ACTION = (
    "{file}:{line} uses {uses}: a Docker action, which act's host mode cannot run. The "
    "composite actions do the same without Docker: `uses: {ours}/<command>@<ref>`."
)
BAD_MAP = (
    "--map {value!r} is not `owner/name=DIR` with DIR a folder holding an action.yml. Pass "
    "e.g. `--map octo/lint-action=../lint-action`."
)


@dataclass(frozen=True)
class Uses:
    """One `uses:` as written, and where it was written."""

    action: str  # owner/name, lower case
    ref: str
    text: str
    file: str
    line: int

    @property
    def pinned(self) -> str:
        """`owner/name@ref`, what act's --local-repository maps."""
        return f"{self.text.split('@', 1)[0].split('/', 2)[0]}/" \
               f"{self.text.split('@', 1)[0].split('/', 2)[1]}@{self.ref}"


@dataclass(frozen=True)
class Pipeline:
    workflows: tuple[Workflow, ...]
    titles: Mapping[str, str]  # file name → the workflow's `name:` (what workflow_run lists)
    events: Mapping[str, Mapping[str, Any]]  # file name → its `on:` as a mapping
    local_repositories: Mapping[str, Path]  # owner/name@ref → folder, for act
    uses: tuple[Uses, ...] = field(default=())

    def title(self, workflow: Workflow) -> str:
        return self.titles[workflow.name]

    def started_by_push(self, *, tag: bool) -> list[Workflow]:
        """The workflows a push of main (or of a tag) starts."""
        found = []
        for workflow in self.workflows:
            push = self.events[workflow.name].get("push")
            if "push" not in self.events[workflow.name]:
                continue
            push = push if isinstance(push, Mapping) else {}
            branches, tags = push.get("branches"), push.get("tags")
            if tag:
                starts = tags is not None or (branches is None and "tags-ignore" not in push)
            else:
                starts = (branches is None and tags is None) or (
                    branches is not None and _matches(branches, "main"))
            if starts:
                found.append(workflow)
        return found

    def started_by_release(self) -> list[Workflow]:
        """The workflows a GitHub Release published for the tag starts (`on: release`, of the
        types a publication sends: published, released, created; all when none are listed)."""
        found = []
        for workflow in self.workflows:
            if "release" not in self.events[workflow.name]:
                continue
            release = self.events[workflow.name]["release"]
            types = _strings(release.get("types")) if isinstance(release, Mapping) else []
            if not types or {"published", "released", "created"} & set(types):
                found.append(workflow)
        return found

    def chained_after(self, workflow: Workflow) -> list[Workflow]:
        """The workflows a completed run of `workflow` starts (`workflow_run`)."""
        title = self.title(workflow)
        found = []
        for other in self.workflows:
            run = self.events[other.name].get("workflow_run")
            if isinstance(run, Mapping) and title in _strings(run.get("workflows")):
                found.append(other)
        return found


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value] if isinstance(value, list) else []


def _matches(patterns: object, name: str) -> bool:
    import fnmatch

    return any(fnmatch.fnmatchcase(name, pattern) for pattern in _strings(patterns))


def _events(path: Path) -> dict[str, Any]:
    """`on:` as a mapping (a string or a list of events becomes keys with no settings)."""
    top = yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)
    on = top.get("on", top.get(True)) if isinstance(top, dict) else None
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {str(event): None for event in on}
    return dict(on) if isinstance(on, dict) else {}


def _title(path: Path) -> str:
    top = yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)
    name = top.get("name") if isinstance(top, dict) else None
    return str(name) if name else f"{FOLDER}/{path.name}"


def _all_uses(workflow: Workflow) -> list[Uses]:
    found = []
    for job in workflow.jobs:
        values = [step.uses for step in job.steps if step.uses] + ([job.uses] if job.uses else [])
        for value in values:
            name, _, ref = value.text.partition("@")
            if value.text.startswith((*LOCAL_USES, "docker://")):
                action = value.text
            else:
                action = "/".join(name.split("/")[:2]).lower()
            found.append(Uses(action, ref, value.text, workflow.file, value.line))
    return found


def _uses_ours(workflow: Workflow) -> bool:
    return any(uses.action == OURS for uses in _all_uses(workflow))


def _chain_closure(workflows: list[Workflow], titles: dict[str, str],
                   events: dict[str, dict[str, Any]]) -> list[Workflow]:
    """Ours, every workflow one of the chosen ones chains from, and every workflow that calls
    a chosen one (`uses: ./.github/workflows/publish.yml`, or `$/…`), transitively."""
    chosen = {w.name for w in workflows if _uses_ours(w)}
    by_title = {titles[w.name]: w.name for w in workflows}
    grew = True
    while grew:
        grew = False
        for name in list(chosen):
            run = events[name].get("workflow_run")
            for title in _strings(run.get("workflows")) if isinstance(run, dict) else []:
                source = by_title.get(title)
                if source is not None and source not in chosen:
                    chosen.add(source)
                    grew = True
        for workflow in workflows:
            if workflow.name not in chosen and _calls(workflow) & chosen:
                chosen.add(workflow.name)
                grew = True
    return [w for w in workflows if w.name in chosen]


def _calls(workflow: Workflow) -> set[str]:
    """The file names of this repository's workflows that `workflow`'s jobs call."""
    return {name for job in workflow.jobs if (name := called_workflow(job)) is not None}


def parse_maps(values: list[str]) -> dict[str, Path]:
    """`--map owner/name=DIR` values: owner/name (lower case) → the folder."""
    maps = {}
    for value in values:
        action, sep, folder = value.partition("=")
        path = Path(folder).expanduser()
        parts = action.split("/")
        if not sep or len(parts) != 2 or not all(parts) or not (
                (path / "action.yml").is_file() or (path / "action.yaml").is_file()
                or (path.is_dir() and action.lower() in (OURS,))):
            raise ConfigError(BAD_MAP.format(value=value))
        maps[action.lower()] = path.resolve()
    return maps


def discover(repository: Path, actions_folder: Path,
             maps: Mapping[str, Path] | None = None) -> Pipeline:
    """The release pipeline of `repository`; `actions_folder` holds these actions as the
    installed package renders them. Raises ConfigError for an action nobody can stand in."""
    folder = repository / FOLDER
    paths = workflow_paths(folder) if folder.is_dir() else []
    workflows = [read_workflow(path, f"{FOLDER}/{path.name}") for path in paths]
    titles = {w.name: _title(w.path) for w in workflows}
    events = {w.name: _events(w.path) for w in workflows}
    chosen = _chain_closure(workflows, titles, events)
    if not chosen:
        raise ConfigError(NO_WORKFLOWS.format(folder=FOLDER, ours=OURS))
    local, missing = _resolve([u for w in chosen for u in _all_uses(w)], actions_folder,
                              dict(maps or {}))
    local.update(_inner_uses(actions_folder))
    if missing:
        listed = "\n".join(f"  {u.file}:{u.line}: {u.text}" for u in missing)
        raise ConfigError(UNMAPPED.format(listed=listed, example=missing[0].action),
                          file=repository / missing[0].file, line=missing[0].line)
    return Pipeline(tuple(chosen), titles, events, local,
                    tuple(u for w in chosen for u in _all_uses(w)))


def _inner_uses(actions_folder: Path) -> dict[str, Path]:
    """The third-party actions our composite actions use themselves (tested-run's upload),
    mapped to their stand-ins."""
    found = {}
    for path in sorted(actions_folder.glob("*/action.yml")):
        for text in re.findall(r"^\s*uses:\s*(\S+)", path.read_text(), re.M):
            name, _, ref = text.partition("@")
            folder = standins.folder(name.lower())
            if folder is not None and ref:
                found[f"{name}@{ref}"] = folder
    return found


def _resolve(all_uses: list[Uses], actions_folder: Path,
             maps: dict[str, Path]) -> tuple[dict[str, Path], list[Uses]]:
    local: dict[str, Path] = {}
    missing: list[Uses] = []
    for uses in all_uses:
        if uses.action.startswith(LOCAL_USES):
            continue  # act reads local actions and reusable workflows from the checkout
        if uses.action == OURS and uses.text.split("@")[0].count("/") == 1 and OURS not in maps:
            raise ConfigError(DOCKER_ACTION.format(file=uses.file, line=uses.line,
                                                   uses=uses.text, ours=OURS),
                              file=Path(uses.file), line=uses.line)
        target = maps.get(uses.action) or (actions_folder if uses.action == OURS
                                           else standins.folder(uses.action))
        if target is None or uses.action.startswith("docker://") or not uses.ref:
            missing.append(uses)
        else:
            local[uses.pinned] = target
    return local, missing
