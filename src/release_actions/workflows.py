"""GitHub workflow files read with their line numbers: the parts an audit needs (triggers,
permissions, environments, jobs, steps), from PyYAML's node tree so every value knows the line
it was written on."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from release_actions.errors import ConfigError

MAX_BYTES = 1_000_000  # far above any real workflow; the cap bounds what an audit reads
NAME_CHARS = 200  # names (`uses:`, environments, job ids) are quoted in messages: capped, one line
SUFFIXES = (".yml", ".yaml")
# this repository's actions and workflows: `./` and GitHub's `$/` (same repository, same commit)
LOCAL_USES = ("./", "$/")
SCRIPT_BYTES = 256 * 1024  # a script `run:` names is read up to this size, else left unread
SCRIPTS_PER_STEP = 8
PATHS_PER_STEP = 64
# a word of a `run:` that may name a script in the repository: a relative path
_SCRIPT_WORD = re.compile(r"(?:\./)?[\w.-]+(?:/[\w.-]+)*")
_SHELL_SPLIT = re.compile(r"[\s;&|()<>`'\"]+")
# libyaml's loader when PyYAML has it: 13x faster, with the same line marks
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# a YAML comment: `#` at the start of a line or after a blank (PyYAML's nodes drop comments)
_COMMENT = re.compile(r"(?:^|\s)#(.*)$")

UNREADABLE = (
    "{file} cannot be read as a workflow: {why}. Fix the file (GitHub refuses it too) or move "
    "it out of {folder}."
)
NOT_YAML = (
    "{file} is not valid YAML at line {line}: {problem}. GitHub cannot run it either; fix the "
    "syntax there (`check-jsonschema --builtin-schema vendor.github-workflows` shows more)."
)
NOT_A_MAPPING = (
    "{file} is not a workflow: its top level is not a mapping with `on:` and `jobs:`. Fix the "
    "file or move it out of {folder}."
)


@dataclass(frozen=True)
class Value:
    """A scalar as written, and the line it is on (1-based)."""

    text: str
    line: int


@dataclass(frozen=True)
class Permissions:
    line: int
    everything: str  # `read-all`, `write-all`, or "" when scopes are listed
    scopes: Mapping[str, Value]

    @property
    def grants_id_token(self) -> bool:
        token = self.scopes.get("id-token")
        return self.everything == "write-all" or (token is not None and token.text == "write")


@dataclass(frozen=True)
class Step:
    line: int
    uses: Value | None
    run: Value | None
    inputs: Mapping[str, Value]  # `with:`, scalars only
    env: Mapping[str, Value] = field(default_factory=dict)  # scalars only
    scripts: str = ""  # the text of the repository's scripts `run:` names (scripts/publish)

    @property
    def shell(self) -> str:
        """What the step runs as far as can be read: its `run:` text, then the scripts it names
        (httpx's `run: scripts/publish` holds its `twine upload` and `mkdocs gh-deploy`)."""
        run = self.run.text if self.run is not None else ""
        text = f"{run}\n{self.scripts}" if self.scripts else run
        return text.replace("\\\n", " ")  # a command continued on the next line is one line


@dataclass(frozen=True)
class Job:
    id: str
    line: int
    permissions: Permissions | None
    environment: Value | None
    uses: Value | None  # a call of a reusable workflow
    steps: tuple[Step, ...]
    env: Mapping[str, Value] = field(default_factory=dict)  # scalars only


@dataclass(frozen=True)
class Workflow:
    path: Path
    file: str  # as messages show it (relative to the workspace)
    triggers: frozenset[str]
    permissions: Permissions | None
    jobs: tuple[Job, ...]
    lines: tuple[str, ...] = ()  # the text, for the comments the nodes do not keep
    env: Mapping[str, Value] = field(default_factory=dict)  # scalars only

    @property
    def name(self) -> str:
        return self.path.name

    def comment(self, line: int) -> str:
        """The comment on a 1-based line, without its `#`; empty when it has none."""
        if not 0 < line <= len(self.lines):
            return ""
        found = _COMMENT.search(self.lines[line - 1])
        return found.group(1).strip() if found else ""

    def comments_at(self, line: int) -> str:
        """The comment on a 1-based line and those of the comment-only lines just above it
        (a comment written over a setting), top first."""
        above = line - 1
        while self.comment_only(above):
            above -= 1
        return " ".join(filter(None, (self.comment(number)
                                      for number in range(above + 1, line + 1))))

    def comment_only(self, line: int) -> bool:
        return 0 < line <= len(self.lines) and self.lines[line - 1].lstrip().startswith("#")


# --- nodes ---------------------------------------------------------------------------------------


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _items(node: Node | None) -> dict[str, Node]:
    if not isinstance(node, MappingNode):
        return {}
    return {key.value: value for key, value in node.value if isinstance(key, ScalarNode)}


def _scalar(node: Node | None) -> Value | None:
    if not isinstance(node, ScalarNode):
        return None
    return Value(str(node.value), _line(node))


def _name(text: str) -> str:
    """A name as messages quote it: one line, capped."""
    flat = " ".join(text.split())
    return flat[:NAME_CHARS] + ("…" if len(flat) > NAME_CHARS else "")


def _named(node: Node | None) -> Value | None:
    value = _scalar(node)
    return Value(_name(value.text), value.line) if value is not None else None


def _scalars(node: Node | None) -> dict[str, Value]:
    found = {key: _scalar(value) for key, value in _items(node).items()}
    return {key: value for key, value in found.items() if value is not None}


# --- the parts -----------------------------------------------------------------------------------


def _triggers(node: Node | None) -> frozenset[str]:
    if isinstance(node, ScalarNode):
        return frozenset({node.value})
    if isinstance(node, SequenceNode):
        return frozenset(item.value for item in node.value if isinstance(item, ScalarNode))
    return frozenset(_items(node))


def _permissions(node: Node | None) -> Permissions | None:
    if node is None:
        return None
    everything = node.value if isinstance(node, ScalarNode) else ""
    return Permissions(_line(node), str(everything), _scalars(node))


def _environment(node: Node | None) -> Value | None:
    return _named(node) or _named(_items(node).get("name"))


def _step(node: Node) -> Step:
    fields = _items(node)
    return Step(_line(node), _named(fields.get("uses")), _scalar(fields.get("run")),
                _scalars(fields.get("with")), _scalars(fields.get("env")))


def _job(key: ScalarNode, node: Node) -> Job:
    fields = _items(node)
    steps = fields.get("steps")
    listed = steps.value if isinstance(steps, SequenceNode) else []
    return Job(
        id=_name(str(key.value)), line=_line(key),
        permissions=_permissions(fields.get("permissions")),
        environment=_environment(fields.get("environment")),
        uses=_named(fields.get("uses")),
        steps=tuple(_step(item) for item in listed if isinstance(item, MappingNode)),
        env=_scalars(fields.get("env")),
    )


def _jobs(node: Node | None) -> tuple[Job, ...]:
    if not isinstance(node, MappingNode):
        return ()
    return tuple(_job(key, value) for key, value in node.value if isinstance(key, ScalarNode))


# --- files ---------------------------------------------------------------------------------------


def _read_text(path: Path, file: str, folder: str) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise ConfigError(UNREADABLE.format(file=file, why=f"over {MAX_BYTES} bytes",
                                                folder=folder), file=path)
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        why = "not UTF-8 text" if isinstance(error, UnicodeDecodeError) else (
            error.strerror or type(error).__name__)
        raise ConfigError(UNREADABLE.format(file=file, why=why, folder=folder),
                          file=path) from None


def _compose(text: str, path: Path, file: str, folder: str) -> Node:
    try:
        node = yaml.compose(text, Loader=LOADER)
    except RecursionError:
        raise ConfigError(UNREADABLE.format(file=file, why="nested too deeply", folder=folder),
                          file=path) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = int(mark.line) + 1 if mark is not None else 1
        problem = " ".join(str(error.problem or "unexpected content").split())[:120]
        raise ConfigError(NOT_YAML.format(file=file, line=line, problem=problem),
                          file=path, line=line) from None
    except yaml.YAMLError as error:
        raise ConfigError(UNREADABLE.format(file=file, why=type(error).__name__,
                                            folder=folder), file=path) from None
    if not isinstance(node, MappingNode):
        raise ConfigError(NOT_A_MAPPING.format(file=file, folder=folder), file=path,
                          line=_line(node) if node is not None else None)
    return node


def called_workflow(job: Job) -> str | None:
    """The file name of this repository's workflow that `job` calls, if it calls one."""
    if job.uses is None or not job.uses.text.startswith(LOCAL_USES):
        return None
    return job.uses.text.split("@")[0].rsplit("/", 1)[-1]


def read_workflow(path: Path, file: str, folder: str = ".github/workflows") -> Workflow:
    """One workflow file; a file GitHub could not run either is a `ConfigError` with its line.
    Each step's `scripts` hold the repository scripts its `run:` names, when the file is in a
    repository's `.github/workflows`."""
    text = _read_text(path, file, folder)
    top = _items(_compose(text, path, file, folder))
    jobs = _jobs(top.get("jobs"))
    if path.parent.name == "workflows" and path.parent.parent.name == ".github":
        root = path.parent.parent.parent
        jobs = tuple(dataclasses.replace(job, steps=tuple(
            dataclasses.replace(step, scripts=_step_scripts(step, root)) for step in job.steps))
            for job in jobs)
    return Workflow(path, file, _triggers(top.get("on")),
                    _permissions(top.get("permissions")), jobs,
                    tuple(text.splitlines()), _scalars(top.get("env")))


def _step_scripts(step: Step, root: Path) -> str:
    """The repository files a step runs: the scripts its `run:` names, or the action.yml of
    this repository's action it uses (`./.github/actions/pub`, `$/…`)."""
    if step.run is not None:
        return named_scripts(step.run.text, root)
    if step.uses is not None and step.uses.text.startswith(LOCAL_USES):
        folder = step.uses.text[2:].split("@")[0].rstrip("/")
        return named_scripts(f"{folder}/action.yml {folder}/action.yaml", root)
    return ""


def named_scripts(run: str, root: Path) -> str:
    """The text of the files in `root` that the `run:` text names by a relative path
    (`scripts/publish`, `./release.sh`, `bash tools/upload.sh`): regular files inside the
    repository once links are resolved, up to SCRIPT_BYTES each; anything else is left
    unread, never an error."""
    try:
        base = root.resolve()
    except OSError:
        return ""
    texts: list[str] = []
    seen: set[Path] = set()
    words = [word for word in _SHELL_SPLIT.split(run) if "/" in word and
             _SCRIPT_WORD.fullmatch(word) and not word.startswith(".git/")]
    for word in words[:PATHS_PER_STEP]:  # a hostile `run:` of a million paths stats 64
        if len(texts) == SCRIPTS_PER_STEP:
            break
        try:
            target = (base / word).resolve()
            if (target in seen or not target.is_relative_to(base) or not target.is_file()
                    or target.stat().st_size > SCRIPT_BYTES):
                continue
            seen.add(target)
            data = target.read_bytes()[:SCRIPT_BYTES]
        except (OSError, ValueError):
            continue
        if b"\0" not in data:  # a binary is not a script to read
            texts.append(data.decode("utf-8", "replace"))
    return "\n".join(texts)


def workflow_paths(folder: Path) -> list[Path]:
    """The files GitHub reads as workflows: `*.yml` and `*.yaml` directly in the folder."""
    return sorted(path for path in folder.iterdir()
                  if path.suffix in SUFFIXES and path.is_file())


def read_folder(folder: Path, shown: Callable[[Path], str] = str) -> list[Workflow]:
    """Every workflow in `folder`, each named in messages by `shown(path)`."""
    return [read_workflow(path, shown(path), shown(folder)) for path in workflow_paths(folder)]
