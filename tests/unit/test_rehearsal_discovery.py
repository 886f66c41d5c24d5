"""Discovery of the release pipeline, the workflow view act reads, and the shim our actions run
through in a rehearsal: no act, no servers."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from release_actions.errors import ConfigError
from release_actions.rehearsal import shim, standins
from release_actions.rehearsal.discovery import discover, parse_maps
from release_actions.rehearsal.view import write_view
from release_actions.workflows import read_workflow

TEST = """name: CI
on:
  push:
    branches: [main]
jobs:
  unit:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo ok
"""
GATE = """name: Gate
on:
  workflow_run:
    workflows: [CI]
    types: [completed]
jobs:
  record:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8
      - uses: benchflow-ai/release-actions/tested-run@main
        with:
          mode: record
"""
SHIP = """name: Ship
on:
  push:
    tags: ["v*"]
permissions:
  id-token: write
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - uses: Astral-sh/setup-uv@v6
      - uses: benchflow-ai/release-actions/publish@0123456789abcdef0123456789abcdef01234567
  bump:
    runs-on: ubuntu-latest
    permissions:
      contents: write
    steps:
      - uses: benchflow-ai/release-actions/bump-dev@v1
"""
DOCS = """name: Docs
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: octo/mkdocs-action@v9
"""


def repository(root: Path, **files: str) -> Path:
    folder = root / ".github/workflows"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name.replace("_", ".")).write_text(text)
    return root


def test_the_pipeline_is_ours_and_what_it_chains_from(tmp_path: Path) -> None:
    """CI uses none of our actions but Gate chains from it; Docs is left out, so its action
    needs no stand-in."""
    root = repository(tmp_path, ci_yml=TEST, gate_yml=GATE, ship_yml=SHIP, docs_yml=DOCS)

    pipeline = discover(root, tmp_path / "ours")

    assert [w.name for w in pipeline.workflows] == ["ci.yml", "gate.yml", "ship.yml"]
    assert [w.name for w in pipeline.started_by_push(tag=False)] == ["ci.yml"]
    assert [w.name for w in pipeline.started_by_push(tag=True)] == ["ship.yml"]
    ci = pipeline.workflows[0]
    assert [w.name for w in pipeline.chained_after(ci)] == ["gate.yml"]


def test_every_ref_of_a_common_action_and_of_ours_is_stood_in(tmp_path: Path) -> None:
    root = repository(tmp_path, ci_yml=TEST, gate_yml=GATE, ship_yml=SHIP)

    local = discover(root, tmp_path / "ours").local_repositories

    assert local["actions/checkout@v4"] == standins.folder("actions/checkout")
    assert local["actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8"] == \
        standins.folder("actions/checkout")
    assert local["Astral-sh/setup-uv@v6"] == standins.folder("astral-sh/setup-uv")
    for ref in ("main", "v1", "0123456789abcdef0123456789abcdef01234567"):
        assert local[f"benchflow-ai/release-actions@{ref}"] == tmp_path / "ours"


def test_an_action_nothing_stands_in_for_is_refused_with_the_map_flag(tmp_path: Path) -> None:
    gate = GATE.replace("      - uses: benchflow-ai", "      - uses: octo/lint@v2\n"
                                                     "      - uses: benchflow-ai")
    root = repository(tmp_path, ci_yml=TEST, gate_yml=gate)

    with pytest.raises(ConfigError) as refused:
        discover(root, tmp_path / "ours")

    assert ".github/workflows/gate.yml:11: octo/lint@v2" in refused.value.message
    assert "--map octo/lint=" in refused.value.message
    assert refused.value.line == 11


def test_a_mapped_action_runs_from_its_folder(tmp_path: Path) -> None:
    gate = GATE.replace("      - uses: benchflow-ai", "      - uses: octo/lint@v2\n"
                                                     "      - uses: benchflow-ai")
    root = repository(tmp_path / "repo", ci_yml=TEST, gate_yml=gate)
    lint = tmp_path / "lint"
    lint.mkdir()
    (lint / "action.yml").write_text("name: lint\nruns:\n  using: composite\n  steps: []\n")

    pipeline = discover(root, tmp_path / "ours", parse_maps([f"octo/lint={lint}"]))

    assert pipeline.local_repositories["octo/lint@v2"] == lint


@pytest.mark.parametrize("value", ["octo/lint", "lint=.", "octo/lint=/nonexistent"])
def test_a_map_that_names_no_action_folder_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="owner/name=DIR"):
        parse_maps([value])


def test_the_docker_action_is_refused_with_the_composite_instead(tmp_path: Path) -> None:
    ship = SHIP.replace("release-actions/bump-dev@v1", "release-actions@v1")
    root = repository(tmp_path, ship_yml=ship)

    with pytest.raises(ConfigError, match="Docker action"):
        discover(root, tmp_path / "ours")


def test_a_folder_without_our_actions_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no release pipeline"):
        discover(repository(tmp_path, docs_yml=DOCS), tmp_path / "ours")


def test_only_jobs_that_may_write_id_token_get_the_oidc_variables(tmp_path: Path) -> None:
    """`release` inherits the workflow's id-token: write; `bump` lists its own permissions,
    which replace the workflow's, so it gets none."""
    root = repository(tmp_path, ship_yml=SHIP)
    workflow = read_workflow(root / ".github/workflows/ship.yml", "ship.yml")

    view = write_view(workflow, tmp_path / "view.yml",
                      {"release": {"ACTIONS_ID_TOKEN_REQUEST_URL": "u1"},
                       "bump": {"ACTIONS_ID_TOKEN_REQUEST_URL": "u2"}},
                      runner={"GITHUB_WORKFLOW_REF": "o/r/.github/workflows/ship.yml@v1"})

    jobs = yaml.safe_load(view.read_text())["jobs"]
    assert jobs["release"]["env"] == {"ACTIONS_ID_TOKEN_REQUEST_URL": "u1",
                                      "GITHUB_WORKFLOW_REF": "o/r/.github/workflows/ship.yml@v1"}
    assert jobs["bump"]["env"] == {"GITHUB_WORKFLOW_REF": "o/r/.github/workflows/ship.yml@v1"}
    assert "on" in yaml.load(view.read_text(), Loader=yaml.BaseLoader)


LOCAL = {"REHEARSAL_UPLOAD_URL": "https://127.0.0.1:1/legacy/", "REHEARSAL_SIMPLE_URL":
         "https://127.0.0.1:1/simple/", "REHEARSAL_INDEX_URL": "https://127.0.0.1:1"}


def test_the_shim_sends_pypi_to_the_local_index_and_leaves_trusted_publishing_alone() -> None:
    environ = {**LOCAL, "INPUT_REPOSITORY-URL": "https://upload.pypi.org/legacy/",
               "INPUT_CHECK_URL": "https://pypi.org/simple/",
               "INPUT_TRUSTED-PUBLISHING": "always", "INPUT_PASSWORD": "",
               "ACTIONS_ID_TOKEN_REQUEST_URL": "http://127.0.0.1:2/token"}

    shim.redirect(environ)

    assert environ["INPUT_REPOSITORY-URL"] == "https://127.0.0.1:1/legacy/"
    assert environ["INPUT_CHECK_URL"] == "https://127.0.0.1:1/simple/"
    assert environ["INPUT_TRUSTED-PUBLISHING"] == "always"
    assert environ["INPUT_PASSWORD"] == "" and "INPUT_USERNAME" not in environ


@pytest.mark.parametrize("git_dir", [True, False], ids=["checkout", "no-git"])
def test_the_shim_points_publish_at_the_local_sigstore_inside_the_checkout(
        tmp_path: Path, git_dir: bool) -> None:
    """The input takes only a file inside the checkout: the copy lands in .git (no build or
    commit reads it), or the root when there is no .git; a user's own value is replaced."""
    config = tmp_path / "trust.json"
    config.write_text('{"mediaType": "local"}')
    workspace = tmp_path / "workspace"
    (workspace / ".git" if git_dir else workspace).mkdir(parents=True)
    environ = {"REHEARSAL_SIGSTORE_TRUST_CONFIG": str(config), "GITHUB_WORKSPACE": str(workspace),
               "INPUT_SIGSTORE-TRUST-CONFIG": "ci/private-sigstore.json"}

    shim.sigstore_stand_in(environ)

    given = Path(environ["INPUT_SIGSTORE-TRUST-CONFIG"])
    assert given.parent == (workspace / ".git" if git_dir else workspace)
    assert given.read_text() == '{"mediaType": "local"}'
    assert environ["INPUT_SIGSTORE_TRUST_CONFIG"] == str(given)


def test_doctor_is_told_what_the_pipeline_has_and_what_it_has_not(tmp_path: Path) -> None:
    """A project that publishes only on tags, from a job without an environment, and has no
    integration gate: the rehearsal's doctor checks that, not the reference's three
    environments and two channels (it would otherwise fail on a preview workflow the project
    never had)."""
    from release_actions.rehearsal.bookends import doctor_args

    pipeline = discover(repository(tmp_path, ship_yml=SHIP), tmp_path / "ours")

    args = doctor_args(pipeline)
    assert dict(zip(args[::2], args[1::2], strict=True)) == {
        "--preview-workflow": "", "--public-workflow": "ship.yml", "--public-environment": "",
        "--secrets-environment": ""}


@pytest.mark.parametrize(
    ("trigger", "started"),
    [
        pytest.param("release:\n    types: [published]", True, id="published"),
        pytest.param("release:\n    types: [released, edited]", True, id="released"),
        pytest.param("release:", True, id="every-type"),
        pytest.param("release:\n    types: [prereleased]", False, id="prereleased-only"),
        pytest.param("push:\n    tags: ['v*']", False, id="tag-push"),
    ],
)
def test_the_workflows_a_published_release_starts(tmp_path: Path, trigger: str,
                                                  started: bool) -> None:
    ship = SHIP.replace('push:\n    tags: ["v*"]', trigger)
    pipeline = discover(repository(tmp_path, ship_yml=ship), tmp_path / "ours")
    assert [w.name for w in pipeline.started_by_release()] == (["ship.yml"] if started else [])
    # doctor is told the channel: a workflow a tag push or a published release starts is the
    # public one
    public = started or trigger.startswith("push")
    assert doctor_args_of(pipeline)["--public-workflow"] == ("ship.yml" if public else "")


def doctor_args_of(pipeline: object) -> dict[str, str]:
    from release_actions.rehearsal.bookends import doctor_args

    args = doctor_args(pipeline)  # type: ignore[arg-type]
    return dict(zip(args[::2], args[1::2], strict=True))


@pytest.mark.parametrize("prefix", ["./", "$/"])
def test_a_workflow_that_calls_one_using_our_actions_is_in_the_pipeline(
        tmp_path: Path, prefix: str) -> None:
    """release.yml calls this repository's reusable ship.yml (which publishes): the caller is
    part of the pipeline (a tag push starts it), where it used to be left out and the public
    release passed having run nothing."""
    caller = ("name: Release\non:\n  push:\n    tags: ['v*']\njobs:\n  release:\n"
              f"    uses: {prefix}.github/workflows/ship.yml\n")
    ship = SHIP.replace('push:\n    tags: ["v*"]', "workflow_call:")
    pipeline = discover(repository(tmp_path, release_yml=caller, ship_yml=ship),
                        tmp_path / "ours")
    assert [w.name for w in pipeline.workflows] == ["release.yml", "ship.yml"]
    assert [w.name for w in pipeline.started_by_push(tag=True)] == ["release.yml"]


def test_the_same_repository_form_is_written_for_act_as_a_local_path(tmp_path: Path) -> None:
    """GitHub's `$/path` (this repository at the run's commit) is the copy's `./path` for
    act, steps and job calls alike."""
    text = ("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - uses: $/.github/actions/setup\n  b:\n"
            "    uses: $/.github/workflows/ship.yml@main\n")
    root = repository(tmp_path, ci_yml=text)
    view = write_view(read_workflow(root / ".github/workflows/ci.yml", "ci.yml"),
                      tmp_path / "view.yml", {})
    jobs = yaml.safe_load(view.read_text())["jobs"]
    assert jobs["a"]["steps"][0]["uses"] == "./.github/actions/setup"
    assert jobs["b"]["uses"] == "./.github/workflows/ship.yml"
