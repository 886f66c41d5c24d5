"""The LLM providers the integration gate can pick, as data, and how one is resolved against the
job's environment (key, base URL and model, each overridable by a variable)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Provider:
    """One row of the provider table. `base_url=None` means the base URL has no default.

    The first set variable of `model_envs` wins. `benchflow_name`, `own_key_env` and
    `own_url_env` are what BenchFlow's provider selector calls it and exports for it
    (`own_url_env` empty: it exports no URL variable of its own)."""

    name: str
    key_envs: tuple[str, ...]
    base_url: str | None
    base_url_env: str
    model: str
    model_envs: tuple[str, ...]
    rollout_prefix: str
    benchflow_name: str = ""
    own_key_env: str = ""
    own_url_env: str | None = None  # None: `base_url_env`; "": none

    @property
    def model_env(self) -> str:
        return self.model_envs[0]

    @property
    def seed_name(self) -> str:
        return self.benchflow_name or self.name

    @property
    def seed_key_env(self) -> str:
        return self.own_key_env or self.key_envs[0]

    @property
    def seed_url_env(self) -> str:
        return self.base_url_env if self.own_url_env is None else self.own_url_env


# Table order is the default priority. Gemini is known but probed only where a user places it.
PROVIDERS: tuple[Provider, ...] = (
    Provider("deepseek", ("DEEPSEEK_API_KEY",), "https://api.deepseek.com",
             "DEEPSEEK_BASE_URL", "deepseek-v4-flash", ("DEEPSEEK_MODEL", "DEEPSEEK_FLASH_MODEL"),
             "deepseek"),
    Provider("glm", ("GLM_API_KEY",), "https://open.bigmodel.cn/api/paas/v4",
             "GLM_BASE_URL", "glm-5.1", ("GLM_MODEL",), "glm"),
    Provider("qwen", ("QWEN_API_KEY",), "https://dashscope.aliyuncs.com/compatible-mode/v1",
             "QWEN_BASE_URL", "qwen3.6-max-preview", ("QWEN_MODEL", "QWEN_MAX_PREVIEW_MODEL"),
             "qwen-dashscope", benchflow_name="qwen-dashscope"),
    Provider("litellm", ("LITELLM_API_KEY", "BF_TOKEN"), None,
             "LITELLM_BASE_URL", "gpt-4.1-mini", ("LITELLM_MODEL",), "litellm",
             benchflow_name="litellm-proxy", own_key_env="LITELLM_API_KEY"),
    Provider("openai", ("OPENAI_API_KEY",), "https://api.openai.com/v1",
             "OPENAI_BASE_URL", "gpt-4o-mini", ("OPENAI_MODEL",), "openai"),
    Provider("github-models", ("GITHUB_MODELS_TOKEN",), "https://models.github.ai/inference",
             "GITHUB_MODELS_BASE_URL", "openai/gpt-4.1-mini", ("GITHUB_MODELS_MODEL",),
             "github-models", own_key_env="GITHUB_TOKEN", own_url_env=""),
)
GEMINI = Provider("gemini", ("GEMINI_API_KEY",),
                  "https://generativelanguage.googleapis.com/v1beta/openai", "GEMINI_BASE_URL",
                  "gemini-2.5-flash", ("GEMINI_MODEL",), "gemini")
KNOWN: tuple[Provider, ...] = (*PROVIDERS, GEMINI)
BY_NAME: dict[str, Provider] = {provider.name: provider for provider in KNOWN}
# BenchFlow's names for the same rows, accepted wherever a provider is named.
ALIASES: dict[str, str] = {
    provider.benchflow_name: provider.name for provider in KNOWN if provider.benchflow_name
}
GITHUB_MODELS = "github-models"
# The `github-token` input: GitHub Models' key when GITHUB_MODELS_TOKEN is unset.
TOKEN_INPUT = "github-token"


def named(name: str) -> Provider | None:
    """The row `name` (a table name or a BenchFlow alias) stands for, under the name given."""
    provider = BY_NAME.get(ALIASES.get(name, name))
    return None if provider is None else replace(provider, name=name)


MISSING_KEY = "missing key"
MISSING_BASE_URL = "missing base URL"
# Anything but visible ASCII in a key would be refused by the HTTP layer, whose error echoes it.
_HEADER_SAFE = re.compile(r"[\x21-\x7e]+\Z")
# Model ids are visible ASCII (`openai/gpt-4.1-mini`, `qwen3.6-max-preview`, `x@2024`).
_MODEL = re.compile(r"[\x21-\x7e]{1,200}\Z")


@dataclass(frozen=True)
class Endpoint:
    """A provider resolved against one environment. `problem` is empty when it can be probed."""

    provider: Provider
    base_url: str
    model: str
    key: str = ""
    key_source: str = ""  # the variable (or input) the key came from; never the key
    problem: str = ""
    hint: str = ""  # what to set to fix `problem`

    @property
    def name(self) -> str:
        return self.provider.name

    @property
    def configured(self) -> bool:
        return not self.problem

    @property
    def url(self) -> str:
        return f"{self.base_url.rstrip('/')}/chat/completions"

    @property
    def rollout_model(self) -> str:
        return f"{self.provider.rollout_prefix}/{self.model}"

    @property
    def judge_model(self) -> str:
        return f"openai/{self.model}"


class BaseUrlInvalid(ValueError):
    """A base URL override that is not an http(s) URL."""


def _setting(environ: Mapping[str, str], name: str) -> str:
    # Workflows write `X: ${{ secrets.X }}` for secrets that may not exist: empty means unset.
    return environ.get(name, "").strip()


def url_password(url: str) -> str:
    """The password of `https://user:password@host/...`, to be masked; empty when none. Read
    by hand up to the last `@`: a malformed URL (a `/` in the password) must be masked too."""
    _, slashes, rest = url.partition("//")
    userinfo, at, _ = rest.rpartition("@")
    return userinfo.partition(":")[2] if slashes and at else ""


def check_base_url(variable: str, url: str) -> None:
    """An http(s) URL without credentials: the probe sends the provider's key, never Basic auth
    from the URL."""
    from release_actions import kinds
    from release_actions.errors import InputError

    try:
        kinds.check_url(variable, url, label=variable, example="https://api.example.com/v1")
    except InputError as error:
        raise BaseUrlInvalid(
            f"{error.message} Set it to the API root that serves /chat/completions, or unset "
            "it for the default."
        ) from None


def resolve(provider: Provider, environ: Mapping[str, str], github_token: str = "") -> Endpoint:
    """The key, base URL and model `provider` gets from `environ`; raises BaseUrlInvalid for a
    malformed base URL override (a configuration error, not a dead provider)."""
    base_url = _setting(environ, provider.base_url_env) or provider.base_url or ""
    if base_url and _setting(environ, provider.base_url_env):
        check_base_url(provider.base_url_env, base_url)
    model_env, model = next(
        ((name, _setting(environ, name)) for name in provider.model_envs
         if _setting(environ, name)),
        (provider.model_env, provider.model),
    )
    if not _MODEL.match(model):
        from release_actions import kinds

        raise BaseUrlInvalid(
            f"{model_env}={kinds.quote(model)} is not a model name: it holds a space, "
            "line break, control or non-ASCII character. Set it to the model id alone (e.g. "
            f"{provider.model}), or unset it for the default."
        )
    source, key = next(
        ((name, _setting(environ, name)) for name in provider.key_envs if _setting(environ, name)),
        ("", ""),
    )
    if not key and provider.name == GITHUB_MODELS and github_token.strip():
        source, key = TOKEN_INPUT, github_token.strip()
    endpoint = Endpoint(provider, base_url, model, key, source)
    if not key:
        wanted = " or ".join(provider.key_envs)
        if provider.name == GITHUB_MODELS:
            wanted += f" (or the `{TOKEN_INPUT}` input with `permissions: models: read`)"
        if not base_url:
            return Endpoint(provider, base_url, model, problem=MISSING_BASE_URL,
                            hint=f"set {provider.base_url_env}, and {wanted}")
        return Endpoint(provider, base_url, model, problem=MISSING_KEY, hint=f"set {wanted}")
    if not _HEADER_SAFE.match(key):
        return Endpoint(
            provider, base_url, model, problem=MISSING_KEY,
            hint=f"{source} is set but holds spaces or control characters; store the key alone",
        )
    if not base_url:
        return Endpoint(
            provider, base_url, model, key, source, problem=MISSING_BASE_URL,
            hint=f"set {provider.base_url_env} to the proxy's API root",
        )
    return endpoint


def known_keys(environ: Mapping[str, str]) -> list[str]:
    """Every provider key present in `environ`, selected or not: all are masked."""
    return [
        value
        for provider in KNOWN
        for name in provider.key_envs
        if (value := _setting(environ, name))
    ]
