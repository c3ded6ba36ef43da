"""LoRA vs full fine-tuning (issue 12 §2), with the real trainer on CPU: two tiny runs of the same data
through the job engine, an evaluation of both, then the comparison (core, CLI, page).

- full: every weight of the saved model differs from the base (layer norms and embeddings included);
- lora: the saved adapter holds only LoRA matrices (the base is untouched) and they moved from init;
- the comparison's numbers are the runs' own (trainable parameters = peft's count = the estimate's).
"""
from __future__ import annotations

import json

import pytest
import torch

from core.evaluation import job as eval_job
from core.evaluation.run import EvalConfig
from core.jobs import registry, runner
from core.training.config import LocalTrainConfig
from tests.train.helpers import tiny_params, wait_for, write_tiny_dataset

pytestmark = pytest.mark.slow


def _finished(job_id: str):
    job = registry.get_job(job_id)
    return job if job.finished else None


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """(full job, lora job, eval job): 2 optimizer steps each, no validation split, one shared LAB_HOME."""
    home = tmp_path_factory.mktemp("lab_home")
    patch = pytest.MonkeyPatch()
    patch.setenv("LAB_HOME", str(home))
    dataset = write_tiny_dataset(home / "tiny.jsonl", n=8)
    common = {"max_steps": 2, "val_fraction": 0.0, "learning_rate": 1e-4, "save_steps": 100}
    full = runner.submit("local", {**tiny_params(dataset, method="full", **common), "name": "full"}, lane="cpu")
    lora = runner.submit("local", {**tiny_params(dataset, **common), "name": "lora"}, lane="cpu")
    full = wait_for(lambda: _finished(full.id), timeout=600, what="the full run")
    lora = wait_for(lambda: _finished(lora.id), timeout=600, what="the LoRA run")
    assert full.status == "succeeded", full.error
    assert lora.status == "succeeded", lora.error
    config = EvalConfig(data=str(dataset), contestants=[f"run:{full.id}", f"run:{lora.id}"], limit=2,
                        max_tokens=4, metrics=["chrf"])
    evaluation = eval_job.submit(config)
    evaluation = wait_for(lambda: _finished(evaluation.id), timeout=600, what="the evaluation")
    assert evaluation.status == "succeeded", evaluation.error
    yield full, lora, evaluation, home
    patch.undo()


@pytest.fixture(autouse=True)
def shared_home(runs, monkeypatch):
    """conftest gives every test a fresh LAB_HOME: point these back at the one holding the runs."""
    monkeypatch.setenv("LAB_HOME", str(runs[3]))


def test_full_run_changes_every_weight(runs, embedded_model):
    from safetensors.torch import load_file

    full, _, _, _ = runs
    saved = load_file(str(full.run_dir / "adapter" / "model.safetensors"))
    base = dict(embedded_model[0].named_parameters())
    assert len(saved) >= 200  # the whole model, not an adapter
    unchanged = [name for name, tensor in saved.items() if name in base and torch.equal(tensor, base[name].detach())]
    compared = [name for name in saved if name in base]
    assert len(compared) >= 200 and not unchanged  # norms, embeddings, every projection moved
    assert not torch.equal(saved["model.norm.weight"], base["model.norm.weight"].detach())
    assert full.result["method"] == "full" and full.result["trainable_params"] == full.result["total_params"]


def test_lora_run_changes_only_adapter_weights(runs, embedded_model):
    from safetensors.torch import load_file

    _, lora, _, _ = runs
    folder = lora.run_dir / "adapter"
    saved = load_file(str(folder / "adapter_model.safetensors"))
    assert saved and all(".lora_A." in name or ".lora_B." in name for name in saved)
    assert not (folder / "model.safetensors").exists()
    moved = [name for name, tensor in saved.items() if ".lora_B." in name and tensor.abs().sum() > 0]
    assert len(moved) == len([n for n in saved if ".lora_B." in n])  # B starts at zero: every one trained
    assert json.loads((folder / "adapter_config.json").read_text())["r"] == 8


def test_estimate_counts_the_trainable_parameters_the_run_had(runs):
    from core.training.estimate import lora_params

    _, lora, _, _ = runs
    cfg = LocalTrainConfig.from_dict(lora.params)
    assert lora_params(cfg) == lora.result["trainable_params"]  # r x (in + out) per targeted Linear = peft's count
    assert lora.result["trainable_params"] < 0.05 * lora.result["total_params"]


def test_comparison_numbers_and_cli(runs, capsys):
    from core.training.compare_runs import compare_runs, table
    from lab.cli import main

    full, lora, evaluation, _ = runs
    comparison = compare_runs(full.id, lora.id)
    a, b = comparison["runs"]
    assert (a["method"], b["method"]) == ("full", "lora")
    assert a["trainable_params"] == full.result["trainable_params"] > 25 * b["trainable_params"]
    assert a["trainable_percent"] == 100.0 and 0 < b["trainable_percent"] < 5
    assert a["size_on_disk_mb"] > 10 * b["size_on_disk_mb"] > 0  # ~520 MB model vs a ~10 MB adapter
    assert a["peak_memory_mb"] > b["peak_memory_mb"] > 0  # gradients + Adam state for every weight
    assert comparison["ratios"]["trainable_params"] == round(a["trainable_params"] / b["trainable_params"], 3)
    shared = comparison["evaluation"]
    assert shared["shared"] and shared["eval_ids"] == [evaluation.id]
    results = eval_job.load_results(evaluation.id)
    chrf = {c["spec"]: c["metrics"]["chrf"]["mean"] for c in results["contestants"]}
    rows = {row["metric"]: row for row in table(comparison) if "metric" in row}
    assert rows["chrf"]["a"] == chrf[f"run:{full.id}"] and rows["chrf"]["b"] == chrf[f"run:{lora.id}"]

    assert main(["runs", "compare", full.id, lora.id, "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [run["id"] for run in printed["runs"]] == [full.id, lora.id]
    assert main(["runs", "compare", full.id, full.id]) == 2  # the same run twice: a message, exit 2
    assert "run" in capsys.readouterr().err.lower()


def test_training_page_shows_the_comparison_in_portuguese(runs):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    full, lora, _, _ = runs
    page = str(Path(__file__).resolve().parent.parent / "lab" / "train_page.py")
    at = AppTest.from_file(page, default_timeout=180)
    at.session_state["lang"] = "pt-BR"
    at.session_state["train_dataset"] = "__upload__"  # no file picked: the form waits, the sections below render
    at.run()
    assert not at.exception
    at.selectbox(key="compare_run_a").select(full.id)
    at.selectbox(key="compare_run_b").select(lora.id)
    from core.i18n import set_language

    set_language("pt-BR")  # AppTest re-formats widget values (format_func -> t()) in this thread: same language
    at.run()
    assert not at.exception
    tables = [frame.value for frame in at.dataframe]
    costs = next(f for f in tables if "Parâmetros treináveis" in f.iloc[:, 0].astype(str).tolist())
    assert costs.shape[1] == 4  # what, A, B, A / B: the table speaks the reader's language
    assert any(f.shape[0] == 1 and "chrF" in str(f.iloc[0, 0]) for f in tables)  # the shared evaluation's metric
    assert any("treina 100,00 %" in m.value for m in at.markdown)  # pt-BR numbers in the summary sentence
    assert at.selectbox(key="train_f_method").options  # the method is a form field like the others
