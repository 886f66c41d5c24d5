"""A rehearsal: the discovered release pipeline run under act in host mode on a throw-away copy
of the user's repository, against the stand-ins, event by event as GitHub would start it.

The copy: a bare `origin` cloned from the user's repository (its main is the user's HEAD), and a
checkout of it whose remote is the repository's GitHub URL; every git in the steps reaches the
bare origin under that URL through the git server, which lets each job's token do what its
`permissions:` grant. The user's tree, index, remotes and tags are only read."""

from __future__ import annotations

import io
import json
import re
import secrets
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from release_actions.bump import basic_credential
from release_actions.rehearsal.act import VENV_BIN, git, run_act
from release_actions.rehearsal.discovery import FOLDER, Pipeline
from release_actions.rehearsal.git_http import GitOrigin, git_origin
from release_actions.rehearsal.github_api import FakeGitHub, fake_github
from release_actions.rehearsal.permissions import RESTRICTED_DEFAULT, job_permissions
from release_actions.rehearsal.providers import FakeProvider
from release_actions.rehearsal.publishing import (
    default_publishers,
    job_identity,
    password_only_secrets,
)
from release_actions.rehearsal.pythons import PythonDownloads
from release_actions.rehearsal.tp_index import AttestingIndex, TrustedPublisher, release_of
from release_actions.rehearsal.view import write_view
from release_actions.sigstore_standins import LocalSigstore
from release_actions.workflows import Workflow, called_workflow

# The environments of the README's release model, which the API stand-in has unless told others.
ENVIRONMENTS = ("pypi-internal-preview", "pypi-public", "integration-eval-secrets")
PROVIDER_NAMES = ("deepseek", "glm", "qwen", "litellm", "openai", "github-models", "gemini")
_SECRET = re.compile(r"secrets\.([A-Za-z_][A-Za-z0-9_]*)")
_JOB_END = re.compile(r"^\[[^\]/]+/([^\]]+)\]\s+🏁\s+Job (succeeded|failed)", re.M)

CALLS_LOCAL_WORKFLOW = (
    "job `{job}` of {file} calls `{uses}`, a reusable workflow of this repository: the "
    "rehearsal does not run a called workflow, and PyPI's Trusted Publishing does not accept a "
    "publishing job inside one either (doctor's reusable-workflow finding). Move the called "
    "jobs into {file}, or rehearse with the jobs written there."
)
NO_ENVIRONMENT = (
    "job `{job}` of {file} deploys to the environment `{environment}`, which the repository "
    "does not have: GitHub fails the job before it starts. Create it (Settings → Environments "
    "→ New environment) and name it in your publisher on PyPI, or fix the name in {file}; if "
    "it exists on GitHub, pass `--environment {environment}`."
)


@dataclass
class WorkflowRun:
    """One workflow run: what started it, how each job ended, its log."""

    workflow: str  # file name
    title: str
    event: str
    run_id: int
    run_number: int
    head_sha: str
    code: int
    log: str
    jobs: dict[str, str]  # job id → success / failure / skipped
    problem: str = ""  # why it failed before act ran, with the fix

    @property
    def ok(self) -> bool:
        return self.code == 0 and not self.problem and "failure" not in self.jobs.values()

    @property
    def conclusion(self) -> str:
        return "success" if self.ok else "failure"


class Progress:
    """Told when a workflow run starts and ends; the CLI prints, tests stay quiet."""

    def started(self, workflow: str, event: str) -> None:
        pass

    def finished(self, run: WorkflowRun) -> None:
        pass


@dataclass
class Options:
    repository: str  # owner/name on GitHub
    environments: tuple[str, ...] = ENVIRONMENTS
    providers_down: tuple[str, ...] = ()
    trusted_publishers: tuple[TrustedPublisher, ...] = ()  # empty: one per publishing job


@dataclass
class Rehearsal:
    work: Path
    source: Path
    pipeline: Pipeline
    options: Options
    index: AttestingIndex
    sigstore: LocalSigstore
    github: FakeGitHub
    providers: dict[str, FakeProvider]
    git_server: GitOrigin
    progress: Progress = field(default_factory=Progress)
    empty_secrets: tuple[str, ...] = ()  # given empty: they only feed publish's `password`
    pythons: PythonDownloads | None = None  # what `uv python install` downloads
    steps: dict[str, str] = field(default_factory=dict)  # how the steps reach the step server
    runs: list[WorkflowRun] = field(default_factory=list)
    canaries: dict[str, str] = field(default_factory=dict)
    next_id: int = 1000
    numbers: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.consumer = self.work / "repository"
        self.origin = self.work / "origin.git"
        self.remote_url = f"https://github.com/{self.options.repository}.git"
        self.tools = self.work / "tools"
        self.tools.mkdir(parents=True, exist_ok=True)
        for tool, target in (("uv", VENV_BIN / "uv"), ("python3", Path(sys.executable)),
                             ("python", Path(sys.executable))):
            (self.tools / tool).symlink_to(target)
        for workflow in self.pipeline.workflows:
            for name in _SECRET.findall(workflow.path.read_text(encoding="utf-8")):
                if name != "GITHUB_TOKEN":
                    self.canaries[name] = f"canary-{name.lower()}-{secrets.token_hex(6)}"
        self._empty_password_secrets()
        self.canaries["GITHUB_TOKEN"] = f"ghs_canary{secrets.token_hex(12)}"
        self.trust_config = self.work / "sigstore-trust-config.json"
        self.trust_config.write_text(json.dumps(self.sigstore.trust_config()))
        # What no job's own token replaced (a called workflow's) has the repository default.
        self.github.tokens[self.canaries["GITHUB_TOKEN"]] = dict(RESTRICTED_DEFAULT)

    def _empty_password_secrets(self) -> None:
        """A secret that only feeds publish's `password` is empty, as in a repository that
        publishes with Trusted Publishing (a canary would make publish upload with it)."""
        self.empty_secrets = tuple(sorted(password_only_secrets(self.pipeline.workflows)))
        for name in self.empty_secrets:
            self.canaries[name] = ""

    # --- the copy ----------------------------------------------------------------------------

    def copy_repository(self) -> None:
        """origin: the user's history, main at the user's HEAD; a checkout of it on main."""
        git(self.work, "clone", "-q", "--bare", "--no-hardlinks", str(self.source),
            str(self.origin))
        head = git(self.source, "rev-parse", "HEAD")
        git(self.origin, "update-ref", "refs/heads/main", head)
        git(self.origin, "symbolic-ref", "HEAD", "refs/heads/main")
        git(self.work, "clone", "-q", "--branch", "main", str(self.origin), str(self.consumer))
        git(self.consumer, "remote", "set-url", "origin", self.remote_url)
        for name in self.options.environments:
            self.github.add_environment(name)
        self.github.git_dir = self.origin

    def head(self) -> str:
        return git(self.consumer, "rev-parse", "HEAD")

    def push(self, ref: str) -> None:
        git(self.consumer, "push", "-q", str(self.origin), ref)

    def commit_all(self, message: str) -> str:
        git(self.consumer, "add", "-A")
        git(self.consumer, "commit", "-qm", message)
        return self.head()

    # --- workflow runs -----------------------------------------------------------------------

    def _number(self, workflow: Workflow) -> tuple[int, int]:
        self.next_id += 1
        self.numbers[workflow.name] = self.numbers.get(workflow.name, 0) + 1
        return self.next_id, self.numbers[workflow.name]

    def _cannot_run(self, workflow: Workflow) -> str:
        for job in workflow.jobs:
            # a call of this repository's workflow that uses these actions
            called = called_workflow(job)
            if job.uses is not None and called in {w.name for w in self.pipeline.workflows}:
                return CALLS_LOCAL_WORKFLOW.format(job=job.id, file=workflow.file,
                                                   uses=job.uses.text)
            if job.environment and job.environment.text not in self.github.environments \
                    and "${{" not in job.environment.text:
                return NO_ENVIRONMENT.format(job=job.id, file=workflow.file,
                                             environment=job.environment.text)
        return ""

    def run(self, workflow: Workflow, event: str, payload: dict[str, Any]) -> WorkflowRun:
        run_id, number = self._number(workflow)
        self.progress.started(workflow.name, event)
        head = self.head()
        problem = self._cannot_run(workflow)
        code, log, jobs = 1, "", {job.id: "skipped" for job in workflow.jobs}
        if not problem:
            code, log = self._act(workflow, event, payload, run_id, number)
            for job, result in _JOB_END.findall(log):
                jobs[job.strip()] = "success" if result == "succeeded" else "failure"
        run = WorkflowRun(workflow.name, self.pipeline.title(workflow), event, run_id, number,
                          head, code, log, jobs, problem)
        self.github.add_run(run_id, number, head)
        self.github.runs[run_id]["conclusion"] = run.conclusion
        self._keep_artifacts(run_id)
        self.runs.append(run)
        self.progress.finished(run)
        return run

    def _act(self, workflow: Workflow, event: str, payload: dict[str, Any], run_id: int,
             number: int) -> tuple[int, str]:
        shutil.rmtree(self.work / "artifacts", ignore_errors=True)
        (self.work / "artifacts").mkdir()
        event_file = self.work / f"event-{run_id}.json"
        event_file.write_text(json.dumps({
            "repository": {"full_name": self.options.repository, "fork": False,
                           "default_branch": "main"}, **payload}))
        oidc, runner = self._oidc(workflow, event, payload, run_id, number)
        view = write_view(workflow, self.work / "views" / workflow.name, oidc,
                          self._job_tokens(workflow), runner)
        done = run_act(
            self.consumer, event, actions_repo=self.work / "actions",
            workflow=str(view), event_payload=event_file,
            local_repositories={ref: path for ref, path in
                                self.pipeline.local_repositories.items()},
            env=self._env(run_id, number), secrets=self.canaries, timeout=1800,
            # Workspaces (with the tokens their checkouts kept) left by a stopped act go with
            # the copy.
            skip_checkout=False, cache=self.work / "act",
        )
        return done.code, done.log

    def _oidc(self, workflow: Workflow, event: str, payload: dict[str, Any], run_id: int,
              number: int) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
        """Each job's OIDC request variables (a URL of its own on the local issuer, whose
        tokens carry the job's claims), and what the runner sets that act does not."""
        identities = {job.id: job_identity(workflow, job, self.options.repository, event,
                                           payload, run_id, number, self.head())
                      for job in workflow.jobs}
        oidc = {job_id: self.sigstore.add_job(identity)
                for job_id, identity in identities.items()}
        first = next(iter(identities.values()), None)
        runner = ({"GITHUB_WORKFLOW_REF": first.workflow_ref, "GITHUB_WORKFLOW_SHA": first.sha}
                  if first else {})
        return oidc, runner

    def _job_tokens(self, workflow: Workflow) -> dict[str, str]:
        """A fresh token per job (job id → the secret holding it), registered in the API
        stand-in with what the job's `permissions:` grant."""
        names = {}
        for job in workflow.jobs:
            name = f"REHEARSAL_TOKEN_{len(self.canaries)}"
            self.canaries[name] = f"ghs_canary{secrets.token_hex(12)}"
            self.github.tokens[self.canaries[name]] = job_permissions(workflow, job.id)
            names[job.id] = name
        return names

    def _env(self, run_id: int, number: int) -> dict[str, str]:
        env = {
            "GITHUB_API_URL": self.github.url,
            "GITHUB_RUN_ID": str(run_id),
            "REHEARSAL_ARTIFACTS": str(self.work / "artifacts"),
            "REHEARSAL_REMOTE_URL": self.remote_url,
            "REHEARSAL_UV_DIR": str(self.tools),
            "REHEARSAL_PYTHON_DIR": str(self.tools),
            "REHEARSAL_PYTHON": sys.executable,
            "REHEARSAL_UPLOAD_URL": self.index.upload_url,
            "REHEARSAL_SIMPLE_URL": self.index.simple_url,
            "REHEARSAL_INDEX_URL": self.index.root_url,
            "REHEARSAL_SIGSTORE_TRUST_CONFIG": str(self.trust_config),
            # certifi's roots and the index's local CA: uv, requests and sigstore trust it.
            "SSL_CERT_FILE": str(self.index.ca_file),
            "REQUESTS_CA_BUNDLE": str(self.index.ca_file),
            **self._git_env(),
        }
        env.update(self.pythons.env() if self.pythons else {})
        env.update(self.steps)
        for name, provider in self.providers.items():
            env[f"REHEARSAL_PROVIDER_{name.upper().replace('-', '_')}"] = provider.base_url
        return env

    def _git_env(self) -> dict[str, str]:
        """Every git in the steps reaches the git server under the repository's GitHub URL, and
        sends only what the job's checkout kept, as on a runner: no credential helper of this
        machine, no prompt (a push without a token fails instead of waiting)."""
        github = self.remote_url.removesuffix(".git")
        return {
            "REHEARSAL_GIT_URL": self.git_server.url,
            "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "",
            "GIT_CONFIG_COUNT": "2",
            "GIT_CONFIG_KEY_0": f"url.{self.git_server.url}/{self.options.repository}.insteadOf",
            "GIT_CONFIG_VALUE_0": github,
            "GIT_CONFIG_KEY_1": "credential.helper", "GIT_CONFIG_VALUE_1": "",
        }

    def _keep_artifacts(self, run_id: int) -> None:
        """What the run uploaded becomes its artifacts on the API stand-in."""
        folder = self.work / "artifacts"
        if folder.is_dir():
            for artifact in sorted(p for p in folder.iterdir() if p.is_dir()):
                self.github.upload_artifact(run_id, artifact.name, artifact)

    # --- events ------------------------------------------------------------------------------

    def chain(self, first: list[WorkflowRun]) -> list[WorkflowRun]:
        """Each completed run starts the workflows that chain after it (`workflow_run`), as
        GitHub would send the event; stops at the first failure."""
        done = list(first)
        queue = [run for run in first if run.ok]
        while queue:
            previous = queue.pop(0)
            source = self._workflow(previous.workflow)
            for workflow in self.pipeline.chained_after(source):
                run = self.run(workflow, "workflow_run", {
                    "action": "completed",
                    "workflow": {"name": previous.title, "path": f"{FOLDER}/{source.name}"},
                    "workflow_run": {
                        "id": previous.run_id, "name": previous.title,
                        "run_number": previous.run_number, "status": "completed",
                        "conclusion": previous.conclusion, "event": previous.event,
                        "head_branch": "main", "head_sha": previous.head_sha,
                        "path": f"{FOLDER}/{source.name}",
                    }})
                done.append(run)
                if not run.ok:
                    return done
                queue.append(run)
        return done

    def push_main(self) -> list[WorkflowRun]:
        """A push of main and everything it starts."""
        git(self.consumer, "checkout", "-q", "main")
        before = git(self.origin, "rev-parse", "refs/heads/main")
        self.push("HEAD:refs/heads/main")
        payload = {"ref": "refs/heads/main", "before": before, "after": self.head(),
                   "base_ref": None, "created": False, "deleted": False, "forced": False,
                   "head_commit": {"id": self.head()}}
        return self.start(self.pipeline.started_by_push(tag=False), "push", payload)

    def start(self, workflows: list[Workflow], event: str,
              payload: dict[str, Any]) -> list[WorkflowRun]:
        """`workflows` run on one event, in order up to the first failure, then everything
        that chains after them."""
        runs = []
        for workflow in workflows:
            runs.append(self.run(workflow, event, payload))
            if not runs[-1].ok:
                return runs
        return self.chain(runs)

    def push_tag(self, tag: str, commit: str = "main") -> list[WorkflowRun]:
        """An annotated tag on `commit`, pushed, and the workflows it starts."""
        git(self.consumer, "tag", "-a", tag, "-m", tag, commit)
        self.push(f"refs/tags/{tag}")
        git(self.consumer, "checkout", "-q", tag)
        try:
            payload = {"ref": f"refs/tags/{tag}", "ref_type": "tag", "base_ref": None,
                       "before": "0" * 40, "after": self.head(), "created": True,
                       "deleted": False, "forced": False, "head_commit": {"id": self.head()}}
            runs = self.start(self.pipeline.started_by_push(tag=True), "push", payload)
            if not all(run.ok for run in runs):
                return runs
            return runs + self.publish_release(tag)
        finally:
            git(self.consumer, "checkout", "-q", "main")

    def publish_release(self, tag: str) -> list[WorkflowRun]:
        """The maintainer publishes a GitHub Release of the pushed tag, when a workflow starts
        on that (`on: release`); the workflows it starts, and those chained after them."""
        started = self.pipeline.started_by_release()
        if not started:
            return []
        payload = {"action": "published",
                   "release": self.github.publish_release(tag, self.options.repository)}
        return self.start(started, "release", payload)

    def merge_pull_request(self, number: int) -> None:
        """A maintainer's merge: main fast-forwards to the pull request's branch."""
        pull = next(p for p in self.github.pulls if p["number"] == number)
        git(self.consumer, "fetch", "-q", str(self.origin), f"refs/heads/{pull['head']}")
        git(self.consumer, "merge", "-q", "--ff-only", "FETCH_HEAD")
        pull["state"] = "closed"

    def _workflow(self, name: str) -> Workflow:
        return next(w for w in self.pipeline.workflows if w.name == name)

    # --- what happened -----------------------------------------------------------------------

    def leaked(self) -> list[str]:
        """Where a canary, or a token the stand-ins issued (OIDC, the index's API tokens),
        appears unmasked: a run's log, a file of the copy, an artifact, a release asset or a
        file on the index (archives read member by member)."""
        issued = [*self.sigstore.tokens_issued, *self.index.api_tokens]
        # A token also travels as git's basic credential (x-access-token:TOKEN in base64).
        values = [form.encode() for value in (*self.canaries.values(), *issued) if value
                  for form in (value, basic_credential(value))]
        places: list[tuple[str, bytes]] = [(f"log of {run.workflow}", run.log.encode())
                                           for run in self.runs]
        places += [(str(path.relative_to(self.work)), path.read_bytes())
                   for path in sorted(self.consumer.rglob("*"))
                   if path.is_file() and ".git" not in path.parts]
        places += [(f"index file {name}", data) for name, data in self.index.files.items()]
        places += [(f"artifact {artifact['name']}", self.github.zips[artifact["id"]])
                   for artifact in self.github.artifacts]
        places += [(f"release asset {asset_id}", data)
                   for asset_id, data in self.github.assets.items()]
        return [where for where, data in places
                if any(value in member for member in _members(data) for value in values)]


def _members(data: bytes) -> list[bytes]:
    """The bytes themselves, and each member's when they are a zip or a gzipped tar."""
    import tarfile

    found = [data]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            found += [archive.read(name) for name in archive.namelist()]
    except zipfile.BadZipFile:
        pass
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for member in archive.getmembers():
                extracted = archive.extractfile(member) if member.isfile() else None
                found += [extracted.read()] if extracted is not None else []
    except (tarfile.TarError, OSError, EOFError):
        pass
    return found


@contextmanager
def rehearsal(work: Path, source: Path, pipeline: Pipeline, options: Options,
              progress: Progress | None = None) -> Iterator[Rehearsal]:
    """Every stand-in started and the copy made; all stopped afterwards."""
    from release_actions.rehearsal.actions import write_actions
    from release_actions.rehearsal.steps import step_server

    with ExitStack() as stack:
        steps = stack.enter_context(step_server(work))  # its imports while the rest starts
        publishers = options.trusted_publishers or default_publishers(pipeline.workflows,
                                                                      options.repository)
        index = stack.enter_context(AttestingIndex(publishers=publishers))
        sigstore = stack.enter_context(LocalSigstore())
        github = stack.enter_context(fake_github())
        git_server = stack.enter_context(git_origin(
            {options.repository: work / "origin.git"}, github.tokens))
        github.html_base = f"{github.url}/stand-in"  # links it prints are plainly not github.com
        providers = {name: stack.enter_context(
            FakeProvider("503" if name in options.providers_down else "ok"))
            for name in PROVIDER_NAMES}
        pythons = stack.enter_context(PythonDownloads(work / "pythons"))
        write_actions(work / "actions")
        run = Rehearsal(work, source, pipeline, options, index, sigstore, github, providers,
                        git_server, progress or Progress(), pythons=pythons, steps=steps)
        run.copy_repository()
        yield run


def repository_name(source: Path) -> str:
    """owner/name from the user's `origin` when it is on GitHub; else a stand-in name."""
    done = subprocess.run(["git", "-C", str(source), "remote", "get-url", "origin"],
                          capture_output=True, text=True, check=False)
    found = re.search(r"github\.com[:/]([^/\s]+)/([^/\s]+?)(?:\.git)?/?$", done.stdout.strip())
    return f"{found.group(1)}/{found.group(2)}" if found else f"rehearsal/{source.resolve().name}"


def published(run: Rehearsal, channel: Mapping[str, str]) -> list[dict[str, str]]:
    """The files on the index: name, version, sha256, channel (preview or public) and
    provenance (`verified`, `refused` or `none`: publish/attestations)."""
    import hashlib

    from release_actions.rehearsal.publishing import provenance

    attested = provenance(run.index, run.trust_config)
    found = []
    for name, data in sorted(run.index.files.items()):
        version = release_of(name)[1]
        found.append({"file": name, "version": version,
                      "sha256": hashlib.sha256(data).hexdigest(),
                      "channel": channel.get(version, "preview"), "provenance": attested[name]})
    return found
