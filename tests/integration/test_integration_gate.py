"""integration-gate against real HTTP servers on 127.0.0.1: every fault class, the request the
provider receives, priority under concurrency, the outputs and exports, and no key leaking."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from release_actions import cli, providers
from release_actions.gha import Console
from release_actions.rehearsal.providers import FakeProvider, closed_port_url, fake_providers
from tests.helpers import Result, clean_env, parse_key_values, run_cli


def run_gate(tmp_path: Path, environ: dict[str, str], **inputs: str) -> Result:
    """The command in this process, as a runner runs it: INPUT_* and the runner's files."""
    files = {name: tmp_path / name.lower()
             for name in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STEP_SUMMARY")}
    for path in files.values():
        path.write_text("")
    env = {"GITHUB_ACTIONS": "true", **{k: str(v) for k, v in files.items()}, **environ}
    env.update({f"INPUT_{name.upper()}": value for name, value in inputs.items()})
    log = io.StringIO()
    code = cli.execute("integration-gate", env, Console(actions=True, stream=log))
    return Result(
        code, log.getvalue(), "",
        outputs=parse_key_values(files["GITHUB_OUTPUT"].read_text()),
        env=parse_key_values(files["GITHUB_ENV"].read_text()),
        summary=files["GITHUB_STEP_SUMMARY"].read_text(),
    )


def probes(result: Result) -> dict[str, dict[str, object]]:
    return {probe["name"]: probe for probe in json.loads(result.outputs["probes"])}


def test_a_live_provider_gets_the_spec_probe_and_is_handed_on(tmp_path: Path) -> None:
    """Given one provider answering, when the gate runs, then the server received the spec's
    request with the key as a bearer token, and every output and export names that provider."""
    with FakeProvider("ok") as server:
        result = run_gate(tmp_path, {
            "DEEPSEEK_API_KEY": "sk-deepseek-key", "DEEPSEEK_BASE_URL": server.base_url,
            "DAYTONA_API_KEY": "dtn",
        }, providers="deepseek")
    assert result.code == 0, result.log
    [received] = server.received
    assert received.path == "/v1/chat/completions"
    assert received.authorization == "Bearer sk-deepseek-key"
    assert received.body == {
        "model": "deepseek-v4-flash",
        "messages": [{"role": "user", "content": "Return OK only."}], "max_tokens": 8,
    }
    assert {k: v for k, v in result.outputs.items() if k != "probes"} == {
        "provider": "deepseek", "model": "deepseek-v4-flash", "base-url": server.base_url,
        "api-key-env": "DEEPSEEK_API_KEY", "daytona": "true",
        "rollout-model": "deepseek/deepseek-v4-flash", "judge-model": "openai/deepseek-v4-flash",
        "agent": "openhands",
    }
    [probe] = json.loads(result.outputs["probes"])
    assert set(probe) == {"name", "configured", "ok", "status", "reason", "latency_ms"}
    assert (probe["ok"], probe["status"], probe["reason"]) == (True, 200, "")
    assert result.env == {
        "LLM_PROVIDER": "deepseek", "LLM_MODEL": "deepseek-v4-flash",
        "LLM_BASE_URL": server.base_url, "OPENAI_BASE_URL": server.base_url,
        "OPENAI_API_KEY": "sk-deepseek-key",
    }
    assert "| `deepseek` | yes | ✅ ok |" in result.summary


FAULTS = [
    pytest.param("401", "unauthorized", 401, id="401"),
    pytest.param("403", "unauthorized", 403, id="403"),
    pytest.param("404", "model not found", 404, id="404"),
    pytest.param("429", "rate limited", 429, id="429"),
    pytest.param("500", "HTTP 500", 500, id="500"),
    pytest.param("no-choices", "bad response", 200, id="2xx-without-choices"),
    pytest.param("reset", "connection error", None, id="connection-reset"),
    pytest.param("hang", "timeout", None, id="hang"),
    pytest.param("trickle", "timeout", None, id="trickle-past-the-timeout"),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("behaviour", "reason", "status"), FAULTS)
def test_a_failing_provider_is_classified_and_the_next_one_wins(
    tmp_path: Path, behaviour: str, reason: str, status: int | None
) -> None:
    with fake_providers(behaviour, "ok") as (failing, live):
        result = run_gate(tmp_path, {
            "DEEPSEEK_API_KEY": "k1", "DEEPSEEK_BASE_URL": failing.base_url,
            "GLM_API_KEY": "k2", "GLM_BASE_URL": live.base_url,
        }, providers="deepseek,glm", timeout="1.5")
    assert result.code == 0, result.log
    assert result.outputs["provider"] == "glm"
    first = probes(result)["deepseek"]
    assert (first["configured"], first["ok"], first["reason"], first["status"]) == (
        True, False, reason, status,
    )
    assert failing.arrived.is_set()


def test_a_closed_port_is_a_connection_error(tmp_path: Path) -> None:
    result = run_gate(tmp_path, {"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": closed_port_url()},
                      providers="openai", require="false")
    assert result.code == 0, result.log
    assert probes(result)["openai"]["reason"] == "connection error"
    assert "openai: connection error: Connection refused" in result.log


def test_a_slower_higher_priority_success_beats_a_faster_lower_one(tmp_path: Path) -> None:
    """Given qwen answering at once and glm answering only after qwen has answered, when the
    gate runs, then glm (higher priority) is chosen."""
    with FakeProvider("ok") as fast, FakeProvider("ok", answer_after=fast.answered) as slow:
        result = run_gate(tmp_path, {
            "GLM_API_KEY": "k1", "GLM_BASE_URL": slow.base_url,
            "QWEN_API_KEY": "k2", "QWEN_BASE_URL": fast.base_url,
        })
    assert result.code == 0, result.log
    assert result.outputs["provider"] == "glm"
    assert result.outputs["rollout-model"] == "glm/glm-5.1"
    assert fast.answered.is_set()


def test_a_hung_lower_priority_provider_does_not_delay_the_choice_or_the_exit(
    tmp_path: Path,
) -> None:
    """Given deepseek answering and openai hanging, with a 600 s timeout and no hedge delay
    (all probed at once), when the gate runs as a process, then it chooses deepseek and exits
    (waiting for openai, in the gate or at exit, would hit the 60 s guard) and openai is
    reported as abandoned."""
    with FakeProvider("hang") as hung, FakeProvider("ok", answer_after=hung.arrived) as live:
        result = run_cli("integration-gate", cwd=tmp_path, timeout=60, env={
            "DEEPSEEK_API_KEY": "k1", "DEEPSEEK_BASE_URL": live.base_url,
            "OPENAI_API_KEY": "k2", "OPENAI_BASE_URL": hung.base_url,
        }, inputs={"timeout": "600", "hedge": "0"})
        assert hung.arrived.wait(10), "openai was probed concurrently"
    assert result.code == 0, result.log
    assert result.outputs["provider"] == "deepseek"
    assert probes(result)["openai"]["reason"] == "abandoned"


# --- hedged probing: each server counts the requests it received --------------------------------


def six_providers(servers: list[FakeProvider]) -> dict[str, str]:
    """Every default provider configured, each at its own server, in priority order."""
    environ: dict[str, str] = {}
    for provider, server in zip(providers.PROVIDERS, servers, strict=True):
        environ[provider.key_envs[0]] = f"key-of-{provider.name}"
        environ[provider.base_url_env] = server.base_url
    return environ


@pytest.mark.timeout(60)
def test_a_top_provider_that_answers_is_the_only_one_sent_a_request(tmp_path: Path) -> None:
    """Given all six providers configured and live, with the default hedge, when the gate runs,
    then deepseek is chosen after exactly one request in all, and the other five are reported
    as not probed (no key of theirs left the job)."""
    with fake_providers(*["ok"] * 6) as servers:
        result = run_gate(tmp_path, six_providers(servers))
    assert result.code == 0, result.log
    assert result.outputs["provider"] == "deepseek"
    assert [len(server.received) for server in servers] == [1, 0, 0, 0, 0, 0]
    assert [probe["reason"] for probe in probes(result).values()] == [
        "", *["not probed"] * 5]


@pytest.mark.timeout(60)
def test_a_failure_starts_the_next_provider_without_waiting_for_the_hedge(
    tmp_path: Path,
) -> None:
    """Given deepseek refusing (401) and glm live, with a 600 s hedge, when the gate runs, then
    glm is probed at once (waiting out the hedge would hit the 60 s guard) and chosen, and qwen
    below it is never sent a request."""
    with fake_providers("401", "ok", "ok") as servers:
        result = run_gate(tmp_path, {
            "DEEPSEEK_API_KEY": "k1", "DEEPSEEK_BASE_URL": servers[0].base_url,
            "GLM_API_KEY": "k2", "GLM_BASE_URL": servers[1].base_url,
            "QWEN_API_KEY": "k3", "QWEN_BASE_URL": servers[2].base_url,
        }, hedge="600", timeout="600")
    assert result.code == 0, result.log
    assert result.outputs["provider"] == "glm"
    assert [len(server.received) for server in servers] == [1, 1, 0]


@pytest.mark.timeout(60)
def test_hung_top_providers_hedge_to_the_first_live_one(tmp_path: Path) -> None:
    """Given deepseek, glm and qwen hung and litellm live, with a 2 s timeout and 0.2 s hedge,
    when the gate runs, then the three hung ones were each probed once, in turn, litellm wins
    when they time out, and the two below litellm were never sent a request."""
    with fake_providers("hang", "hang", "hang", "ok", "ok", "ok") as servers:
        result = run_gate(tmp_path, six_providers(servers), timeout="2", hedge="0.2")
    assert result.code == 0, result.log
    assert result.outputs["provider"] == "litellm"
    assert [len(server.received) for server in servers] == [1, 1, 1, 1, 0, 0]
    assert [probe["reason"] for probe in probes(result).values()] == [
        "timeout", "timeout", "timeout", "", "not probed", "not probed"]


@pytest.mark.timeout(60)
def test_a_slow_top_provider_is_hedged_and_still_wins(tmp_path: Path) -> None:
    """Given deepseek answering only once glm has been probed, with a 0.2 s hedge, when the gate
    runs, then glm was started by the hedge and deepseek, answering later, is still chosen."""
    with FakeProvider("ok") as glm, FakeProvider("ok", answer_after=glm.arrived) as deepseek:
        result = run_gate(tmp_path, {
            "DEEPSEEK_API_KEY": "k1", "DEEPSEEK_BASE_URL": deepseek.base_url,
            "GLM_API_KEY": "k2", "GLM_BASE_URL": glm.base_url,
        }, hedge="0.2")
    assert result.code == 0, result.log
    assert result.outputs["provider"] == "deepseek"
    assert (len(deepseek.received), len(glm.received)) == (1, 1)


def test_overrides_and_the_bf_token_fallback_reach_the_probe(tmp_path: Path) -> None:
    with FakeProvider("ok") as server:
        result = run_gate(tmp_path, {
            "BF_TOKEN": "bf-token-value", "LITELLM_BASE_URL": server.base_url,
            "LITELLM_MODEL": "claude-haiku",
        }, providers="litellm")
    assert result.code == 0, result.log
    assert server.received[0].body["model"] == "claude-haiku"
    assert server.received[0].authorization == "Bearer bf-token-value"
    assert (result.outputs["api-key-env"], result.outputs["rollout-model"]) == (
        "BF_TOKEN", "litellm/claude-haiku",
    )


@pytest.mark.parametrize(("export_env", "key_env"), [
    pytest.param("true", "OPENAI_API_KEY", id="exported"),
    pytest.param("false", "", id="not-exported"),
])
def test_github_models_uses_the_github_token_input(tmp_path: Path, export_env: str,
                                                   key_env: str) -> None:
    """Given no GITHUB_MODELS_TOKEN, the `github-token` input is GitHub Models' key; later steps
    find it in OPENAI_API_KEY when exported, and nowhere they could name otherwise."""
    with FakeProvider("ok") as server:
        result = run_gate(tmp_path, {"GITHUB_MODELS_BASE_URL": server.base_url},
                          providers="github-models", github_token="ghs_tokenvalue",
                          export_env=export_env)
    assert result.code == 0, result.log
    assert server.received[0].authorization == "Bearer ghs_tokenvalue"
    assert result.outputs["api-key-env"] == key_env
    assert result.outputs["judge-model"] == "openai/openai/gpt-4.1-mini"
    assert result.env.get("OPENAI_API_KEY") == ("ghs_tokenvalue" if key_env else None)


def test_no_live_provider_fails_with_one_error_listing_every_reason(tmp_path: Path) -> None:
    with fake_providers("401", "429") as (refusing, limited):
        result = run_gate(tmp_path, {
            "DEEPSEEK_API_KEY": "k1", "DEEPSEEK_BASE_URL": refusing.base_url,
            "QWEN_API_KEY": "k2", "QWEN_BASE_URL": limited.base_url,
            "BF_TOKEN": "k3",
        })
    assert result.code == 1
    [error] = result.errors()
    for line in (
        "- deepseek: unauthorized (HTTP 401): Stand-in provider simulating a wrong key: the "
        "request with Bearer *** refused (HTTP 401)",
        "- glm: missing key: set GLM_API_KEY",
        "- qwen: rate limited (HTTP 429)",
        "- litellm: missing base URL: set LITELLM_BASE_URL",
        "- openai: missing key: set OPENAI_API_KEY",
        "- github-models: missing key: set GITHUB_MODELS_TOKEN",
    ):
        assert line.replace("\n", "%0A") in error
    assert "None is configured" not in error
    # A refusal still hands on what was decided, for a later `if: failure()` step.
    assert result.outputs["provider"] == "" and result.env == {}
    probes = {probe["name"]: probe for probe in json.loads(result.outputs["probes"])}
    assert probes["deepseek"]["reason"] == "unauthorized"
    assert probes["qwen"]["status"] == 429
    assert "No live LLM provider" in result.summary
    assert "| `deepseek` | yes | unauthorized |" in result.summary
    assert "| `glm` | no | missing key |  |" in result.summary


def test_nothing_configured_names_the_variables_to_set(tmp_path: Path) -> None:
    result = run_gate(tmp_path, {}, providers="deepseek,litellm")
    assert result.code == 1
    [error] = result.errors()
    assert "None is configured: set one of DEEPSEEK_API_KEY, LITELLM_API_KEY, BF_TOKEN." in error


def test_require_false_passes_with_an_empty_provider_and_a_notice(tmp_path: Path) -> None:
    """Given a fork pull request (no secrets) and `require: false`, the gate passes, says so,
    and hands on nothing."""
    result = run_gate(tmp_path, {}, require="false")
    assert result.code == 0, result.log
    assert result.outputs["provider"] == result.outputs["rollout-model"] == ""
    assert len(json.loads(result.outputs["probes"])) == 6
    assert result.env == {}
    assert "| `deepseek` | no | missing key |  |" in result.summary
    assert any(line.startswith("::notice title=integration-gate::No live LLM provider")
               for line in result.log.splitlines())


@pytest.mark.parametrize(("inputs", "message"), [
    pytest.param({"providers": "deepseek,mistral"}, "unknown provider 'mistral'", id="provider"),
    pytest.param({"timeout": "soon"}, "`timeout` must be a number", id="timeout"),
    pytest.param({"require": "yes"}, "`require` must be a boolean", id="require"),
])
def test_bad_input_is_one_error_and_exit_2(tmp_path: Path, inputs: dict[str, str],
                                           message: str) -> None:
    result = run_gate(tmp_path, {"DEEPSEEK_API_KEY": "sk-test-key-123"}, **inputs)
    assert result.code == 2
    [error] = result.errors()
    assert message in error
    assert result.outputs == {} and result.env == {}


# --- canary keys in a real subprocess -------------------------------------------------------

CANARIES = {
    "DEEPSEEK_API_KEY": "canary-deepseek-7f3a9c",
    "GLM_API_KEY": "canary-glm-b81e20",
    "QWEN_API_KEY": "canary-qwen-4c6d11",
    "BF_TOKEN": "canary-bftoken-90aa3e",
    "OPENAI_API_KEY": "canary-openai-5e2f77",
    "DAYTONA_API_KEY": "canary-daytona-c0ffee",
}
TOKEN = "canary-githubtoken-11d2e3"
MASK = re.compile(r"^::add-mask::")


def leaks(result: Result, allowed_env: set[str]) -> list[str]:
    """Every place a canary shows up other than a mask line or an allowed GITHUB_ENV export."""
    found = []
    for canary in [*CANARIES.values(), TOKEN]:
        for number, line in enumerate(result.log.splitlines()):
            if canary in line and not MASK.match(line):
                found.append(f"log line {number}: {line}")
        found += [f"output {k}" for k, v in result.outputs.items() if canary in v]
        found += [f"env {k}" for k, v in result.env.items() if canary in v and k not in allowed_env]
        if canary in result.summary:
            found.append("summary")
    return found


@pytest.mark.parametrize("scenario", ["chosen", "refused"])
def test_canary_keys_never_leak(tmp_path: Path, scenario: str) -> None:
    """Given every key set to a canary and providers that echo the Authorization header in
    their error bodies, when the gate runs as a process with debug logs on, then no canary
    appears anywhere but on `::add-mask::` lines and in the OPENAI_API_KEY export."""
    last = "ok" if scenario == "chosen" else "500"
    with fake_providers("401", "404", "429", "403", last) as servers:
        bases = dict(zip(("DEEPSEEK", "GLM", "QWEN", "LITELLM", "OPENAI"), servers, strict=True))
        env = {**CANARIES, "RUNNER_DEBUG": "1",
               **{f"{name}_BASE_URL": server.base_url for name, server in bases.items()}}
        result = run_cli("integration-gate", cwd=tmp_path, env=env,
                         inputs={"github-token": TOKEN, "timeout": "10"}, timeout=60)
    assert result.code == (0 if scenario == "chosen" else 1), result.log
    echoed = [s.received[0].authorization for s in servers]
    assert echoed == [f"Bearer {CANARIES[f'{n}_API_KEY' if n != 'LITELLM' else 'BF_TOKEN']}"
                      for n in bases]
    masked = {line.removeprefix("::add-mask::") for line in result.log.splitlines()
              if MASK.match(line)}
    assert masked >= {*CANARIES.values(), TOKEN} - {CANARIES["DAYTONA_API_KEY"]}
    first_other = next(i for i, line in enumerate(result.log.splitlines()) if not MASK.match(line))
    assert first_other == len(masked), "every mask comes before anything else"
    assert "::debug::deepseek: POST" in result.log, "debug logs were on"
    assert leaks(result, allowed_env={"OPENAI_API_KEY"}) == []
    if scenario == "chosen":
        assert result.env["OPENAI_API_KEY"] == CANARIES["OPENAI_API_KEY"]
    else:
        assert "Bearer ***" in result.errors()[0]


def test_the_composite_action_wiring_reaches_a_provider_through_the_cli(tmp_path: Path) -> None:
    """The CLI flags mirror the inputs: a local run prints outputs as name=value lines."""
    with FakeProvider("ok") as server:
        result = run_cli("integration-gate", "--providers", "qwen", "--timeout", "5",
                         cwd=tmp_path, actions=False,
                         env={"QWEN_API_KEY": "k", "QWEN_BASE_URL": server.base_url})
    assert result.code == 0, result.log
    assert "provider=qwen\n" in result.stdout
    assert "rollout-model=qwen-dashscope/qwen3.6-max-preview\n" in result.stdout


# --- BenchFlow's vocabulary, against its own selector ------------------------------------------

SEED = Path(__file__).resolve().parents[2] / "bench" / "select_integration_provider.py"


def run_seed(tmp_path: Path, environ: dict[str, str]) -> dict[str, str]:
    """BenchFlow's selector (vendored in bench/) as its workflow runs it: what it writes to
    GITHUB_ENV."""
    github_env = tmp_path / "seed-env"
    github_env.write_text("")
    done = subprocess.run(
        [sys.executable, str(SEED)], capture_output=True, text=True, timeout=60, check=False,
        env={"PATH": os.environ["PATH"], "GITHUB_ENV": str(github_env), **environ},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # Its fixed delimiter, which the runner reads as any other.
    return dict(re.findall(r"^(\w+)<<__BENCHFLOW_ENV__\n(.*?)\n__BENCHFLOW_ENV__\n",
                           github_env.read_text(), re.S | re.M))


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("name", "key_env", "url_env"), [
    pytest.param("deepseek", "DEEPSEEK_API_KEY", "DEEPSEEK_BASE_URL", id="deepseek"),
    pytest.param("glm", "GLM_API_KEY", "GLM_BASE_URL", id="glm"),
    pytest.param("qwen-dashscope", "QWEN_API_KEY", "QWEN_BASE_URL", id="qwen-dashscope"),
    pytest.param("litellm-proxy", "LITELLM_API_KEY", "LITELLM_BASE_URL", id="litellm-proxy"),
    pytest.param("openai", "OPENAI_API_KEY", "OPENAI_BASE_URL", id="openai"),
])
def test_benchflow_exports_are_what_its_own_selector_writes(
    tmp_path: Path, name: str, key_env: str, url_env: str
) -> None:
    """Given one provider live under BenchFlow's name, when BenchFlow's selector and the gate
    with `export-names: benchflow` each pick it, then every variable the selector writes is
    written by the gate with the same value, and the generic ones are still there."""
    with FakeProvider("ok") as server:
        environ = {key_env: f"sk-{name}-key", url_env: server.base_url}
        seed = run_seed(tmp_path, environ)
        result = run_gate(tmp_path, environ, providers=name, export_names="benchflow")
        assert len(server.received) == 2  # one probe each
    assert result.code == 0, result.log
    assert seed["BENCHFLOW_INTEGRATION_PROVIDER"] == name
    assert {variable: result.env.get(variable) for variable in seed} == seed
    assert result.env["LLM_PROVIDER"] == name
    assert result.outputs["agent"] == seed["BENCHFLOW_INTEGRATION_AGENT"] == "openhands"
    assert f"sk-{name}-key" not in result.summary + json.dumps(result.outputs)
    assert all(line.startswith("::add-mask::") for line in result.log.splitlines()
               if f"sk-{name}-key" in line), "the key is masked, and shown nowhere else"


@pytest.mark.timeout(60)
def test_github_models_benchflow_exports_match_its_selector_by_name(tmp_path: Path) -> None:
    """BenchFlow's selector probes GitHub Models at a fixed URL (unreachable here), so what it
    would write is checked by name: GITHUB_TOKEN holds the key, and no URL variable of its own."""
    with FakeProvider("ok") as server:
        result = run_gate(tmp_path, {"GITHUB_MODELS_BASE_URL": server.base_url},
                          providers="github-models", github_token="ghs_tokenvalue",
                          export_names="benchflow", agent="claude-agent-acp")
    assert result.code == 0, result.log
    assert {k: v for k, v in result.env.items() if not k.startswith("LLM_")} == {
        "BENCHFLOW_INTEGRATION_PROVIDER": "github-models",
        "BENCHFLOW_INTEGRATION_AGENT": "claude-agent-acp",
        "BENCHFLOW_INTEGRATION_MODEL": "github-models/openai/gpt-4.1-mini",
        "BENCHFLOW_JUDGE_MODEL": "openai/openai/gpt-4.1-mini",
        "GITHUB_TOKEN": "ghs_tokenvalue",
        "OPENAI_API_KEY": "ghs_tokenvalue",
        "OPENAI_BASE_URL": server.base_url,
    }
    assert result.outputs["agent"] == "claude-agent-acp"


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("key_env", "url_env", "model_env", "name"), [
    pytest.param("DEEPSEEK_API_KEY", "DEEPSEEK_BASE_URL", "DEEPSEEK_FLASH_MODEL", "deepseek",
                 id="DEEPSEEK_FLASH_MODEL"),
    pytest.param("QWEN_API_KEY", "QWEN_BASE_URL", "QWEN_MAX_PREVIEW_MODEL", "qwen-dashscope",
                 id="QWEN_MAX_PREVIEW_MODEL"),
])
def test_benchflow_model_variables_reach_the_probe_as_in_its_selector(
    tmp_path: Path, key_env: str, url_env: str, model_env: str, name: str
) -> None:
    """Given BenchFlow's model variable set, both its selector and the gate probe that model."""
    with FakeProvider("ok") as server:
        environ = {key_env: "k", url_env: server.base_url, model_env: "tiny-preview"}
        run_seed(tmp_path, environ)
        result = run_gate(tmp_path, environ, providers=name)
    assert result.code == 0, result.log
    assert [received.body["model"] for received in server.received] == ["tiny-preview"] * 2
    assert result.outputs["model"] == "tiny-preview"


@pytest.mark.timeout(60)
def test_gemini_is_probed_where_the_user_places_it(tmp_path: Path) -> None:
    """Given `providers: gemini, deepseek` and both live, gemini (placed first) is chosen
    through its OpenAI-compatible endpoint with GEMINI_API_KEY; it is not probed unless listed."""
    with fake_providers("ok", "ok") as (gemini, deepseek):
        environ = {"GEMINI_API_KEY": "gem-key", "GEMINI_BASE_URL": gemini.base_url,
                   "DEEPSEEK_API_KEY": "k", "DEEPSEEK_BASE_URL": deepseek.base_url}
        placed = run_gate(tmp_path, environ, providers="gemini,deepseek",
                          export_names="benchflow")
        default = run_gate(tmp_path, environ)
    assert placed.code == 0, placed.log
    assert (placed.outputs["provider"], placed.outputs["rollout-model"]) == (
        "gemini", "gemini/gemini-2.5-flash")
    assert gemini.received[0].authorization == "Bearer gem-key"
    assert gemini.received[0].path == "/v1/chat/completions"
    assert (placed.env["GEMINI_API_KEY"], placed.env["GEMINI_BASE_URL"]) == (
        "gem-key", gemini.base_url)
    assert default.outputs["provider"] == "deepseek"
    assert len(gemini.received) == 1


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("no_proxy", "reason"), [
    pytest.param("", "connection error", id="through-the-proxy"),
    pytest.param("127.0.0.1", "", id="bypassed"),
])
def test_a_proxy_in_the_environment_is_honoured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_proxy: str, reason: str
) -> None:
    """Given HTTP_PROXY naming a port where nothing listens, the probe goes there (and fails)
    unless NO_PROXY exempts the provider's host, as with every other HTTP client."""
    monkeypatch.setenv("HTTP_PROXY", closed_port_url().removesuffix("/v1"))
    monkeypatch.setenv("NO_PROXY", no_proxy)
    with FakeProvider("ok") as server:
        result = run_gate(tmp_path, {"DEEPSEEK_API_KEY": "k1",
                                     "DEEPSEEK_BASE_URL": server.base_url},
                          providers="deepseek", require="false")
    assert probes(result)["deepseek"]["reason"] == reason
    assert len(server.received) == (1 if no_proxy else 0)


@pytest.mark.timeout(60)
def test_a_runners_call_imports_neither_requests_nor_urllib3(
    tmp_path: Path,
) -> None:
    """How the action calls it (`integration-gate`, values from INPUT_*), with no proxy set, the
    gate probes with the standard library: requests and urllib3 are never imported (their
    import alone takes longer than BenchFlow's whole selector run)."""
    probe = ("import json, sys\nfrom release_actions import cli\ncode = cli.main(sys.argv[1:])\n"
             "heavy = sorted(m for m in ('requests', 'urllib3', 'github') if m in sys.modules)\n"
             "print('IMPORTED=' + json.dumps(heavy), file=sys.stderr)\nsys.exit(code)\n")
    with FakeProvider("ok") as server:
        done = subprocess.run(
            [sys.executable, "-c", probe, "integration-gate"], capture_output=True, text=True,
            timeout=60, check=False, cwd=tmp_path,
            env=clean_env(PYTHONPATH=str(Path(__file__).resolve().parents[2] / "src"),
                          DEEPSEEK_API_KEY="k", DEEPSEEK_BASE_URL=server.base_url),
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stderr.rsplit("IMPORTED=", 1)[1]) == []
    assert len(server.received) == 1
