"""`doctor`: the one-time setup checked before the first release — the workflow files, the
environments on GitHub, and the values PyPI's trusted-publisher form needs, ready to paste."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from release_actions import kinds
from release_actions.checklist import ICONS, Item, described, failed, markdown, to_json
from release_actions.command import Command, Outcome, Output, option
from release_actions.context import Context
from release_actions.errors import CheckFailed, InputError
from release_actions.gha import Console, workspace_relative
from release_actions.trusted_publishing import PUBLISHER_FORM_PLACE
from release_actions.workflow_audit import Channel, acknowledge, audit_workflows, check_channel
from release_actions.workflows import read_folder

if TYPE_CHECKING:
    from release_actions.environments import Environment

GITHUB_COM = "https://github.com"
# owner/name in an origin URL on github.com: https, ssh or scp-like (git@github.com:o/n.git)
_GITHUB_REMOTE = re.compile(
    r"(?:https://|ssh://)?(?:[^@/\s]+@)?github\.com[:/]([A-Za-z0-9_.-]{1,100})/"
    r"([A-Za-z0-9_.-]{1,100}?)(?:\.git)?/?\Z"
)

NOT_A_FOLDER = (
    "Input `{name}` is {got}, which is not a folder. Run doctor at the root of your checkout, "
    "or point `{name}` at the folder holding the workflow files."
)
SAME_ENVIRONMENT = (
    "Input `secrets-environment` is `{name}`, which is also the {channel} channel's publishing "
    "environment: every job with provider keys would create a deployment on it and could be "
    "trusted by PyPI. Give the provider keys their own environment (default "
    "integration-eval-secrets)."
)
GHES = (
    "This repository is on {server}, a GitHub Enterprise Server: PyPI's Trusted Publishing "
    "accepts tokens from github.com only. Fix: upload with an API token (`trusted-publishing: "
    "never`, `password: ${{{{ secrets.PYPI_TOKEN }}}}`), or release from github.com."
)
NO_TOKEN = (
    "skipped: no `github-token` (on a laptop: `GITHUB_TOKEN=$(gh auth token) release-actions "
    "doctor`); the workflow checks above still ran"
)
NO_REPOSITORY = (
    "skipped: no repository (set GITHUB_REPOSITORY or `--repository owner/name`); the workflow "
    "checks above still ran"
)
ENVIRONMENT_MISSING = (
    "{repository} has no environment `{name}` ({role}). Fix: Settings → Environments → New "
    "environment, named exactly `{name}`{advice}."
)
PROTECTED_BRANCHES_ONLY = (
    "`{name}` lets only protected branches deploy, and a tag push (the public release) is not "
    "a branch: GitHub refuses the job unless a branch protection rule matches the tag. Fix: "
    "Deployment branches and tags → Selected branches and tags, add the tag rule `v*`."
)
UNKNOWN_REPOSITORY = (
    "The repository is unknown: GITHUB_REPOSITORY is not set and the checkout's origin is not "
    "on github.com. Pass `--repository owner/name` (or set GITHUB_REPOSITORY) to fill in PyPI's "
    "form below and check the environments on GitHub."
)
NO_CHANNEL = (
    "Inputs `preview-workflow` and `public-workflow` are both empty: there is no publishing "
    "workflow to check. Name the workflow file of at least one channel (an empty one means the "
    "project has no such channel)."
)
NO_SUCH_CHANNEL = "No {channel} channel (input `{channel}-workflow` is empty): it is not checked."
# What the publisher form's optional field gets when the publisher names no environment.
NO_ENVIRONMENT = "(leave it empty)"
FAILED = (
    "{count} item(s) of the one-time release setup failed: {which}. Each is annotated above "
    "with its file, line and fix; the job summary lists the whole checklist."
)


@dataclass(frozen=True)
class Inputs:
    workflows: Path = option(
        kinds.workspace_folder(".github/workflows", NOT_A_FOLDER),
        "The folder of the workflow files to check.",
        default=".github/workflows",
    )
    preview_workflow: str = option(
        kinds.workflow_file, "File name of the workflow that publishes the internal previews; "
        "empty: the project has no preview channel.",
        default="internal-preview-release.yml",
    )
    public_workflow: str = option(
        kinds.workflow_file, "File name of the workflow that publishes public releases; empty: "
        "the project has no public channel.",
        default="public-release.yml",
    )
    preview_environment: str = option(
        kinds.environment_name,
        "Environment of the preview publishing job (PyPI's publisher names it); empty: the "
        "publisher names none.",
        default="pypi-internal-preview",
    )
    public_environment: str = option(
        kinds.environment_name,
        "Environment of the public publishing job (PyPI's publisher names it); empty: the "
        "publisher names none.",
        default="pypi-public",
    )
    secrets_environment: str = option(
        kinds.environment_name,
        "Environment holding the LLM provider keys; never a publishing one. Empty: the project "
        "has none.",
        default="integration-eval-secrets",
    )
    repository: str = option(
        kinds.repository,
        "owner/name of the repository (empty: GITHUB_REPOSITORY, else the checkout's origin "
        "on github.com).",
        default="", expression="${{ github.repository }}",
    )
    github_token: str = option(
        kinds.text,
        "Token that reads the repository's environments (`actions: read`); empty skips the "
        "API checks (on a laptop, GITHUB_TOKEN is used).",
        default="", expression="${{ github.token }}", secret=True,
    )
    timeout: float = option(
        kinds.seconds(kinds.MAX_TIMEOUT),
        "Longest wait, in seconds, for GitHub's API (the environments check), retries "
        "included; past it the check is skipped, never failed.",
        default="60",
    )

    def __post_init__(self) -> None:
        if not self.preview_workflow and not self.public_workflow:
            raise InputError(NO_CHANNEL)
        for channel, environment in self.channel_environments.items():
            if self.secrets_environment == environment:
                raise InputError(SAME_ENVIRONMENT.format(name=environment, channel=channel))

    @property
    def channel_environments(self) -> dict[str, str]:
        """The environment of each channel the project has, where its publisher names one."""
        return {channel.name: channel.environment for channel in channels(self)
                if channel.environment}


def repository_from_remote(url: str) -> str:
    """owner/name of a github.com remote URL; empty for any other URL."""
    found = _GITHUB_REMOTE.match(url)
    value = f"{found.group(1)}/{found.group(2)}" if found else ""
    return value if kinds.is_repository(value) else ""


def _repository_of_checkout(folder: Path) -> str:
    from release_actions import git

    return repository_from_remote(git.origin_url(folder) or "")


def channels(inputs: Inputs) -> tuple[Channel, ...]:
    """The channels the project has: an empty workflow input means it has no such channel."""
    return tuple(channel for channel in (
        Channel("preview", inputs.preview_workflow, inputs.preview_environment,
                "preview-workflow", "preview-environment"),
        Channel("public", inputs.public_workflow, inputs.public_environment,
                "public-workflow", "public-environment"),
    ) if channel.workflow)


# --- the checks beyond the workflow files ---------------------------------------------------------


def check_server(environ: Mapping[str, str]) -> Item:
    server = (environ.get("GITHUB_SERVER_URL") or GITHUB_COM).rstrip("/")
    if server.lower() == GITHUB_COM:
        return Item("github-server", "pass", "github.com: PyPI's Trusted Publishing is available")
    return Item("github-server", "fail", GHES.format(server=server))


def _token(inputs: Inputs, environ: Mapping[str, str]) -> str:
    return inputs.github_token or environ.get("GITHUB_TOKEN", "")


def _roles(inputs: Inputs) -> dict[str, str]:
    """The environments the setup names, each with its role."""
    roles = {environment: f"the {channel} channel's publishing environment"
             for channel, environment in inputs.channel_environments.items()}
    if inputs.secrets_environment:
        roles[inputs.secrets_environment] = "the LLM provider keys"
    return roles


def check_environments(inputs: Inputs, ctx: Context) -> list[Item]:
    """The three environments exist (their protection rules listed); skipped, never failed,
    when the API cannot be asked."""
    roles = _roles(inputs)
    if not roles:
        return []
    token = _token(inputs, ctx.environ)
    if not token:
        return [Item("environments", "skip", NO_TOKEN)]
    if not inputs.repository:
        return [Item("environments", "skip", NO_REPOSITORY)]
    from release_actions import environments

    try:
        found = environments.read_environments(token, ctx.environ, inputs.repository,
                                               list(roles), inputs.timeout)
    except environments.Unavailable as error:
        return [Item("environments", "skip", f"skipped: {error}; the workflow checks still ran")]
    return [item for name, role in roles.items()
            for item in _environment_items(inputs, name, role, found[name])]


def _environment_items(
    inputs: Inputs, name: str, role: str, found: Environment | None
) -> list[Item]:
    check = f"environment `{name}`"
    if found is None:
        advice = ("; add required reviewers" if name == inputs.public_environment else "")
        return [Item(check, "fail", ENVIRONMENT_MISSING.format(
            repository=inputs.repository, name=name, role=role, advice=advice))]
    rules = "; ".join(found.rules) or "no protection rules"
    items = [Item(check, "pass", f"exists ({role}): {rules}")]
    if name == inputs.public_environment and found.protected_branches_only:
        items.append(Item(check, "note", PROTECTED_BRANCHES_ONLY.format(name=name)))
    return items


# --- what PyPI's form needs -----------------------------------------------------------------------


@dataclass(frozen=True)
class PublisherForm:
    channel: str
    owner: str
    repository: str
    workflow: str
    environment: str

    def lines(self) -> list[tuple[str, str]]:
        return [("Owner", self.owner), ("Repository name", self.repository),
                ("Workflow name", self.workflow),
                ("Environment name", self.environment or NO_ENVIRONMENT)]


def publisher_forms(repository: str, channel_list: tuple[Channel, ...]) -> list[PublisherForm]:
    owner, _, name = repository.partition("/") if repository else ("<owner>", "", "<repository>")
    return [PublisherForm(channel.name, owner, name, channel.workflow, channel.environment)
            for channel in channel_list]


def _print_forms(console: Console, forms: list[PublisherForm]) -> None:
    for form in forms:
        console.info(f"\nPyPI trusted publisher, {form.channel} channel ({PUBLISHER_FORM_PLACE}):")
        for label, value in form.lines():
            console.info(f"  {label + ':':<18} {value}")


def _forms_markdown(forms: list[PublisherForm]) -> str:
    head = "| field | " + " | ".join(form.channel for form in forms) + " |"
    rows = [head, "|---|" + "---|" * len(forms)]
    for index, (label, _) in enumerate(forms[0].lines()):
        rows.append(f"| {label} | " + " | ".join(f"`{f.lines()[index][1]}`" for f in forms) + " |")
    return (f"#### PyPI's trusted-publisher form\n\n{PUBLISHER_FORM_PLACE}, one publisher per "
            "channel:\n\n" + "\n".join(rows) + "\n")


# --- the command ----------------------------------------------------------------------------------


def _print_items(console: Console, items: list[Item]) -> None:
    for item in items:
        if item.status == "fail":
            console.error(item.detail, title=f"doctor: {item.check}", file=item.file or None,
                          line=item.line)
        elif item.status == "note":
            console.notice(item.detail, title=f"doctor: {item.check}", file=item.file or None,
                           line=item.line)
        else:
            where = f" ({item.where})" if item.where else ""
            console.info(f"{ICONS[item.status]} {item.check}{where}: {described(item)}")


def run(inputs: Inputs, ctx: Context) -> Outcome:
    def shown(path: Path) -> str:
        return workspace_relative(path, ctx.environ)

    if not inputs.repository:
        inputs = dataclasses.replace(inputs, repository=_repository_of_checkout(inputs.workflows))
        ctx.console.info(f"Repository {inputs.repository}, from the checkout's origin remote."
                         if inputs.repository else UNKNOWN_REPOSITORY)
    workflows = read_folder(inputs.workflows, shown)
    channel_list = channels(inputs)
    for name in ("preview", "public"):
        if name not in {channel.name for channel in channel_list}:
            ctx.console.info(NO_SUCH_CHANNEL.format(channel=name))
    items = audit_workflows(workflows, inputs.secrets_environment, channel_list)
    for channel in channel_list:
        items += check_channel(workflows, channel, shown(inputs.workflows), channel_list)
    items = acknowledge(items, workflows, channel_list)
    items.append(check_server(ctx.environ))
    items += check_environments(inputs, ctx)
    forms = publisher_forms(inputs.repository, channel_list)

    _print_items(ctx.console, items)
    _print_forms(ctx.console, forms)
    return _outcome(items, forms, inputs.repository, ctx)


def headline(items: list[Item]) -> str:
    """`all clear` only when every check ran and no finding is kept by acknowledgement."""
    skipped = [item.check for item in items if item.status == "skip"]
    kept = sum(item.status == "acknowledged" for item in items)
    if not skipped and not kept:
        return "all clear"
    parts = ["no item failed"]
    if skipped:
        parts.append(f"{len(skipped)} check(s) skipped ({', '.join(skipped)})")
    if kept:
        parts.append(f"{kept} finding(s) acknowledged")
    return "; ".join(parts)


def _outcome(items: list[Item], forms: list[PublisherForm], repository: str,
             ctx: Context) -> Outcome:
    bad = failed(items)
    # Outside Actions the checklist was printed above: stdout keeps the short `failed=`.
    outputs = ({"report": to_json(items)} if ctx.environ.get("GITHUB_OUTPUT") else {})
    outputs["failed"] = str(len(bad))
    summary = markdown(items) + "\n" + _forms_markdown(forms)
    if bad:
        which = ", ".join(f"{item.check} ({item.where})" if item.where else item.check
                          for item in bad)
        raise CheckFailed(FAILED.format(count=len(bad), which=which), summary=summary,
                          outputs=outputs, terminal="")
    title = f"🩺 Release setup of `{repository or 'this repository'}`: {headline(items)}"
    ctx.console.info(f"\n{title}")
    return Outcome(outputs=outputs, summary=f"### {title}\n\n{summary}", terminal="")


COMMAND = Command(
    name="doctor",
    description=(
        "Check the one-time release setup before the first release: publishing jobs, "
        "`id-token: write`, pins, checkouts, caches and environments in the workflow files, "
        "the environments on GitHub, and the values PyPI's trusted-publisher form needs."
    ),
    icon="activity",
    inputs_type=Inputs,
    outputs=(
        Output("report", "The checklist as JSON: a list of {check, ok, status, detail}, with "
                         "file, line and an acknowledgement's reason where an item has them."),
        Output("failed", "How many items failed (0 when the setup is ready)."),
    ),
    run=run,
    env_secrets=lambda environ: [environ.get("GITHUB_TOKEN", "")],
)
