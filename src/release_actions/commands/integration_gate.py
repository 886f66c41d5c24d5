"""`integration-gate`: the first live LLM provider, in priority order, for the smoke rollout and
the judge. Providers are probed in order, hedged: the next starts when those above have failed
or not answered within `hedge`; the choice is made as soon as no higher-priority probe is still
pending, and the probes still running are abandoned."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from release_actions import kinds, providers
from release_actions.command import Command, Outcome, Output, option
from release_actions.context import Context
from release_actions.errors import CheckFailed, ConfigError
from release_actions.probing import Probe, Selection, select
from release_actions.providers import Endpoint

DEFAULT_PROVIDERS = ",".join(provider.name for provider in providers.PROVIDERS)
NO_PROVIDER = (
    "No live LLM provider among {names}:\n{lines}\n"
    "Give the job at least one provider key (a secret of its environment, mapped through "
    "`env:`), or set `require: false` to pass without a provider (fork pull requests get no "
    "secrets)."
)
NONE_CONFIGURED = "None is configured: set one of {variables}."


KNOWN_NAMES = ", ".join([*providers.BY_NAME, *providers.ALIASES])
EXPORT_NAMES = ("generic", "benchflow")
# Every name a provider may be given by (a table name or a BenchFlow alias) -> its table row's name.
NAMES = {name: providers.ALIASES.get(name, name)
         for name in [*providers.BY_NAME, *providers.ALIASES]}
EMPTY_PROVIDERS = "Input `{name}` is empty. Name at least one of: " + KNOWN_NAMES + "."
UNKNOWN_PROVIDER = (
    "Input `{name}` names an unknown provider {got}. Known providers (default priority: "
    + DEFAULT_PROVIDERS + "): " + KNOWN_NAMES + "."
)


@dataclass(frozen=True)
class Inputs:
    providers: tuple[str, ...] = option(
        kinds.names(NAMES, EMPTY_PROVIDERS, UNKNOWN_PROVIDER),
        "Providers to probe, in priority order, newline- or comma-separated: deepseek, glm, "
        "qwen, litellm, openai, github-models, gemini (probed only when listed); BenchFlow's "
        "`qwen-dashscope` and `litellm-proxy` name qwen and litellm.",
        default=DEFAULT_PROVIDERS,
    )
    timeout: float = option(
        kinds.seconds(kinds.MAX_TIMEOUT),
        "The longest the gate waits for an answer; a probe started later gets what is left.",
        default="25",
    )
    hedge: float = option(
        kinds.delay(kinds.MAX_TIMEOUT),
        "Seconds to wait for a provider before also probing the next one (a failure starts the "
        "next at once). A top provider that answers within it is the only one sent a request; "
        "0 probes all at once.",
        default="1",
    )
    require: bool = option(
        kinds.boolean,
        "Fail when no provider answers. `false`: exit 0 with an empty `provider` and a notice "
        "(fork pull requests have no secrets).",
        default="true",
    )
    export_env: bool = option(
        kinds.boolean,
        "Export LLM_PROVIDER, LLM_MODEL, LLM_BASE_URL, OPENAI_BASE_URL and OPENAI_API_KEY for "
        "later steps.",
        default="true",
    )
    export_names: str = option(
        kinds.choice(*EXPORT_NAMES),
        "`benchflow`: with `export-env`, also export what BenchFlow's provider selector does: "
        "BENCHFLOW_INTEGRATION_PROVIDER, BENCHFLOW_INTEGRATION_AGENT, "
        "BENCHFLOW_INTEGRATION_MODEL, BENCHFLOW_JUDGE_MODEL and the provider's own key and "
        "base-URL variables (e.g. DEEPSEEK_API_KEY, DEEPSEEK_BASE_URL).",
        default="generic",
    )
    agent: str = option(
        kinds.word, "The agent the smoke rollout runs, handed on as the `agent` output (and "
        "BENCHFLOW_INTEGRATION_AGENT with `export-names: benchflow`).",
        default="openhands",
    )
    github_token: str = option(
        kinds.text,
        "GitHub Models key when GITHUB_MODELS_TOKEN is unset (needs `permissions: models: "
        "read`).",
        default="", expression="${{ github.token }}", secret=True,
    )


def provider_secrets(environ: Mapping[str, str]) -> list[str]:
    """Every provider key and base-URL password in the environment, masked before anything."""
    urls = [environ.get(provider.base_url_env, "") for provider in providers.KNOWN]
    return [*providers.known_keys(environ), *filter(None, map(providers.url_password, urls))]


def _row(name: str) -> providers.Provider:
    provider = providers.named(name)
    assert provider is not None, name  # the `providers` input admits known names only
    return provider


def endpoints_of(inputs: Inputs, environ: Mapping[str, str]) -> tuple[Endpoint, ...]:
    try:
        return tuple(
            providers.resolve(_row(name), environ, inputs.github_token)
            for name in inputs.providers
        )
    except providers.BaseUrlInvalid as error:
        raise ConfigError(str(error)) from None


# --- the command -------------------------------------------------------------------------------


def _describe(probe: Probe) -> str:
    if probe.ok:
        return f"ok (HTTP {probe.status}, {probe.latency_ms} ms)"
    text = probe.reason
    if probe.status is not None and not probe.reason.startswith("HTTP"):
        text += f" (HTTP {probe.status})"
    return f"{text}: {probe.detail}" if probe.detail else text


def _key_variable(endpoint: Endpoint, export_env: bool) -> str:
    """The variable a later step reads the key from; never the key itself."""
    if endpoint.key_source != providers.TOKEN_INPUT:
        return endpoint.key_source
    return "OPENAI_API_KEY" if export_env else ""


@dataclass(frozen=True)
class Plan:
    """The inputs resolved against the job: which endpoints, and what the job has."""

    inputs: Inputs
    endpoints: tuple[Endpoint, ...]
    daytona: bool


def _outputs(plan: Plan, selection: Selection) -> dict[str, str]:
    inputs = plan.inputs
    chosen = next(
        (e for e in plan.endpoints if selection.winner and e.name == selection.winner.name),
        None,
    )
    return {
        "provider": chosen.name if chosen else "",
        "model": chosen.model if chosen else "",
        "base-url": chosen.base_url if chosen else "",
        "api-key-env": _key_variable(chosen, inputs.export_env) if chosen else "",
        "daytona": "true" if plan.daytona else "false",
        "probes": json.dumps([probe.as_json() for probe in selection.probes]),
        "rollout-model": chosen.rollout_model if chosen else "",
        "judge-model": chosen.judge_model if chosen else "",
        "agent": inputs.agent if chosen else "",
    }


def _exports(endpoint: Endpoint) -> dict[str, str]:
    return {
        "LLM_PROVIDER": endpoint.name,
        "LLM_MODEL": endpoint.model,
        "LLM_BASE_URL": endpoint.base_url,
        "OPENAI_BASE_URL": endpoint.base_url,
        "OPENAI_API_KEY": endpoint.key,
    }


def benchflow_exports(endpoint: Endpoint, agent: str) -> dict[str, str]:
    """What BenchFlow's `select_integration_provider.py` writes to GITHUB_ENV, name for name:
    its provider name, agent, rollout and judge models, then the provider's own key and URL
    variables and the OpenAI-compatible pair."""
    provider = endpoint.provider
    own = {provider.seed_key_env: endpoint.key}
    if provider.seed_url_env:
        own[provider.seed_url_env] = endpoint.base_url
    return {
        "BENCHFLOW_INTEGRATION_PROVIDER": provider.seed_name,
        "BENCHFLOW_INTEGRATION_AGENT": agent,
        "BENCHFLOW_INTEGRATION_MODEL": endpoint.rollout_model,
        "BENCHFLOW_JUDGE_MODEL": endpoint.judge_model,
        **own,
        "OPENAI_API_KEY": endpoint.key,
        "OPENAI_BASE_URL": endpoint.base_url,
    }


def _probe_table(selection: Selection) -> str:
    rows = "\n".join(
        f"| `{probe.name}` | {'yes' if probe.configured else 'no'} | "
        f"{'✅ ok' if probe.ok else probe.reason} | "
        f"{'' if probe.latency_ms is None else f'{probe.latency_ms} ms'} |"
        for probe in selection.probes
    )
    return f"| provider | configured | result | latency |\n|---|---|---|---|\n{rows}\n"


def _summary(inputs: Inputs, selection: Selection) -> str:
    winner = selection.winner
    head = (
        f"### 🧪 Integration gate: `{winner.name}`\n\nChosen in {selection.elapsed_ms} ms "
        f"(timeout {inputs.timeout:g} s, hedged every {inputs.hedge:g} s)."
        if winner else "### ⚠️ Integration gate: no live LLM provider\n\nContinuing without "
        "one because `require` is false."
    )
    return f"{head}\n\n{_probe_table(selection)}"


def _probe_lines(selection: Selection) -> str:
    return "\n".join(f"- {probe.name}: {_describe(probe)}" for probe in selection.probes)


def _no_provider_message(plan: Plan, selection: Selection) -> str:
    names = ", ".join(endpoint.name for endpoint in plan.endpoints)
    message = NO_PROVIDER.format(names=names, lines=_probe_lines(selection))
    if not any(endpoint.configured for endpoint in plan.endpoints):
        variables = ", ".join(
            name for endpoint in plan.endpoints for name in endpoint.provider.key_envs
        )
        message += " " + NONE_CONFIGURED.format(variables=variables)
    return message


def run(inputs: Inputs, ctx: Context) -> Outcome:
    console = ctx.console
    plan = Plan(inputs, endpoints_of(inputs, ctx.environ),
                daytona=bool(ctx.get("DAYTONA_API_KEY").strip()))
    names = ", ".join(endpoint.name for endpoint in plan.endpoints)
    console.info(f"Probing {names} in order, the next after {inputs.hedge:g} s without an "
                 f"answer or at once after a failure (timeout {inputs.timeout:g} s)")
    for endpoint in plan.endpoints:
        if endpoint.configured:
            console.debug(f"{endpoint.name}: POST {endpoint.url} with model {endpoint.model} and "
                          f"the key from {endpoint.key_source}")
    selection = select(plan.endpoints, inputs.timeout, hedge=inputs.hedge)
    with console.group(f"Probes, decided in {selection.elapsed_ms} ms"):
        for probe in selection.probes:
            console.info(f"{probe.name}: {_describe(probe)}")

    winner = selection.winner
    outcome = Outcome(outputs=_outputs(plan, selection), summary=_summary(inputs, selection))
    if winner is None:
        if inputs.require:
            raise CheckFailed(_no_provider_message(plan, selection),
                              summary=_probe_table(selection), outputs=outcome.outputs)
        console.notice(
            "No live LLM provider; continuing without one because `require` is false.\n"
            + _probe_lines(selection),
            title="integration-gate",
        )
        return outcome
    endpoint = next(e for e in plan.endpoints if e.name == winner.name)
    console.info(f"Selected {endpoint.name} ({endpoint.model} at {endpoint.base_url}); rollout "
                 f"model {endpoint.rollout_model}, judge model {endpoint.judge_model}")
    if inputs.export_env:
        outcome.env = _exports(endpoint)
        if inputs.export_names == "benchflow":
            outcome.env.update(benchflow_exports(endpoint, inputs.agent))
    return outcome


COMMAND = Command(
    name="integration-gate",
    description=(
        "Pick the first live LLM provider, in priority order, that answers a tiny probe; the "
        "next provider is probed only when those above failed or are slow. Hands the choice "
        "to the smoke rollout and the judge."
    ),
    icon="activity",
    inputs_type=Inputs,
    outputs=(
        Output("provider",
               "The chosen provider; empty when none answered and `require` is false."),
        Output("model", "The model the probe used (the provider's default or its "
                        "`<NAME>_MODEL` override)."),
        Output("base-url", "The chosen provider's OpenAI-compatible API root."),
        Output("api-key-env", "The name of the variable that holds the chosen key (never the "
                              "key); `OPENAI_API_KEY` when the key came from `github-token` and "
                              "`export-env` is true."),
        Output("daytona", "`true` when DAYTONA_API_KEY is set (enables the Daytona parity and "
                          "reaper checks)."),
        Output("probes", "JSON list, one object per provider in priority order: name, "
                         "configured, ok, status, reason, latency_ms. No secrets. Written on a "
                         "refusal too."),
        Output("rollout-model", "`<prefix>/<model>` as BenchFlow's rollout takes it (prefixes "
                                "deepseek, glm, qwen-dashscope, litellm, openai, github-models)."),
        Output("judge-model", "`openai/<model>`: the judge talks to the chosen provider through "
                              "its OpenAI-compatible API."),
        Output("agent", "The `agent` input, for the smoke rollout; empty when no provider was "
                        "chosen."),
    ),
    run=run,
    env_secrets=provider_secrets,
)
