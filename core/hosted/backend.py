"""The job engine's backend for "openai" and "azure" jobs (core/jobs/runner.py BACKEND_MODULES).

`run_job(job, emit)` runs in the worker process: it watches the remote job that submit.py created
(params["openai_job_id"]) until it ends, writing the same events as a local run, and returns the
result (fine_tuned_model, trained_tokens, costs) that makes the ft: model an arena contestant.
`cancel(job)` is the engine's stop() hook; `pause` / `resume` are the page's and CLI's buttons.
Credentials reach the worker only through its environment (runner.submit(env=...)).
"""
from __future__ import annotations

import time
from typing import Any, Callable, Mapping

from core.costs import hosted_training_usd
from core.errors import ProviderError
from core.hosted.watch import Watcher, WatchSettings, WatchState
from core.i18n import t
from core.jobs import registry, runner
from core.jobs.events import append_event, read_all
from core.openai_edge import make_client, normalize_backend, provider_name, resolve_credentials, to_provider_error
from core.training.tracking_log import RunLogger, engine_warn


def remote_id(job: Any) -> str:
    rid = (job.params or {}).get("openai_job_id") or (job.result or {}).get("openai_job_id")
    if not rid:
        raise ProviderError("hosted.errors.no_remote_job", None, job_id=job.id)
    return rid


def build_result(job: Any, remote: Any, checkpoints: list[dict]) -> dict:
    """The engine result: what the arena, the jobs table and the cost comparison read."""
    params = job.params or {}
    model = getattr(remote, "model", None) or params.get("model")
    trained = getattr(remote, "trained_tokens", None)
    result = {
        "provider": provider_name(job.backend),
        "openai_job_id": getattr(remote, "id", None) or params.get("openai_job_id"),
        "base_model": model,
        "remote_status": getattr(remote, "status", None),
        "fine_tuned_model": getattr(remote, "fine_tuned_model", None),
        "trained_tokens": trained,
        "estimated_usd": params.get("estimated_usd"),
        "actual_usd": hosted_training_usd(model, trained, normalize_backend(job.backend)),
        "checkpoints": checkpoints,
        "result_files": list(getattr(remote, "result_files", None) or []),
    }
    hyper = getattr(remote, "hyperparameters", None)
    if hyper is not None and hasattr(hyper, "model_dump"):
        result["hyperparameters"] = hyper.model_dump(exclude_none=True)
    return result


def _set_status(job_id: str, lab_status: str, remote: str) -> None:
    """Mirror the remote status in the registry while the job is active (a stop() wins)."""
    fields: dict[str, Any] = {}
    if lab_status == registry.PAUSED:
        fields = {"status": registry.PAUSED}
    elif lab_status in ("running", "validating_files"):
        fields = {"status": lab_status}
    if fields:
        current = registry.get_job(job_id)
        if current is not None and current.active:
            registry.update_job(job_id, expect_status=current.status, **fields)
    registry.merge_result(job_id, remote_status=remote)


def run_job(job: Any, emit: Callable[..., Any]) -> dict:
    """Watch the remote job to its end. Succeeded -> the result dict; failed -> ProviderError with
    the API's reason; cancelled or paused remotely -> the registry says so and the watcher exits."""
    backend = normalize_backend(job.backend)
    params = job.params or {}
    creds = resolve_credentials(backend)  # from this worker's environment only
    rid = remote_id(job)
    client = make_client(creds, backend)
    state = WatchState.from_events(read_all(job.run_dir))
    if state.seen_events:
        emit("log", level="info", message=t("hosted.watch.reattached", remote_id=rid))
    else:
        emit("log", level="info", message=t("hosted.watch.started", remote_id=rid,
                                            provider=provider_name(backend)))
    registry.merge_result(job.id, openai_job_id=rid, provider=provider_name(backend),
                          base_model=params.get("model"), estimated_usd=params.get("estimated_usd"))
    _resume_if_paused(client, rid, emit)
    watcher = Watcher(
        client, rid, emit, backend=backend, settings=WatchSettings.from_params(params), state=state,
        secrets=creds.secrets, model=params.get("model"),
        on_status=lambda lab, remote: _set_status(job.id, lab, remote),
        tracker=RunLogger(params.get("tracking") or (), job.run_dir, job.id, engine_warn(emit)),
    )
    try:
        remote = watcher.run()
    finally:
        watcher.tracker.close()  # the trackers' runs end with the watcher (a restart reopens the same ones)
    result = build_result(job, remote, watcher.state.checkpoints)
    if remote.status == "succeeded":
        if not result["fine_tuned_model"]:
            raise ProviderError("hosted.errors.no_ft_model", None, remote_id=rid)
        key = "hosted.watch.succeeded_azure" if backend == "azure" else "hosted.watch.succeeded"
        emit("log", level="info", message=t(key, model=result["fine_tuned_model"],
                                            tokens=result["trained_tokens"] or 0))
        return result
    registry.merge_result(job.id, **result)
    if remote.status == "failed":
        raise watcher.failure()
    if remote.status == "cancelled":
        current = registry.get_job(job.id)
        if current is not None and current.active:
            registry.update_job(job.id, expect_status=current.status, status=registry.CANCELLED,
                                finished_at=time.time(), error=t("hosted.watch.cancelled_remotely"))
            emit("status", status=registry.CANCELLED, remote_status="cancelled")
        return result
    # paused: the registry must say so (or the worker would record a success); the watcher stops
    # until the user resumes.
    _set_status(job.id, registry.PAUSED, "paused")
    emit("log", level="info", message=t("hosted.watch.paused"))
    return result


def _resume_if_paused(client: Any, rid: str, emit: Callable[..., Any]) -> None:
    """A watcher only starts on submit or on an explicit resume (the engine never restarts a paused
    job by itself), so a remote job still paused at this point is one the user asked to continue:
    `lab train --resume RUN_ID` and runner.resume() work for hosted jobs too. Errors are left to the
    watcher's loop (it backs off on transient ones)."""
    try:
        if client.fine_tuning.jobs.retrieve(rid).status == "paused":
            client.fine_tuning.jobs.resume(rid)
            emit("log", level="info", message=t("hosted.watch.resume_sent"))
    except Exception:  # noqa: BLE001 - the loop below reports and retries
        return


# ------------------------------------------------------------------ controls (page / CLI process)
def _client(job: Any, typed: Mapping[str, Any] | None):
    creds = resolve_credentials(job.backend, typed)
    return make_client(creds, normalize_backend(job.backend)), creds


def _call(job: Any, action: str, typed: Mapping[str, Any] | None) -> Any:
    client, creds = _client(job, typed)
    method = getattr(client.fine_tuning.jobs, action)
    try:
        return method(remote_id(job))
    except Exception as exc:  # noqa: BLE001 - mapped to a user message
        raise to_provider_error(exc, backend=job.backend, model=(job.params or {}).get("model"),
                                secrets=creds.secrets, action=action) from None


def cancel(job: Any, typed: Mapping[str, Any] | None = None) -> None:
    """The engine's stop() hook: cancel the remote job first (idempotent: a job that already ended,
    or one the page cancelled a moment ago with a typed key, is left alone). Keys come from the
    environment here; the page passes its typed key through cancel_remote()."""
    if (job.result or {}).get("cancel_requested"):
        return
    remote = _call(job, "retrieve", typed)
    if remote.status in ("succeeded", "failed", "cancelled"):
        return
    _call(job, "cancel", typed)
    registry.merge_result(job.id, cancel_requested=True)
    append_event(job.run_dir, "log", level="info", message=t("hosted.watch.cancel_sent"))


def cancel_remote(job_id: str, typed: Mapping[str, Any] | None = None):
    """Cancel button: cancel at the provider with the session's key, then stop the watcher."""
    job = runner.require_job(job_id)
    if job.status not in registry.TERMINAL or job.status == registry.INTERRUPTED:
        cancel(job, typed)  # an interrupted job may still run at the provider
    return runner.stop(job_id)


def pause(job_id: str, typed: Mapping[str, Any] | None = None):
    """Pause at the provider (training stops, checkpoints are kept); the watcher notices and exits,
    leaving the lab job 'paused' and resumable."""
    job = runner.require_job(job_id)
    remote = _call(job, "pause", typed)
    append_event(job.run_dir, "log", level="info", message=t("hosted.watch.pause_sent"))
    current = registry.get_job(job_id)
    if current is not None and current.active:
        registry.update_job(job_id, expect_status=current.status, status=registry.PAUSED)
    append_event(job.run_dir, "status", status=registry.PAUSED, remote_status=str(remote.status))
    return registry.get_job(job_id)


def resume(job_id: str, typed: Mapping[str, Any] | None = None):
    """Resume at the provider (when it is paused there; done here so a wrong key shows on the page at
    once), then start a watcher again through the engine with the same credentials. Also re-attaches
    a watcher that failed after losing contact: the remote job is only resumed when it is paused."""
    job = runner.require_job(job_id)
    client, creds = _client(job, typed)
    try:
        remote = client.fine_tuning.jobs.retrieve(remote_id(job))
        if remote.status in ("paused", "pausing"):
            client.fine_tuning.jobs.resume(remote_id(job))
            append_event(job.run_dir, "log", level="info", message=t("hosted.watch.resume_sent"))
    except Exception as exc:  # noqa: BLE001
        raise to_provider_error(exc, backend=job.backend, secrets=creds.secrets, action="resume") from None
    return runner.resume(job_id, env=creds.env(job.backend))
