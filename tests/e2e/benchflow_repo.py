"""A stand-in BenchFlow repository for rehearsing examples/benchflow: the package `benchflow`
laid out as BenchFlow lays it out (src layout, the version in `[project]`, `__version__` read
from the installed metadata), its pyproject with the extras the workflows sync (small ones), the
four workflows of examples/benchflow unchanged, and tiny stand-ins for BenchFlow's own scripts
the workflows run: the scope planner, the rollout (`bench eval run`), the agent judge and the
live scenarios. The rollout, the judge and the scenarios read the variables integration-gate
exports with `export-names: benchflow` and fail, naming it, when one is missing: a rehearsal
that is green proves the drop-in contract.

`python -m tests.e2e.benchflow_repo` makes one in a temporary folder and rehearses it there.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.helpers import ROOT, VENV_BIN, clean_env, git

VERSION = "0.7.6.dev0"
FINAL = "0.7.6"
ORIGIN = "git@github.com:benchflow-ai/benchflow.git"
WORKFLOWS = ("test.yml", "integration-light.yml", "internal-preview-release.yml",
             "public-release.yml")
# What each stand-in requires, as BenchFlow's selector exports it (its own names).
ROLLOUT_NEEDS = ("BENCHFLOW_INTEGRATION_PROVIDER", "BENCHFLOW_INTEGRATION_AGENT",
                 "BENCHFLOW_INTEGRATION_MODEL", "OPENAI_API_KEY", "OPENAI_BASE_URL")
JUDGE_NEEDS = ("BENCHFLOW_JUDGE_MODEL", "OPENAI_API_KEY", "OPENAI_BASE_URL")



def _tuple(names: tuple[str, ...]) -> str:
    """`names` as ruff formats a tuple literal with a trailing comma."""
    return "(\n" + "".join(f'    "{name}",\n' for name in names) + ")"


PYPROJECT = f'''[project]
name = "benchflow"
version = "{VERSION}"
description = "A stand-in for BenchFlow, shaped like it, for rehearsing its release workflows."
readme = "README.md"
requires-python = ">=3.12"
license = {{ text = "Apache-2.0" }}
dependencies = []

[project.optional-dependencies]
dev = ["pytest>=8", "ruff>=0.7.0", "ty>=0.0.1a1"]
judge = []
sandbox-daytona = []
sandbox-modal = []

[project.scripts]
benchflow = "benchflow.cli:main"
bench = "benchflow.cli:main"

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[tool.hatch.build.targets.sdist]
only-include = ["src", "tests", "README.md", "CHANGELOG.md", "LICENSE", "pyproject.toml"]

[tool.pytest.ini_options]
addopts = "-m 'not live and not integration'"
testpaths = ["tests"]
markers = [
    "live: requires a real provider (run with -m live)",
    "integration: the live scenarios (run with -m integration)",
]

[tool.ruff]
target-version = "py312"

[tool.ty.environment]
python-version = "3.12"

[tool.ty.src]
include = ["src", "tools"]
'''

INIT = '''"""benchflow, a stand-in with BenchFlow's version layout."""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

try:
    __version__ = _version("benchflow")
except PackageNotFoundError:
    __version__ = "0+unknown"

__all__ = ["__version__"]
'''

# The helpers the stand-ins share: what BenchFlow's selector exported, and one chat request.
ENV = '''"""What the integration stand-ins need from the provider selector's exports."""

import json
import os
import sys
import urllib.request


def required(*names: str) -> dict[str, str]:
    """The variables `names`, or exit 1 naming those the selector did not export."""
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        print(f"::error::not exported by the provider selector: {', '.join(missing)}")
        sys.exit(1)
    return {name: os.environ[name] for name in names}


def chat(base_url: str, key: str, model: str, prompt: str) -> str:
    """One chat completion from the OpenAI-compatible endpoint the selector chose."""
    body = {"model": model, "messages": [{"role": "user", "content": prompt}]}
    request = urllib.request.Request(
        f"{base_url.rstrip('/')}/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return str(json.load(answer)["choices"][0]["message"]["content"])
'''

CLI = f'''"""`bench eval run`: a stand-in for BenchFlow's rollout, one chat request per task."""

import argparse
import json
from pathlib import Path

from benchflow._env import chat, required

NEEDS = {_tuple(ROLLOUT_NEEDS)}
OPTIONS = (
    "--source-repo",
    "--source-path",
    "--source-ref",
    "--include",
    "--sandbox",
    "--skill-mode",
    "--usage-tracking",
    "--concurrency",
    "--agent-idle-timeout",
    "--agent",
    "--model",
)


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("eval").add_subparsers(dest="action", required=True)
    rollout = run.add_parser("run")
    for option in OPTIONS:
        rollout.add_argument(option, required=True)
    rollout.add_argument("--jobs-dir", required=True, type=Path)
    args = parser.parse_args()
    env = required(*NEEDS)
    if (args.agent, args.model) != (
        env["BENCHFLOW_INTEGRATION_AGENT"],
        env["BENCHFLOW_INTEGRATION_MODEL"],
    ):
        print("::error::--agent and --model are not the selector's exports")
        return 1
    model = args.model.split("/", 1)[-1]
    answer = chat(env["OPENAI_BASE_URL"], env["OPENAI_API_KEY"], model, args.include)
    job = args.jobs_dir / args.include
    job.mkdir(parents=True, exist_ok=True)
    result = {{
        "task": args.include,
        "provider": env["BENCHFLOW_INTEGRATION_PROVIDER"],
        "agent": args.agent,
        "model": args.model,
        "answer": answer,
        "reward": 1.0,
    }}
    (job / "result.json").write_text(json.dumps(result, indent=2) + "\\n")
    print(f"rollout of {{args.include}}: {{args.agent}} with {{args.model}}, reward 1.0")
    return 0
'''

JUDGE = f'''"""Agent-as-judge over a rollout: a stand-in for BenchFlow's, a request per job."""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from benchflow._env import chat, required

NEEDS = {_tuple(JUDGE_NEEDS)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("rollout_dir", type=Path)
    parser.add_argument("--model", required=True)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    env = required(*NEEDS)
    if args.model != env["BENCHFLOW_JUDGE_MODEL"]:
        print("::error::--model is not the selector's BENCHFLOW_JUDGE_MODEL")
        return 1
    results = sorted(args.rollout_dir.glob("*/result.json"))
    if not results:
        print(f"::error::no rollout in {{args.rollout_dir}}")
        return 1
    model = args.model.split("/", 1)[-1]
    verdicts = []
    for path in results:
        rollout = json.loads(path.read_text())
        chat(env["OPENAI_BASE_URL"], env["OPENAI_API_KEY"], model, rollout["answer"])
        verdicts.append({{"task": rollout["task"], "verdict": "PASS"}})
    print(json.dumps({{"judge_model": args.model, "verdicts": verdicts}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''

SCENARIOS = '''"""The live scenarios, stand-ins: each needs what its job has, and only that."""

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]
SELECTED = ("BENCHFLOW_INTEGRATION_PROVIDER", "BENCHFLOW_INTEGRATION_MODEL")


def _exported(*names: str) -> None:
    missing = [name for name in names if not os.environ.get(name)]
    assert not missing, f"not exported by the provider selector: {', '.join(missing)}"


def test_agent_rollout() -> None:
    _exported(*SELECTED, "BENCHFLOW_INTEGRATION_AGENT")


def test_sandbox_parity() -> None:
    _exported(*SELECTED)
    assert list((ROOT / "jobs/integration-light").glob("*/result.json"))


def test_reaper_safety() -> None:
    _exported(*SELECTED)


def test_oracle_determinism() -> None:
    """The secretless job: the coherent fixtures, and no provider credentials."""
    assert (ROOT / "docs/examples/task-md/smoke/task.md").is_file()
    held = [name for name in ("OPENAI_API_KEY", *SELECTED) if os.environ.get(name)]
    assert not held, f"the secretless job holds {', '.join(held)}"
'''

UNIT = '''from importlib.metadata import version

import benchflow


def test_the_version_is_the_installed_metadata() -> None:
    assert benchflow.__version__ == version("benchflow")
'''

PLANNER = '''"""The scope planner, a stand-in: every diff plans one smoke cell."""

import argparse
import json
from pathlib import Path

parser = argparse.ArgumentParser()
for option in ("--base-ref", "--head-sha", "--scope", "--out"):
    parser.add_argument(option, required=True)
parser.add_argument("--diff-from-git", action="store_true")
args = parser.parse_args()
plan = {"scope": "smoke", "matrix": [{"task": "jax-computing-basics"}]}
Path(args.out).write_text(json.dumps(plan) + "\\n")
'''

TOOL = '''"""The changelog's newest heading, a stand-in for BenchFlow's tools/."""

from pathlib import Path


def newest(changelog: Path) -> str:
    lines = changelog.read_text().splitlines()
    return next(line for line in lines if line.startswith("## "))
'''

FILES = {
    "pyproject.toml": PYPROJECT,
    "README.md": "# benchflow\n\nA stand-in for BenchFlow, for rehearsing its release.\n",
    "CHANGELOG.md": f"# Changelog\n\n## {FINAL}\n\n- The stand-in's first public release.\n",
    "LICENSE": "Apache License, Version 2.0 (a stand-in's notice).\n",
    ".gitignore": ".venv/\ndist/\n__pycache__/\njobs/\nmatrix.json\n",
    "src/benchflow/__init__.py": INIT,
    "src/benchflow/_env.py": ENV,
    "src/benchflow/cli.py": CLI,
    "tests/__init__.py": "",
    "tests/test_version.py": UNIT,
    "tests/test_integration_suite.py": SCENARIOS,
    "tests/integration/__init__.py": "",
    "tests/integration/agent_judge.py": JUDGE,
    ".github/scripts/integration_matrix.py": PLANNER,
    "tools/__init__.py": "",
    "tools/changelog.py": TOOL,
    "docs/examples/task-md/smoke/task.md": "---\nsandbox:\n  docker_image: python:3.12\n---\n"
                                            "A task fixture.\n",
}


def python_312() -> Path:
    """A Python 3.12 on this machine, the one a rehearsal offers `uv python install 3.12`."""
    from devtools.uv_cache import python_312 as found

    if not found():
        raise LookupError("no Python 3.12 on this machine (the workflows install 3.12)")
    return found()[0]


def make_benchflow(root: Path) -> Path:
    """The stand-in at `root`: one commit on main, `uv.lock` made by uv, origin on GitHub."""
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / ".github/workflows").mkdir(parents=True, exist_ok=True)
    for name in WORKFLOWS:
        shutil.copyfile(ROOT / "examples/benchflow" / name, root / ".github/workflows" / name)
    subprocess.run([str(VENV_BIN / "uv"), "lock", "--quiet", "--python", str(python_312())],
                   cwd=root, env=clean_env(), check=True, capture_output=True, text=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Initial commit")
    git(root, "remote", "add", "origin", ORIGIN)
    return root


def main() -> int:
    """Make the stand-in in a temporary folder and rehearse it there, told as it goes."""
    with tempfile.TemporaryDirectory(prefix="benchflow-") as folder:
        repository = make_benchflow(Path(folder) / "benchflow")
        return subprocess.run([str(VENV_BIN / "release-actions"), "rehearse", *sys.argv[1:]],
                              cwd=repository, env=clean_env(), check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
