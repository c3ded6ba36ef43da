"""openai SDK clients for OpenAI and Azure OpenAI, built from core.secrets.

Keys come from a value typed in the page (session only), the environment or a .env file. They live in
a Credentials object whose repr is masked; the job engine's worker receives them only through its
environment (`Credentials.env()`), never through job params, files or events.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping

from core.errors import UnavailableError
from core.secrets import get_secret, mask

BACKENDS = ("openai", "azure")
PROVIDER_NAMES = {"openai": "OpenAI", "azure": "Azure OpenAI"}
# The GA data-plane version that has fine-tuning; preview versions add pause/resume on some regions.
DEFAULT_AZURE_API_VERSION = "2024-10-21"

# Session keys the page uses (docs/CONVENTIONS.md), mapped to the environment variables they replace.
TYPED_KEYS = {
    "openai_api_key": "OPENAI_API_KEY",
    "openai_base_url": "OPENAI_BASE_URL",
    "azure_openai_api_key": "AZURE_OPENAI_API_KEY",
    "azure_openai_endpoint": "AZURE_OPENAI_ENDPOINT",
    "azure_openai_api_version": "OPENAI_API_VERSION",
}


def normalize_backend(backend: str | None) -> str:
    """'OpenAI', 'openai' -> 'openai'; 'Azure OpenAI', 'azure' -> 'azure'."""
    low = (backend or "openai").strip().lower()
    return "azure" if low.startswith("azure") else "openai"


def provider_name(backend: str | None) -> str:
    return PROVIDER_NAMES[normalize_backend(backend)]


@dataclass(frozen=True)
class Credentials:
    """Everything needed to reach one provider. Secret fields never appear in repr()."""

    backend: str
    api_key: str = field(repr=False)
    base_url: str | None = None                                 # OpenAI: OPENAI_BASE_URL
    azure_endpoint: str | None = field(default=None, repr=False)  # Azure resource URL
    api_version: str | None = None                              # Azure: api-version query value

    def __repr__(self) -> str:
        return f"Credentials(backend={self.backend!r}, api_key={mask(self.api_key)!r})"

    __str__ = __repr__

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values to scrub from any text before it is shown or written."""
        return tuple(v for v in (self.api_key,) if v)

    def env(self) -> dict[str, str]:
        """Environment for the watcher process (the only way secrets reach it)."""
        if self.backend == "azure":
            env = {"AZURE_OPENAI_API_KEY": self.api_key, "AZURE_OPENAI_ENDPOINT": self.azure_endpoint or ""}
            if self.api_version:
                env["OPENAI_API_VERSION"] = self.api_version
            return env
        env = {"OPENAI_API_KEY": self.api_key}
        if self.base_url:
            env["OPENAI_BASE_URL"] = self.base_url
        return env


def _typed(typed: Mapping[str, Any] | None, name: str) -> str | None:
    value = (typed or {}).get(name)
    return str(value) if value else None


def resolve_credentials(backend: str, typed: Mapping[str, Any] | None = None) -> Credentials:
    """Find the key (and for Azure the endpoint and API version): typed in the page first, then the
    environment / .env. Raises UnavailableError naming exactly what is missing and where to set it."""
    backend = normalize_backend(backend)
    provider = provider_name(backend)
    if backend == "openai":
        key = get_secret("OPENAI_API_KEY", _typed(typed, "openai_api_key"))
        if not key:
            raise UnavailableError("hosted.errors.missing_key", "hosted.errors.missing_key_openai_hint",
                                   provider=provider)
        base_url = get_secret("OPENAI_BASE_URL", _typed(typed, "openai_base_url"))
        return Credentials("openai", key, base_url=base_url)
    key = get_secret("AZURE_OPENAI_API_KEY", _typed(typed, "azure_openai_api_key"))
    if not key:
        raise UnavailableError("hosted.errors.missing_key", "hosted.errors.missing_key_azure_hint",
                               provider=provider)
    endpoint = get_secret("AZURE_OPENAI_ENDPOINT", _typed(typed, "azure_openai_endpoint"))
    if not endpoint:
        raise UnavailableError("hosted.errors.missing_endpoint", "hosted.errors.missing_endpoint_hint")
    version = (get_secret("OPENAI_API_VERSION", _typed(typed, "azure_openai_api_version"))
               or get_secret("AZURE_OPENAI_API_VERSION") or DEFAULT_AZURE_API_VERSION)
    return Credentials("azure", key, azure_endpoint=endpoint.rstrip("/"), api_version=version)


def _env_number(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


def make_client(creds: Credentials, *, max_retries: int | None = None, timeout: float | None = None):
    """An openai.OpenAI or openai.AzureOpenAI client. The SDK's own retries handle short blips
    (LAB_HOSTED_MAX_RETRIES, default 2); the watcher adds its own longer backoff on top.
    LAB_HOSTED_TIMEOUT_S (default 60 s) bounds each request so a silent server cannot hang a poll."""
    import openai

    retries = int(_env_number("LAB_HOSTED_MAX_RETRIES", 2)) if max_retries is None else max_retries
    seconds = _env_number("LAB_HOSTED_TIMEOUT_S", 60.0) if timeout is None else timeout
    if creds.backend == "azure":
        return openai.AzureOpenAI(
            azure_endpoint=creds.azure_endpoint, api_key=creds.api_key,
            api_version=creds.api_version or DEFAULT_AZURE_API_VERSION,
            max_retries=retries, timeout=seconds,
        )
    return openai.OpenAI(api_key=creds.api_key, base_url=creds.base_url or None,
                         max_retries=retries, timeout=seconds)


def client_for(backend: str, typed: Mapping[str, Any] | None = None, **kwargs):
    """(client, credentials) in one call: what most callers want."""
    creds = resolve_credentials(backend, typed)
    return make_client(creds, **kwargs), creds
