"""Watching one remote fine-tuning job: poll retrieve, events and checkpoints; turn them into lab events.

Pure of the job engine (it gets an `emit(kind, **fields)` callable and an `on_status` callback), so the
same loop serves the worker process and tests. Survives 429 / 5xx / timeouts / dropped connections by
backing off and polling again; stops at a terminal status.

Events: the API's order is not documented (the real one lists newest first) and pages are cursors
(`after` = an event id). Each poll walks pages from the newest until it meets an event already seen;
when the server turns out to list oldest first, it continues from the last id seen instead. Every
event is emitted once, identified by its id (kept in the lab event as `event_id`, so a restarted
watcher rebuilds the seen-set from events.jsonl and does not repeat anything).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from core.errors import ProviderError, UnavailableError
from core.i18n import t
from core.openai_edge import (is_transient, looks_like_moderation, provider_name, resolve_credentials,
                              to_provider_error)
from core.secrets import scrub
from core.training.tracking_log import trainer_keys

TERMINAL = {"succeeded", "failed", "cancelled"}
KNOWN_STATUSES = {"validating_files", "queued", "running", "succeeded", "failed", "cancelled",
                  "pausing", "paused", "resuming", "pending", "cancelling", "notRunning", "preprocessing"}
# API metric name -> the engine's metric field (core/jobs/events.py METRIC_FIELDS + hosted extras)
METRIC_MAP = {
    "step": "step",
    "total_steps": "total_steps",
    "train_loss": "train_loss",
    "valid_loss": "eval_loss",
    "full_valid_loss": "full_valid_loss",
    "train_mean_token_accuracy": "train_accuracy",
    "valid_mean_token_accuracy": "valid_accuracy",
    "full_valid_mean_token_accuracy": "full_valid_accuracy",
}


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


@dataclass
class WatchSettings:
    """How often and how patiently to poll. Seconds throughout.

    Defaults: a poll every 10 s is 360 requests an hour (x3: job, events, checkpoints), far below
    rate limits; the backoff doubles from 5 s to 2 min, so a 10-minute outage costs ~8 retries.
    """

    poll_s: float = 10.0
    backoff_s: float = 5.0
    max_backoff_s: float = 120.0
    max_outage_s: float = 3600.0   # give up (job failed, resumable) after an hour without an answer
    events_page: int = 100         # events per request (API maximum 100)
    max_pages: int = 50            # per poll: 5,000 events, more than a long job ever logs

    @classmethod
    def from_params(cls, params: dict | None = None) -> "WatchSettings":
        """params (saved with the job) win over LAB_HOSTED_* environment variables over defaults."""
        params = params or {}
        base = cls()
        return cls(
            poll_s=float(params.get("poll_interval_s") or _env_float("LAB_HOSTED_POLL_S", base.poll_s)),
            backoff_s=float(params.get("backoff_s") or _env_float("LAB_HOSTED_BACKOFF_S", base.backoff_s)),
            max_backoff_s=_env_float("LAB_HOSTED_MAX_BACKOFF_S", base.max_backoff_s),
            max_outage_s=float(params.get("max_outage_s") or _env_float("LAB_HOSTED_MAX_OUTAGE_S", base.max_outage_s)),
        )


@dataclass
class WatchState:
    """What the watcher has already reported (rebuilt from events.jsonl after a restart)."""

    seen_events: set[str] = field(default_factory=set)
    seen_checkpoints: set[str] = field(default_factory=set)
    order: str | None = None          # "desc" (newest first) or "asc", once detected
    last_event_id: str | None = None  # for "asc": continue after this one
    remote_status: str | None = None
    checkpoints: list[dict] = field(default_factory=list)

    @classmethod
    def from_events(cls, events: Iterable[dict]) -> "WatchState":
        state = cls()
        for event in events:
            if event.get("event_id"):
                state.seen_events.add(event["event_id"])
            if event.get("checkpoint_id"):
                state.seen_checkpoints.add(event["checkpoint_id"])
                state.checkpoints.append({"id": event["checkpoint_id"], "step": event.get("checkpoint_step"),
                                          "model": event.get("checkpoint_model")})
            if event.get("remote_status"):
                state.remote_status = event["remote_status"]
        return state


def _order(items: list) -> str | None:
    """'desc' when the page runs newest to oldest, 'asc' for the reverse, None if it cannot tell."""
    stamps = [getattr(item, "created_at", None) for item in items]
    stamps = [s for s in stamps if s is not None]
    if len(stamps) < 2 or stamps[0] == stamps[-1]:
        return None
    return "desc" if stamps[0] > stamps[-1] else "asc"


def fetch_new_events(client: Any, job_id: str, state: WatchState, settings: WatchSettings) -> list:
    """The job's events not reported yet, oldest first."""
    new: list = []
    after = state.last_event_id if state.order == "asc" else None
    for _ in range(settings.max_pages):
        kwargs = {"limit": settings.events_page}
        if after:
            kwargs["after"] = after
        page = client.fine_tuning.jobs.list_events(job_id, **kwargs)
        items = list(page.data or [])
        if not items:
            break
        state.order = _order(items) or state.order
        met_seen = False
        for item in items:
            if item.id in state.seen_events:
                met_seen = True
                continue
            state.seen_events.add(item.id)
            new.append(item)
        if state.order == "asc":
            state.last_event_id = items[-1].id
        # Newest first: everything past a known event is older, hence known too.
        if (met_seen and state.order != "asc") or page.has_more is False:
            break
        after = items[-1].id
    if state.order != "asc":
        new.reverse()
    new.sort(key=lambda item: getattr(item, "created_at", 0) or 0)  # stable: ties keep list order
    return new


def metric_fields(data: Any) -> dict:
    """A metrics event's data -> the engine's metric fields (None values dropped)."""
    if hasattr(data, "model_dump"):
        data = data.model_dump()
    if not isinstance(data, dict):
        return {}
    fields = {}
    for source, target in METRIC_MAP.items():
        value = data.get(source)
        if value is None:
            continue
        try:
            value = float(value)
        except (TypeError, ValueError):
            continue
        fields[target] = int(value) if target in ("step", "total_steps") else value
    return fields


class Watcher:
    """Polls one remote job until it ends. `emit(kind, **fields)` writes lab events;
    `on_status(lab_status, remote_status)` lets the engine record status changes."""

    def __init__(self, client: Any, remote_id: str, emit: Callable[..., Any], *, backend: str = "openai",
                 settings: WatchSettings | None = None, state: WatchState | None = None,
                 secrets: Iterable[str | None] = (), model: str | None = None,
                 on_status: Callable[[str, str], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 tracker: Any = None) -> None:
        self.client = client
        self.remote_id = remote_id
        self.emit = emit
        self.backend = backend
        self.settings = settings or WatchSettings()
        self.state = state or WatchState()
        self.secrets = tuple(s for s in secrets if s)
        self.model = model
        self.on_status = on_status
        self.sleep = sleep
        self.clock = clock
        self.unknown_reported: set[str] = set()
        self.job: Any = None
        # core.training.tracking_log.RunLogger (or None): the provider's metrics also go to the run's trackers
        self.tracker = tracker

    # ------------------------------------------------------------------ one poll
    def poll_once(self) -> Any:
        """retrieve + events + checkpoints; emits what is new. Returns the remote job object."""
        job = self.client.fine_tuning.jobs.retrieve(self.remote_id)
        self.job = job
        for event in fetch_new_events(self.client, self.remote_id, self.state, self.settings):
            self._emit_event(event, job)
        if job.status in ("running", "succeeded", "paused", "pausing") or self.state.checkpoints:
            self._checkpoints()
        self._status(job.status)
        return job

    def _emit_event(self, event: Any, job: Any) -> None:
        message = scrub(str(getattr(event, "message", "") or ""), *self.secrets)
        level = {"warn": "warning", "error": "error"}.get(getattr(event, "level", "info"), "info")
        if getattr(event, "type", None) == "metrics":
            fields = metric_fields(getattr(event, "data", None))
            if fields:
                finish = getattr(job, "estimated_finish", None)
                if finish:
                    fields["eta_s"] = max(0.0, float(finish) - time.time())
                self.emit("metric", event_id=event.id, **fields)
                if self.tracker is not None and "step" in fields:
                    self.tracker.log(trainer_keys(fields), step=fields["step"])
                return
        self.emit("log", message=message, level=level, event_id=event.id, source=self.backend)

    def _checkpoints(self) -> None:
        page = self.client.fine_tuning.jobs.checkpoints.list(self.remote_id, limit=10)
        for ckpt in sorted(page.data or [], key=lambda c: c.step_number):
            if ckpt.id in self.state.seen_checkpoints:
                continue
            self.state.seen_checkpoints.add(ckpt.id)
            entry = {"id": ckpt.id, "step": ckpt.step_number, "model": ckpt.fine_tuned_model_checkpoint}
            self.state.checkpoints.append(entry)
            self.emit("log", level="info", message=t("hosted.watch.checkpoint", step=ckpt.step_number,
                                                     model=ckpt.fine_tuned_model_checkpoint),
                      checkpoint_id=ckpt.id, checkpoint_step=ckpt.step_number,
                      checkpoint_model=ckpt.fine_tuned_model_checkpoint)

    def _status(self, remote: str) -> None:
        remote = str(remote)
        if remote == self.state.remote_status:
            return
        self.state.remote_status = remote
        lab_status = lab_status_for(remote)
        if remote not in KNOWN_STATUSES and remote not in self.unknown_reported:
            self.unknown_reported.add(remote)
            self.emit("log", level="warning", message=t("hosted.watch.unknown_status", status=remote))
        self.emit("status", status=lab_status, remote_status=remote)
        if self.on_status:
            self.on_status(lab_status, remote)

    # ------------------------------------------------------------------ the loop
    def run(self) -> Any:
        """Poll until a terminal status (or paused, when the caller stops there). Returns the final
        remote job; raises ProviderError for a failed job or a non-transient API error."""
        outage_since: float | None = None
        delay = self.settings.backoff_s
        while True:
            try:
                job = self.poll_once()
            except Exception as exc:  # noqa: BLE001 - sorted below: transient or not
                if not is_transient(exc):
                    raise to_provider_error(exc, backend=self.backend, model=self.model,
                                            secrets=self.secrets, action="watch") from None
                now = self.clock()
                if outage_since is None:
                    outage_since = now
                    err = to_provider_error(exc, backend=self.backend, model=self.model, secrets=self.secrets)
                    self.emit("log", level="warning", message=t("hosted.watch.backing_off",
                                                                reason=err.message(), seconds=round(delay, 1)))
                elif now - outage_since > self.settings.max_outage_s:
                    raise ProviderError("hosted.errors.lost_contact", "hosted.errors.lost_contact_hint",
                                        minutes=round((now - outage_since) / 60)) from None
                self.sleep(delay)
                delay = min(delay * 2, self.settings.max_backoff_s)
                continue
            if outage_since is not None:
                self.emit("log", level="info", message=t("hosted.watch.reconnected"))
                outage_since, delay = None, self.settings.backoff_s
            if job.status in TERMINAL or job.status == "paused":
                return job
            self.sleep(self.settings.poll_s)

    def failure(self) -> ProviderError:
        return job_failure(getattr(self.job, "error", None), backend=self.backend, model=self.model,
                           secrets=self.secrets)


def restart_env(backend: str) -> dict | None:
    """Environment for a watcher restarted without a user: credentials from this process's
    environment or .env (never from storage: typed keys were never written). None without a key."""
    try:
        return resolve_credentials(backend).env(backend)
    except UnavailableError:
        return None


def lab_status_for(remote: str) -> str:
    """The registry status for a remote status. Never "queued" (that means 'waiting for a lab
    lane' to the engine): a job queued at OpenAI is running as far as the lab is concerned."""
    if remote in TERMINAL or remote in ("paused", "validating_files"):
        return remote
    return "running"


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
    if looks_like_moderation(code, message):
        return ProviderError("hosted.errors.moderation", "hosted.errors.moderation_hint", **params)
    if param in {"training_file", "validation_file"} or "file" in code:
        return ProviderError("hosted.errors.file_validation", "hosted.errors.file_hint", **params)
    return ProviderError("hosted.errors.job_failed", "hosted.errors.job_failed_hint", **params)
