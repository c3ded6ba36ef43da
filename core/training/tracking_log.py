"""Metrics of runs without a Trainer (hosted jobs, evaluations) to the chosen trackers, through each
library's own API: torch.utils.tensorboard's SummaryWriter, MlflowClient, wandb.init / run.log,
trackio.init / log. Keys are the Trainer's ("loss", "eval_loss"; TensorBoard "train/loss" by
transformers' own rewrite_logs), so a hosted job plots next to a local run. Like the Trainer side
(core/training/tracking.py), a tracker that fails is dropped with a warning and the run goes on.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Iterable

from core.i18n import t
from core.training.tracking import (PROJECT, Env, Warn, describe, label, mlflow_run, parse, read_where,
                                    trackio_dir, wandb_settings, write_where)

# The lab's metric fields (core/jobs/events.py) -> the Trainer's log keys, for hosted jobs and evaluations.
TRAINER_KEYS = {"train_loss": "loss", "eval_loss": "eval_loss", "learning_rate": "learning_rate",
                "grad_norm": "grad_norm", "full_valid_loss": "eval_full_loss",
                "train_accuracy": "mean_token_accuracy", "valid_accuracy": "eval_mean_token_accuracy",
                "full_valid_accuracy": "eval_full_mean_token_accuracy"}


class _TensorBoardSink:
    def __init__(self, logdir: Path) -> None:
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(log_dir=str(logdir))

    def log(self, metrics: dict, step: int) -> None:
        from transformers.integrations.integration_utils import rewrite_logs

        for key, value in rewrite_logs(metrics).items():  # "loss" -> "train/loss", as the Trainer does
            self.writer.add_scalar(key, value, step)
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


class _MlflowSink:
    def __init__(self, env: Env, run_name: str, previous_id: str | None, tags: dict) -> None:
        self.client, self.run_id, self.where = mlflow_run(env, run_name, previous_id, tags)

    def log(self, metrics: dict, step: int) -> None:
        from mlflow.entities import Metric

        stamp = int(time.time() * 1000)
        self.client.log_batch(self.run_id, metrics=[Metric(key, float(value), stamp, step)
                                                    for key, value in metrics.items()])

    def close(self) -> None:
        self.client.set_terminated(self.run_id)


class _WandbSink:
    def __init__(self, run_dir: Path, run_name: str, previous: dict) -> None:
        import wandb

        self.where = wandb_settings(run_dir, previous)
        self.run = wandb.init(project=self.where["project"], name=run_name, dir=str(run_dir),
                              mode=self.where["mode"], id=self.where["run_id"], resume="allow",
                              reinit="create_new", settings=wandb.Settings(init_timeout=30))

    def log(self, metrics: dict, step: int) -> None:
        self.run.log(metrics, step=step)

    def close(self) -> None:
        self.run.finish()


class _TrackioSink:
    def __init__(self, env: Env, run_name: str) -> None:
        self.where = {"project": PROJECT, "dir": trackio_dir(env)}
        import trackio

        self.trackio = trackio
        trackio.init(project=PROJECT, name=run_name, resume="allow")

    def log(self, metrics: dict, step: int) -> None:
        self.trackio.log(metrics, step=step)

    def close(self) -> None:
        self.trackio.finish()


def trainer_keys(fields: dict) -> dict:
    """Lab metric fields (train_loss, eval_loss, ...) -> the Trainer's keys (loss, eval_loss, ...)."""
    return {TRAINER_KEYS[name]: float(value) for name, value in fields.items()
            if name in TRAINER_KEYS and isinstance(value, (int, float)) and not isinstance(value, bool)}


class RunLogger:
    """Metrics of a run without a Trainer (hosted job, evaluation) to the chosen trackers, with each
    library's own API. `subdir` separates runs that share a folder (one per evaluation contestant);
    `resume` reuses the MLflow / W&B run recorded in tracking.json (a watcher that restarted);
    `record` writes where the metrics go to tracking.json."""

    def __init__(self, names: Iterable[str], run_dir: str | Path, run_name: str, warn: Warn,
                 subdir: str = "", tags: dict | None = None, resume: bool = True, record: bool = True) -> None:
        self.run_dir, self.warn, self.env = Path(run_dir), warn, Env()
        self.sinks: dict[str, Any] = {}
        self.where: dict[str, dict] = {}
        previous = read_where(self.run_dir) if resume else {}
        for name in parse(names):
            try:
                if name == "tensorboard":
                    logdir = self.run_dir / "tensorboard" / subdir if subdir else self.run_dir / "tensorboard"
                    sink = _TensorBoardSink(logdir)
                    where = {"logdir": str(self.run_dir / "tensorboard")}
                elif name == "mlflow":
                    sink = _MlflowSink(self.env, run_name, (previous.get("mlflow") or {}).get("run_id"),
                                       {"lab.run_dir": str(self.run_dir), **(tags or {})})
                    where = sink.where
                elif name == "wandb":
                    sink = _WandbSink(self.run_dir, run_name, previous.get("wandb") or {})
                    where = sink.where
                elif name == "trackio":
                    sink = _TrackioSink(self.env, run_name)
                    where = sink.where
                else:
                    raise ValueError(name)
            except Exception as exc:  # noqa: BLE001 - this tracker is dropped; the run goes on
                warn(name, describe(exc))
                continue
            self.sinks[name], self.where[name] = sink, where
        if record:
            write_where(self.run_dir, self.where)

    def _each(self, action: Callable[[Any], None]) -> None:
        for name, sink in list(self.sinks.items()):
            try:
                action(sink)
            except Exception as exc:  # noqa: BLE001
                self.sinks.pop(name)
                self.warn(name, describe(exc))

    def log(self, metrics: dict, step: int) -> None:
        """Trainer-style keys ("loss", "eval_loss", "eval_chrf"...) at a step."""
        if metrics:
            self._each(lambda sink: sink.log(metrics, step))

    def close(self) -> None:
        self._each(lambda sink: sink.close())
        self.sinks.clear()
        self.env.restore()


def engine_warn(emit: Callable[..., Any]) -> Warn:
    """A Warn for the job engine's emit(kind, **fields): a warning log event in the reader's language."""
    def warn(name: str, reason: str) -> None:
        params = {"tracker": label(name), "reason": reason}
        emit("log", level="warning", message=t("train.log_tracker_failed", "en", **params),
             key="train.log_tracker_failed", params=params)
    return warn


def log_groups(names: Iterable[str], run_dir: str | Path, run_name: str, groups: dict[str, dict], warn: Warn,
               step: int = 0) -> dict:
    """One tracker run per group (an evaluation's contestants): TensorBoard subfolders of one logdir,
    one MLflow run each (tagged with the group's name). Returns and records where they went."""
    where: dict[str, dict] = {}
    failed: set[str] = set()

    def note(name: str, reason: str) -> None:  # one warning per tracker, not one per group
        if name not in failed:
            failed.add(name)
            warn(name, reason)

    for group, metrics in groups.items():
        chosen = [name for name in parse(names) if name not in failed]
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in group)
        logger = RunLogger(chosen, run_dir, f"{run_name} · {group}", note, subdir=safe, tags={"lab.group": group},
                           resume=False, record=False)
        logger.log(metrics, step)
        logger.close()
        for name, info in logger.where.items():
            entry = where.setdefault(name, dict(info))
            if "run_id" in info:
                entry.setdefault("run_ids", []).append(info["run_id"])
                entry.pop("run_id", None)
    write_where(run_dir, where)
    return where
