"""A short real CPU run of the trainer reporting to TensorBoard and MLflow (issue 17): what each
library reads back with its own reader matches events.jsonl, and a tracker that raises in the middle
of the run is dropped with a warning while the run goes on."""
from __future__ import annotations

import os

import pytest
from transformers import TrainerCallback

from core.jobs.events import read_all
from core.training import tracking
from core.training.config import LocalTrainConfig
from tests.tracking_support import mlflow_client, mlflow_history, tensorboard_scalars, tracker_env  # noqa: F401
from tests.train.helpers import tiny_params, write_tiny_dataset

pytestmark = pytest.mark.slow
pytest.importorskip("tensorboard")
pytest.importorskip("mlflow")


class Unreachable(TrainerCallback):
    """A tracker whose server is gone: it starts, then every log raises."""

    calls = 0

    def on_log(self, args, state, control, logs=None, **kwargs):
        Unreachable.calls += 1
        raise ConnectionError("tracker.example.com: connection refused")


def _approx(pairs):
    return [(step, pytest.approx(value, rel=1e-6)) for step, value in pairs]  # TensorBoard keeps float32


def test_a_real_run_reports_to_tensorboard_and_mlflow_and_outlives_a_failing_tracker(tmp_path, tracker_env):
    from transformers.integrations import integration_utils

    from core.training.train import train

    # The failing tracker takes trackio's slot (no trackio needed): its callback raises on every log.
    Unreachable.calls = 0
    tracker_env.setitem(integration_utils.INTEGRATION_TO_CALLBACK, "trackio", Unreachable)
    tracker_env.setitem(tracking.IMPORTS, "trackio", "json")
    dataset = write_tiny_dataset(tmp_path / "tiny.jsonl", n=8)
    # 3 steps, evaluations at 2 and (after training, as train() does when the last eval is not on the
    # last step) at 3; a linear schedule so the learning rate changes from step to step.
    cfg = LocalTrainConfig.from_dict(tiny_params(dataset, max_steps=3, eval_steps=2, save_steps=3, batch_size=2,
                                                 max_length=40, lr_scheduler="linear",
                                                 tracking="tensorboard,mlflow,trackio"))
    run_dir = tmp_path / "run"
    result = train(cfg, run_dir)
    assert result["steps"] == 3
    assert not [name for name in tracking.ENV_VARS if name in os.environ]  # the run put the environment back

    events = read_all(run_dir)
    train_rows = [(e["step"], e["train_loss"], e["learning_rate"]) for e in events if e.get("train_loss") is not None]
    eval_rows = [(e["step"], e["eval_loss"]) for e in events if e.get("eval_loss") is not None]
    assert [row[0] for row in train_rows] == [1, 2, 3] and [row[0] for row in eval_rows] == [2, 3]
    assert len({row[2] for row in train_rows}) == 3  # the learning rate really moved

    where = tracking.read_where(run_dir)
    assert set(where) == {"tensorboard", "mlflow", "trackio"}
    scalars = tensorboard_scalars(where["tensorboard"]["logdir"])
    assert scalars["train/loss"] == _approx([(s, loss) for s, loss, _ in train_rows])
    assert scalars["train/learning_rate"] == _approx([(s, lr) for s, _, lr in train_rows])
    assert scalars["eval/loss"] == _approx(eval_rows)

    client = mlflow_client()
    run = client.get_run(where["mlflow"]["run_id"])
    assert run.info.status == "FINISHED"  # ended after the last evaluation, not before it
    assert mlflow_history(client, run.info.run_id, "loss") == _approx([(s, loss) for s, loss, _ in train_rows])
    assert mlflow_history(client, run.info.run_id, "learning_rate") == _approx([(s, lr) for s, _, lr in train_rows])
    assert mlflow_history(client, run.info.run_id, "eval_loss") == _approx(eval_rows)
    experiment = client.get_experiment_by_name(tracking.PROJECT)
    assert len(client.search_runs([experiment.experiment_id])) == 1  # that last eval loss opened no new run

    warnings = [e for e in events if e.get("key") == "train.log_tracker_failed"]
    assert len(warnings) == 1 and Unreachable.calls == 1  # dropped at its first failure, said once
    assert warnings[0]["params"]["tracker"] == "Trackio" and "ConnectionError" in warnings[0]["params"]["reason"]
    assert warnings[0]["level"] == "warning"
    assert [e["key"] for e in events if e.get("key", "").startswith("train.tracking_where.")] == [
        "train.tracking_where.tensorboard", "train.tracking_where.mlflow", "train.tracking_where.trackio"]
