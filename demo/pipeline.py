"""The release pipelines of the sample package, run under act in host mode against local
stand-ins: a package index (pypiserver), LLM providers and GitHub's API.

`make demo` (demo/__main__.py) runs them and prints a report; the e2e tests run the same
`Pipelines` and assert on what they leave behind."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from devtools.act import ROOT, VENV_BIN, ActRun, clean_env, copy_tracked_tree, git, run_act

from release_actions.rehearsal import standins
from release_actions.rehearsal.github_api import FakeGitHub, fake_github
from release_actions.rehearsal.index import PypiServer
from release_actions.rehearsal.providers import FakeProvider

REPOSITORY = "benchflow-ai/release-actions-sample"
REMOTE_URL = f"https://github.com/{REPOSITORY}.git"
PACKAGE = "release-actions-sample"
# Third-party actions the example workflows pin, mapped to local stand-ins (no network here).
STANDINS = (
    "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683",
    "astral-sh/setup-uv@e92bafb6253dcd438e0484186d7669ea7a8ca1cc",
    "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02",
)
GITHUB_TOKEN = "ghs_canary0demo0token0for0the0fake0api"
DOCTOR = "release-actions doctor"  # run in the consumer's checkout, as on a laptop
# Canary keys: they must never appear unmasked anywhere the pipelines write.
CANARIES = {
    "DEEPSEEK_API_KEY": "sk-canary-deepseek-7f3a91c2",
    "GLM_API_KEY": "sk-canary-glm-5be2d844",
}


@dataclass
class Step:
    """One workflow run: what ran, how it ended, its log."""

    name: str
    workflow: str
    code: int
    log: str
    stage: str = ""

    @property
    def ok(self) -> bool:
        return self.code == 0


class Progress:
    """Told when a workflow run starts and ends; the demo prints, the tests stay quiet."""

    def started(self, name: str, workflow: str, event: str) -> None:
        pass

    def finished(self, step: Step) -> None:
        pass


@dataclass
class Pipelines:
    work: Path
    index: PypiServer
    github: FakeGitHub
    providers: dict[str, FakeProvider]
    actions_repo: Path
    consumer: Path = field(init=False)
    origin: Path = field(init=False)
    artifacts: Path = field(init=False)
    steps: list[Step] = field(default_factory=list)
    progress: Progress = field(default_factory=Progress)
    stage: str = ""  # the story's stage the next workflow runs belong to

    def __post_init__(self) -> None:
        self.consumer = self.work / "consumer"
        self.origin = self.work / "origin.git"
        self.artifacts = self.work / "artifacts"
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.uv_dir = self.work / "uv-bin"
        self.uv_dir.mkdir(exist_ok=True)
        (self.uv_dir / "uv").symlink_to(VENV_BIN / "uv")

    # --- the consumer repository --------------------------------------------------------------

    def create_consumer(self) -> None:
        """The sample package as its own repository, with the example workflows. Its origin is
        its GitHub URL (act derives `github.repository` from it); pushes go to a local bare
        repository, which the checkout stand-in clones under that URL."""
        shutil.copytree(ROOT / "examples/sample-package", self.consumer)
        shutil.copytree(ROOT / "examples/workflows", self.consumer / ".github/workflows")
        (self.consumer / ".gitignore").write_text(".venv/\ndist/\njobs/\n__pycache__/\n")
        git(self.work, "init", "-q", "--bare", str(self.origin))
        git(self.consumer, "init", "-q")
        git(self.consumer, "remote", "add", "origin", REMOTE_URL)
        self.commit("Initial commit")
        self.push("main")
        # The one-time setup on GitHub: the three environments of the release model.
        self.github.add_environment("pypi-internal-preview")
        self.github.add_environment("pypi-public", reviewers=("release-manager",))
        self.github.add_environment("integration-eval-secrets")

    def push(self, ref: str) -> None:
        git(self.consumer, "push", "-q", str(self.origin), ref)

    def commit(self, message: str) -> str:
        git(self.consumer, "add", "-A")
        git(self.consumer, "commit", "-qm", message)
        return self.head()

    def head(self) -> str:
        return git(self.consumer, "rev-parse", "HEAD")

    def set_version(self, version: str, *, branch: str = "main") -> str:
        """What a release engineer's pull request does: the version in pyproject.toml and
        uv.lock, merged to `branch`."""
        git(self.consumer, "checkout", "-q", branch)
        subprocess.run(
            [str(VENV_BIN / "uv"), "version", version, "--no-sync", "--quiet"],
            cwd=self.consumer, check=True, capture_output=True,
        )
        sha = self.commit(f"Set the version to {version}")
        self.push(f"HEAD:refs/heads/{branch}")
        git(self.consumer, "checkout", "-q", "main")
        return sha

    def merge_pull_request(self, number: int) -> str:
        """What a maintainer's merge of a pull request the stand-in holds does: `main` takes
        its branch (fast-forward) and the pull request is closed."""
        pull = next(p for p in self.github.pulls if p["number"] == number)
        git(self.consumer, "checkout", "-q", pull["base"])
        git(self.consumer, "fetch", "-q", str(self.origin), f"refs/heads/{pull['head']}")
        git(self.consumer, "merge", "-q", "--ff-only", "FETCH_HEAD")
        self.push(f"HEAD:refs/heads/{pull['base']}")
        pull["state"] = "closed"
        git(self.consumer, "checkout", "-q", "main")
        return self.head()

    def branch_file(self, branch: str, path: str) -> str:
        """A file as `branch` holds it on origin."""
        return git(self.origin, "show", f"refs/heads/{branch}:{path}")

    # --- workflow runs ---------------------------------------------------------------------

    def _act(self, name: str, event: str, workflow: str, payload: dict[str, object]) -> Step:
        self.progress.started(name, workflow, event)
        event_file = self.work / f"event-{len(self.steps)}.json"
        payload = {"repository": {"full_name": REPOSITORY, "fork": False}, **payload}
        event_file.write_text(json.dumps(payload))
        secrets = dict(CANARIES)
        secrets["PYPI_PASSWORD"] = self.index.password
        secrets["GITHUB_TOKEN"] = GITHUB_TOKEN  # act's github.token
        run: ActRun = run_act(
            self.consumer, event,
            actions_repo=self.actions_repo,
            workflow=f".github/workflows/{workflow}",
            event_payload=event_file,
            local_repositories={ref: standins.FOLDER / standins.STANDINS[ref.split("@")[0]]
                                for ref in STANDINS},
            env={
                "GITHUB_API_URL": self.github.url,
                "REHEARSAL_ARTIFACTS": str(self.artifacts),
                "REHEARSAL_REMOTE_URL": REMOTE_URL,
                # Every git in the steps reaches the local origin under its GitHub URL; act
                # itself still reads the GitHub URL (it names github.repository after it).
                "GIT_CONFIG_COUNT": "2",
                "GIT_CONFIG_KEY_0": f"url.{self.origin}.insteadOf",
                "GIT_CONFIG_VALUE_0": REMOTE_URL,
                "GIT_CONFIG_KEY_1": "protocol.file.allow",
                "GIT_CONFIG_VALUE_1": "always",
                "REHEARSAL_UV_DIR": str(self.uv_dir),
            },
            variables={
                "PYPI_UPLOAD_URL": self.index.upload_url,
                "PYPI_SIMPLE_URL": self.index.simple_url,
                "PYPI_JSON_URL": self.index.url,
                # PyPI uses Trusted Publishing (GitHub's OIDC); the local index an account.
                "TRUSTED_PUBLISHING": "never",
                "PYPI_USERNAME": self.index.username,
                "PROBE_TIMEOUT": "5",
                # Base URLs are configuration, not secrets: a masked URL helps nobody.
                "DEEPSEEK_BASE_URL": self.providers["deepseek"].base_url,
                "GLM_BASE_URL": self.providers["glm"].base_url,
            },
            secrets=secrets,
        )
        step = Step(name, workflow, run.code, run.log, stage=self.stage)
        self.steps.append(step)
        self.progress.finished(step)
        return step

    def test(self) -> Step:
        return self._act("test", "push", "test.yml", {"ref": "refs/heads/main"})

    def integration_eval(self, tested_sha: str, test_run: int, eval_run: int) -> Step:
        """integration-eval after test run `test_run`; what it uploads as `tested-run` becomes
        the artifact of its run on the GitHub stand-in, where internal-preview reads it."""
        shutil.rmtree(self.artifacts / "tested-run", ignore_errors=True)
        step = self._act("integration-eval", "workflow_run", "integration-eval.yml", {
            "workflow_run": {"id": 9000 + test_run, "name": "test", "run_number": test_run,
                             "conclusion": "success", "event": "push",
                             "head_branch": "main", "head_sha": tested_sha},
        })
        self.github.add_run(self.eval_run_id(eval_run), eval_run, tested_sha)
        if (self.artifacts / "tested-run").is_dir():
            self.github.upload_artifact(self.eval_run_id(eval_run), "tested-run",
                                        self.artifacts / "tested-run")
        return step

    @staticmethod
    def eval_run_id(eval_run: int) -> int:
        return 7000 + eval_run  # apart from the test runs (9000 + N)

    def internal_preview(self, eval_run: int) -> Step:
        return self._act("internal-preview-release", "workflow_run",
                         "internal-preview-release.yml", {
            "workflow_run": {"id": self.eval_run_id(eval_run), "name": "integration-eval",
                             "run_number": eval_run, "conclusion": "success",
                             "event": "workflow_run", "head_branch": "main",
                             "head_sha": self.head()},
        })

    def preview_pipeline(self, test_run: int) -> list[Step]:
        """test → integration-eval → internal-preview-release for the current main."""
        sha = self.head()
        eval_run = test_run + 1000
        steps = [self.test()]
        if steps[-1].ok:
            steps.append(self.integration_eval(sha, test_run, eval_run))
        if steps[-1].ok:
            steps.append(self.internal_preview(eval_run))
        return steps

    def public_release(self, tag: str, *, branch: str = "main") -> Step:
        """Push `tag` on the tip of `branch` and run public-release for it."""
        git(self.consumer, "checkout", "-q", branch)
        git(self.consumer, "tag", "-a", tag, "-m", tag)
        self.push(tag)
        try:
            return self._act("public-release", "push", "public-release.yml", {
                "ref": f"refs/tags/{tag}", "ref_type": "tag", "after": self.head(),
            })
        finally:
            git(self.consumer, "checkout", "-q", "main")

    def doctor(self) -> Step:
        """`release-actions doctor` in the consumer's checkout, as on a laptop: the workflow
        files, the environments on GitHub (the stand-in), PyPI's publisher values."""
        env = clean_env(GITHUB_REPOSITORY=REPOSITORY, GITHUB_API_URL=self.github.url,
                        GITHUB_TOKEN=GITHUB_TOKEN)
        self.progress.started("doctor", DOCTOR, "laptop")
        done = subprocess.run([str(VENV_BIN / "release-actions"), "doctor"], cwd=self.consumer,
                              env=env, capture_output=True, text=True, timeout=120)
        step = Step("doctor", DOCTOR, done.returncode, done.stderr + done.stdout, stage=self.stage)
        self.steps.append(step)
        self.progress.finished(step)
        return step

    # --- what happened ---------------------------------------------------------------------

    def published(self) -> list[str]:
        return sorted(path.name for path in self.index.packages.iterdir())

    def install(self, *, pre: bool) -> str:
        """`pip install [--pre]` the sample from the local index into a fresh venv (pip's own
        config files ignored); the installed CLI prints its version."""
        venv = self.work / f"install-{'pre' if pre else 'public'}"
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin/python"), "-m", "pip", "install", "--isolated", "--quiet",
             "--disable-pip-version-check", "--index-url", self.index.simple_url,
             *(["--pre"] if pre else []), PACKAGE],
            check=True, capture_output=True,
        )
        return subprocess.run([str(venv / "bin/release-actions-sample")], check=True,
                              capture_output=True, text=True).stdout.strip()


@contextmanager
def pipelines(work: Path) -> Iterator[Pipelines]:
    """Every stand-in started, a consumer repository made; all stopped afterwards."""
    with ExitStack() as stack:
        index = stack.enter_context(PypiServer.start(work / "index"))
        github = stack.enter_context(fake_github())
        github.html_base = f"{github.url}/stand-in"  # links it prints are plainly not github.com
        providers = {
            "deepseek": stack.enter_context(FakeProvider("401")),
            "glm": stack.enter_context(FakeProvider("ok")),
        }
        actions_repo = copy_tracked_tree(work / "release-actions")
        run = Pipelines(work, index, github, providers, actions_repo)
        run.create_consumer()
        github.git_dir = run.origin  # the compare API answers from the consumer's origin
        yield run
