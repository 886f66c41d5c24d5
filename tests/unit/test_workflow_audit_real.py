"""doctor on real projects' workflow files: each snippet below is vendored verbatim (trimmed to
the jobs that matter) from the upstream repository and commit named above it, and each was a
false alarm: advice that would have broken a working job."""
# ruff: noqa: E501, W293 (the vendored lines stay as upstream wrote them)

from __future__ import annotations

from pathlib import Path

import pytest

from release_actions.checklist import Item
from release_actions.workflow_audit import Channel, audit_workflows, check_channel
from release_actions.workflows import read_folder

CHANNELS = (
    Channel("preview", "internal-preview-release.yml", "pypi-internal-preview",
            "preview-workflow", "preview-environment"),
    Channel("public", "public-release.yml", "pypi-public", "public-workflow",
            "public-environment"),
)

# python-attrs/attrs@c1dc5dcba16ed827aa6dcad896b41a3afedb4e32 .github/workflows/pypi-package.yml
ATTRS = """\
permissions: {}

jobs:
  # Always build & lint package.
  build-package:
    name: Build & verify package
    runs-on: ubuntu-latest
    permissions:
      attestations: write  # necessary for GitHub attestations
      id-token: write  # necessary for GitHub attestations

    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          fetch-depth: 0
          persist-credentials: false

      - uses: hynek/build-and-inspect-python-package@2abe76da66d0a6a4a227101f9348ee855797cfa5 # v3.0.1
        with:
          attest-build-provenance-github: 'true'

  # Upload to real PyPI on GitHub Releases.
  release-pypi:
    name: Publish released package to pypi.org
    environment: release-pypi
    if: github.repository_owner == 'python-attrs' && github.event.action == 'published'
    runs-on: ubuntu-latest
    needs: build-package

    permissions:
      id-token: write  # necessary for trusted publishing

    steps:
      - name: Download packages built by build-and-inspect-python-package
        uses: actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1
        with:
          name: Packages
          path: dist

      - name: Upload package to PyPI
        uses: pypa/gh-action-pypi-publish@dc37677b2e1c63e2034f94d8a5b11f265b73ba33 # v1.14.2
"""

# pytest-dev/pluggy@e382e72789f8d791991c489d4322aa04e660b952 .github/workflows/deploy.yml
PLUGGY = """\
name: deploy

on:
  push:
    tags:
      - "*"

# Set permissions at the job level.
permissions: {}

jobs:
  package:
    name: Build & inspect our package.
    runs-on: ubuntu-latest
    permissions:
      id-token: write
      attestations: write
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          fetch-depth: 0
          persist-credentials: false
      - uses: hynek/build-and-inspect-python-package@d44ca7d91762de7a7d5436ddae667c6da6d1c3df # v2.18.0
        with:
          attest-build-provenance-github: 'true'

  deploy:
    needs: [package]
    if: github.event_name == 'push' && startsWith(github.event.ref, 'refs/tags') && github.repository == 'pytest-dev/pluggy'
    runs-on: ubuntu-latest
    permissions:
      id-token: write
    steps:
      - name: Download built packages from the check-package job.
        uses: actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1
        with:
          name: Packages
          path: dist
      - name: Publish package
        uses: pypa/gh-action-pypi-publish@dc37677b2e1c63e2034f94d8a5b11f265b73ba33 # v1.14.2
        with:
          attestations: true
"""

# urllib3/urllib3@6a8536b6e1b0cbe69ae801337c599951e527ae29 .github/workflows/scorecards.yml
URLLIB3_SCORECARD = """\
name: "Scorecard"
on:
  branch_protection_rule:
  schedule:
    - cron: "0 0 * * 0"
  push:
    branches: ["main"]

permissions:
  contents: "read"

jobs:
  analysis:
    if: github.repository_owner == 'urllib3'
    name: "Scorecard"
    runs-on: "ubuntu-latest"
    permissions:
      security-events: write
      id-token: write
      contents: read
      actions: read

    steps:
      - name: "Checkout repository"
        uses: actions/checkout@9c091bb21b7c1c1d1991bb908d89e4e9dddfe3e0 # v7.0.0
        with:
          persist-credentials: false

      - name: "Run Scorecard"
        uses: ossf/scorecard-action@62b2cac7ed8198b15735ed49ab1e5cf35480ba46 # v2.4.0
        with:
          results_file: results.sarif
          results_format: sarif
          repo_token: ${{ secrets.SCORECARD_TOKEN }}
          publish_results: true
"""

# pdm-project/pdm@a7e9d0015b4d5ca5d1b0c558582f9bf41b2fdf54 .github/workflows/release.yml
PDM = """\
name: Release

on:
  push:
    tags:
      - "*"

jobs:
  release-pypi:
    name: release-pypi
    runs-on: ubuntu-latest
    permissions:
      id-token: write
      contents: write

    steps:
      - uses: actions/checkout@v7.0.1

      - uses: actions/setup-python@v7
        with:
          python-version: "3.11"
          cache: pip

      - name: Build artifacts
        run: |
          pipx run build

      - name: Publish package distributions to PyPI
        run: pdm publish --no-build
"""

# python-trio/trio@60d0c2f84854ec6ef74995663dcdce3296840485 .github/workflows/autodeps.yml
TRIO_AUTODEPS = """\
name: Autodeps

on:
  workflow_dispatch:
  schedule:
    - cron:  '0 0 1 * *'

jobs:
  Autodeps:
    if: github.repository_owner == 'python-trio'
    name: Autodeps
    timeout-minutes: 10
    runs-on: 'ubuntu-latest'
    permissions:
      pull-requests: write
      issues: write
      repository-projects: write
      contents: write

    steps:
      - name: Checkout
        uses: actions/checkout@v7
        with:
          persist-credentials: true  # credentials are needed to push commits
      - name: Commit changes and create automerge PR
        env:
          GH_TOKEN: ${{ github.token }}
        run: |
          # setup git repo
          git switch --force-create autodeps/bump_from_${GITHUB_SHA:0:6}
          git config user.name 'github-actions[bot]'
          git config user.email '41898282+github-actions[bot]@users.noreply.github.com'

          if ! git commit -am "Dependency updates"; then
            echo "No changes to commit!"
            exit 0
          fi

          git push --force --set-upstream origin autodeps/bump_from_${GITHUB_SHA:0:6}
"""

# pypa/pip@6d309205789d368b2749d93fd6193d584811efd5 .github/workflows/update-build-project-lock.yml
PIP_LOCK = """\
name: Update build-project lock

on:
  workflow_dispatch:

jobs:
  update-build-project-lock:
    if: github.repository_owner == 'pypa'
    runs-on: ubuntu-latest
    permissions:
      contents: write
      pull-requests: write
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          persist-credentials: true  # because we'll git push

      - name: Create a pull request if the lock file changed
        env:
          GH_TOKEN: ${{ github.token }}
        run: |
          branch="update-build-project-lock"
          git switch -c "$branch"
          git add build-project/pylock.toml
          git commit -m "Update build-project/pylock.toml"
          git push --force origin "$branch"
"""

# benchflow-ai/benchflow@62cc7e417c67ed6aaab2dc50a0bb642b2b77a3d2
# .github/workflows/public-release.yml
BENCHFLOW_PUBLIC = """\
name: public-release

on:
  push:
    tags:
      - "v*"

# PyPI Trusted Publishing uses OIDC, and GitHub Releases need contents: write.
permissions:
  contents: write
  id-token: write

jobs:
  publish:
    name: Publish public release
    if: startsWith(github.ref, 'refs/tags/v')
    runs-on: ubuntu-latest
    environment: pypi-public

    steps:
      - name: Check out tag
        uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683  # v4.2.2
        with:
          fetch-depth: 0
          persist-credentials: false

      - name: Publish to PyPI
        run: uv publish --trusted-publishing always dist/*
"""

# benchflow-ai/benchflow@62cc7e417c67ed6aaab2dc50a0bb642b2b77a3d2
# .github/workflows/deploy-trajectory-upload.yml
BENCHFLOW_AZURE = """\
name: deploy-trajectory-upload

on:
  workflow_dispatch:

permissions:
  contents: read
  id-token: write

jobs:
  deploy:
    name: Deploy production service
    runs-on: ubuntu-latest
    environment: trajectory-upload-production

    steps:
      - name: Sign in to Azure with OIDC
        uses: azure/login@a457da9ea143d694b1b9c7c869ebb04ebe844ef5 # v2.3.0
        with:
          client-id: ${{ secrets.AZURE_CLIENT_ID }}
          tenant-id: ${{ secrets.AZURE_TENANT_ID }}
          subscription-id: ${{ secrets.AZURE_SUBSCRIPTION_ID }}

      - name: Deploy exact checked-out revision
        run: ./services/trajectory_upload/scripts/deploy.sh
"""


# pydantic/pydantic@2151025aa51263f3016502b00010b78e4481eaa1 .github/workflows/docs-update.yml
PYDANTIC_DOCS = """\
name: Publish Documentation

on:
  push:
    branches:
      - main

jobs:
  publish:
    # Compare with the docs-build job in .github/workflows/ci.yml
    runs-on: ubuntu-latest
    timeout-minutes: 30
    permissions:
      contents: write

    steps:
      - name: Checkout docs-site
        uses: actions/checkout@9c091bb21b7c1c1d1991bb908d89e4e9dddfe3e0 # v7.0.0
        with:
          ref: docs-site
          persist-credentials: true

      - name: Checkout current branch
        uses: actions/checkout@9c091bb21b7c1c1d1991bb908d89e4e9dddfe3e0 # v7.0.0
        with:
          persist-credentials: true

      - name: Set git credentials
        run: |
          git config --global user.name "${GITHUB_ACTOR}"
          git config --global user.email "${GITHUB_ACTOR}@users.noreply.github.com"

      - run: PYTHONPATH="$PWD${PYTHONPATH:+:${PYTHONPATH}}" uv run mike deploy -b docs-site dev --push
        if: github.ref == 'refs/heads/main'
"""

# benchflow-ai/benchflow@62cc7e417c67ed6aaab2dc50a0bb642b2b77a3d2
# .github/workflows/internal-preview-release.yml (the publish job's first steps)
BENCHFLOW_PREVIEW_FETCH = """\
on: workflow_run
permissions: {}
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - name: Check out tested commit
        uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683  # v4.2.2
        with:
          ref: ${{ steps.provenance.outputs.tested_sha }}

      - name: Verify tested commit is on main
        run: |
          set -euo pipefail
          git fetch --no-tags origin +refs/heads/main:refs/remotes/origin/main
          git merge-base --is-ancestor HEAD refs/remotes/origin/main
"""

# python-attrs/cattrs@82b02c07ca535a1ba656b935767d819eac9d383b .github/workflows/codspeed.yml
CATTRS_CODSPEED = """\
name: CodSpeed Benchmarks

on:
  push:
    branches: [main]
    tags: ["*"]
    paths:
      - src/**.py
      - bench/**
      - .github/workflows/codspeed.yml
  pull_request:
    paths:
      - src/**.py
      - bench/**
      - .github/workflows/codspeed.yml
  workflow_dispatch:

permissions:
  contents: read # required for actions/checkout
  id-token: write # required for OIDC authentication with CodSpeed
  
jobs:
  codspeed:
    name: Run CodSpeed benchmarks
    runs-on: ubuntu-latest

    steps:
      - uses: actions/checkout@8e8c483db84b4bee98b60c0593521ed34d9990e8  # v6.0.1
        with:
           persist-credentials: false

      - uses: hynek/setup-cached-uv@757bedc3f972eb7227a1aa657651f15a8527c817  # v2.3.0

      - name: Run CodSpeed benchmarks
        uses: CodSpeedHQ/action@346a2d8a8d9d38909abd0bc3d23f773110f076ad  # v4.4.1
        with:
          mode: simulation
          run: uv run --python 3.14 --with pytest-codspeed --with pytest-benchmark --group test --extra msgspec --extra orjson pytest --codspeed bench/
"""

# pytest-dev/pytest@df87db7b0462fb764ef73fa00561adf8ad047572 .github/workflows/prepare-release-pr.yml
PYTEST_RELEASE_PR = """\
name: prepare release pr

on:
  workflow_dispatch:
    inputs:
      branch:
        description: 'Branch to base the release from'
        required: true
        default: ''
      major:
        description: 'Major release? (yes/no)'
        required: true
        default: 'no'
      prerelease:
        description: 'Prerelease (ex: rc1). Leave empty if not a pre-release.'
        required: false
        default: ''

# Set permissions at the job level.
permissions: {}

jobs:
  build:
    runs-on: ubuntu-latest
    permissions:
      contents: write
      pull-requests: write

    steps:
    - uses: actions/checkout@9c091bb21b7c1c1d1991bb908d89e4e9dddfe3e0 # v7.0.0
      with:
        fetch-depth: 0
        # persist-credentials is needed in order for us to push the release branch.
        persist-credentials: true

    - name: Set up tox
      uses: ./.github/actions/setup-tox
      with:
        python-version: "3.13"

    - name: Prepare release PR (minor/patch release)
      if: github.event.inputs.major == 'no'
      env:
        BRANCH: ${{ github.event.inputs.branch }}
        PRERELEASE: ${{ github.event.inputs.prerelease }}
        GH_TOKEN: ${{ github.token }}
      run: |
        tox -e prepare-release-pr -- "$BRANCH" --prerelease="$PRERELEASE"

"""

# tox-dev/platformdirs@b2f29d8e8c17ac18299c2a3e1833620281bb57d2 .github/workflows/prepare-release.yaml
PLATFORMDIRS_PREPARE = """\
name: 🛠️ Prepare release
on:
  workflow_dispatch:
    inputs:
      bump:
        description: "Version bump"
        required: true
        default: auto
        type: choice
        options: [auto, major, minor, patch]
permissions:
  contents: read
jobs:
  prepare-release:
    name: 📝 build changelog and tag
    runs-on: ubuntu-24.04
    # RELEASE_TOKEN is an environment-scoped secret; selecting the environment resolves it so the checkout can push.
    environment:
      name: release
    permissions:
      contents: write
    steps:
      - name: 📥 Checkout
        uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          fetch-depth: 0 # full history so the version calculation sees the latest tag
          token: ${{ secrets.RELEASE_TOKEN }} # zizmor: ignore[artipacked]
"""

# python-attrs/cattrs@82b02c07ca535a1ba656b935767d819eac9d383b .github/workflows/pypi-package.yml
CATTRS_PACKAGE = """\
---
name: Build & maybe upload PyPI package

permissions: {}

on:
  push:
    branches: [main]
    tags: ["*"]
  release:
    types:
      - published
  workflow_dispatch:

jobs:
  build-package:
    name: Build & verify package
    runs-on: ubuntu-latest

    steps:
      - uses: actions/checkout@8e8c483db84b4bee98b60c0593521ed34d9990e8  # v6.0.1
        with:
          fetch-depth: 0
          persist-credentials: false

      - uses: hynek/build-and-inspect-python-package@efb823f52190ad02594531168b7a2d5790e66516  # v2.14.0

  # Upload to Test PyPI on every commit on main.
  release-test-pypi:
    name: Publish in-dev package to test.pypi.org
    environment: release-test-pypi
    if: github.event_name == 'push' && github.ref == 'refs/heads/main'
    runs-on: ubuntu-latest
    needs: build-package
    permissions:
      id-token: write

    steps:
      - name: Download packages built by build-and-inspect-python-package
        uses: actions/download-artifact@37930b1c2abaa49bbe596cd826c3c89aef350131  # v7.0.0
        with:
          name: Packages
          path: dist

      - name: Upload package to Test PyPI
        uses: pypa/gh-action-pypi-publish@ed0c53931b1dc9bd32cbe73a98c7f6766f8a527e  # v1.13.0
        with:
          repository-url: https://test.pypi.org/legacy/

  # Upload to real PyPI on GitHub Releases.
  release-pypi:
    name: Publish released package to pypi.org
    environment: release-pypi
    if: github.event.action == 'published'
    runs-on: ubuntu-latest
    needs: build-package
    permissions:
      id-token: write

    steps:
      - name: Download packages built by build-and-inspect-python-package
        uses: actions/download-artifact@37930b1c2abaa49bbe596cd826c3c89aef350131  # v7.0.0
        with:
          name: Packages
          path: dist

      - name: Upload package to PyPI
        uses: pypa/gh-action-pypi-publish@ed0c53931b1dc9bd32cbe73a98c7f6766f8a527e  # v1.13.0
"""

# python-jsonschema/jsonschema@b37f7be6dc7966a1f1a67557976041ffe0826cb3 .github/workflows/ci.yml
JSONSCHEMA = """\
name: CI

on:
  push:
    branches-ignore:
      - "wip*"
    tags:
      - "v*"
  pull_request:
  schedule:
    # Daily at 3:21
    - cron: "21 3 * * *"
  workflow_dispatch:

permissions: {}

concurrency:
  group: ${{ github.workflow }}-${{ github.ref }}
  cancel-in-progress: ${{ github.event_name == 'pull_request' }}

jobs:
  packaging:
    name: Build and publish
    needs: ci
    runs-on: ubuntu-latest
    environment:
      name: PyPI
      url: https://pypi.org/p/jsonschema

    permissions:
      contents: write  # for creating GitHub releases via `gh release create`
      id-token: write  # for trusted publishing to PyPI

    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          fetch-depth: 0
          persist-credentials: false
      - name: Set up uv
        uses: astral-sh/setup-uv@c771a70e6277c0a99b617c7a806ffedaca235ff9
        with:
          enable-cache: ${{ github.ref_type != 'tag' }} # zizmor: ignore[cache-poisoning]

      - name: Build our distributions
        run: uv run --frozen --with 'build[uv]' -m build --installer=uv

      - name: Publish to PyPI
        if: github.event_name == 'push' && startsWith(github.event.ref, 'refs/tags')
        uses: pypa/gh-action-pypi-publish@dc37677b2e1c63e2034f94d8a5b11f265b73ba33
      - name: Create a GitHub Release
        if: github.event_name == 'push' && startsWith(github.event.ref, 'refs/tags')
        env:
          GH_TOKEN: ${{ github.token }}
        run: gh release create "${GITHUB_REF_NAME}" dist/* --generate-notes
"""

# tox-dev/tox@ccb12fc2e1bb9df0da860be4af175e9b97949fbc .github/workflows/prepare-release.yaml
TOX_PREPARE = """\
name: Prepare Release
on:
  workflow_dispatch:
    inputs:
      bump:
        description: "Version bump type"
        required: true
        type: choice
        options:
          - auto
          - major
          - minor
          - patch
        default: auto
permissions:
  contents: write
env:
  FORCE_COLOR: 1
jobs:
  prepare-release:
    runs-on: ubuntu-24.04
    environment: release-auth
    permissions:
      contents: write
    steps:
      - uses: actions/checkout@9c091bb21b7c1c1d1991bb908d89e4e9dddfe3e0 # v7.0.0
        with:
          fetch-depth: 0
          token: ${{ secrets.RELEASE_PAT }}
          persist-credentials: true
      - name: Install the latest version of uv
        uses: astral-sh/setup-uv@11f9893b081a58869d3b5fccaea48c9e9e46f990 # v8.3.2
        with:
          enable-cache: true
          cache-dependency-glob: "pyproject.toml"
          github-token: ${{ secrets.GITHUB_TOKEN }}
      - name: Configure git
        run: |
          git config user.name "${GITHUB_ACTOR}"
          git config user.email "${GITHUB_ACTOR}@users.noreply.github.com"
      - name: Set up remote tracking
        run: |
          git remote -v
          git fetch origin
          git branch -a
      - name: Calculate next version
        id: version
        run: |
          current=$(git describe --tags --abbrev=0 2>/dev/null || echo "0.0.0")
          echo "Current version: $current"

          IFS='.' read -r major minor patch <<< "$current"

          bump_type="${{ inputs.bump }}"
          if [ "$bump_type" = "auto" ]; then
            feature_count=$(find docs/changelog -name "*.feature.rst" 2>/dev/null | wc -l)
            if [ "$feature_count" -gt 0 ]; then
              bump_type="minor"
              echo "Auto-detected: minor bump (found $feature_count feature changelog(s))"
            else
              bump_type="patch"
              echo "Auto-detected: patch bump (no feature changelogs)"
            fi
          fi

          case "$bump_type" in
            major)
              next="$((major + 1)).0.0"
              ;;
            minor)
              next="$major.$((minor + 1)).0"
              ;;
            patch)
              next="$major.$minor.$((patch + 1))"
              ;;
          esac

          echo "Next version: $next"
          echo "version=$next" >> $GITHUB_OUTPUT
      - name: Install tox
        run: uv tool install --python-preference only-managed --python 3.14 tox@.
      - name: Run release process
        run: tox run -e release -- ${STEPS_VERSION_OUTPUTS_VERSION}
        env:
          GH_TOKEN: ${{ secrets.RELEASE_PAT }}
          STEPS_VERSION_OUTPUTS_VERSION: ${{ steps.version.outputs.version }}
      - name: Display completion message
        run: echo "Release ${STEPS_VERSION_OUTPUTS_VERSION} prepared and pushed successfully!"
        env:
          STEPS_VERSION_OUTPUTS_VERSION: ${{ steps.version.outputs.version }}
"""


def audit(tmp_path: Path, name: str, text: str,
          channels: tuple[Channel, ...] = CHANNELS) -> list[Item]:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / name).write_text(text)
    return audit_workflows(read_folder(folder, lambda path: path.name),
                           "integration-eval-secrets", channels)


def of(items: list[Item], check: str, status: str | None = None) -> list[Item]:
    return [item for item in items if item.check == check and item.status != "pass"
            and (status is None or item.status == status)]


@pytest.mark.parametrize(
    ("name", "text", "job", "what"),
    [
        pytest.param("pypi-package.yml", ATTRS, "build-package", "GitHub artifact attestations",
                     id="attrs-baipp-attestations"),
        pytest.param("deploy.yml", PLUGGY, "package", "GitHub artifact attestations",
                     id="pluggy-baipp-attestations"),
        pytest.param("scorecards.yml", URLLIB3_SCORECARD, "analysis", "OSSF Scorecard",
                     id="urllib3-scorecard"),
    ],
)
def test_id_token_for_another_oidc_use_is_a_note(
    tmp_path: Path, name: str, text: str, job: str, what: str
) -> None:
    """Given a job that mints OIDC tokens for attestations or Scorecard, when audited, then its
    `id-token: write` is a note naming that use (removing it would break the job)."""
    items = audit(tmp_path, name, text)

    assert of(items, "id-token", "fail") == []
    notes = of(items, "id-token", "note")
    assert len(notes) == 1, notes
    assert f"Job `{job}`" in notes[0].detail and f"for {what}" in notes[0].detail
    assert "keep it" in notes[0].detail and "remove" not in notes[0].detail


def test_a_cloud_login_through_a_workflow_level_grant_is_a_note(tmp_path: Path) -> None:
    """benchflow's Azure deploy inherits `id-token: write` from the workflow: the only job uses
    it, so it is a note whose fix keeps the job's scopes (moving them to the job)."""
    items = audit(tmp_path, "deploy-trajectory-upload.yml", BENCHFLOW_AZURE)

    assert of(items, "id-token", "fail") == []
    (note,) = of(items, "id-token", "note")
    assert note.line == 8
    assert "`{contents: read, id-token: write}` to `deploy`" in note.detail


def test_pdm_publish_makes_the_job_a_publisher_and_its_pip_cache_is_seen(tmp_path: Path) -> None:
    """pdm's release job publishes with `pdm publish`: its `id-token: write` is right, and the
    pip cache it restores is the finding."""
    items = audit(tmp_path, "release.yml", PDM)

    assert of(items, "id-token") == []
    (cache,) = of(items, "publish-cache")
    assert cache.line == 19 and "`cache: pip`" in cache.detail
    (other,) = of(items, "other-publishers")
    assert "`pdm publish`" in other.detail


@pytest.mark.parametrize(
    ("name", "text"),
    [
        pytest.param("autodeps.yml", TRIO_AUTODEPS, id="trio-autodeps"),
        pytest.param("update-build-project-lock.yml", PIP_LOCK, id="pip-lock-update"),
    ],
)
def test_persist_credentials_true_in_a_job_that_pushes_is_accepted(
    tmp_path: Path, name: str, text: str
) -> None:
    assert of(audit(tmp_path, name, text), "checkout-credentials") == []


def test_a_comment_saying_the_job_pushes_is_enough(tmp_path: Path) -> None:
    """The push may happen in a script doctor cannot read: trio's comment says so."""
    text = TRIO_AUTODEPS.replace(
        "          git push --force --set-upstream origin autodeps/bump_from_${GITHUB_SHA:0:6}\n",
        "          ./scripts/push-branch.sh\n")

    assert of(audit(tmp_path, "autodeps.yml", text), "checkout-credentials") == []


def test_persist_credentials_true_without_a_push_still_fails(tmp_path: Path) -> None:
    text = PIP_LOCK.replace("  # because we'll git push", "").replace(
        '          git push --force origin "$branch"\n', "")

    (item,) = of(audit(tmp_path, "update-build-project-lock.yml", text), "checkout-credentials")

    assert item.status == "fail" and "change `persist-credentials: true` (line " in item.detail


def test_a_job_that_pushes_with_default_credentials_is_a_note_not_a_breaking_fix(
    tmp_path: Path,
) -> None:
    text = PIP_LOCK.replace("        with:\n          persist-credentials: true  # because "
                            "we'll git push\n", "")

    (item,) = of(audit(tmp_path, "update-build-project-lock.yml", text), "checkout-credentials")

    assert item.status == "note"
    assert "`git push`, line 16" in item.detail and "persist-credentials: true" in item.detail


def test_a_publishing_job_inheriting_id_token_from_the_workflow_has_it(tmp_path: Path) -> None:
    """benchflow's public release grants `id-token: write` at the workflow level and its one
    job inherits it: no "has no `id-token: write`" failure; the workflow-level grant is a note
    whose fix keeps `contents: write` for the GitHub Release."""
    items = audit(tmp_path, "public-release.yml", BENCHFLOW_PUBLIC)

    assert of(items, "id-token", "fail") == []
    (note,) = of(items, "id-token", "note")
    assert "used by every job that inherits it (`publish`)" in note.detail
    assert "`{contents: write, id-token: write}` to `publish`" in note.detail


def test_a_workflow_level_grant_reaching_a_job_that_does_not_need_it_fails(
    tmp_path: Path,
) -> None:
    text = BENCHFLOW_PUBLIC.replace("jobs:\n", "jobs:\n  lint:\n    runs-on: ubuntu-latest\n"
                                    "    steps:\n      - run: ruff check\n")

    (item,) = of(audit(tmp_path, "public-release.yml", text), "id-token")

    assert item.status == "fail" and item.line == 11
    assert "neither publish nor use OIDC (`lint`)" in item.detail
    assert "`{contents: write}` (or less) to `lint`" in item.detail


def test_a_workflow_level_grant_no_job_needs_names_only_the_jobs_it_reaches(
    tmp_path: Path,
) -> None:
    """cattrs' CodSpeed workflow, were its steps plain `run:`s: the fix gives `{contents: read}`
    to `codspeed` and no grant to "none"."""
    text = CATTRS_CODSPEED.replace(
        "      - uses: hynek/setup-cached-uv@757bedc3f972eb7227a1aa657651f15a8527c817  # v2.3.0\n",
        "").replace("        uses: CodSpeedHQ/action@346a2d8a8d9d38909abd0bc3d23f773110f076ad  # v4.4.1\n        with:\n          mode: simulation\n          run:", "        run:")

    (item,) = of(audit(tmp_path, "codspeed.yml", text), "id-token")

    assert item.status == "fail"
    assert item.detail.endswith("(job permissions replace the workflow's): `{contents: read}` "
                                "(or less) to `codspeed`."), item.detail


def test_a_publisher_without_id_token_keeps_the_workflow_scopes_in_the_fix(tmp_path: Path) -> None:
    text = BENCHFLOW_PUBLIC.replace("  id-token: write\n", "")

    (item,) = of(audit(tmp_path, "public-release.yml", text), "id-token")

    assert "(its own or the workflow's)" in item.detail
    assert "`permissions: {contents: write, id-token: write}`" in item.detail


def test_a_docs_deployer_that_pushes_keeps_its_credentials(tmp_path: Path) -> None:
    """pydantic's docs job pushes the docs-site branch with `mike deploy --push`."""
    assert of(audit(tmp_path, "docs-update.yml", PYDANTIC_DOCS), "checkout-credentials") == []


def test_the_fix_for_a_checkout_says_what_a_later_fetch_then_needs(tmp_path: Path) -> None:
    """benchflow's preview job fetches main after the checkout: the fix (no persisted token)
    names that fetch and how it keeps working in a private repository."""
    (item,) = of(audit(tmp_path, "internal-preview-release.yml", BENCHFLOW_PREVIEW_FETCH),
                 "checkout-credentials")

    assert item.status == "fail" and item.line == 7
    assert "The later `git fetch` (step at line 12)" in item.detail
    assert "give the checkout `fetch-depth: 0`" in item.detail


def test_codspeeds_tokenless_upload_through_a_workflow_level_grant_is_a_note(
    tmp_path: Path,
) -> None:
    """cattrs grants `id-token: write` at the workflow level for CodSpeed (its comment says so):
    the only job uses it, so it is a note, never the advice to drop the grant."""
    items = audit(tmp_path, "codspeed.yml", CATTRS_CODSPEED)

    assert of(items, "id-token", "fail") == []
    (note,) = of(items, "id-token", "note")
    assert "used by every job that inherits it (`codspeed`)" in note.detail


@pytest.mark.parametrize(
    ("step", "status", "said"),
    [
        pytest.param("      - uses: actions/deploy-pages@d6db90164ac5ed86f2b6aed7e0febac5b3c0c03e  # v4.0.5\n",
                     "note", "for a GitHub Pages deployment", id="pages"),
        pytest.param("      - uses: example-org/upload-results@0123456789abcdef0123456789abcdef01234567\n",
                     "note", "`example-org/upload-results`, which may mint an OIDC token",
                     id="an-action-doctor-does-not-know"),
        pytest.param('      - run: |\n          curl -H "Authorization: bearer '
                     '$ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL"\n', "note",
                     "for a token it requests itself", id="a-token-requested-in-a-run-step"),
        pytest.param("      - run: uv run pytest\n", "fail", "publishes nothing and uses no OIDC",
                     id="nothing-that-can-use-it"),
    ],
)
def test_id_token_on_a_job_is_removed_only_where_nothing_can_use_it(
    tmp_path: Path, step: str, status: str, said: str
) -> None:
    """Removing `id-token: write` breaks a job whose action mints a token; doctor fails the
    grant only where every step is known to mint none."""
    text = ("on: push\npermissions: {}\njobs:\n  docs:\n    runs-on: ubuntu-latest\n"
            "    permissions:\n      id-token: write\n    steps:\n"
            "      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683  # v4.2.2\n"
            "        with:\n          persist-credentials: false\n" + step)

    (item,) = of(audit(tmp_path, "docs.yml", text), "id-token")

    assert item.status == status and said in item.detail, item.detail


def test_a_comment_over_persist_credentials_saying_the_job_pushes_is_enough(
    tmp_path: Path,
) -> None:
    """pytest's release job pushes from a tox environment; the comment on the line above
    `persist-credentials: true` says so."""
    assert of(audit(tmp_path, "prepare-release-pr.yml", PYTEST_RELEASE_PR),
              "checkout-credentials") == []
    unexplained = PYTEST_RELEASE_PR.replace(
        "        # persist-credentials is needed in order for us to push the release branch.\n",
        "        # the full history\n")
    (item,) = of(audit(tmp_path / "again", "prepare-release-pr.yml", unexplained),
                 "checkout-credentials")
    assert item.status == "fail"


PLATFORMDIRS_CHANNELS = (
    Channel("preview", "release.yaml", "release", "preview-workflow", "preview-environment"),
    Channel("public", "release.yaml", "release", "public-workflow", "public-environment"),
)


def test_a_job_in_the_publishing_environment_for_its_secret_is_a_note(tmp_path: Path) -> None:
    """platformdirs' prepare job runs in `release` for its environment-scoped RELEASE_TOKEN:
    dropping the environment would break its push, and without `id-token: write` it cannot
    publish, so it is a note; with the grant it could, and that fails."""
    (item,) = of(audit(tmp_path, "prepare-release.yaml", PLATFORMDIRS_PREPARE,
                       PLATFORMDIRS_CHANNELS), "environment-roles")
    assert item.status == "note" and "Keep it if it needs the environment" in item.detail

    granted = PLATFORMDIRS_PREPARE.replace("      contents: write\n",
                                           "      contents: write\n      id-token: write\n")
    found = of(audit(tmp_path / "again", "prepare-release.yaml", granted,
                     PLATFORMDIRS_CHANNELS), "environment-roles")
    assert [item.status for item in found] == ["fail"]
    assert "would accept a token it mints" in found[0].detail


def test_one_workflow_file_publishing_both_channels_from_two_environments_passes(
    tmp_path: Path,
) -> None:
    """cattrs publishes to TestPyPI and PyPI from one file, each job in its own environment:
    one trusted publisher per environment, which PyPI accepts."""
    channels = (
        Channel("preview", "pypi-package.yml", "release-test-pypi", "preview-workflow",
                "preview-environment"),
        Channel("public", "pypi-package.yml", "release-pypi", "public-workflow",
                "public-environment"),
    )
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "pypi-package.yml").write_text(CATTRS_PACKAGE)
    workflows = read_folder(folder, lambda path: path.name)

    for channel in channels:
        found = check_channel(workflows, channel, ".github/workflows", channels)
        assert [item.status for item in found] == ["pass"], found
        assert channel.environment in found[0].detail
    # Without the other channel, the job in the other environment is refused as before.
    alone = check_channel(workflows, channels[0], ".github/workflows")
    assert sorted(item.status for item in alone) == ["fail", "pass"]


def test_a_cache_an_expression_turns_off_for_the_tag_runs_is_a_note(tmp_path: Path) -> None:
    """jsonschema's publishing job sets setup-uv's `enable-cache: ${{ github.ref_type != 'tag'
    }}`: off on the tag pushes, the only runs that publish. doctor cannot evaluate it, so it is
    a note saying what to make sure of; a plain `true` still fails."""
    (item,) = of(audit(tmp_path, "ci.yml", JSONSCHEMA), "publish-cache")
    assert item.status == "note" and "make sure it is off in every run that publishes" in item.detail

    plain = JSONSCHEMA.replace("enable-cache: ${{ github.ref_type != 'tag' }}", "enable-cache: true")
    (item,) = of(audit(tmp_path / "again", "ci.yml", plain), "publish-cache")
    assert item.status == "fail"


def test_a_checkout_given_its_own_token_to_push_with_keeps_it(tmp_path: Path) -> None:
    """tox's release job checks out with a PAT and `persist-credentials: true`, then pushes from
    `tox run -e release`, which doctor cannot read: accepted. Without the explicit `true`, a
    note that names both choices, never a failure whose fix breaks the push."""
    assert of(audit(tmp_path, "prepare-release.yaml", TOX_PREPARE), "checkout-credentials") == []

    default = TOX_PREPARE.replace("          persist-credentials: true\n", "")
    (item,) = of(audit(tmp_path / "again", "prepare-release.yaml", default),
                 "checkout-credentials")
    assert item.status == "note" and "takes a token of its own" in item.detail


def test_a_testpypi_job_beside_the_pypi_one_is_not_the_channel_s(tmp_path: Path) -> None:
    """cattrs (and attrs) upload to TestPyPI on every push to main and to PyPI on a release,
    from one file, each job in its own environment. For a project whose only channel is the
    public one, the TestPyPI job answers to TestPyPI's publisher: a note, never the advice to
    move it into `release-pypi` (which would break its upload)."""
    public = Channel("public", "pypi-package.yml", "release-pypi", "public-workflow",
                     "public-environment")
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "pypi-package.yml").write_text(CATTRS_PACKAGE)
    workflows = read_folder(folder, lambda path: path.name)

    found = check_channel(workflows, public, ".github/workflows", (public,))

    assert [item.status for item in found] == ["pass", "note"], found
    assert "release-pypi" in found[0].detail
    assert "uploads to TestPyPI, not to PyPI, from environment `release-test-pypi`" in (
        found[1].detail)

    # A public channel whose file uploads only to TestPyPI publishes nothing to PyPI.
    only_test = CATTRS_PACKAGE.split("  release-pypi:")[0]
    (folder / "pypi-package.yml").write_text(only_test)
    found = check_channel(read_folder(folder, lambda path: path.name), public,
                          ".github/workflows", (public,))
    assert [item.status for item in found] == ["fail", "note"], found
    assert "has no publishing job" in found[0].detail


# encode/httpx@ae1b9f66238f75ced3ced5e4485408435de10768 .github/workflows/publish.yml and scripts/publish (trimmed)
HTTPX = """\
name: Publish

on:
  push:
    tags:
      - '*'

jobs:
  publish:
    name: "Publish release"
    runs-on: "ubuntu-latest"

    environment:
       name: deploy

    steps:
      - uses: "actions/checkout@v4"
      - uses: "actions/setup-python@v6"
        with:
          python-version: 3.9
      - name: "Install dependencies"
        run: "scripts/install"
      - name: "Build package & docs"
        run: "scripts/build"
      - name: "Publish to PyPI & deploy docs"
        run: "scripts/publish"
        env:
          TWINE_USERNAME: __token__
          TWINE_PASSWORD: ${{ secrets.PYPI_TOKEN }}
"""
HTTPX_PUBLISH = """\
#!/bin/sh -e

VERSION_FILE="httpx/__version__.py"

if [ -d 'venv' ] ; then
    PREFIX="venv/bin/"
else
    PREFIX=""
fi

set -x

${PREFIX}twine upload dist/*
${PREFIX}mkdocs gh-deploy --force
"""


def test_what_a_script_the_step_runs_does_counts(tmp_path: Path) -> None:
    """httpx publishes and deploys its docs from `run: scripts/publish`: doctor reads the
    script, so the job publishes (with a token: no `id-token` needed) and pushes (the checkout
    keeps its credentials: a note to make that deliberate, never the advice to drop them,
    which would break `mkdocs gh-deploy`)."""
    public = Channel("public", "publish.yml", "deploy", "public-workflow", "public-environment")
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "publish").write_text(HTTPX_PUBLISH)
    items = audit(tmp_path, "publish.yml", HTTPX, (public,))

    (credentials,) = of(items, "checkout-credentials")
    assert credentials.status == "note" and "`mkdocs gh-deploy`" in credentials.detail
    (token,) = of(items, "id-token")
    assert token.status == "note" and "`TWINE_PASSWORD`" in token.detail
    workflows = read_folder(tmp_path / ".github" / "workflows", lambda path: path.name)
    (channel,) = check_channel(workflows, public, ".github/workflows", (public,))
    assert channel.status == "pass" and "`twine upload`" in channel.detail

    # Without the script (another checkout of the workflow alone): the token still says the
    # step uploads, and nothing says it pushes.
    (tmp_path / "scripts" / "publish").unlink()
    items = audit(tmp_path / "alone", "publish.yml", HTTPX, (public,))
    (credentials,) = of(items, "checkout-credentials")
    assert credentials.status == "fail"
    workflows = read_folder(tmp_path / "alone" / ".github" / "workflows", lambda path: path.name)
    (channel,) = check_channel(workflows, public, ".github/workflows", (public,))
    assert channel.status == "pass" and "given `TWINE_PASSWORD`" in channel.detail
