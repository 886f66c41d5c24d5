"""The two stages around the workflow runs of a rehearsal: `release-actions doctor` on the
copy's workflow files and the API stand-in's environments first (its findings are advice: a
rehearsal goes on), and at the end `pip install` of what was published, from the local index
into fresh environments, with its modules imported, as a user would after the release."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from release_actions.rehearsal.act import clean_env
from release_actions.rehearsal.discovery import Pipeline
from release_actions.rehearsal.run import Rehearsal

PUBLISH = "benchflow-ai/release-actions/publish"
GATE = "benchflow-ai/release-actions/integration-gate"
DOCTOR_TOKEN = "DOCTOR_GITHUB_TOKEN"  # the canary in place of the user's `gh auth token`
_FORM = re.compile(r"PyPI trusted publisher, (\w+) channel.*\n(?:.*\n){2}"
                   r"\s*Workflow name:\s*(\S+)\n\s*Environment name:\s*(\S+)")

INSTALL_FAILED = (
    "`pip install{pre} {name}` from the index failed: {why}. The files published above are "
    "what a user gets; fix the package metadata the error names and rehearse again."
)
IMPORT_FAILED = (
    "`import {modules}` fails in a fresh environment after `pip install{pre} {name}`: {why}. "
    "The published wheel lacks what the module needs: list it (`unzip -l` the wheel) and fix "
    "the build's include/exclude settings."
)
# Run in the fresh environment: the distribution's version, and its top-level modules imported.
_IMPORT = """
import importlib, importlib.metadata as m, json, sys
dist = m.distribution(sys.argv[1])
tops = sorted({f.parts[0].removesuffix(".py") for f in dist.files or []
               if f.suffix == ".py" and f.parts[0] != ".."
               and not f.parts[0].endswith((".dist-info", ".data"))})
missing = None
for top in tops:
    try:
        importlib.import_module(top)
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] in tops:
            raise
        missing = error.name
print(json.dumps({"version": dist.version, "modules": tops, "missing": missing}))
"""


@dataclass
class Doctor:
    code: int
    log: str
    forms: list[tuple[str, str, str]] = field(default_factory=list)  # channel, file, env

    @property
    def findings(self) -> list[str]:
        return [line.removeprefix("error: ") for line in self.log.splitlines()
                if line.startswith("error: ") and "item(s) of the one-time" not in line]


@dataclass
class Installed:
    pre: bool
    name: str
    version: str = ""  # empty: nothing to install
    modules: list[str] = field(default_factory=list)
    missing: str | None = None  # a dependency the local index does not hold


class InstallRefused(Exception):
    def __init__(self, fix: str, log: str) -> None:
        super().__init__(fix)
        self.fix, self.log = fix, log


# --- doctor --------------------------------------------------------------------------------


def doctor_args(pipeline: Pipeline) -> list[str]:
    """doctor's inputs naming what the discovered pipeline uses: the publishing workflow and
    environment of each channel (a tag push starts the public one), the gate's environment.
    What the pipeline does not have is named empty: a project that publishes only on tags
    has no preview channel, one without the gate no provider keys."""
    public = {w.name for w in [*pipeline.started_by_push(tag=True),
                               *pipeline.started_by_release()]}
    found: dict[str, str] = {"--preview-workflow": "", "--public-workflow": "",
                             "--secrets-environment": ""}
    for workflow in pipeline.workflows:
        for job in workflow.jobs:
            uses = {step.uses.text.split("@")[0].lower() for step in job.steps if step.uses}
            environment = job.environment.text if job.environment else ""
            if "${{" in environment:
                environment = ""
            if PUBLISH in uses:
                channel = "public" if workflow.name in public else "preview"
                found[f"--{channel}-workflow"] = workflow.name
                found[f"--{channel}-environment"] = environment
            elif GATE in uses and environment:
                found["--secrets-environment"] = environment
    if not found["--preview-workflow"] and not found["--public-workflow"]:
        return []  # nothing publishes: doctor's defaults, and its finding that says so
    return [part for flag, value in found.items() for part in (flag, value)]


def doctor(run: Rehearsal) -> Doctor:
    """`release-actions doctor` in the copy, as on a laptop with a token that may read the
    environments (a canary: the stand-in knows no other)."""
    import secrets

    token = run.canaries.setdefault(DOCTOR_TOKEN, f"ghs_canary{secrets.token_hex(12)}")
    from release_actions.rehearsal.steps import step_command

    env = clean_env(GITHUB_REPOSITORY=run.options.repository, GITHUB_API_URL=run.github.url,
                    GITHUB_TOKEN=token, **run.steps)
    done = subprocess.run([*step_command(), "doctor", *doctor_args(run.pipeline)],
                          cwd=run.consumer, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    log = done.stderr + done.stdout
    return Doctor(done.returncode, log, _FORM.findall(log))


# --- install -------------------------------------------------------------------------------


def install(run: Rehearsal, name: str, *, pre: bool) -> Installed:
    """`pip install [--pre] name` from the local index into a fresh environment (pip's own
    configuration ignored; dependencies left out, the local index holds only this project),
    then its top-level modules imported. Nothing matching (no public release yet): empty."""
    venv = run.work / f"install-{'pre' if pre else 'public'}"
    flag = " --pre" if pre else ""
    done = subprocess.run(
        [*_pip(venv), "install", "--isolated", "--quiet",
         "--disable-pip-version-check", "--no-deps", "--index-url", run.index.simple_url,
         "--cert", str(run.index.ca_file),
         *(["--pre"] if pre else []), name],
        capture_output=True, text=True, check=False, timeout=600,
        # pip's truststore reads SSL_CERT_FILE, not only --cert: the index's local CA.
        env=clean_env(SSL_CERT_FILE=str(run.index.ca_file)))
    if done.returncode != 0:
        # "No matching distribution" is an answer only when the index holds none (pip takes a
        # pre-release when nothing else is there); else pip could not read it (e.g. its CA).
        if "No matching distribution" in done.stderr and not _held(run, name):
            return Installed(pre, name)
        raise InstallRefused(INSTALL_FAILED.format(pre=flag, name=name,
                                                   why=_last(done.stderr)), done.stderr)
    imported = subprocess.run([str(venv / "bin/python"), "-c", _IMPORT, name], cwd=venv,
                              capture_output=True, text=True, check=False, env=clean_env(),
                              timeout=300)
    if imported.returncode != 0:
        raise InstallRefused(IMPORT_FAILED.format(modules=name.replace("-", "_"), pre=flag,
                                                  name=name, why=_last(imported.stderr)),
                             imported.stderr)
    found = json.loads(imported.stdout.strip().splitlines()[-1])
    return Installed(pre, name, found["version"], found["modules"], found["missing"])


def _held(run: Rehearsal, name: str) -> bool:
    from packaging.utils import canonicalize_name

    return bool(run.index.projects.get(canonicalize_name(name)))


def _pip(venv: Path) -> list[str]:
    """A fresh environment at `venv` and the pip that installs into it: this Python's own pip
    (`--python`, seconds faster than a copy of pip per environment), else the environment's."""
    import importlib.util
    import venv as venvs

    # In this process: no `python -m pip --version` nor `python -m venv` per environment.
    has_pip = importlib.util.find_spec("pip") is not None
    venvs.EnvBuilder(symlinks=os.name != "nt", with_pip=not has_pip).create(venv)
    python = str(venv / "bin/python")
    return [sys.executable, "-m", "pip", "--python", python] if has_pip else \
        [python, "-m", "pip"]


def _last(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def distribution(files: list[str]) -> str:
    """The distribution name the index serves, from a published file's name."""
    from release_actions.rehearsal.tp_index import release_of

    return release_of(files[0])[0]


def describe(installed: Installed) -> str:
    command = f"pip install{' --pre' if installed.pre else ''} {installed.name}"
    if not installed.version:
        return f"{command}  → nothing: no public release on the index yet"
    imported = f"import {', '.join(installed.modules)} ok" if installed.modules else "no module"
    if installed.missing:
        imported = (f"not imported: it needs `{installed.missing}`, which the local index does "
                    "not hold (installed without dependencies)")
    return f"{command}  → {installed.version} ({imported})"

