"""Experiment tracking without a training run (issue 17): which trackers are installed and how to get
the others, the one `tracking` field through config, CLI and saved params, hosted metrics and an
evaluation's summary logged with each library's own API and read back with its own reader, a tracker
that cannot reach its server, and where the runs table says to look."""
from __future__ import annotations

import json
import socket

import pytest

from core.errors import InputError, UnavailableError
from core.training import tracking
from core.training.config import LocalTrainConfig, field_specs
from core.training.tracking_log import RunLogger, trainer_keys
from tests.hosted.fixtures import fake_openai, hosted_env, openai_client  # noqa: F401 - fixtures
from tests.tracking_support import mlflow_client, mlflow_history, tensorboard_scalars, tracker_env  # noqa: F401
from tests.train.helpers import write_tiny_dataset

needs_trackers = pytest.mark.skipif(not (tracking.is_installed("tensorboard") and tracking.is_installed("mlflow")),
                                    reason="pip install -r requirements-tracking.txt (tensorboard, mlflow-skinny)")


def test_availability_lists_installed_trackers_and_how_to_install_the_others(monkeypatch):
    pins = {line.split("==")[0]: line for line in tracking.REQUIREMENTS.read_text().splitlines()
            if line and not line.startswith("#")}
    assert set(pins) == set(tracking.PACKAGES.values()) and all("==" in line for line in pins.values())
    monkeypatch.setitem(tracking.MODULES, "wandb", "no_such_module_for_the_lab")  # as if not installed
    assert "wandb" not in tracking.installed() and "wandb" in tracking.missing()
    assert set(tracking.installed()) | set(tracking.missing()) == set(tracking.TRACKERS)
    assert tracking.install_hint(["wandb", "mlflow"]) == f"pip install {pins['wandb']} {pins['mlflow-skinny']}"
    assert tracking.install_hint() == "pip install -r requirements-tracking.txt"
    with pytest.raises(UnavailableError) as err:
        tracking.require_installed(["wandb"])
    assert pins["wandb"] in err.value.message() and "Weights & Biases" in err.value.message()


def test_one_tracking_field_for_config_cli_and_saved_params(tmp_path, capsys):
    from lab.cli import build_parser, main
    from lab.commands.train import local_config

    cfg = LocalTrainConfig(tracking=" TensorBoard, mlflow,tensorboard ")
    assert cfg.tracking == ("tensorboard", "mlflow")
    saved = json.loads(json.dumps(cfg.to_dict()))
    assert saved["tracking"] == ["tensorboard", "mlflow"] and LocalTrainConfig.from_dict(saved) == cfg
    assert LocalTrainConfig().tracking == ()  # default: no tracker, nothing leaves the lab
    [spec] = [s for s in field_specs() if s["name"] == "tracking"]
    assert spec["choices"] == tracking.TRACKERS and spec["type"] == "tuple"
    with pytest.raises(InputError) as err:
        LocalTrainConfig(tracking="tensorboard,comet")
    assert "comet" in err.value.message() and "mlflow" in err.value.message()

    dataset = write_tiny_dataset(tmp_path / "tiny.jsonl")
    installed = tracking.installed()
    for flag in ("--track", "--tracking"):
        args = build_parser().parse_args(["train", str(dataset), flag, ",".join(installed)])
        assert local_config(args).tracking == tuple(installed)
    assert local_config(build_parser().parse_args(["train", str(dataset)])).tracking == ()
    assert main(["train", str(dataset), "--track", "comet"]) == 2
    assert "comet" in capsys.readouterr().err
    assert main(["train", "--help"]) == 0 and "--track NAMES" in capsys.readouterr().out


@needs_trackers
def test_hosted_metrics_reach_tensorboard_and_mlflow_as_the_provider_reported_them(tmp_path, tracker_env,
                                                                                  openai_client, hosted_env):
    import io

    from core.hosted.watch import Watcher, WatchSettings
    from tests.hosted.fake_openai import success_script

    run_dir = tmp_path / "hosted"
    hosted_env.script_next_job(success_script(steps=5))
    training = openai_client.files.create(file=("t.jsonl", io.BytesIO(b"{}\n")), purpose="fine-tune").id
    validation = openai_client.files.create(file=("v.jsonl", io.BytesIO(b"{}\n")), purpose="fine-tune").id
    remote = openai_client.fine_tuning.jobs.create(model="gpt-4o-mini-2024-07-18", training_file=training,
                                                   validation_file=validation)
    events: list[dict] = []
    warnings: list[tuple] = []
    logger = RunLogger(("tensorboard", "mlflow"), run_dir, "hosted-run", lambda *w: warnings.append(w))
    Watcher(openai_client, remote.id, lambda kind, **f: events.append({"kind": kind, **f}), tracker=logger,
            settings=WatchSettings(poll_s=0.0, backoff_s=0.01), sleep=lambda s: None).run()
    logger.close()
    assert not warnings
    metrics = [e for e in events if e["kind"] == "metric"]
    assert [m["step"] for m in metrics] == [1, 2, 3, 4, 5]
    where = tracking.read_where(run_dir)
    scalars = tensorboard_scalars(where["tensorboard"]["logdir"])
    assert scalars["train/loss"] == [(m["step"], pytest.approx(m["train_loss"], rel=1e-6)) for m in metrics]
    assert scalars["eval/loss"] == [(m["step"], pytest.approx(m["eval_loss"], rel=1e-6)) for m in metrics]
    assert scalars["eval/mean_token_accuracy"][-1][1] == pytest.approx(metrics[-1]["valid_accuracy"], rel=1e-6)
    client = mlflow_client()
    run_id = where["mlflow"]["run_id"]
    assert mlflow_history(client, run_id, "loss") == [(m["step"], m["train_loss"]) for m in metrics]
    assert mlflow_history(client, run_id, "eval_loss") == [(m["step"], m["eval_loss"]) for m in metrics]
    assert client.get_run(run_id).info.status == "FINISHED"
    # A watcher that restarts logs to the same MLflow run (no duplicate run for one job).
    again = RunLogger(("mlflow",), run_dir, "hosted-run", lambda *w: warnings.append(w))
    assert again.where["mlflow"]["run_id"] == run_id
    again.close()
    assert trainer_keys({"train_loss": 1.0, "step": 3, "eta_s": 9.0}) == {"loss": 1.0}


@needs_trackers
def test_a_tracker_that_cannot_reach_its_server_is_dropped_with_a_warning(tmp_path, tracker_env):
    from core.training.tracking_log import engine_warn

    with socket.socket() as probe:  # a port nobody listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    tracker_env.setenv("MLFLOW_TRACKING_URI", f"http://user:s3cret-pass@127.0.0.1:{port}")
    tracker_env.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    events: list[dict] = []
    emit = lambda kind, **fields: events.append({"kind": kind, **fields})  # noqa: E731
    logger = RunLogger(("mlflow", "tensorboard"), tmp_path / "run", "job", engine_warn(emit))
    logger.log({"loss": 1.5}, step=1)
    logger.close()
    assert list(logger.where) == ["tensorboard"]
    assert tensorboard_scalars(tmp_path / "run" / "tensorboard")["train/loss"] == [(1, 1.5)]
    [warning] = events
    assert warning["level"] == "warning" and warning["key"] == "train.log_tracker_failed"
    assert warning["params"]["tracker"] == "MLflow" and "s3cret-pass" not in json.dumps(warning)
    # The Trainer side drops it the same way, before training starts.
    said: list[tuple] = []
    setup = tracking.prepare_trainer(("mlflow", "tensorboard"), tmp_path / "local", "run-x", lambda *w: said.append(w))
    assert setup.report_to == ["tensorboard"] and said[0][0] == "mlflow"
    setup.close()


@needs_trackers
def test_an_evaluation_logs_each_contestants_means_one_tracker_run_each(tmp_path, tracker_env):
    from core.evaluation.dataset import EvalExample
    from core.evaluation.run import EvalConfig, summarise, track

    examples = [EvalExample(line=i, prompt=[{"role": "user", "content": f"Price {i}?"}],
                            reference="A day rental costs R$ 89.", facts=["R$ 89"]) for i in range(1, 5)]
    answers = {"base": {e.line: {"text": "It is $63.", "cost_usd": 0.0} for e in examples},
               "rag": {e.line: {"text": "It costs R$ 89.", "cost_usd": 0.001} for e in examples}}
    config = EvalConfig(data="demo", contestants=["base", "rag"], metrics=["chrf", "fact_recall"],
                        tracking="mlflow,tensorboard")
    config.validate()
    assert config.tracking == ["mlflow", "tensorboard"]
    results = summarise(config, examples, answers)
    where = track(config, results, tmp_path / "eval-run", lambda *w: pytest.fail(str(w)))
    client = mlflow_client()
    runs = {client.get_run(i).data.tags["lab.group"]: client.get_run(i) for i in where["mlflow"]["run_ids"]}
    assert set(runs) == {"base", "rag"}
    for contestant in results["contestants"]:
        metrics = runs[contestant["spec"]].data.metrics
        assert metrics["eval_fact_recall"] == contestant["metrics"]["fact_recall"]["mean"]
        assert metrics["eval_chrf"] == pytest.approx(contestant["metrics"]["chrf"]["mean"])
        board = tensorboard_scalars(tmp_path / "eval-run" / "tensorboard" / contestant["spec"])
        assert board["eval/chrf"] == [(0, pytest.approx(contestant["metrics"]["chrf"]["mean"], rel=1e-6))]
    assert runs["rag"].data.metrics["eval_fact_recall"] == 1.0 and runs["base"].data.metrics["eval_fact_recall"] == 0.0
    with pytest.raises(InputError):
        EvalConfig(contestants=["base"], tracking="comet").validate()


def test_the_runs_table_says_where_each_run_went():
    from components.run_monitor import _rows
    from core.jobs import registry
    from core.i18n import t

    job = registry.create_job("local", {"model": "embedded", "tracking": ["tensorboard", "mlflow"]},
                              lane="cpu", status="succeeded")
    plain = registry.create_job("local", {"model": "embedded"}, lane="cpu", status="succeeded")
    tracking.write_where(job.run_dir, {"tensorboard": {"logdir": str(job.run_dir / "tensorboard")},
                                       "mlflow": {"tracking_uri": "file:///x/mlruns", "experiment": tracking.PROJECT,
                                                  "run_id": "abc123"}})
    rows = {row[t("train.col_id")]: row for row in _rows([job, plain])}
    cell = rows[job.id][t("train.col_tracking")]
    assert str(job.run_dir / "tensorboard") in cell and "MLflow: abc123" in cell
    assert rows[plain.id][t("train.col_tracking")] == ""
    lines = tracking.where_lines(job.run_dir)
    assert f"tensorboard --logdir {job.run_dir / 'tensorboard'}" in lines[0] and "file:///x/mlruns" in lines[1]
    assert tracking.public_uri("https://me:pw@mlflow.example.com:5000/x") == "https://mlflow.example.com:5000/x"

