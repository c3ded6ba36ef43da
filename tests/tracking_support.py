"""Helpers for the experiment-tracking tests: read what TensorBoard and MLflow stored with their own
readers (EventAccumulator, MlflowClient), and keep the tracker variables a run sets out of other tests."""
from __future__ import annotations

from pathlib import Path

import pytest

from core.training import tracking


@pytest.fixture
def tracker_env(monkeypatch):
    """The variables the trackers read, unset now and put back after the test (a run in this process
    sets them while it trains)."""
    for name in tracking.ENV_VARS + tracking.SECRET_VARS + ("WANDB_API_KEY",):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def tensorboard_scalars(logdir: str | Path) -> dict[str, list[tuple[int, float]]]:
    """tag -> [(step, value)] as TensorBoard itself reads the event files."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(logdir))
    accumulator.Reload()
    return {tag: [(event.step, event.value) for event in accumulator.Scalars(tag)]
            for tag in accumulator.Tags()["scalars"]}


def mlflow_client():
    """An MlflowClient on the lab's default store (LAB_HOME/mlruns)."""
    import os

    from mlflow.tracking import MlflowClient

    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"  # tracker_env puts it back
    return MlflowClient(tracking.mlflow_uri())


def mlflow_history(client, run_id: str, key: str) -> list[tuple[int, float]]:
    return sorted((metric.step, metric.value) for metric in client.get_metric_history(run_id, key))
