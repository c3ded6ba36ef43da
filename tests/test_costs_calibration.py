"""A short real LoRA measurement of the embedded model, cached per (model, device, seq_len)."""
from __future__ import annotations

import json
import math

import pytest

from core.calibration import cache_path, cached_calibration, calibrate
from core.errors import InputError


@pytest.mark.slow
def test_calibration_measures_real_lora_steps_and_caches_them(embedded_model_path):
    steps_seen = []
    # One thread: the shared 2-core test machine is oversubscribed, where 2 spinning OpenMP threads crawl.
    result = calibrate("embedded", seq_len=32, steps=2, progress=steps_seen.append, threads=1)
    assert result["model"] == "SmolLM2-135M-Instruct" and result["device"] in ("cpu", "cuda", "mps")
    assert math.isfinite(result["tokens_per_s"]) and result["tokens_per_s"] > 0
    assert result["tokens_per_s_min"] <= result["tokens_per_s"] <= result["tokens_per_s_max"]
    assert result["threads"] == 1 and 1 <= result["steps"] <= 2 and steps_seen[-1] <= 1.0 and len(steps_seen) == result["steps"] + 1
    # LoRA r=16 on every linear layer of every decoder block (lm_head excluded by "all-linear"):
    # trainable = Σ r × (in + out) over q, k, v, o, gate, up, down.
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(embedded_model_path)
    h, inter = config.hidden_size, config.intermediate_size
    kv = config.num_key_value_heads * (h // config.num_attention_heads)
    per_layer = 16 * ((h + h) + (h + kv) * 2 + (h + h) + (h + inter) * 2 + (inter + h))
    assert result["trainable_parameters"] == per_layer * config.num_hidden_layers
    if result["device"] == "cpu":  # the float32 weights alone are 135M × 4 bytes ≈ 515 MB
        assert result["peak_memory_mb"] > 500
    # cached in LAB_HOME and found again; another seq_len is another entry
    stored = json.loads(cache_path().read_text())
    assert list(stored) == [f"SmolLM2-135M-Instruct|{result['device']}|32"]
    assert cached_calibration("embedded") == result
    assert cached_calibration("smollm2", seq_len=32) == result
    assert cached_calibration("embedded", seq_len=256) is None
    assert calibrate("embedded", seq_len=32, steps=2, use_cache=True) == result  # no second measurement


def test_calibration_arguments_are_checked_before_any_work():
    for seq_len, steps in ((0, 2), (10**6, 2), (32, 0), (32, 1000), ("64", 2)):
        with pytest.raises(InputError):
            calibrate("embedded", seq_len=seq_len, steps=steps)
    assert cached_calibration("embedded") is None


def test_a_damaged_cache_is_ignored(lab_home):
    (lab_home / "calibration.json").write_text("{not json")
    assert cached_calibration("embedded") is None
