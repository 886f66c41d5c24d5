"""`integration-gate`: the first live LLM provider, in priority order, for the smoke rollout and
the judge. Every configured provider is probed at once; the choice is made as soon as no
higher-priority probe is still pending, and the probes still running are abandoned."""

from __future__ import annotations

import json
import queue
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from release_actions import command, providers
from release_actions.command import Outcome
from release_actions.errors import CheckFailed, ConfigError, InputError
from release_actions.gha import Console
from release_actions.providers import Endpoint

DEFAULT_PROVIDERS = ",".join(provider.name for provider in providers.PROVIDERS)
MAX_TIMEOUT = 600.0
PROBE_PROMPT = "Return OK only."
PROBE_MAX_TOKENS = 8
MAX_BODY_BYTES = 1 << 20
DETAIL_CHARS = 160

# Failure reasons, as the probes output and the error name them.
UNAUTHORIZED = "unauthorized"
MODEL_NOT_FOUND = "model not found"
RATE_LIMITED = "rate limited"
TIMEOUT = "timeout"
CONNECTION_ERROR = "connection error"
BAD_RESPONSE = "bad response"
ABANDONED = "abandoned"  # still running when a higher-priority provider had already answered

NO_PROVIDER = (
    "No live LLM provider among {names}:\n{lines}\n"
    "Give the job at least one provider key (a secret of its environment, mapped through "
    "`env:`), or set `require: false` to pass without a provider (fork pull requests get no "
    "secrets)."
)
NONE_CONFIGURED = "None is configured: set one of {variables}."
# Provider error bodies can echo what was sent; anything shaped like a credential is cut.
_CREDENTIAL = re.compile(
    r"(?i)\b(?:sk|pk|rk|ghp|gho|ghs|ghu|github_pat)[-_][A-Za-z0-9_\-]{6,}|[A-Za-z0-9_\-]{24,}"
)
_OS_ERROR = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")
_SECONDS = re.compile(r"[0-9]+(\.[0-9]+)?\Z")


def parse_timeout(name: str, raw: str) -> float:
    """Seconds per probe: a positive decimal number up to MAX_TIMEOUT."""
    if not _SECONDS.match(raw) or not 0 < float(raw) <= MAX_TIMEOUT:
        raise InputError(
            f"Input `{name}` must be a number of seconds between 0 and {MAX_TIMEOUT:g}, such as "
            f"25 or 2.5; got {raw!r}."
        )
    return float(raw)


INPUTS = (
    command.items(
        "providers",
        "Providers to probe, in priority order, newline- or comma-separated: deepseek, glm, "
        "qwen, litellm, openai, github-models.",
        DEFAULT_PROVIDERS,
    ),
    command.custom("timeout", "Seconds per probe; also the longest the gate waits.",
                   parse_timeout, "25"),
    command.boolean(
        "require",
        "Fail when no provider answers. `false`: exit 0 with an empty `provider` and a notice "
        "(fork pull requests have no secrets).",
        "true",
    ),
    command.boolean(
        "export-env",
        "Export LLM_PROVIDER, LLM_MODEL, LLM_BASE_URL, OPENAI_BASE_URL and OPENAI_API_KEY for "
        "later steps.",
        "true",
    ),
    command.text(
        "github-token",
        "GitHub Models key when GITHUB_MODELS_TOKEN is unset (needs `permissions: models: "
        "read`).",
        "",
        secret=True,
    ),
)


@dataclass(frozen=True)
class Inputs:
    endpoints: tuple[Endpoint, ...]
    timeout: float = 25.0
    require: bool = True
    export_env: bool = True
    daytona: bool = False
    secrets: tuple[str, ...] = field(default=(), repr=False)


def _provider_names(listed: Sequence[str]) -> list[str]:
    known = ", ".join(providers.BY_NAME)
    if not listed:
        raise InputError(f"Input `providers` is empty. Name at least one of: {known}.")
    for name in listed:
        if name not in providers.BY_NAME:
            raise InputError(
                f"Input `providers` names an unknown provider {name!r}. Known providers, in "
                f"default priority order: {known}."
            )
    return list(dict.fromkeys(listed))


def make_inputs(values: dict[str, Any], environ: Mapping[str, str]) -> Inputs:
    token: str = values["github_token"]
    try:
        endpoints = tuple(
            providers.resolve(providers.BY_NAME[name], environ, token)
            for name in _provider_names(values["providers"])
        )
    except providers.BaseUrlInvalid as error:
        raise ConfigError(str(error)) from None
    secrets = [*providers.known_keys(environ), token.strip()]
    secrets += [providers.url_password(endpoint.base_url) for endpoint in endpoints]
    return Inputs(
        endpoints=endpoints,
        timeout=values["timeout"],
        require=values["require"],
        export_env=values["export_env"],
        daytona=bool(environ.get("DAYTONA_API_KEY", "").strip()),
        secrets=tuple(secret for secret in secrets if secret),
    )


# --- one probe ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """What one provider answered. `detail` is for the log only and has credentials cut."""

    name: str
    configured: bool
    ok: bool
    reason: str = ""
    status: int | None = None
    latency_ms: int | None = None
    detail: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name, "configured": self.configured, "ok": self.ok,
            "status": self.status, "reason": self.reason, "latency_ms": self.latency_ms,
        }


def probe_body(model: str) -> dict[str, object]:
    return {
        "model": model,
        "messages": [{"role": "user", "content": PROBE_PROMPT}],
        "max_tokens": PROBE_MAX_TOKENS,
    }


def scrub(text: str) -> str:
    """One short line of provider text with anything shaped like a credential cut out."""
    line = " ".join(text.split())
    line = _CREDENTIAL.sub("***", line)
    return line if len(line) <= DETAIL_CHARS else line[: DETAIL_CHARS - 1] + "…"


def _error_message(body: bytes) -> str:
    """The message of an OpenAI-style error body (`{"error": {"message": ...}}`), else its text."""
    text = body.decode("utf-8", "replace")
    try:
        document = json.loads(text)
    except ValueError:
        return scrub(text)
    error = document.get("error", document) if isinstance(document, dict) else document
    if isinstance(error, dict):
        error = error.get("message") or error.get("msg") or error
    return scrub(error if isinstance(error, str) else json.dumps(error))


def classify(status: int, body: bytes) -> tuple[bool, str, str]:
    """(ok, reason, detail) for an HTTP answer: success is a 2xx JSON object with `choices`."""
    if 200 <= status < 300:
        try:
            document = json.loads(body)
        except ValueError:
            return False, BAD_RESPONSE, "the body is not JSON"
        choices = document.get("choices") if isinstance(document, dict) else None
        if isinstance(choices, list) and choices:
            return True, "", ""
        return False, BAD_RESPONSE, "a JSON body without `choices`"
    reason = {401: UNAUTHORIZED, 403: UNAUTHORIZED, 404: MODEL_NOT_FOUND, 429: RATE_LIMITED}.get(
        status, f"HTTP {status}"
    )
    return False, reason, _error_message(body)


def _is_timeout(error: BaseException) -> bool:
    import requests
    from urllib3.exceptions import TimeoutError as Urllib3Timeout

    # A timeout while streaming the body reaches us wrapped in a ConnectionError.
    return isinstance(error, requests.Timeout) or any(
        isinstance(arg, (Urllib3Timeout, TimeoutError)) for arg in error.args
    )


def _connection_detail(error: BaseException) -> str:
    found = _OS_ERROR.search(str(error))
    return scrub(found.group(1)) if found else type(error).__name__


def probe_endpoint(endpoint: Endpoint, timeout: float) -> Probe:
    """POST the tiny chat completion to one provider, once (no retries: a retry hides faults)."""
    import requests

    from release_actions.http import session

    started = time.monotonic()

    def answered(ok: bool, reason: str, status: int | None = None, detail: str = "") -> Probe:
        elapsed = round((time.monotonic() - started) * 1000)
        return Probe(endpoint.name, True, ok, reason, status, elapsed, detail)

    try:
        with session(retries=0) as http, http.post(
            endpoint.url,
            json=probe_body(endpoint.model),
            headers={"Authorization": f"Bearer {endpoint.key}"},
            timeout=(timeout, timeout),
            allow_redirects=False,  # a redirect is a misconfigured base URL, not an answer
            stream=True,
        ) as response:
            body = b""
            for chunk in response.iter_content(chunk_size=16384):
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    break
    except requests.RequestException as error:
        if _is_timeout(error):
            return answered(False, TIMEOUT)
        return answered(False, CONNECTION_ERROR, detail=_connection_detail(error))
    ok, reason, detail = classify(response.status_code, body)
    return answered(ok, reason, response.status_code, detail)


# --- all probes, decided early -----------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    winner: Probe | None
    probes: tuple[Probe, ...]  # in priority order
    elapsed_ms: int


def first_live(by_priority: Sequence[Probe | None]) -> tuple[bool, Probe | None]:
    """(decided, winner) over probes in priority order, None for one still pending: decided as
    soon as every probe before the first success has failed."""
    for probe in by_priority:
        if probe is None:
            return False, None
        if probe.ok:
            return True, probe
    return True, None


def unconfigured(endpoint: Endpoint) -> Probe:
    return Probe(endpoint.name, False, False, endpoint.problem, detail=endpoint.hint)


Prober = Callable[[Endpoint, float], Probe]


def select(endpoints: Sequence[Endpoint], timeout: float,
           prober: Prober = probe_endpoint) -> Selection:
    """Probe every configured endpoint in its own thread and pick the first live one in order.

    The wait ends at the first decision or after `timeout` (also the wall limit for a server
    that trickles bytes). Threads are daemons: one left hanging never holds the process."""
    import release_actions.http  # noqa: F401  # once, here, not under the import lock in 6 threads

    started = time.monotonic()
    deadline = started + timeout
    results: dict[str, Probe] = {e.name: unconfigured(e) for e in endpoints if not e.configured}
    answers: queue.SimpleQueue[tuple[str, Probe | BaseException]] = queue.SimpleQueue()

    def probe_into_queue(endpoint: Endpoint) -> None:
        try:
            answers.put((endpoint.name, prober(endpoint, timeout)))
        except BaseException as error:  # a bug: handed to the main thread to report
            answers.put((endpoint.name, error))

    for endpoint in endpoints:
        if endpoint.configured:
            threading.Thread(target=probe_into_queue, args=(endpoint,),
                             name=f"probe-{endpoint.name}", daemon=True).start()

    def in_order() -> list[Probe | None]:
        return [results.get(endpoint.name) for endpoint in endpoints]

    decided, winner = first_live(in_order())
    while not decided:
        try:
            name, answer = answers.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        if isinstance(answer, BaseException):
            raise answer
        results[name] = answer
        decided, winner = first_live(in_order())

    elapsed_ms = round((time.monotonic() - started) * 1000)
    for endpoint in endpoints:
        if endpoint.name not in results:
            results[endpoint.name] = (
                Probe(endpoint.name, True, False, ABANDONED) if decided
                else Probe(endpoint.name, True, False, TIMEOUT, latency_ms=elapsed_ms)
            )
    if not decided:
        decided, winner = first_live(in_order())
    return Selection(winner, tuple(results[endpoint.name] for endpoint in endpoints), elapsed_ms)


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


def _outputs(inputs: Inputs, selection: Selection) -> dict[str, str]:
    chosen = next(
        (e for e in inputs.endpoints if selection.winner and e.name == selection.winner.name),
        None,
    )
    return {
        "provider": chosen.name if chosen else "",
        "model": chosen.model if chosen else "",
        "base-url": chosen.base_url if chosen else "",
        "api-key-env": _key_variable(chosen, inputs.export_env) if chosen else "",
        "daytona": "true" if inputs.daytona else "false",
        "probes": json.dumps([probe.as_json() for probe in selection.probes]),
        "rollout-model": chosen.rollout_model if chosen else "",
        "judge-model": chosen.judge_model if chosen else "",
    }


def _exports(endpoint: Endpoint) -> dict[str, str]:
    return {
        "LLM_PROVIDER": endpoint.name,
        "LLM_MODEL": endpoint.model,
        "LLM_BASE_URL": endpoint.base_url,
        "OPENAI_BASE_URL": endpoint.base_url,
        "OPENAI_API_KEY": endpoint.key,
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
        f"(timeout {inputs.timeout:g} s per probe, probed concurrently)."
        if winner else "### ⚠️ Integration gate: no live LLM provider\n\nContinuing without "
        "one because `require` is false."
    )
    return f"{head}\n\n{_probe_table(selection)}"


def _probe_lines(selection: Selection) -> str:
    return "\n".join(f"- {probe.name}: {_describe(probe)}" for probe in selection.probes)


def _no_provider_message(inputs: Inputs, selection: Selection) -> str:
    names = ", ".join(endpoint.name for endpoint in inputs.endpoints)
    message = NO_PROVIDER.format(names=names, lines=_probe_lines(selection))
    if not any(endpoint.configured for endpoint in inputs.endpoints):
        variables = ", ".join(
            name for endpoint in inputs.endpoints for name in endpoint.provider.key_envs
        )
        message += " " + NONE_CONFIGURED.format(variables=variables)
    return message


def run(inputs: Inputs, console: Console) -> Outcome:
    for secret in inputs.secrets:
        console.mask(secret)
    names = ", ".join(endpoint.name for endpoint in inputs.endpoints)
    console.info(f"Probing {names} concurrently (timeout {inputs.timeout:g} s per probe)")
    for endpoint in inputs.endpoints:
        if endpoint.configured:
            console.debug(f"{endpoint.name}: POST {endpoint.url} with model {endpoint.model} and "
                          f"the key from {endpoint.key_source}")
    selection = select(inputs.endpoints, inputs.timeout)
    with console.group(f"Probes, decided in {selection.elapsed_ms} ms"):
        for probe in selection.probes:
            console.info(f"{probe.name}: {_describe(probe)}")

    winner = selection.winner
    outcome = Outcome(outputs=_outputs(inputs, selection), summary=_summary(inputs, selection))
    if winner is None:
        if inputs.require:
            raise CheckFailed(_no_provider_message(inputs, selection),
                              summary=_probe_table(selection))
        console.notice(
            "No live LLM provider; continuing without one because `require` is false.\n"
            + _probe_lines(selection),
            title="integration-gate",
        )
        return outcome
    endpoint = next(e for e in inputs.endpoints if e.name == winner.name)
    console.info(f"Selected {endpoint.name} ({endpoint.model} at {endpoint.base_url}); rollout "
                 f"model {endpoint.rollout_model}, judge model {endpoint.judge_model}")
    if inputs.export_env:
        outcome.env = _exports(endpoint)
    return outcome
