"""The static audit of workflow files, on real files in a temp folder: a copy of
examples/workflows passes clean, and each edit a consumer could make fails the check it should,
at the line it should, with the fix in the message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from release_actions import workflows
from release_actions.checklist import Item
from release_actions.errors import ConfigError
from release_actions.workflow_audit import Channel, acknowledge, audit_workflows, check_channel
from release_actions.workflows import read_folder

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "workflows"
CHANNELS = (
    Channel("preview", "internal-preview-release.yml", "pypi-internal-preview",
            "preview-workflow", "preview-environment"),
    Channel("public", "public-release.yml", "pypi-public", "public-workflow",
            "public-environment"),
)
SHA = "11bd71901bbe5b1630ceea73d27597364c9af683"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / ".github" / "workflows"
    shutil.copytree(EXAMPLES, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def line_of(path: Path, marker: str, after: int = 0) -> int:
    lines = path.read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if n > after and marker in line)


def audit(folder: Path) -> list[Item]:
    workflows = read_folder(folder, lambda path: path.name)
    items = audit_workflows(workflows, "integration-eval-secrets", CHANNELS)
    for channel in CHANNELS:
        items += check_channel(workflows, channel, "wf")
    return items


def failures(folder: Path, check: str | None = None) -> list[Item]:
    return [item for item in audit(folder)
            if not item.ok and (check is None or item.check == check)]


def only_failure(folder: Path, check: str) -> Item:
    found = failures(folder)
    assert [item.check for item in found] == [check], [item.detail for item in found]
    return found[0]


# --- the sample consumer -------------------------------------------------------------------------


def test_the_examples_pass_clean(folder: Path) -> None:
    """Given the reference workflows, when audited, then nothing fails, every check says so,
    and this project's own actions at @v1 are one note (the README's choice), not a failure."""
    items = audit(folder)

    assert failures(folder) == []
    passed = {item.check for item in items if item.status == "pass"}
    assert passed >= {"id-token", "pinned-actions", "checkout-credentials", "publish-cache",
                      "environment-roles", "reusable-workflow", "preview-workflow",
                      "public-workflow"}
    notes = [item for item in items if item.status == "note"]
    ours = sum(path.read_text().count("uses: benchflow-ai/release-actions/")
               for path in folder.glob("*.yml"))
    assert ours >= 5
    assert len(notes) == 1
    assert f"{ours} `benchflow-ai/release-actions/<name>@<major>`" in notes[0].detail


def test_publishing_jobs_are_found_by_what_they_run(folder: Path) -> None:
    items = {item.check: item for item in audit(folder) if item.status == "pass"}
    preview = items["preview-workflow"]
    assert preview.file == "internal-preview-release.yml"
    assert preview.line == line_of(folder / preview.file, "  publish:")
    assert "benchflow-ai/release-actions/publish@v1" in preview.detail


@pytest.mark.parametrize(
    ("step", "why"),
    [
        pytest.param(f"uses: pypa/gh-action-pypi-publish@{SHA}", "pypa/gh-action-pypi-publish",
                     id="pypa-action"),
        pytest.param("run: uv publish --trusted-publishing always", "`uv publish`", id="uv"),
        pytest.param("run: python -m twine  upload dist/*", "`twine upload`", id="twine"),
        pytest.param("run: pdm publish --no-build", "`pdm publish`", id="pdm"),
        pytest.param("run: poetry publish --build", "`poetry publish`", id="poetry"),
        pytest.param("run: hatch publish", "`hatch publish`", id="hatch"),
        pytest.param("run: flit publish", "`flit publish`", id="flit"),
        pytest.param("run: |\n          uv build\n          uvx twine upload dist/*",
                     "`twine upload`", id="twine-in-script"),
        pytest.param("uses: benchflow-ai/release-actions@v1\n        with:\n          command: "
                     "publish", "benchflow-ai/release-actions@v1", id="root-action"),
        pytest.param("uses: benchflow-ai/release-actions/publish@main", "publish@main",
                     id="ours-any-ref"),
    ],
)
def test_each_way_to_publish_makes_the_job_a_publisher(folder: Path, step: str, why: str) -> None:
    """Given the public job's publish step replaced by another way to upload, then the job
    still counts as the public channel's publisher (and needs nothing else)."""
    path = folder / "public-release.yml"
    text = path.read_text()
    start = text.index("      - uses: benchflow-ai/release-actions/publish@v1")
    path.write_text(text[:start] + f"      - {step}\n")

    public = next(item for item in audit(folder) if item.check == "public-workflow")

    assert public.status == "pass", public.detail
    assert why in public.detail


def test_the_root_action_with_another_command_does_not_publish(folder: Path) -> None:
    path = folder / "public-release.yml"
    text = path.read_text()
    start = text.index("      - uses: benchflow-ai/release-actions/publish@v1")
    path.write_text(text[:start] + "      - uses: benchflow-ai/release-actions@v1\n"
                                   "        with:\n          command: tag-guard\n")

    found = failures(folder)

    assert {item.check for item in found} == {"id-token", "public-workflow", "environment-roles"}
    assert "has no publishing job" in next(i for i in found if i.check == "public-workflow").detail


# --- id-token ------------------------------------------------------------------------------------


def test_id_token_at_workflow_level_fails_at_its_line(folder: Path) -> None:
    path = folder / "public-release.yml"
    edit(path, "permissions: {}\n", "permissions:\n  contents: read\n  id-token: write\n")

    item = only_failure(folder, "id-token")

    assert (item.file, item.line) == ("public-release.yml", line_of(path, "  id-token: write"))
    assert "workflow level" in item.detail and "a job added later would inherit it" in item.detail
    assert "Fix: remove `id-token: write` from the workflow's `permissions:`." in item.detail


def test_write_all_at_workflow_level_grants_id_token(folder: Path) -> None:
    path = folder / "internal-preview-release.yml"
    edit(path, "permissions: {}\n", "permissions: write-all\n")

    item = only_failure(folder, "id-token")

    assert item.line == line_of(path, "permissions: write-all")
    assert "`permissions: write-all` at the workflow level" in item.detail


def test_id_token_on_a_job_that_does_not_publish_fails(folder: Path) -> None:
    path = folder / "test.yml"
    edit(path, "    timeout-minutes: 20\n",
         "    timeout-minutes: 20\n    permissions:\n      id-token: write\n")

    item = only_failure(folder, "id-token")

    assert (item.file, item.line) == ("test.yml", line_of(path, "id-token: write"))
    assert "Job `test`" in item.detail and "publishes nothing" in item.detail


def test_a_publishing_job_without_id_token_fails_at_the_job(folder: Path) -> None:
    path = folder / "internal-preview-release.yml"
    edit(path, "      id-token: write # PyPI Trusted Publishing\n", "")

    item = only_failure(folder, "id-token")

    assert item.line == line_of(path, "  publish:")
    assert "Publishing job `publish`" in item.detail
    assert "Fix: add `id-token: write` to the job's `permissions:`." in item.detail


def test_write_all_on_the_publishing_job_asks_for_the_scopes(folder: Path) -> None:
    path = folder / "public-release.yml"
    edit(path, "    permissions:\n      contents: write # the GitHub Release\n"
               "      id-token: write # PyPI Trusted Publishing\n", "    permissions: write-all\n")

    item = only_failure(folder, "id-token")

    assert item.line == line_of(path, "permissions: write-all")
    assert "list only what it needs" in item.detail


# --- pins ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uses", "phrase"),
    [
        pytest.param("astral-sh/setup-uv@v6", "not pinned to a commit", id="tag"),
        pytest.param("astral-sh/setup-uv@main", "not pinned to a commit", id="branch"),
        pytest.param("astral-sh/setup-uv@e92bafb", "not pinned to a commit", id="short-sha"),
        pytest.param("astral-sh/setup-uv", "names no version", id="no-ref"),
        pytest.param("docker://alpine:3.20", "image by tag", id="docker-tag"),
    ],
)
def test_an_unpinned_third_party_action_fails_at_its_line(
    folder: Path, uses: str, phrase: str
) -> None:
    path = folder / "test.yml"
    edit(path, "astral-sh/setup-uv@e92bafb6253dcd438e0484186d7669ea7a8ca1cc # v6.4.3", uses)

    item = only_failure(folder, "pinned-actions")

    assert (item.file, item.line) == ("test.yml", line_of(path, uses))
    assert phrase in item.detail


def test_the_fix_for_a_tag_names_the_sha_form() -> None:
    from release_actions.workflow_audit import UNPINNED

    assert "@<40-hex commit SHA> # v6" in UNPINNED.format(
        uses="a/b@v6", file="f", target="a/b", ref="v6")


@pytest.mark.parametrize(
    "uses",
    [
        pytest.param("./.github/actions/setup", id="local"),
        pytest.param("docker://alpine@sha256:" + "a" * 64, id="docker-digest"),
        pytest.param(f"actions/cache/restore@{SHA}", id="sha-with-path"),
    ],
)
def test_local_actions_and_pinned_references_pass(folder: Path, uses: str) -> None:
    edit(folder / "test.yml", "      - name: Install the locked environment\n",
         f"      - uses: {uses}\n      - name: Install the locked environment\n")

    assert failures(folder) == []


def test_a_reusable_workflow_call_must_be_pinned_too(folder: Path) -> None:
    path = folder / "caller.yml"
    path.write_text("on: push\npermissions: {}\njobs:\n  call:\n"
                    "    uses: octo/shared/.github/workflows/lint.yml@main\n")

    item = only_failure(folder, "pinned-actions")

    assert (item.file, item.line) == ("caller.yml", 5)


# --- checkouts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param("        with:\n          persist-credentials: false\n", "", id="missing"),
        pytest.param("persist-credentials: false", "persist-credentials: true", id="true"),
    ],
)
def test_a_checkout_that_keeps_credentials_fails(folder: Path, old: str, new: str) -> None:
    path = folder / "test.yml"
    edit(path, old, new)

    item = only_failure(folder, "checkout-credentials")

    assert (item.file, item.line) == ("test.yml", line_of(path, "actions/checkout@"))
    if new:  # the explicit `true` is named with its line
        assert (f"change `persist-credentials: true` (line "
                f"{line_of(path, 'persist-credentials: true')}) to `false`") in item.detail
    else:
        assert "`with: persist-credentials: false`" in item.detail


# --- caches --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "marker", "phrase"),
    [
        pytest.param("enable-cache: false", "enable-cache: true", "astral-sh/setup-uv@",
                     "`enable-cache: true`", id="setup-uv-on"),
        pytest.param("        with:\n          enable-cache: false # a release never restores a "
                     "cache others could have written\n", "", "astral-sh/setup-uv@",
                     "without `enable-cache: false`", id="setup-uv-default"),
        pytest.param("      - id: guard\n", f"      - uses: actions/cache@{SHA}\n"
                     "        with: {path: x, key: y}\n      - id: guard\n", "actions/cache@",
                     "actions/cache@", id="actions-cache"),
        pytest.param("      - id: guard\n", f"      - uses: actions/setup-python@{SHA}\n"
                     "        with:\n          cache: pip\n      - id: guard\n",
                     "actions/setup-python@", "`cache: pip`", id="setup-python"),
    ],
)
def test_a_publishing_job_that_restores_a_cache_fails(
    folder: Path, old: str, new: str, marker: str, phrase: str
) -> None:
    path = folder / "public-release.yml"
    edit(path, old, new)

    item = only_failure(folder, "publish-cache")

    assert (item.file, item.line) == ("public-release.yml", line_of(path, marker))
    assert phrase in item.detail and "Fix:" in item.detail


def test_setup_python_without_cache_in_a_publishing_job_passes(folder: Path) -> None:
    edit(folder / "public-release.yml", "      - id: guard\n",
         f"      - uses: actions/setup-python@{SHA}\n        with:\n          python-version: "
         "'3.12'\n      - id: guard\n")

    assert failures(folder) == []


# --- environments --------------------------------------------------------------------------------


def test_a_publishing_job_in_the_secrets_environment_fails(folder: Path) -> None:
    path = folder / "public-release.yml"
    edit(path, "name: pypi-public", "name: integration-eval-secrets")

    found = failures(folder)

    secrets = next(item for item in found if item.check == "environment-roles")
    public = next(item for item in found if item.check == "public-workflow")
    assert secrets.line == public.line == line_of(path, "name: integration-eval-secrets")
    assert "provider-key environment" in secrets.detail
    assert "environment is `pypi-public`" in public.detail and "invalid-publisher" in public.detail


def test_provider_keys_in_a_publishing_environment_fail(folder: Path) -> None:
    path = folder / "integration-eval.yml"
    edit(path, "environment: integration-eval-secrets", "environment: pypi-internal-preview")

    item = only_failure(folder, "environment-roles")

    assert (item.file, item.line) == ("integration-eval.yml",
                                      line_of(path, "environment: pypi-internal-preview"))
    assert "publishes nothing" in item.detail and "integration-eval-secrets" in item.detail


def test_a_publishing_job_without_an_environment_fails(folder: Path) -> None:
    path = folder / "internal-preview-release.yml"
    edit(path, "    environment:\n      name: pypi-internal-preview\n"
               "      url: https://pypi.org/project/release-actions-sample/\n", "")

    item = only_failure(folder, "preview-workflow")

    assert item.line == line_of(path, "  publish:")
    assert "add `environment: pypi-internal-preview`" in item.detail


# --- the channels' workflow files ----------------------------------------------------------------


def test_a_renamed_workflow_file_fails_and_the_other_publisher_is_noted(folder: Path) -> None:
    (folder / "public-release.yml").rename(folder / "release.yml")

    items = audit(folder)

    item = only_failure(folder, "public-workflow")
    assert "No `public-release.yml`" in item.detail and "public-workflow" in item.detail
    notes = [i for i in items if i.check == "other-publishers"]
    assert [(n.file, n.status) for n in notes] == [("release.yml", "note")]


def test_a_channel_workflow_that_publishes_nothing_fails(folder: Path) -> None:
    path = folder / "internal-preview-release.yml"
    text = path.read_text()
    path.write_text(text[:text.index("      - if: steps.version.outputs.publish")])
    edit(path, "      id-token: write # PyPI Trusted Publishing\n", "")

    found = failures(folder)

    # The job left in the environment publishes nothing and cannot mint a token: a note.
    assert {item.check for item in found} == {"preview-workflow"}
    item = next(item for item in found if item.check == "preview-workflow")
    assert item.file == "internal-preview-release.yml"
    assert "has no publishing job" in item.detail


# --- reusable workflows --------------------------------------------------------------------------

REUSABLE = """\
on:
  workflow_call:
permissions: {}
jobs:
  upload:
    runs-on: ubuntu-latest
    environment: pypi-public
    permissions:
      id-token: write
    steps:
      - run: uv publish
"""


def test_a_publishing_job_in_a_reusable_workflow_fails_and_its_caller_may_grant(
    folder: Path,
) -> None:
    """Given public-release calls a local reusable workflow that publishes, then the reusable
    one fails with the reason; the caller's `id-token: write` is allowed (it is passed on)."""
    (folder / "publish-reusable.yml").write_text(REUSABLE)
    path = folder / "public-release.yml"
    text = path.read_text()
    start = text.index("    runs-on: ubuntu-latest")
    path.write_text(text[:start] + "    permissions:\n      id-token: write\n"
                    "    uses: ./.github/workflows/publish-reusable.yml\n")

    found = failures(folder)

    reusable = next(item for item in found if item.check == "reusable-workflow")
    assert (reusable.file, reusable.line) == ("publish-reusable.yml", 5)
    assert "does not accept reusable workflows" in reusable.detail
    assert not [item for item in found if item.check == "id-token"]
    # The calling job cannot name an environment; the called job's is the channel's.
    assert {item.check for item in found} == {"reusable-workflow"}
    public = Channel("public", "public-release.yml", "pypi-public", "public-workflow",
                     "public-environment")
    [item] = check_channel(read_folder(folder), public, ".github/workflows")
    assert item.status == "pass" and "environment `pypi-public` of the called job" in item.detail
    other = Channel("public", "public-release.yml", "release", "public-workflow",
                    "public-environment")
    [item] = check_channel(read_folder(folder), other, ".github/workflows")
    assert item.status == "fail" and "A calling job cannot name an environment" in item.detail


# --- files GitHub could not run ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "line", "phrase"),
    [
        pytest.param("on: push\njobs:\n  a:\n    steps: [\n", 5, "not valid YAML", id="unclosed"),
        pytest.param("on: push\njobs:\n\ta: 1\n", 3, "not valid YAML", id="tab"),
        pytest.param("on: push\n---\non: pull_request\n", 2, "not valid YAML",
                     id="two-documents"),
        pytest.param("- on\n- jobs\n", 1, "not a workflow", id="a-list"),
        pytest.param("", None, "not a workflow", id="empty"),
    ],
)
def test_a_file_github_could_not_run_is_a_config_error_with_its_line(
    folder: Path, content: str, line: int | None, phrase: str
) -> None:
    (folder / "broken.yaml").write_text(content)

    with pytest.raises(ConfigError) as caught:
        read_folder(folder, lambda path: path.name)

    assert caught.value.file is not None and caught.value.file.endswith("broken.yaml")
    assert caught.value.line == line
    assert phrase in caught.value.message and "broken.yaml" in caught.value.message


@pytest.mark.parametrize(
    ("loader", "phrase"),
    [
        pytest.param("CSafeLoader", "at line 1: exceeded maximum nesting depth", id="libyaml"),
        pytest.param("SafeLoader", "nested too deeply", id="pure-python"),
    ],
)
def test_a_file_nested_too_deeply_is_a_config_error(
    folder: Path, monkeypatch: pytest.MonkeyPatch, loader: str, phrase: str
) -> None:
    if not hasattr(yaml, loader):
        pytest.skip(f"PyYAML built without {loader}")
    monkeypatch.setattr(workflows, "LOADER", getattr(yaml, loader))
    (folder / "deep.yml").write_text("[" * 5000)

    with pytest.raises(ConfigError, match=phrase):
        read_folder(folder)


def test_a_file_that_is_not_utf8_is_a_config_error(folder: Path) -> None:
    (folder / "latin.yml").write_bytes(b"on: push\nname: caf\xe9\n")

    with pytest.raises(ConfigError, match="not UTF-8"):
        read_folder(folder)


def test_other_files_in_the_folder_are_not_workflows(folder: Path) -> None:
    (folder / "README.md").write_text("- not: [yaml\n")
    (folder / "nested").mkdir()
    (folder / "nested" / "x.yml").write_text("[")

    assert len(read_folder(folder)) == 4


@pytest.mark.parametrize(
    "trigger",
    [
        pytest.param("on: workflow_call\n", id="scalar"),
        pytest.param("on: [push, workflow_call]\n", id="list"),
        pytest.param("'on':\n  workflow_call:\n    inputs: {}\n", id="mapping-quoted-key"),
    ],
)
def test_every_spelling_of_workflow_call_is_seen(folder: Path, trigger: str) -> None:
    (folder / "publish-reusable.yml").write_text(REUSABLE.replace("on:\n  workflow_call:\n",
                                                                  trigger))

    items = audit_workflows(read_folder(folder), "integration-eval-secrets", CHANNELS)
    [item] = [item for item in items if item.check == "reusable-workflow" and item.status != "pass"]
    # Also run on its own trigger (a push), it publishes as itself there: a note.
    assert item.status == ("note" if "push" in trigger else "fail")


def test_a_reusable_workflow_that_uploads_with_a_token_is_not_flagged(folder: Path) -> None:
    """Trusted Publishing's limit does not apply to an upload with an API token."""
    (folder / "publish-reusable.yml").write_text(REUSABLE.replace(
        "      - run: uv publish\n",
        "      - run: uv publish\n        env:\n          UV_PUBLISH_TOKEN: ${{ secrets.T }}\n"))
    items = audit_workflows(read_folder(folder), "integration-eval-secrets", CHANNELS)
    assert not [item for item in items if item.check == "reusable-workflow" and not item.ok]


def test_names_quoted_in_messages_are_one_line_and_capped(folder: Path) -> None:
    """A hostile `uses:` (a line break and a workflow command, 5000 characters) is quoted on one
    line, capped."""
    long_ref = "x" * 5000
    edit(folder / "test.yml", "astral-sh/setup-uv@e92bafb6253dcd438e0484186d7669ea7a8ca1cc",
         f'"astral-sh/setup-uv@v6\\n::error::forged{long_ref}"')

    item = only_failure(folder, "pinned-actions")

    assert "\n" not in item.detail and "setup-uv@v6 ::error::forged" in item.detail
    assert len(item.detail) < 800



# --- acknowledgements ----------------------------------------------------------------------------

ACK = "# release-actions: allow environment-roles — provider keys live here on purpose"


def acknowledged(folder: Path) -> list[Item]:
    workflows = read_folder(folder, lambda path: path.name)
    items = audit_workflows(workflows, "integration-eval-secrets", CHANNELS)
    return acknowledge(items, workflows, CHANNELS)


@pytest.mark.parametrize(
    "written",
    [
        pytest.param("environment: pypi-internal-preview  " + ACK, id="on-the-line"),
        pytest.param(ACK + "\n    environment: pypi-internal-preview", id="on-the-line-above"),
        pytest.param("environment: pypi-internal-preview  # release-actions: allow "
                     "checkout-credentials, environment-roles: keys here", id="two-rules"),
    ],
)
def test_a_finding_acknowledged_where_it_stands_is_shown_with_its_reason(
    folder: Path, written: str
) -> None:
    """Given provider keys kept in a publishing environment on purpose (benchflow's choice),
    with a comment saying so, then the finding is `acknowledged` with the reason: not a
    failure, not dropped."""
    path = folder / "integration-eval.yml"
    edit(path, "environment: integration-eval-secrets", written)

    items = acknowledged(folder)

    assert [item for item in items if not item.ok] == []
    (item,) = [item for item in items if item.status == "acknowledged"]
    assert item.check == "environment-roles"
    assert item.line == line_of(path, "environment: pypi-internal-preview")
    assert item.reason in ("provider keys live here on purpose", "keys here")
    assert "runs in the publishing environment" in item.detail


def test_an_acknowledgement_of_another_rule_does_not_hide_the_finding(folder: Path) -> None:
    path = folder / "integration-eval.yml"
    edit(path, "environment: integration-eval-secrets", "environment: pypi-internal-preview  "
         "# release-actions: allow publish-cache — not this one")

    items = acknowledged(folder)

    assert [item.check for item in items if not item.ok] == ["environment-roles"]
    (note,) = [item for item in items if item.check == "acknowledgements"]
    assert note.status == "note" and "matches no finding" in note.detail


@pytest.mark.parametrize(
    ("comment", "phrase"),
    [
        pytest.param("# release-actions: allow environment-roles", "without a reason",
                     id="no-reason"),
        pytest.param("# release-actions: allow environment-roles —  ", "without a reason",
                     id="empty-reason"),
        pytest.param("# release-actions: allow environment-role — typo", "`environment-role`, "
                     "which is no doctor rule", id="unknown-rule"),
        pytest.param("# release-actions: allow", "without a reason", id="nothing"),
    ],
)
def test_a_bad_acknowledgement_is_a_config_error_with_file_and_line(
    folder: Path, comment: str, phrase: str
) -> None:
    path = folder / "integration-eval.yml"
    edit(path, "environment: integration-eval-secrets",
         f"environment: integration-eval-secrets  {comment}")

    with pytest.raises(ConfigError) as caught:
        acknowledged(folder)

    assert phrase in caught.value.message
    assert caught.value.file is not None and caught.value.file.endswith("integration-eval.yml")
    assert caught.value.line == line_of(path, "release-actions: allow")


@pytest.mark.parametrize(
    ("step", "token"),
    [
        pytest.param("run: twine upload dist/*\n        env:\n          TWINE_PASSWORD: "
                     "${{ secrets.PYPI_TOKEN }}", "`TWINE_PASSWORD`", id="twine-env"),
        pytest.param(f"uses: pypa/gh-action-pypi-publish@{SHA}\n        with:\n          "
                     "password: ${{ secrets.PYPI_TOKEN }}", "`password:`", id="pypa-password"),
        pytest.param("run: uv publish --token \"$PYPI_TOKEN\"", "a token on the command line",
                     id="uv-token-flag"),
        pytest.param("run: poetry publish\n        env:\n          POETRY_PYPI_TOKEN_PYPI: "
                     "${{ secrets.PYPI_TOKEN }}", "`POETRY_PYPI_TOKEN_PYPI`", id="poetry-env"),
    ],
)
def test_a_publisher_uploading_with_an_api_token_needs_no_id_token(
    folder: Path, step: str, token: str
) -> None:
    """Given a publishing job that uploads with an API token and has no `id-token: write`,
    then that is a note (the upload works), not a failure telling it to add one."""
    path = folder / "public-release.yml"
    edit(path, "      id-token: write # PyPI Trusted Publishing\n", "")
    text = path.read_text()
    start = text.index("      - uses: benchflow-ai/release-actions/publish@v1")
    path.write_text(text[:start] + f"      - {step}\n")

    items = [item for item in audit(folder) if item.check == "id-token" and item.status != "pass"]

    assert [item.status for item in items] == ["note"], [item.detail for item in items]
    assert f"uploads with an API token ({token})" in items[0].detail


def test_a_workflow_level_grant_passed_to_a_called_workflow_is_not_unused(folder: Path) -> None:
    """A job that calls a reusable workflow passes the workflow's permissions on: the grant
    reaches it, so doctor never says it reaches no job."""
    (folder / "attest.yml").write_text(
        "on: push\npermissions:\n  contents: read\n  id-token: write\njobs:\n  call:\n"
        f"    uses: octo/shared/.github/workflows/attest.yml@{SHA}\n")

    items = [item for item in audit(folder) if item.file == "attest.yml"]

    assert [(item.check, item.status) for item in items] == [("id-token", "note")]
    assert "used by every job that inherits it (`call`)" in items[0].detail


@pytest.mark.parametrize(
    ("step", "index"),
    [
        pytest.param("uses: pypa/gh-action-pypi-publish@" + "a" * 40 + "\n        with:\n"
                     "          repository-url: https://test.pypi.org/legacy/", "TestPyPI",
                     id="pypa-testpypi"),
        pytest.param("uses: pypa/gh-action-pypi-publish@" + "a" * 40 + "\n        with:\n"
                     "          repository_url: https://pkgs.example.com/upload/",
                     "`https://pkgs.example.com/upload/`", id="pypa-underscore-private"),
        pytest.param("uses: pypa/gh-action-pypi-publish@" + "a" * 40, "", id="pypa-default"),
        pytest.param("run: twine upload -r testpypi dist/*", "TestPyPI", id="twine-r"),
        pytest.param("run: twine upload --repository pypi dist/*", "", id="twine-pypi"),
        pytest.param("run: uv publish --publish-url https://test.pypi.org/legacy/", "TestPyPI",
                     id="uv-publish-url"),
        pytest.param("run: uv publish --index testpypi", "TestPyPI", id="uv-index"),
        pytest.param("run: uv publish\n        env:\n          UV_PUBLISH_URL: "
                     "https://test.pypi.org/legacy/", "TestPyPI", id="uv-env"),
        pytest.param("run: poetry publish -r ${{ inputs.index }}", "", id="expression"),
        pytest.param("run: hatch publish -r \"$INDEX\"", "", id="shell-variable"),
        pytest.param("run: uv publish", "", id="uv-default"),
        pytest.param("run: pip install -r requirements.txt && twine upload dist/*", "",
                     id="another-command-s-flag"),
        pytest.param("run: |\n          twine upload \\\n            --repository-url "
                     "https://test.pypi.org/legacy/ dist/*\n          gh release upload -r x",
                     "TestPyPI", id="continued-line"),
    ],
)
def test_the_index_a_publisher_uploads_to(tmp_path: Path, step: str, index: str) -> None:
    """What names another index than PyPI, as each publisher spells it; an expression or a
    shell variable only the run knows, and PyPI's own names, are PyPI (the default)."""
    from release_actions.workflow_audit import find_publishers

    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "release.yml").write_text(
        "on: push\njobs:\n  ship:\n    runs-on: ubuntu-latest\n    steps:\n      - " + step + "\n")
    [publisher] = find_publishers(read_folder(folder, lambda path: path.name))
    assert publisher.index == index


@pytest.mark.parametrize(
    ("environment", "names"),
    [
        pytest.param("${{ github.ref_type == 'tag' && 'pypi' || 'testpypi' }}", "names",
                     id="tag-or-testpypi"),
        pytest.param("${{ inputs.environment }}", "does not name", id="an-input"),
    ],
)
def test_an_environment_picked_at_run_time_is_a_note(tmp_path: Path, environment: str,
                                                     names: str) -> None:
    """One job that publishes to TestPyPI from main and to PyPI from a tag, its environment an
    expression: doctor cannot evaluate it, so it says what to make sure of, never the advice
    to write `environment: pypi` (which would break the TestPyPI runs)."""
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "release.yml").write_text(
        "on: push\njobs:\n  ship:\n    runs-on: ubuntu-latest\n    environment:\n"
        f"      name: {environment}\n    permissions:\n      id-token: write\n    steps:\n"
        "      - uses: pypa/gh-action-pypi-publish@" + "a" * 40 + "\n")
    public = Channel("public", "release.yml", "pypi", "public-workflow", "public-environment")
    [item] = check_channel(read_folder(folder, lambda path: path.name), public,
                           ".github/workflows", (public,))
    assert item.status == "note" and item.line == 6
    assert f"which {names} the public channel's `pypi`" in item.detail


@pytest.mark.parametrize("action", [
    "python-semantic-release/python-semantic-release", "stefanzweifel/git-auto-commit-action",
    "cycjimmy/semantic-release-action"])
def test_an_action_that_commits_and_pushes_keeps_the_checkout_s_credentials(
        tmp_path: Path, action: str) -> None:
    """python-semantic-release commits the version, tags and pushes from the checkout, then
    the job publishes: the default credentials are a note to make them deliberate, never the
    advice to drop them (which would break the push)."""
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "release.yml").write_text(
        "on:\n  push:\n    branches: [main]\njobs:\n  release:\n    runs-on: ubuntu-latest\n"
        "    permissions:\n      contents: write\n    steps:\n"
        "      - uses: actions/checkout@" + "b" * 40 + "\n        with:\n          fetch-depth: 0\n"
        f"      - uses: {action}@" + "c" * 40 + "\n")
    items = audit_workflows(read_folder(folder, lambda path: path.name), "", ())
    [item] = [item for item in items if item.check == "checkout-credentials"
              and item.status != "pass"]
    assert item.status == "note" and f"`{action}@" in item.detail


def _audit_one(tmp_path: Path, text: str, **files: str) -> list[Item]:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "release.yml").write_text(text)
    for name, other in files.items():
        (folder / name).write_text(other)
    public = Channel("public", "release.yml", "release", "public-workflow", "public-environment")
    return audit_workflows(read_folder(folder, lambda path: path.name), "", (public,))


SHA = "d" * 40
JOB = ("on:\n  push:\n    tags: ['v*']\njobs:\n  {job}:\n    runs-on: ubuntu-latest\n"
       "{environment}    permissions:\n      id-token: write\n    steps:\n{steps}")


@pytest.mark.parametrize(
    ("steps", "what"),
    [
        pytest.param("      - run: npm publish --provenance --access public\n",
                     "npm's provenance", id="npm-provenance"),
        pytest.param(f"      - uses: actions/github-script@{SHA}\n        with:\n"
                     "          script: const t = await core.getIDToken('sts')\n",
                     "core.getIDToken", id="github-script"),
        pytest.param(f"      - uses: rust-lang/crates-io-auth-action@{SHA}\n",
                     "crates.io's trusted publishing", id="crates-io"),
    ],
)
def test_other_oidc_users_keep_their_grant(tmp_path: Path, steps: str, what: str) -> None:
    """ruff's wasm job (`npm publish --provenance`), a github-script asking for a token and
    crates.io's trusted publishing use the grant: a note to keep it, never a failure whose fix
    removes it."""
    items = _audit_one(tmp_path, JOB.format(job="other", environment="", steps=steps))
    [item] = [item for item in items if item.check == "id-token" and item.status != "pass"]
    assert item.status == "note" and what in item.detail and "keep it" in item.detail


def test_a_job_calling_a_reusable_workflow_keeps_its_grant(tmp_path: Path) -> None:
    """charset_normalizer's provenance job calls the SLSA generator, which needs the token: a
    note, not the advice to remove it."""
    text = ("on:\n  push:\n    tags: ['v*']\njobs:\n  provenance:\n    permissions:\n"
            "      id-token: write\n      contents: write\n    uses: slsa-framework/"
            f"slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@{SHA}\n")
    items = _audit_one(tmp_path, text)
    [item] = [item for item in items if item.check == "id-token" and item.status != "pass"]
    assert item.status == "note" and "calls `slsa-framework/" in item.detail


def test_a_job_in_the_publishing_environment_that_uses_its_token_is_told_to_move(
        tmp_path: Path) -> None:
    """ruff's docker job attests its images in the `release` environment: the fix is to run
    it in another environment, never to remove the grant its attestations need."""
    steps = f"      - uses: actions/attest-build-provenance@{SHA}\n"
    items = _audit_one(tmp_path, JOB.format(job="docker", environment="    environment: release\n",
                                            steps=steps))
    [item] = [item for item in items if item.check == "environment-roles"
              and item.status == "fail"]
    assert "run it in another environment" in item.detail
    assert "remove `id-token: write`" not in item.detail


@pytest.mark.parametrize(
    "steps",
    [
        pytest.param(f"      - uses: PyO3/maturin-action@{SHA}\n        with:\n"
                     "          command: upload\n          args: --non-interactive dist/*\n",
                     id="maturin-action-upload"),
        pytest.param(f"      - uses: casperdcl/deploy-pypi@{SHA}\n", id="deploy-pypi"),
        pytest.param("      - run: |\n          uvx twine \\\n            upload dist/*\n",
                     id="twine-continued-line"),
    ],
)
def test_more_publishers_are_seen(tmp_path: Path, steps: str) -> None:
    """maturin's generated CI (`command: upload`), tqdm's deploy-pypi and a twine command
    continued on the next line publish: the channel passes and nobody is told to drop the
    grant."""
    items = _audit_one(tmp_path, JOB.format(job="release", environment="    environment: release\n",
                                            steps=steps))
    assert not [item for item in items if item.check == "id-token" and item.status != "pass"]
    public = Channel("public", "release.yml", "release", "public-workflow", "public-environment")
    workflows = read_folder(tmp_path / ".github" / "workflows", lambda path: path.name)
    assert [item.status for item in check_channel(workflows, public, ".github/workflows")] == [
        "pass"]


def test_github_s_same_repository_syntax_is_this_repository(tmp_path: Path) -> None:
    """`uses: $/.github/workflows/publish.yml` (ruff's) calls this repository's workflow at
    the same commit: no pin is asked for, and the caller publishes through it."""
    called = ("on:\n  workflow_call:\njobs:\n  upload:\n    runs-on: ubuntu-latest\n"
              "    environment: release\n    permissions:\n      id-token: write\n    steps:\n"
              f"      - uses: pypa/gh-action-pypi-publish@{SHA}\n")
    caller = ("on:\n  push:\n    tags: ['v*']\njobs:\n  publish:\n    permissions:\n"
              "      id-token: write\n    uses: $/.github/workflows/publish.yml\n")
    items = _audit_one(tmp_path, caller, **{"publish.yml": called})
    assert not [item for item in items if item.check == "pinned-actions" and item.status == "fail"]
    assert not [item for item in items if item.check == "id-token" and item.status == "fail"]


@pytest.mark.parametrize("inner", [
    "    - run: uv build && uv publish\n      shell: bash\n",
    f"    - uses: pypa/gh-action-pypi-publish@{SHA}\n"])
def test_this_repository_s_composite_action_that_publishes_is_read(tmp_path: Path,
                                                                   inner: str) -> None:
    """`uses: ./.github/actions/pub`, whose action.yml uploads: the job publishes (its grant is
    needed, the channel passes), read from the action's file as GitHub would run it."""
    action = tmp_path / ".github" / "actions" / "pub"
    action.mkdir(parents=True)
    (action / "action.yml").write_text("name: pub\nruns:\n  using: composite\n  steps:\n" + inner)
    items = _audit_one(tmp_path, JOB.format(job="release", environment="    environment: release\n",
                                            steps="      - uses: ./.github/actions/pub\n"))
    assert not [item for item in items if item.status == "fail"], items
    public = Channel("public", "release.yml", "release", "public-workflow", "public-environment")
    workflows = read_folder(tmp_path / ".github" / "workflows", lambda path: path.name)
    [item] = check_channel(workflows, public, ".github/workflows")
    assert item.status == "pass" and "`./.github/actions/pub` (" in item.detail
