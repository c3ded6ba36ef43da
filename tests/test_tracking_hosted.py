"""Tracking through the parts other areas own (issue 17), end to end: a hosted job started from the CLI
with --track logs the provider's metrics to TensorBoard and MLflow from the engine's real worker, and
the launcher's command line carries the trackers."""
from __future__ import annotations

import pytest

from core.jobs import registry
from core.jobs.events import read_all
from core.training import tracking
from tests.hosted.fixtures import *  # noqa: F401,F403 - fixtures
from tests.hosted.fixtures import wait_for_job
from tests.tracking_support import mlflow_client, mlflow_history, tensorboard_scalars, tracker_env  # noqa: F401

pytestmark = pytest.mark.skipif(not (tracking.is_installed("tensorboard") and tracking.is_installed("mlflow")),
                                reason="pip install -r requirements-tracking.txt (tensorboard, mlflow-skinny)")


def test_a_hosted_job_from_the_cli_sends_the_providers_metrics_to_the_trackers(hosted_env, training_file,
                                                                               tracker_env, capsys):
    from lab.cli import main

    assert main(["train", "--backend", "openai", str(training_file), "--suffix", "pia",
                 "--track", "tensorboard,mlflow"]) == 0
    job = registry.get_job(capsys.readouterr().out.split()[-1])
    assert job.params["tracking"] == ["tensorboard", "mlflow"]
    done = wait_for_job(job.id, registry.TERMINAL, timeout=120)
    assert done.status == "succeeded", done.error
    metrics = [e for e in read_all(done.run_dir) if e["kind"] == "metric"]
    assert len(metrics) >= 3
    where = tracking.read_where(done.run_dir)
    scalars = tensorboard_scalars(where["tensorboard"]["logdir"])
    assert scalars["train/loss"] == [(m["step"], pytest.approx(m["train_loss"], rel=1e-6)) for m in metrics]
    client = mlflow_client()
    assert mlflow_history(client, where["mlflow"]["run_id"], "loss") == [(m["step"], m["train_loss"]) for m in metrics]
    assert client.get_run(where["mlflow"]["run_id"]).info.status == "FINISHED"


def test_the_launchers_command_line_carries_the_trackers(tmp_path):
    from core.training.config import LocalTrainConfig
    from core.training.launch import cli_command
    from lab.cli import build_parser
    from lab.commands.train import local_config

    cfg = LocalTrainConfig.from_preset("quick", dataset=str(tmp_path / "d.jsonl"), tracking="tensorboard,mlflow")
    line = cli_command(cfg)
    assert "--track tensorboard,mlflow" in line
    args = build_parser().parse_args(line.split()[3:])
    assert local_config(args).tracking == ("tensorboard", "mlflow")
