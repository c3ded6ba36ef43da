"""Turn openai SDK exceptions and failed jobs into ProviderError with a catalogue key and a next step.

One place decides what each refusal means for the user: 401 = wrong key, 403 = organisation not
allowed (on OpenAI that is the wind-down: explain it and offer the local path and Azure), 404 = model
not fine-tunable, 429 / 5xx / network = transient (the watcher backs off and keeps watching).
API messages are shown as they are (they are the most precise reason), scrubbed of any secret.
"""
from __future__ import annotations

from typing import Any, Iterable

from core.errors import LabError, ProviderError, UnavailableError
from core.hosted.client import normalize_backend, provider_name
from core.hosted.winddown import date_params
from core.secrets import scrub

# Status codes worth retrying: the request may succeed later without the user doing anything.
TRANSIENT_STATUS = {408, 429, 500, 502, 503, 504}
# 429 with this code is a billing problem, not a rate: waiting does not fix it.
QUOTA_CODES = {"insufficient_quota", "billing_hard_limit_reached", "billing_not_active"}
MODERATION_WORDS = ("moderation", "usage polic", "unsafe", "safety", "content filter", "content_filter")


def _detail(exc: Any, secrets: Iterable[str | None]) -> str:
    """The API's own message (from the JSON body when there is one), scrubbed of secrets."""
    body = getattr(exc, "body", None)
    text = None
    if isinstance(body, dict):
        text = body.get("message")
    if not text:
        text = getattr(exc, "message", None) or str(exc)
    return scrub(str(text).strip(), *secrets)


def is_transient(exc: BaseException) -> bool:
    """True for errors a later retry can fix: rate limits (not quota), 5xx, timeouts, dropped links."""
    import openai

    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code == 429 and (getattr(exc, "code", None) or "") in QUOTA_CODES:
            return False
        return exc.status_code in TRANSIENT_STATUS or exc.status_code >= 500
    return False


def to_provider_error(exc: BaseException, *, backend: str = "openai", model: str | None = None,
                      secrets: Iterable[str | None] = (), action: str = "request") -> LabError:
    """Map one SDK exception to a LabError. `action` ("upload", "create", "watch", "cancel", ...)
    sharpens the 400/404 cases: a 404 while creating a job means the model cannot be fine-tuned."""
    import openai

    if isinstance(exc, LabError):
        return exc
    backend = normalize_backend(backend)
    secrets = tuple(secrets)
    params: dict[str, Any] = {"provider": provider_name(backend), "model": model or "?",
                              "detail": _detail(exc, secrets)}
    if isinstance(exc, openai.APITimeoutError):
        return ProviderError("hosted.errors.timeout", "hosted.errors.transient_hint", **params)
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError("hosted.errors.network", "hosted.errors.transient_hint", **params)
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        code = (getattr(exc, "code", None) or "").lower()
        param = getattr(exc, "param", None)
        params.update(status=status, code=code or "-", param=param or "-")
        if status == 401:
            hint = "hosted.errors.unauthorized_azure_hint" if backend == "azure" else "hosted.errors.unauthorized_hint"
            return ProviderError("hosted.errors.unauthorized", hint, **params)
        if status == 403 or (backend == "openai" and _looks_like_org_refusal(code, params["detail"])):
            if backend == "azure":
                return ProviderError("hosted.errors.forbidden_azure", "hosted.errors.forbidden_azure_hint", **params)
            return ProviderError("hosted.errors.forbidden", "hosted.errors.winddown_hint",
                                 **params, **date_params())
        if status == 404 or (status == 400 and param == "model") or code in {"model_not_found", "model_not_available"}:
            if action == "create" or param == "model":
                return ProviderError("hosted.errors.model_not_fine_tunable",
                                     "hosted.errors.model_not_fine_tunable_hint", **params, **date_params())
            return ProviderError("hosted.errors.not_found", "hosted.errors.not_found_hint", **params)
        if status == 429 and code in QUOTA_CODES:
            return ProviderError("hosted.errors.quota", "hosted.errors.quota_hint", **params)
        if status == 429:
            return ProviderError("hosted.errors.rate_limited", "hosted.errors.rate_limited_hint", **params)
        if status >= 500:
            return ProviderError("hosted.errors.server", "hosted.errors.transient_hint", **params)
        if _looks_like_moderation(code, params["detail"]):
            return ProviderError("hosted.errors.moderation", "hosted.errors.moderation_hint", **params)
        if action == "upload" or param in {"training_file", "validation_file", "file"}:
            return ProviderError("hosted.errors.file_rejected", "hosted.errors.file_hint", **params)
        return ProviderError("hosted.errors.bad_request", "hosted.errors.bad_request_hint", **params)
    if isinstance(exc, openai.OpenAIError):
        # Raised by the SDK before any request, e.g. no key or no endpoint configured.
        hint = "hosted.errors.missing_key_azure_hint" if backend == "azure" else "hosted.errors.missing_key_openai_hint"
        return UnavailableError("hosted.errors.sdk", hint, **params)
    return ProviderError("hosted.errors.unexpected", None, **params)


def _looks_like_org_refusal(code: str, message: str) -> bool:
    """'organization not allowed' style refusals, whatever status code carries them."""
    text = f"{code} {message}".lower()
    return ("organization" in text or "organisation" in text) and any(
        word in text for word in ("not allowed", "not available", "no longer", "not permitted", "not_allowed"))


def _looks_like_moderation(code: str, message: str) -> bool:
    text = f"{code} {message}".lower()
    return any(word in text for word in MODERATION_WORDS)


def job_failure(error: Any, *, backend: str = "openai", model: str | None = None,
                secrets: Iterable[str | None] = ()) -> ProviderError:
    """A failed job's `error` {code, message, param} as a ProviderError: file validation (show the
    message and the parameter), moderation block, or the API's reason as it is."""
    if error is not None and not isinstance(error, dict):
        error = error.model_dump() if hasattr(error, "model_dump") else dict(vars(error))
    error = error or {}
    code = str(error.get("code") or "").lower()
    message = scrub(str(error.get("message") or "").strip(), *secrets) or "-"
    param = error.get("param") or "-"
    params = {"provider": provider_name(backend), "model": model or "?", "detail": message,
              "code": code or "-", "param": param}
    if _looks_like_moderation(code, message):
        return ProviderError("hosted.errors.moderation", "hosted.errors.moderation_hint", **params)
    if param in {"training_file", "validation_file"} or "file" in code:
        return ProviderError("hosted.errors.file_validation", "hosted.errors.file_hint", **params)
    return ProviderError("hosted.errors.job_failed", "hosted.errors.job_failed_hint", **params)
