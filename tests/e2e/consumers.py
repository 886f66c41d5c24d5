"""Consumer repositories that are not examples/: their own package names, version layouts,
workflow file names and titles, and action pins (tags, other SHAs, our actions at any ref), as
a user writes them from the README. Each is a real git repository with a GitHub origin URL."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.helpers import git

CHANGELOG = "# Changelog\n\n## {final}\n\n- First public release of {name}.\n"


@dataclass(frozen=True)
class Kind:
    name: str  # the distribution name
    version: str  # main's version
    layout: str  # "hatch-path" (__version__ in the module), "static" ([project].version) or
    # "hatch-vcs" (git tags, as hynek/structlog: `version` is what main would release, .dev0)
    files: tuple[str, str, str, str]  # test, gate, preview, public workflow file names
    titles: tuple[str, str, str]  # the `name:` of test, gate, preview
    checkout: str  # the pin of actions/checkout
    setup: str  # the Python/uv setup step
    ours: str  # the ref our actions are used at
    password: str = ""  # a secret the public publish step passes as `password` (the README's)

    @property
    def module(self) -> str:
        return self.name.replace("-", "_")

    @property
    def final(self) -> str:
        return self.version.split(".dev")[0]


ACME = Kind(
    name="acme-widgets", version="2.3.0.dev0", layout="hatch-path",
    files=("checks.yml", "gate.yaml", "nightly-preview.yml", "ship.yml"),
    titles=("Checks", "Gate", "Preview build"),
    checkout="actions/checkout@v4",
    setup="actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065",
    ours="v1.4.0", password="PYPI_PASSWORD",
)
# Tried as a new user would on hynek/structlog (commit 025edaf): a version from git tags.
TAGGED = Kind(
    name="tagged-log", version="1.2.1.dev0", layout="hatch-vcs",
    files=("ci.yml", "integration.yml", "preview.yml", "release.yml"),
    titles=("CI", "Integration", "Release preview"),
    checkout="actions/checkout@v4",
    setup="astral-sh/setup-uv@v6",
    ours="v1",
)
TINY = Kind(
    name="tiny-lib", version="0.4.0.dev0", layout="static",
    files=("ci.yml", "record.yml", "preview.yml", "release.yml"),
    titles=("CI", "Record tested commit", "Release preview"),
    checkout="actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8",
    setup="astral-sh/setup-uv@v6",
    ours="0123456789abcdef0123456789abcdef01234567",
)


def _pyproject(kind: Kind) -> str:
    head = f'[project]\nname = "{kind.name}"\n'
    if kind.layout == "static":
        head += f'version = "{kind.version}"\n'
    else:
        head += 'dynamic = ["version"]\n'
    body = (
        f'description = "{kind.name}, a consumer of release-actions"\n'
        'readme = "README.md"\nrequires-python = ">=3.9"\nlicense = "MIT"\n\n'
        '[build-system]\nrequires = ["hatchling>=1.26"]\nbuild-backend = "hatchling.build"\n'
    )
    if kind.layout == "hatch-path":
        body += f'\n[tool.hatch.version]\npath = "src/{kind.module}/__init__.py"\n'
    if kind.layout == "hatch-vcs":
        body = body.replace('"hatchling>=1.26"]', '"hatchling>=1.26", "hatch-vcs"]')
        body += ('\n[tool.hatch.version]\nsource = "vcs"\n'
                 'raw-options = { local_scheme = "no-local-version" }\n')
    return head + body


def _workflows(kind: Kind) -> dict[str, str]:
    test, gate, preview, public = kind.files
    t_test, t_gate, t_preview = kind.titles
    ours = f"benchflow-ai/release-actions/{{}}@{kind.ours}"
    password = (f"\n          password: ${{{{ secrets.{kind.password} }}}}" if kind.password
                else "")
    return {
        test: f"""name: {t_test}
on:
  push:
    branches: [main]
permissions:
  contents: read
jobs:
  unit:
    runs-on: ubuntu-latest
    steps:
      - uses: {kind.checkout}
        with:
          persist-credentials: false
      - uses: {kind.setup}
      - name: Import the package from the tree
        run: python3 -c "import sys; sys.path.insert(0, 'src'); import {kind.module}"
""",
        gate: f"""name: {t_gate}
on:
  workflow_run: # zizmor: ignore[dangerous-triggers]
    workflows: ["{t_test}"]
    types: [completed]
permissions:
  contents: read
jobs:
  record:
    if: >-
      github.event.workflow_run.conclusion == 'success' &&
      github.event.workflow_run.event == 'push' &&
      github.event.workflow_run.head_branch == 'main'
    runs-on: ubuntu-latest
    steps:
      - uses: {kind.checkout}
        with:
          ref: ${{{{ github.event.workflow_run.head_sha }}}}
          persist-credentials: false
      - uses: {ours.format("tested-run")}
        with:
          mode: record
""",
        preview: f"""name: {t_preview}
on:
  workflow_run: # zizmor: ignore[dangerous-triggers]
    workflows: ["{t_gate}"]
    types: [completed]
permissions: {{}}
jobs:
  ship:
    if: github.event.workflow_run.conclusion == 'success'
    runs-on: ubuntu-latest
    environment: pypi-internal-preview
    permissions:
      actions: read
      contents: read
      id-token: write
    steps:
      - id: tested
        uses: {ours.format("tested-run")}
      - if: steps.tested.outputs.available == 'true'
        uses: {kind.checkout}
        with:
          ref: ${{{{ steps.tested.outputs.sha }}}}
          persist-credentials: false
      - id: version
        if: steps.tested.outputs.available == 'true'
        uses: {ours.format("version-rewrite")}
        with:
          run-number: ${{{{ steps.tested.outputs.run-number }}}}
      - if: steps.version.outputs.publish == 'true'
        uses: {ours.format("publish")}
        with:
          channel: preview
          expected-version: ${{{{ steps.version.outputs.version }}}}
""",
        public: f"""name: Publish release
on:
  push:
    tags: ["v*"]
permissions: {{}}
jobs:
  release:
    runs-on: ubuntu-latest
    environment:
      name: pypi-public
      url: https://pypi.org/project/{kind.name}/
    permissions:
      contents: write
      id-token: write
    steps:
      - uses: {kind.checkout}
        with:
          persist-credentials: false
      - id: guard
        uses: {ours.format("tag-guard")}
      - uses: {ours.format("publish")}
        with:
          channel: public
          expected-version: ${{{{ steps.guard.outputs.version }}}}{password}
  bump:
    needs: release
    runs-on: ubuntu-latest
    permissions:
      contents: write
      pull-requests: write
    steps:
      - uses: {kind.checkout}
        with:
          persist-credentials: false
      - uses: {ours.format("bump-dev")}
""",
    }


def make_consumer(root: Path, kind: Kind, *, edits: dict[str, tuple[str, str]] | None = None,
                  extra: dict[str, str] | None = None) -> Path:
    """`kind` as a repository at `root` with one commit on main; `edits` replace text in a
    file (file → (old, new)), `extra` adds files."""
    files = {
        "pyproject.toml": _pyproject(kind),
        "README.md": f"# {kind.name}\n\nA consumer of release-actions.\n",
        "CHANGELOG.md": CHANGELOG.format(final=kind.final, name=kind.name),
        f"src/{kind.module}/__init__.py": f'"""{kind.name}."""\n\n__version__ = '
                                          f'"{kind.version}"\n',
        ".gitignore": "dist/\n.venv/\n__pycache__/\n",
        **{f".github/workflows/{name}": text for name, text in _workflows(kind).items()},
        **(extra or {}),
    }
    for name, (old, new) in (edits or {}).items():
        assert old in files[name], (name, old)
        files[name] = files[name].replace(old, new)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Initial commit")
    git(root, "remote", "add", "origin", f"git@github.com:octo/{kind.name}.git")
    return root


def snapshot(root: Path) -> str:
    """What the user's repository holds: refs, index, working tree status, remotes."""
    return subprocess.run(
        "git show-ref; git status --porcelain --ignored; git remote -v; git stash list",
        shell=True, cwd=root, capture_output=True, text=True, check=True,
    ).stdout
