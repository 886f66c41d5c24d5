"""The provider table and how each provider resolves against a job's environment."""

from __future__ import annotations

from dataclasses import replace

import pytest

from release_actions import providers
from release_actions.providers import MISSING_BASE_URL, MISSING_KEY, resolve

SPEC_TABLE = [
    # name, key env, base URL, model, rollout prefix
    ("deepseek", "DEEPSEEK_API_KEY", "https://api.deepseek.com", "deepseek-v4-flash", "deepseek"),
    ("glm", "GLM_API_KEY", "https://open.bigmodel.cn/api/paas/v4", "glm-5.1", "glm"),
    ("qwen", "QWEN_API_KEY", "https://dashscope.aliyuncs.com/compatible-mode/v1",
     "qwen3.6-max-preview", "qwen-dashscope"),
    ("openai", "OPENAI_API_KEY", "https://api.openai.com/v1", "gpt-4o-mini", "openai"),
    ("github-models", "GITHUB_MODELS_TOKEN", "https://models.github.ai/inference",
     "openai/gpt-4.1-mini", "github-models"),
]


def test_the_table_order_is_the_spec_priority() -> None:
    assert [p.name for p in providers.PROVIDERS] == [
        "deepseek", "glm", "qwen", "litellm", "openai", "github-models",
    ]


@pytest.mark.parametrize(
    ("name", "key_env", "base_url", "model", "prefix"),
    [pytest.param(*row, id=row[0]) for row in SPEC_TABLE],
)
def test_a_provider_with_only_its_key_gets_the_spec_defaults(
    name: str, key_env: str, base_url: str, model: str, prefix: str
) -> None:
    endpoint = resolve(providers.BY_NAME[name], {key_env: "k-123"})
    assert endpoint.configured
    assert (endpoint.base_url, endpoint.model, endpoint.key, endpoint.key_source) == (
        base_url, model, "k-123", key_env,
    )
    assert endpoint.url == f"{base_url}/chat/completions"
    assert endpoint.rollout_model == f"{prefix}/{model}"
    assert endpoint.judge_model == f"openai/{model}"


@pytest.mark.parametrize("provider", providers.PROVIDERS, ids=lambda p: p.name)
def test_base_url_and_model_are_overridable_by_env(provider: providers.Provider) -> None:
    environ = {
        provider.key_envs[0]: "k-123",
        provider.base_url_env: "http://127.0.0.1:8080/v1/",
        provider.model_env: "tiny-model",
    }
    endpoint = resolve(provider, environ)
    assert endpoint.configured
    assert endpoint.url == "http://127.0.0.1:8080/v1/chat/completions"
    assert endpoint.model == "tiny-model"
    assert endpoint.rollout_model == f"{provider.rollout_prefix}/tiny-model"


@pytest.mark.parametrize(("provider", "benchflow_variable"), [
    pytest.param("deepseek", "DEEPSEEK_FLASH_MODEL", id="deepseek"),
    pytest.param("qwen", "QWEN_MAX_PREVIEW_MODEL", id="qwen"),
])
def test_benchflow_model_variables_override_the_model_after_ours(
    provider: str, benchflow_variable: str
) -> None:
    row = providers.BY_NAME[provider]
    environ = {row.key_envs[0]: "k", benchflow_variable: "their-model"}
    assert resolve(row, environ).model == "their-model"
    assert resolve(row, {**environ, row.model_env: "our-model"}).model == "our-model"


def test_benchflow_aliases_name_the_same_rows() -> None:
    assert providers.named("qwen-dashscope") == replace(providers.BY_NAME["qwen"],
                                                        name="qwen-dashscope")
    assert providers.named("litellm-proxy") == replace(providers.BY_NAME["litellm"],
                                                       name="litellm-proxy")
    assert providers.named("claude") is None


def test_gemini_is_known_but_not_in_the_default_priority() -> None:
    endpoint = resolve(providers.BY_NAME["gemini"], {"GEMINI_API_KEY": "g"})
    assert endpoint.url == (
        "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions")
    assert "gemini" not in [p.name for p in providers.PROVIDERS]
    assert providers.known_keys({"GEMINI_API_KEY": "g"}) == ["g"]


def test_empty_variables_count_as_unset() -> None:
    """Given `X: ${{ secrets.X }}` for secrets that do not exist (empty strings), the defaults
    apply and the provider is simply not configured."""
    environ = {"DEEPSEEK_API_KEY": " ", "DEEPSEEK_BASE_URL": "", "DEEPSEEK_MODEL": ""}
    endpoint = resolve(providers.BY_NAME["deepseek"], environ)
    assert (endpoint.problem, endpoint.base_url, endpoint.model) == (
        MISSING_KEY, "https://api.deepseek.com", "deepseek-v4-flash",
    )
    assert endpoint.hint == "set DEEPSEEK_API_KEY"


@pytest.mark.parametrize(
    ("environ", "source", "key"),
    [
        pytest.param({"LITELLM_API_KEY": "a", "BF_TOKEN": "b"}, "LITELLM_API_KEY", "a",
                     id="own-key-first"),
        pytest.param({"LITELLM_API_KEY": "", "BF_TOKEN": "b"}, "BF_TOKEN", "b",
                     id="bf-token-fallback"),
    ],
)
def test_litellm_key_falls_back_to_bf_token(environ: dict[str, str], source: str,
                                            key: str) -> None:
    environ = {**environ, "LITELLM_BASE_URL": "https://llm.example.com/v1"}
    endpoint = resolve(providers.BY_NAME["litellm"], environ)
    assert (endpoint.key_source, endpoint.key, endpoint.problem) == (source, key, "")


def test_litellm_without_a_base_url_says_so() -> None:
    endpoint = resolve(providers.BY_NAME["litellm"], {"BF_TOKEN": "b"})
    assert endpoint.problem == MISSING_BASE_URL
    assert "LITELLM_BASE_URL" in endpoint.hint


def test_litellm_without_anything_names_both_variables() -> None:
    endpoint = resolve(providers.BY_NAME["litellm"], {})
    assert endpoint.problem == MISSING_BASE_URL
    assert endpoint.hint == "set LITELLM_BASE_URL, and LITELLM_API_KEY or BF_TOKEN"


@pytest.mark.parametrize(
    ("environ", "token", "source", "key"),
    [
        pytest.param({"GITHUB_MODELS_TOKEN": "pat"}, "ghs_x", "GITHUB_MODELS_TOKEN", "pat",
                     id="own-token-first"),
        pytest.param({}, "ghs_x", "github-token", "ghs_x", id="github-token-input"),
    ],
)
def test_github_models_key_falls_back_to_the_github_token_input(
    environ: dict[str, str], token: str, source: str, key: str
) -> None:
    endpoint = resolve(providers.BY_NAME["github-models"], environ, token)
    assert (endpoint.key_source, endpoint.key, endpoint.configured) == (source, key, True)


def test_github_models_without_any_token_names_the_permission() -> None:
    endpoint = resolve(providers.BY_NAME["github-models"], {}, "")
    assert endpoint.problem == MISSING_KEY
    assert "GITHUB_MODELS_TOKEN" in endpoint.hint
    assert "models: read" in endpoint.hint


def test_a_key_with_a_line_break_inside_is_refused_without_echoing_it() -> None:
    """A key the HTTP layer would refuse (its error would echo the key) is reported by the name
    of its variable only."""
    endpoint = resolve(providers.BY_NAME["openai"], {"OPENAI_API_KEY": "sk-abc\ndef"})
    assert endpoint.problem == MISSING_KEY
    assert "OPENAI_API_KEY" in endpoint.hint
    assert "sk-abc" not in endpoint.hint


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("api.example.com/v1", id="no-scheme"),
        pytest.param("ftp://api.example.com", id="ftp"),
        pytest.param("https://", id="no-host"),
        pytest.param("http://[::1", id="unparseable"),
    ],
)
def test_a_malformed_base_url_override_is_a_configuration_error(url: str) -> None:
    with pytest.raises(providers.BaseUrlInvalid, match="OPENAI_BASE_URL"):
        resolve(providers.BY_NAME["openai"], {"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": url})


def test_the_base_url_error_does_not_print_a_password() -> None:
    url = "ftp://user:hunter2-secret@proxy.example.com"
    with pytest.raises(providers.BaseUrlInvalid) as raised:
        resolve(providers.BY_NAME["glm"], {"GLM_API_KEY": "k", "GLM_BASE_URL": url})
    assert "hunter2-secret" not in str(raised.value)
    assert "'ftp://***@proxy.example.com'" in str(raised.value)


def test_url_password_finds_credentials_to_mask() -> None:
    assert providers.url_password("https://u:p4ss@h.example.com/v1") == "p4ss"
    assert providers.url_password("https://h.example.com/v1") == ""


def test_known_keys_lists_every_provider_key_present() -> None:
    environ = {"DEEPSEEK_API_KEY": "a", "BF_TOKEN": "b", "GITHUB_MODELS_TOKEN": "c",
               "QWEN_API_KEY": "", "UNRELATED": "d"}
    assert sorted(providers.known_keys(environ)) == ["a", "b", "c"]
