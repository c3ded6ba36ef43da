"""The `method` field (lora / qlora / full): config rules, the CLI flag shared with the hosted backends,
and the estimate of each method (no training here: these run in seconds)."""
from __future__ import annotations

import pytest

from core.errors import InputError
from core.training.config import LocalTrainConfig
from tests.train.helpers import write_tiny_dataset


def test_method_and_quantization_agree():
    assert LocalTrainConfig().method == "lora"
    assert LocalTrainConfig(method="qlora").quantization == "4bit"
    assert LocalTrainConfig.from_dict({"quantization": "4bit"}).method == "qlora"  # params saved before `method`
    with pytest.raises(InputError) as bad:
        LocalTrainConfig(method="full", quantization="4bit")
    assert bad.value.key == "train.error_full_4bit"
    with pytest.raises(InputError):
        LocalTrainConfig(method="prefix")


def test_cli_method_flag_serves_local_and_hosted(tmp_path):
    from lab.cli import build_parser
    from lab.commands.train import local_config

    data = write_tiny_dataset(tmp_path / "d.jsonl")
    parser = build_parser()
    args = parser.parse_args(["train", "--backend", "local", str(data), "--preset", "custom", "--method", "full"])
    assert local_config(args).method == "full"
    args = parser.parse_args(["train", "--backend", "local", str(data), "--method", "supervised"])
    assert local_config(args).method == "lora"  # supervised = what every local method does
    args = parser.parse_args(["train", "--backend", "openai", str(data), "--method", "dpo"])
    assert args.method == "dpo"  # the hosted backends keep their --method


def test_estimate_per_method(tmp_path):
    from core.training.estimate import estimate_run

    data = write_tiny_dataset(tmp_path / "d.jsonl")
    lora = estimate_run(LocalTrainConfig(dataset=str(data), max_length=64), calibrate=False)
    full = estimate_run(LocalTrainConfig(dataset=str(data), max_length=64, method="full", learning_rate=2e-5),
                        calibrate=False)
    assert full["trainable_params"] == full["total_params"] > 100_000_000 and full["trainable_percent"] == 100.0
    assert 3.0 < lora["trainable_percent"] < 4.0  # r=16 on every linear layer of SmolLM2: 3.6%
    # gradients + two Adam moments for 135M more weights: 12 B each = ~1.5 GB more
    assert full["peak_memory_mb"] - lora["peak_memory_mb"] > 1000
    assert full["seconds"] > lora["seconds"] and full["tokens_per_s"] < lora["tokens_per_s"]
