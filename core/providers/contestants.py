"""Contestant specs -> providers, and the list of contestants this machine can offer.

Spec grammar (one string, what the CLI's --contestant and the arena's dropdowns hold):
    base                     the embedded base model (SmolLM2-135M-Instruct), local
    local:MODEL              another local model: a folder with config.json, or a hub id when online
    run:RUN_ID               a finished training job: a local LoRA adapter on its base, or the hosted
                             job's fine-tuned model (OpenAI ft: model / Azure deployment)
    ft:MODEL                 an OpenAI fine-tuned model by its full name (ft:gpt-4o-mini:org::id)
    openai:MODEL             an OpenAI model (needs OPENAI_API_KEY)
    azure:DEPLOYMENT         an Azure OpenAI deployment (needs AZURE_OPENAI_API_KEY and _ENDPOINT)
    endpoint:URL#MODEL       any OpenAI-compatible server: Ollama, vLLM, LM Studio...
    rag | rag:SPEC           retrieval over the lab's documents + base (or + any SPEC above)

A contestant that cannot answer (no key, model or run missing, endpoint down) raises a LabError
whose message names the reason; the arena shows it in that column and the other columns go on.
"""
from __future__ import annotations

import os
import urllib.error
import urllib.request
from dataclasses import dataclass

from core.dataset import iter_examples
from core.errors import InputError, LabError, UnavailableError
from core.i18n import t
from core.jobs import registry
from core.models import EMBEDDED_MODEL
from core.openai_edge import Credentials
from core.providers.base import Provider
from core.providers.local import LocalProvider, base_label
from core.providers.openai_compat import OpenAICompatProvider
from core.providers.rag import RagProvider

SUGGESTED_OPENAI_MODELS = ("gpt-4o-mini", "gpt-4.1-mini")


@dataclass
class Contestant:
    """One entry of the arena's dropdowns / `lab ask --list`."""

    spec: str
    label: str
    available: bool = True
    reason: str | None = None  # why it is unavailable, in the interface language


# ---------------------------------------------------------------------------------------- jobs
def _job(run_id: str):
    job = registry.get_job(run_id)
    if job is None:
        raise InputError("arena.err_run_unknown", "arena.err_run_unknown_hint", run=run_id)
    if job.status != "succeeded":
        raise UnavailableError("arena.err_run_not_ready", "arena.err_run_not_ready_hint",
                               run=run_id, status=job.status)
    return job


def finished_jobs() -> list:
    """Succeeded training jobs, newest first (evaluation jobs are not contestants)."""
    return registry.list_jobs(status="succeeded", backend=registry.TRAINING_BACKENDS)


# ---------------------------------------------------------------------------------------- parse
def _split_endpoint(rest: str) -> tuple[str, str]:
    url, _, model = rest.partition("#")
    url, model = url.strip(), model.strip()
    if not url.startswith(("http://", "https://")) or not model:
        raise InputError("arena.err_bad_endpoint", "arena.err_bad_endpoint_hint", spec=f"endpoint:{rest}")
    return url.rstrip("/"), model


def get_provider(spec: str, credentials: Credentials | None = None) -> Provider:
    """Build the provider for a contestant spec (no network, no model load yet)."""
    creds = credentials or Credentials.resolve()
    spec = (spec or "").strip()
    head, _, rest = spec.partition(":")
    head = head.lower()
    if not spec:
        raise InputError("arena.err_empty_spec", "arena.err_bad_spec_hint")
    if spec.lower() == "base":
        return LocalProvider("embedded", spec="base")
    if spec.lower() == "rag":
        return RagProvider(LocalProvider("embedded", spec="base"), spec="rag")
    if head == "rag" and rest:
        inner = get_provider(rest, creds)
        return RagProvider(inner, spec=f"rag:{inner.spec}")
    if head == "local" and rest:
        return LocalProvider(rest.strip(), spec=spec)
    if head == "run" and rest:
        job = _job(rest.strip())
        result = job.result or {}
        if job.backend == "local":
            adapter = result.get("adapter_dir")
            base = result.get("base_model") or (job.params or {}).get("model") or "embedded"
            if not adapter:
                raise UnavailableError("arena.err_adapter_missing", "arena.err_adapter_missing_hint", path=str(job.run_dir))
            return LocalProvider(base, adapter_dir=adapter, spec=f"run:{job.id}",
                                 default_system_prompt=_training_system_prompt(job))
        model = result.get("fine_tuned_model")
        if not model:
            raise UnavailableError("arena.err_run_no_model", "arena.err_run_not_ready_hint", run=job.id, status=job.status)
        if job.backend == "azure":
            deployment = result.get("deployment") or model
            return OpenAICompatProvider("azure", deployment, spec=f"run:{job.id}", api_key=creds.azure_api_key,
                                        azure_endpoint=creds.azure_endpoint, api_version=creds.azure_api_version)
        return OpenAICompatProvider("openai", model, spec=f"run:{job.id}", api_key=creds.openai_api_key)
    if head == "ft" and rest:
        return OpenAICompatProvider("openai", spec, spec=spec, api_key=creds.openai_api_key)
    if head == "openai" and rest:
        return OpenAICompatProvider("openai", rest.strip(), spec=spec, api_key=creds.openai_api_key)
    if head == "azure" and rest:
        return OpenAICompatProvider("azure", rest.strip(), spec=spec, api_key=creds.azure_api_key,
                                    azure_endpoint=creds.azure_endpoint, api_version=creds.azure_api_version)
    if head == "endpoint" and rest:
        url, model = _split_endpoint(rest)
        return OpenAICompatProvider("endpoint", model, spec=spec, base_url=url, api_key=creds.endpoint_api_key)
    raise InputError("arena.err_bad_spec", "arena.err_bad_spec_hint", spec=spec)


# ---------------------------------------------------------------------------------------- list
def probe_endpoint(url: str, path: str = "/models", timeout: float = 1.5) -> bool:
    """True when {url}{path} answers at all (any HTTP status): the server is up. The lab's one HTTP
    probe: OpenAI-compatible endpoints (/models) and the arena page's check of the Gradio app (/)."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + path, timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


def configured_endpoints() -> list[str]:
    """Endpoint specs from LAB_ENDPOINTS, comma-separated URL#MODEL pairs
    (e.g. http://127.0.0.1:11434/v1#llama3.2 for Ollama)."""
    raw = os.environ.get("LAB_ENDPOINTS", "")
    return [f"endpoint:{item.strip()}" for item in raw.split(",") if "#" in item]


def check(spec: str, credentials: Credentials | None = None, probe: bool = False,
          lang: str | None = None) -> str | None:
    """None when the contestant looks usable, else the reason (in `lang`, default the current one).
    Cheap: no model load; with probe=True endpoints are asked for /models (1.5 s timeout)."""
    try:
        provider = get_provider(spec, credentials)
        inner = provider.inner if isinstance(provider, RagProvider) else provider
        provider.check()
        if probe and isinstance(inner, OpenAICompatProvider) and inner.kind == "endpoint":
            if not probe_endpoint(inner.base_url or ""):
                raise UnavailableError("arena.err_endpoint_down", "arena.err_endpoint_down_hint", where=inner.base_url)
    except LabError as err:
        return err.message(lang)
    return None


def _label(spec: str, job=None, lang: str | None = None) -> str:
    if spec == "base":
        return t("arena.contestant_base", lang, model=EMBEDDED_MODEL)
    if spec == "rag":
        return t("arena.contestant_rag", lang, model=EMBEDDED_MODEL)
    if spec.startswith("rag:"):
        return t("arena.contestant_rag_over", lang, inner=_label(spec[4:], job, lang))
    if spec.startswith("run:") and job is not None:
        base = (job.result or {}).get("base_model") or (job.params or {}).get("model") or job.backend
        return t("arena.contestant_run", lang, run=job.id, base=base_label(base) if job.backend == "local" else base)
    if spec.startswith("ft:"):
        return t("arena.contestant_ft", lang, model=spec)
    return spec


def list_contestants(credentials: Credentials | None = None, probe: bool = False,
                     lang: str | None = None) -> list[Contestant]:
    """Everything the dropdowns offer, available or not (with the reason), in a stable order:
    base, RAG, finished runs (and RAG over each), hosted fine-tunes, OpenAI models, endpoints."""
    creds = credentials or Credentials.resolve()
    specs: list[tuple[str, object]] = [("base", None), ("rag", None)]
    for job in finished_jobs():
        fine_tuned = (job.result or {}).get("fine_tuned_model")
        if job.backend == "openai" and fine_tuned:
            specs.append((fine_tuned if fine_tuned.startswith("ft:") else f"run:{job.id}", job))
        else:
            specs.append((f"run:{job.id}", job))
            if job.backend == "local":
                specs.append((f"rag:run:{job.id}", job))
    specs += [(f"openai:{model}", None) for model in SUGGESTED_OPENAI_MODELS]
    if creds.azure_endpoint:
        specs += [(f"azure:{name.strip()}", None)
                  for name in os.environ.get("LAB_AZURE_DEPLOYMENTS", "").split(",") if name.strip()]
    specs += [(spec, None) for spec in configured_endpoints()]
    out: list[Contestant] = []
    seen: set[str] = set()
    for spec, job in specs:
        if spec in seen:
            continue
        seen.add(spec)
        reason = check(spec, creds, probe=probe, lang=lang)
        out.append(Contestant(spec=spec, label=_label(spec, job, lang), available=reason is None, reason=reason))
    return out


def _training_system_prompt(job) -> str | None:
    """The system message of the run's first training example, if it had one."""
    path = (job.params or {}).get("dataset")
    if not path:
        return None
    try:
        first = next(iter_examples(path), None)
    except OSError:
        return None
    messages = (first[1].get("messages") or []) if first else []
    if messages and isinstance(messages[0], dict) and messages[0].get("role") == "system":
        content = messages[0].get("content")
        return content if isinstance(content, str) and content.strip() else None
    return None
