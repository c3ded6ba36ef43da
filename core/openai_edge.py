"""The lab's one edge to OpenAI-shaped APIs: OpenAI, Azure OpenAI and any compatible server.

Hosted fine-tuning jobs (core/hosted) and chat contestants (core/providers) both come through here:
- `Credentials`: every key and address, typed in a page (session only) or from the environment / .env;
  repr masks the keys; a worker process receives them only through its environment (`env()`).
- `make_client`: the openai SDK client for a backend ("openai", "azure", "endpoint").
- the Azure API version: typed, else OPENAI_API_VERSION (the SDK's own variable), else
  AZURE_OPENAI_API_VERSION, else DEFAULT_AZURE_API_VERSION; one order everywhere.
- `classify`: what an SDK exception means (wrong key, quota, transient...), decided once; jobs
  (`to_provider_error`) and chat (`chat_error`) word it for their page. Secrets are scrubbed.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from typing import Any, Iterable, Mapping

from core.errors import LabError, ProviderError, UnavailableError
from core.hosted.winddown import date_params
from core.secrets import get_secret, mask, scrub

PROVIDER_NAMES = {"openai": "OpenAI", "azure": "Azure OpenAI"}
# The GA data-plane version that has fine-tuning; preview versions add pause/resume on some regions.
DEFAULT_AZURE_API_VERSION = "2024-10-21"
API_VERSION_VARS = ("OPENAI_API_VERSION", "AZURE_OPENAI_API_VERSION")

# Session keys the pages use (docs/CONVENTIONS.md) -> Credentials fields.
TYPED_KEYS = {
    "openai_api_key": "openai_api_key",
    "openai_base_url": "openai_base_url",
    "azure_openai_api_key": "azure_api_key",
    "azure_openai_endpoint": "azure_endpoint",
    "azure_openai_api_version": "azure_api_version",
    "endpoint_api_key": "endpoint_api_key",
}

# 429 with this code is a billing problem, not a rate: waiting does not fix it.
QUOTA_CODES = {"insufficient_quota", "billing_hard_limit_reached", "billing_not_active"}
MODERATION_WORDS = ("moderation", "usage polic", "unsafe", "safety", "content filter", "content_filter")


def normalize_backend(backend: str | None) -> str:
    """'OpenAI', 'openai' -> 'openai'; 'Azure OpenAI', 'azure' -> 'azure'."""
    low = (backend or "openai").strip().lower()
    return "azure" if low.startswith("azure") else "openai"


def provider_name(backend: str | None) -> str:
    return PROVIDER_NAMES[normalize_backend(backend)]


@dataclass(frozen=True)
class Credentials:
    """Keys for every OpenAI-shaped service the lab talks to. Secret fields never appear in repr()."""

    openai_api_key: str | None = field(default=None, repr=False)
    openai_base_url: str | None = None                      # OPENAI_BASE_URL (a proxy or a test server)
    azure_api_key: str | None = field(default=None, repr=False)
    azure_endpoint: str | None = None                       # https://<resource>.openai.azure.com
    azure_api_version: str | None = None                    # the api-version query value
    endpoint_api_key: str | None = field(default=None, repr=False)  # LAB_ENDPOINT_API_KEY (vLLM...)

    @classmethod
    def resolve(cls, openai_api_key: str | None = None, azure_api_key: str | None = None,
                azure_endpoint: str | None = None, azure_api_version: str | None = None,
                endpoint_api_key: str | None = None, openai_base_url: str | None = None) -> Credentials:
        """Typed values first, then the environment / .env. Never raises: see require()."""
        endpoint = get_secret("AZURE_OPENAI_ENDPOINT", azure_endpoint)
        version = (azure_api_version or "").strip() or next(
            (value for value in map(get_secret, API_VERSION_VARS) if value), DEFAULT_AZURE_API_VERSION)
        return cls(openai_api_key=get_secret("OPENAI_API_KEY", openai_api_key),
                   openai_base_url=get_secret("OPENAI_BASE_URL", openai_base_url),
                   azure_api_key=get_secret("AZURE_OPENAI_API_KEY", azure_api_key),
                   azure_endpoint=endpoint.rstrip("/") if endpoint else None, azure_api_version=version,
                   endpoint_api_key=get_secret("LAB_ENDPOINT_API_KEY", endpoint_api_key))

    @classmethod
    def from_session(cls, typed: Mapping[str, Any] | None) -> Credentials:
        """From a page's session state (keys of TYPED_KEYS), falling back to the environment."""
        values = {name: str(typed[key]) for key, name in TYPED_KEYS.items() if typed and typed.get(key)}
        return cls.resolve(**values)

    def require(self, backend: str) -> Credentials:
        """self, when `backend` can be reached; else UnavailableError naming what is missing and where."""
        backend = normalize_backend(backend)
        if backend == "openai" and not self.openai_api_key:
            raise UnavailableError("hosted.errors.missing_key", "hosted.errors.missing_key_openai_hint",
                                   provider=provider_name(backend))
        if backend == "azure" and not self.azure_api_key:
            raise UnavailableError("hosted.errors.missing_key", "hosted.errors.missing_key_azure_hint",
                                   provider=provider_name(backend))
        if backend == "azure" and not self.azure_endpoint:
            raise UnavailableError("hosted.errors.missing_endpoint", "hosted.errors.missing_endpoint_hint")
        return self

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={mask(getattr(self, f.name)) if not f.repr else getattr(self, f.name)!r}"
                          for f in fields(self) if getattr(self, f.name))
        return f"Credentials({shown})"

    __str__ = __repr__

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values to scrub from any text before it is shown or written."""
        return tuple(v for v in (self.openai_api_key, self.azure_api_key, self.endpoint_api_key) if v)

    def env(self, backend: str) -> dict[str, str]:
        """Environment for a worker process of `backend` (the only way secrets reach it)."""
        if normalize_backend(backend) == "azure":
            return {"AZURE_OPENAI_API_KEY": self.azure_api_key or "", "AZURE_OPENAI_ENDPOINT": self.azure_endpoint or "",
                    "OPENAI_API_VERSION": self.azure_api_version or DEFAULT_AZURE_API_VERSION}
        env = {"OPENAI_API_KEY": self.openai_api_key or ""}
        if self.openai_base_url:
            env["OPENAI_BASE_URL"] = self.openai_base_url
        return env


def resolve_credentials(backend: str, typed: Mapping[str, Any] | None = None) -> Credentials:
    """Credentials from a page's session values or the environment, checked for `backend`."""
    return Credentials.from_session(typed).require(backend)


def _env_number(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


def make_client(creds: Credentials, backend: str, *, base_url: str | None = None,
                max_retries: int | None = None, timeout: float | None = None):
    """An openai.OpenAI or openai.AzureOpenAI client. backend "endpoint" = any compatible server at
    base_url (local servers ignore the key, but the SDK insists on one). The SDK's own retries handle
    short blips (LAB_HOSTED_MAX_RETRIES, default 2); LAB_HOSTED_TIMEOUT_S (default 60 s) bounds each
    request so a silent server cannot hang a poll."""
    import openai  # lazy: the SDK (httpx, pydantic models) loads only when a request is made

    retries = int(_env_number("LAB_HOSTED_MAX_RETRIES", 2)) if max_retries is None else max_retries
    seconds = _env_number("LAB_HOSTED_TIMEOUT_S", 60.0) if timeout is None else timeout
    if backend == "azure":
        return openai.AzureOpenAI(azure_endpoint=creds.azure_endpoint, api_key=creds.azure_api_key,
                                  api_version=creds.azure_api_version or DEFAULT_AZURE_API_VERSION,
                                  max_retries=retries, timeout=seconds)
    if backend == "endpoint":
        return openai.OpenAI(api_key=creds.endpoint_api_key or "not-needed", base_url=base_url,
                             max_retries=retries, timeout=seconds)
    return openai.OpenAI(api_key=creds.openai_api_key, base_url=base_url or creds.openai_base_url or None,
                         max_retries=retries, timeout=seconds)


# ------------------------------------------------------------------ what an SDK error means
def _detail(exc: Any, secrets: Iterable[str | None]) -> str:
    """The API's own message (from the JSON body when there is one), scrubbed of secrets."""
    body = getattr(exc, "body", None)
    text = body.get("message") if isinstance(body, dict) else None
    if not text:
        text = getattr(exc, "message", None) or str(exc)
    return scrub(str(text).strip(), *secrets)


def looks_like_moderation(code: str, message: str) -> bool:
    text = f"{code} {message}".lower()
    return any(word in text for word in MODERATION_WORDS)


def _looks_like_org_refusal(code: str, message: str) -> bool:
    """'organization not allowed' style refusals, whatever status code carries them."""
    text = f"{code} {message}".lower()
    return ("organization" in text or "organisation" in text) and any(
        word in text for word in ("not allowed", "not available", "no longer", "not permitted", "not_allowed"))


def classify(exc: BaseException, backend: str = "openai", secrets: Iterable[str | None] = ()
             ) -> tuple[str, dict[str, Any]]:
    """(kind, params) for one SDK exception. kind: timeout, network, unauthorized, forbidden,
    not_found, quota, rate_limited, server, moderation, bad_request, sdk, unexpected.
    params: detail (scrubbed), status, code, param."""
    import openai  # lazy: see make_client

    params: dict[str, Any] = {"detail": _detail(exc, tuple(secrets)), "status": "-", "code": "-", "param": "-"}
    if isinstance(exc, openai.APITimeoutError):
        return "timeout", params
    if isinstance(exc, openai.APIConnectionError):
        return "network", params
    if isinstance(exc, openai.APIStatusError):
        status, code = exc.status_code, (getattr(exc, "code", None) or "").lower()
        param = getattr(exc, "param", None)
        params.update(status=status, code=code or "-", param=param or "-")
        if status == 401:
            return "unauthorized", params
        if status == 403 or (backend == "openai" and _looks_like_org_refusal(code, params["detail"])):
            return "forbidden", params
        if status == 404 or (status == 400 and param == "model") or code in {"model_not_found", "model_not_available"}:
            return "not_found", params
        if status == 429:
            return ("quota" if code in QUOTA_CODES else "rate_limited"), params
        if status >= 500:
            return "server", params
        if looks_like_moderation(code, params["detail"]):
            return "moderation", params
        return "bad_request", params
    if isinstance(exc, openai.OpenAIError):  # raised before any request, e.g. no key configured
        return "sdk", params
    return "unexpected", params


def is_transient(exc: BaseException) -> bool:
    """True for errors a later retry can fix: rate limits (not quota), 5xx, timeouts, dropped links."""
    kind, params = classify(exc)
    return kind in ("timeout", "network", "rate_limited", "server") or params["status"] == 408


def to_provider_error(exc: BaseException, *, backend: str = "openai", model: str | None = None,
                      secrets: Iterable[str | None] = (), action: str = "request") -> LabError:
    """An SDK exception of a fine-tuning call as a LabError. `action` ("upload", "create", "watch",
    "cancel", ...) sharpens 400/404: a 404 while creating a job means the model cannot be fine-tuned.
    On OpenAI a 403 is the wind-down: say so and offer the local path and Azure."""
    if isinstance(exc, LabError):
        return exc
    backend = normalize_backend(backend)
    kind, found = classify(exc, backend, secrets)
    params = {"provider": provider_name(backend), "model": model or "?", **found}
    azure = backend == "azure"
    if kind in ("timeout", "network", "server"):
        return ProviderError(f"hosted.errors.{kind}", "hosted.errors.transient_hint", **params)
    if kind == "unauthorized":
        hint = "hosted.errors.unauthorized_azure_hint" if azure else "hosted.errors.unauthorized_hint"
        return ProviderError("hosted.errors.unauthorized", hint, **params)
    if kind == "forbidden":
        if azure:
            return ProviderError("hosted.errors.forbidden_azure", "hosted.errors.forbidden_azure_hint", **params)
        return ProviderError("hosted.errors.forbidden", "hosted.errors.winddown_hint", **params, **date_params())
    if kind == "not_found":
        if action == "create" or params["param"] == "model":
            return ProviderError("hosted.errors.model_not_fine_tunable", "hosted.errors.model_not_fine_tunable_hint",
                                 **params, **date_params())
        return ProviderError("hosted.errors.not_found", "hosted.errors.not_found_hint", **params)
    if kind in ("quota", "rate_limited", "moderation"):
        return ProviderError(f"hosted.errors.{kind}", f"hosted.errors.{kind}_hint", **params)
    if kind == "bad_request":
        if action == "upload" or params["param"] in {"training_file", "validation_file", "file"}:
            return ProviderError("hosted.errors.file_rejected", "hosted.errors.file_hint", **params)
        return ProviderError("hosted.errors.bad_request", "hosted.errors.bad_request_hint", **params)
    if kind == "sdk":
        hint = "hosted.errors.missing_key_azure_hint" if azure else "hosted.errors.missing_key_openai_hint"
        return UnavailableError("hosted.errors.sdk", hint, **params)
    return ProviderError("hosted.errors.unexpected", None, **params)


def chat_error(exc: BaseException, *, where: str, model: str, secrets: Iterable[str | None] = ()) -> LabError:
    """An SDK exception of a chat call as a LabError in the arena's words (where = the server's URL)."""
    if isinstance(exc, LabError):
        return exc
    kind, params = classify(exc, secrets=secrets)
    detail = params["detail"][:300]
    if kind == "unauthorized":
        return ProviderError("arena.err_auth", "arena.err_auth_hint", where=where)
    if kind == "not_found":
        return UnavailableError("arena.err_model_missing", "arena.err_model_missing_hint", model=model, where=where)
    if kind in ("rate_limited", "quota"):
        return ProviderError("arena.err_rate_limit", "arena.err_rate_limit_hint", detail=detail)
    if kind in ("timeout", "network"):
        return UnavailableError("arena.err_endpoint_down", "arena.err_endpoint_down_hint", where=where)
    return ProviderError("arena.err_api", detail=detail, where=where)
