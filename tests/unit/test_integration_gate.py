"""integration-gate's pure parts: inputs, answer classification, credential scrubbing, the
priority decision, and the concurrent selection driven by in-process probers."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from release_actions import kinds, probing, providers
from release_actions.commands import integration_gate as gate
from release_actions.context import Context
from release_actions.deadline import Deadline
from release_actions.errors import ConfigError, InputError
from release_actions.gha import Console
from release_actions.probing import Probe
from release_actions.providers import Endpoint
from tests.helpers import parse_inputs

CTX = Context({}, Console(actions=False))


def values(**overrides: str) -> gate.Inputs:
    inputs: gate.Inputs = parse_inputs(gate.COMMAND, overrides)
    return inputs


def endpoints(environ: dict[str, str], **overrides: str) -> tuple[Endpoint, ...]:
    return gate.endpoints_of(values(**overrides), environ)


# --- inputs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [pytest.param("25", 25.0, id="whole"), pytest.param("2.5", 2.5, id="decimal"),
     pytest.param("600", 600.0, id="largest")],
)
def test_timeout_accepts_positive_seconds(raw: str, seconds: float) -> None:
    assert kinds.seconds(kinds.MAX_TIMEOUT)("timeout", raw, CTX) == seconds


@pytest.mark.parametrize(
    "raw",
    [pytest.param(raw, id=raw or "empty")
     for raw in ("0", "0.0", "-1", "abc", "", "nan", "inf", "1e3", "601", "2,5", "1_0")],
)
def test_timeout_refuses_anything_else(raw: str) -> None:
    with pytest.raises(InputError, match="`timeout` must be a number of seconds"):
        kinds.seconds(kinds.MAX_TIMEOUT)("timeout", raw, CTX)


def test_providers_keep_the_given_order_and_drop_repeats() -> None:
    assert values(providers="openai,deepseek\nopenai").providers == ("openai", "deepseek")


@pytest.mark.parametrize(
    ("listed", "message"),
    [
        pytest.param("deepseek,claude", "unknown provider 'claude'", id="unknown"),
        pytest.param("DeepSeek", "unknown provider 'DeepSeek'", id="case-matters"),
        pytest.param(" , ", "`providers` is empty", id="empty"),
    ],
)
def test_bad_provider_lists_are_input_errors_naming_the_known_ones(
    listed: str, message: str
) -> None:
    with pytest.raises(InputError, match=message) as raised:
        values(providers=listed)
    assert raised.value.exit_code == 2
    assert "deepseek, glm, qwen, litellm, openai, github-models" in raised.value.message


def test_a_malformed_base_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="DEEPSEEK_BASE_URL"):
        endpoints({"DEEPSEEK_API_KEY": "k", "DEEPSEEK_BASE_URL": "deepseek"})


def test_every_key_and_url_password_is_collected_for_masking() -> None:
    """Given keys for selected and unselected providers, a token and a base URL with a
    password, when the inputs are made, then every one of them is to be masked."""
    environ = {"DEEPSEEK_API_KEY": "k1", "OPENAI_API_KEY": "k2", "BF_TOKEN": "k3",
               "GLM_API_KEY": "k4", "GLM_BASE_URL": "https://u:pw5@glm.example.com/v4"}
    assert set(gate.provider_secrets(environ)) == {"k1", "k2", "k3", "k4", "pw5"}
    token = next(spec for spec in gate.COMMAND.inputs if spec.name == "github-token")
    assert token.secret


# --- what an answer means ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "ok", "reason"),
    [
        pytest.param(200, b'{"choices": [{"message": {"content": "OK"}}]}', True, "", id="ok"),
        pytest.param(201, b'{"choices": [{}]}', True, "", id="ok-201"),
        pytest.param(200, b'{"choices": []}', False, "bad response", id="empty-choices"),
        pytest.param(200, b'{"id": "x"}', False, "bad response", id="no-choices"),
        pytest.param(200, b"[1, 2]", False, "bad response", id="json-list"),
        pytest.param(200, b"<html>OK</html>", False, "bad response", id="not-json"),
        pytest.param(401, b"{}", False, "unauthorized", id="401"),
        pytest.param(403, b"{}", False, "unauthorized", id="403"),
        pytest.param(404, b"{}", False, "model not found", id="404"),
        pytest.param(429, b"{}", False, "rate limited", id="429"),
        pytest.param(500, b"{}", False, "HTTP 500", id="500"),
        pytest.param(302, b"", False, "HTTP 302", id="redirect"),
        pytest.param(400, b"bad", False, "HTTP 400", id="400"),
    ],
)
def test_classify(status: int, body: bytes, ok: bool, reason: str) -> None:
    assert probing.classify(status, body)[:2] == (ok, reason)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        pytest.param(b'{"error": {"message": "Model x does not exist"}}',
                     "Model x does not exist", id="openai-style"),
        pytest.param(b'{"error": "quota exceeded"}', "quota exceeded", id="string-error"),
        pytest.param(b'{"message": "slow down"}', "slow down", id="bare-message"),
        pytest.param(b"Service\n  Unavailable", "Service Unavailable", id="text"),
    ],
)
def test_the_error_detail_is_the_providers_message_on_one_line(body: bytes,
                                                               detail: str) -> None:
    assert probing.classify(503, body)[2] == detail


@pytest.mark.parametrize(
    "echoed",
    [
        pytest.param("sk-proj-AbC123dEf456", id="openai-style-key"),
        pytest.param("ghs_16C7e42F292c6912E7710c838347Ae178B4a", id="github-token"),
        pytest.param("a3f9c1e07b5d4e2f8a6b0c9d1e3f5a7b", id="hex-token"),
    ],
)
def test_credentials_echoed_in_an_error_body_are_cut(echoed: str) -> None:
    body = f'{{"error": {{"message": "Incorrect API key provided: {echoed}."}}}}'.encode()
    detail = probing.classify(401, body)[2]
    assert echoed not in detail
    assert detail == "Incorrect API key provided: ***."


@given(
    key=st.from_regex(r"(sk|ghs|github_pat)[-_][A-Za-z0-9]{8,60}|[A-Za-z0-9_-]{24,80}",
                      fullmatch=True),
    before=st.sampled_from(["Incorrect API key: ", "Bearer ", "key=", "'"]),
)
def test_scrub_cuts_any_credential_shaped_token(key: str, before: str) -> None:
    assert key not in probing.scrub(f"{before}{key} was refused")


def test_a_long_error_is_cut_to_one_short_line() -> None:
    detail = probing.scrub("word " * 100)
    assert len(detail) == probing.DETAIL_CHARS
    assert detail.endswith("…")


def test_the_probe_body_is_the_spec_request() -> None:
    assert probing.probe_body("m-1") == {
        "model": "m-1", "messages": [{"role": "user", "content": "Return OK only."}],
        "max_tokens": 8,
    }


# --- the priority decision ---------------------------------------------------------------------


def ok(name: str) -> Probe:
    return Probe(name, True, True, status=200, latency_ms=1)


def failed(name: str) -> Probe:
    return Probe(name, True, False, "HTTP 500", status=500, latency_ms=1)


@pytest.mark.parametrize(
    ("by_priority", "decided", "winner"),
    [
        pytest.param([ok("a"), None, None], True, "a", id="first-answers"),
        pytest.param([None, ok("b")], False, None, id="higher-still-pending"),
        pytest.param([failed("a"), ok("b"), None], True, "b", id="first-failed"),
        pytest.param([failed("a"), None, ok("c")], False, None, id="middle-pending"),
        pytest.param([failed("a"), failed("b")], True, None, id="all-failed"),
        pytest.param([], True, None, id="nothing"),
    ],
)
def test_first_live(by_priority: list[Probe | None], decided: bool, winner: str | None) -> None:
    verdict = probing.first_live(by_priority)
    assert (verdict[0], verdict[1].name if verdict[1] else None) == (decided, winner)


@given(st.lists(st.sampled_from(["ok", "failed", "pending"]), max_size=8))
def test_first_live_never_skips_a_pending_higher_priority(states: list[str]) -> None:
    """The winner is always the first success, and a decision never passes over a probe that
    is still pending."""
    by_priority = [
        None if state == "pending" else ok(str(i)) if state == "ok" else failed(str(i))
        for i, state in enumerate(states)
    ]
    decided, winner = probing.first_live(by_priority)
    head = states[: states.index("ok") + 1] if "ok" in states else states
    assert decided == ("pending" not in head)
    if winner is not None:
        assert int(winner.name) == states.index("ok")


# --- concurrent selection with in-process probers -----------------------------------------------


def endpoint(name: str, configured: bool = True) -> Endpoint:
    resolved = providers.resolve(providers.BY_NAME[name], {}, "")
    if configured:
        return Endpoint(resolved.provider, "http://127.0.0.1:1/v1", resolved.model, "k", "K")
    return resolved


@pytest.fixture
def never() -> Iterator[threading.Event]:
    """An event that releases hung probers only when the test is over."""
    event = threading.Event()
    yield event
    event.set()


@pytest.mark.timeout(30)
def test_a_hung_lower_priority_probe_does_not_delay_a_higher_success(
    never: threading.Event,
) -> None:
    """Given deepseek answering and glm never answering, with a 600 s timeout, when selecting,
    then deepseek is chosen at once and glm is abandoned (a wait for glm would hit the test's
    timeout)."""
    started = threading.Event()

    def prober(target: Endpoint, deadline: Deadline) -> Probe:
        if target.name == "glm":
            started.set()
            never.wait()
        return ok(target.name)

    selection = probing.select([endpoint("deepseek"), endpoint("glm")], 600, prober)
    assert selection.winner is not None and selection.winner.name == "deepseek"
    assert [p.reason for p in selection.probes] == ["", "abandoned"]
    assert started.wait(10), "glm was probed concurrently"


@pytest.mark.timeout(30)
def test_a_slower_higher_priority_success_beats_a_faster_lower_one() -> None:
    """Given glm answering first and deepseek only after glm has answered, the choice is still
    deepseek."""
    glm_answered = threading.Event()

    def prober(target: Endpoint, deadline: Deadline) -> Probe:
        if target.name == "glm":
            glm_answered.set()
            return ok("glm")
        glm_answered.wait()
        return ok("deepseek")

    selection = probing.select([endpoint("deepseek"), endpoint("glm")], 600, prober)
    assert selection.winner is not None and selection.winner.name == "deepseek"


@pytest.mark.timeout(30)
def test_a_hung_higher_priority_probe_times_out_and_a_lower_success_wins(
    never: threading.Event,
) -> None:
    def prober(target: Endpoint, deadline: Deadline) -> Probe:
        if target.name == "deepseek":
            never.wait()
        return ok(target.name)

    selection = probing.select([endpoint("deepseek"), endpoint("glm"), endpoint("qwen")], 0.5,
                            prober)
    assert selection.winner is not None and selection.winner.name == "glm"
    deepseek = selection.probes[0]
    assert (deepseek.ok, deepseek.reason, deepseek.configured) == (False, "timeout", True)
    assert deepseek.latency_ms is not None


def test_unconfigured_providers_are_never_probed() -> None:
    probed: list[str] = []

    def prober(target: Endpoint, deadline: Deadline) -> Probe:
        probed.append(target.name)
        return failed(target.name)

    selection = probing.select([endpoint("deepseek", configured=False), endpoint("glm")], 5, prober)
    assert probed == ["glm"]
    assert selection.winner is None
    assert [(p.name, p.configured, p.reason) for p in selection.probes] == [
        ("deepseek", False, "missing key"), ("glm", True, "HTTP 500"),
    ]


def test_nothing_configured_decides_without_waiting() -> None:
    selection = probing.select([endpoint("deepseek", configured=False)], 600,
                            lambda target, deadline: pytest.fail("no probe expected"))
    assert selection.winner is None


def test_a_bug_in_a_probe_reaches_the_caller() -> None:
    def prober(target: Endpoint, deadline: Deadline) -> Probe:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError, match="bug"):
        probing.select([endpoint("deepseek")], 5, prober)


# --- BenchFlow's names and the hedge -----------------------------------------------------------


def test_benchflow_names_are_accepted_kept_as_given_and_deduplicated_with_ours() -> None:
    """`qwen-dashscope` and `litellm-proxy` name the qwen and litellm rows; naming a row twice
    (once each way) keeps the first."""
    assert values(providers="qwen-dashscope,litellm-proxy,qwen,gemini").providers == (
        "qwen-dashscope", "litellm-proxy", "gemini")
    [qwen] = endpoints({"QWEN_API_KEY": "k"}, providers="qwen-dashscope")
    assert (qwen.name, qwen.base_url, qwen.rollout_model) == (
        "qwen-dashscope", "https://dashscope.aliyuncs.com/compatible-mode/v1",
        "qwen-dashscope/qwen3.6-max-preview")


@pytest.mark.parametrize("raw", ["", "-x", "open hands", "a\nb", "x" * 101])
def test_agent_must_be_one_name(raw: str) -> None:
    with pytest.raises(InputError, match="`agent` must be one name"):
        values(agent=raw)


@pytest.mark.parametrize(("raw", "hedge"), [("0", 0.0), ("1", 1.0), ("0.25", 0.25)])
def test_hedge_takes_zero_or_more_seconds(raw: str, hedge: float) -> None:
    assert values(hedge=raw).hedge == hedge


@pytest.mark.parametrize("raw", ["-1", "x", "601"])
def test_hedge_refuses_anything_else(raw: str) -> None:
    with pytest.raises(InputError, match="`hedge` must be a number of seconds from 0 to 600"):
        values(hedge=raw)


def test_export_names_is_generic_or_benchflow() -> None:
    assert values().export_names == "generic"
    with pytest.raises(InputError, match="`export-names` must be one of generic, benchflow"):
        values(export_names="seed")


def test_a_top_answer_within_the_hedge_means_one_probe_in_all() -> None:
    probed: list[str] = []

    def prober(target: Endpoint, deadline: Deadline) -> Probe:
        probed.append(target.name)
        return ok(target.name)

    selection = probing.select([endpoint("deepseek"), endpoint("glm"), endpoint("qwen")], 600,
                               prober, hedge=600)
    assert probed == ["deepseek"]
    assert [p.reason for p in selection.probes] == ["", "not probed", "not probed"]


@pytest.mark.timeout(30)
def test_failures_start_the_next_probe_at_once_in_priority_order() -> None:
    """With a 600 s hedge, only failures can start the next probe: a wait would time out."""
    probed: list[str] = []

    def prober(target: Endpoint, deadline: Deadline) -> Probe:
        probed.append(target.name)
        return ok(target.name) if target.name == "qwen" else failed(target.name)

    selection = probing.select([endpoint("deepseek"), endpoint("glm"), endpoint("qwen"),
                                endpoint("openai")], 600, prober, hedge=600)
    assert probed == ["deepseek", "glm", "qwen"]
    assert selection.winner is not None and selection.winner.name == "qwen"


@pytest.mark.timeout(30)
def test_a_probe_started_late_gets_what_is_left_of_the_timeout(never: threading.Event) -> None:
    budgets: dict[str, float] = {}

    def prober(target: Endpoint, deadline: Deadline) -> Probe:
        budgets[target.name] = deadline.remaining()  # what is left of it at the start
        never.wait()
        return failed(target.name)

    selection = probing.select([endpoint("deepseek"), endpoint("glm")], 1.0, prober, hedge=0.3)
    assert budgets["deepseek"] == pytest.approx(1.0, abs=0.05)
    assert budgets["glm"] < 0.75
    assert [p.reason for p in selection.probes] == ["timeout", "timeout"]
