"""Before starting: how long and how much memory, for this machine.

Tokens come from tokenizing the actual (split, capped) training data with the model's template.
Speed comes from core.calibration.calibrate() when the cost module provides it (a short real
training measurement, cached in LAB_HOME); otherwise from a 0.3 s matmul micro-benchmark: a LoRA
step costs ~4 x params FLOPs per token (forward 2N + backward through frozen weights 2N, no weight
gradients), at about 55% of the matmul rate (bench/bench_train.py measures 58-66% for the lab).
"""
from __future__ import annotations

import math
import time
from functools import lru_cache

from core.training.config import LocalTrainConfig

EFFICIENCY = 0.55  # useful / matmul FLOP/s of the lab trainer on CPU (bench/bench_train.py: 58-66%)
STARTUP_S = 15.0  # imports, model load, first evaluation


@lru_cache(maxsize=4)
def matmul_flops(size: int = 512, repeats: int = 6) -> float:
    """FLOP/s of a float32 matmul on this machine (all threads torch uses)."""
    import torch

    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b  # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * size**3 * repeats / max(1e-9, time.perf_counter() - start)


def _calibration(model: str, seq_len: int) -> dict | None:
    try:
        from core.calibration import calibrate  # written by the cost colleague
    except ImportError:
        return None
    try:
        # a cached measurement of this model on this machine is good enough
        return calibrate(model=model, seq_len=seq_len, steps=3, use_cache=True)
    except Exception:  # noqa: BLE001 - an estimate must never block training
        return None


def estimate(cfg: LocalTrainConfig, calibrate: bool = True) -> dict:
    """{"train_examples", "tokens_per_epoch", "steps", "total_tokens", "tokens_per_s", "seconds",
    "peak_memory_mb", "source": "calibration" | "matmul"}."""
    from core.models import load_tokenizer
    from core.training.data import tokenize_all, training_conversations

    tokenizer = load_tokenizer(cfg.model)
    train_convs, _ = training_conversations(cfg)
    examples, stats = tokenize_all(tokenizer, train_convs, cfg.max_length)
    n_train = len(examples)
    tokens_per_epoch = stats["tokens"]
    steps_per_epoch = max(1, math.ceil(n_train / (cfg.batch_size * cfg.num_processes)) // cfg.grad_accum)
    steps = cfg.max_steps or max(1, math.ceil(steps_per_epoch * cfg.epochs))
    total_tokens = tokens_per_epoch * steps / steps_per_epoch if steps_per_epoch else 0
    n_params = _param_count(cfg.model)
    calibration = _calibration(cfg.model, min(cfg.max_length, 256)) if calibrate else None
    if calibration and calibration.get("tokens_per_s"):
        tokens_per_s = float(calibration["tokens_per_s"])
        source = "calibration"
    else:
        tokens_per_s = matmul_flops() * EFFICIENCY / (4 * n_params)
        source = "matmul"
    batch_tokens = tokens_per_epoch / max(1, n_train) * cfg.batch_size
    memory = _memory_mb(n_params, cfg, batch_tokens)
    if calibration and calibration.get("peak_memory_mb"):
        memory = max(memory, float(calibration["peak_memory_mb"]))
    return {"train_examples": n_train, "tokens_per_epoch": tokens_per_epoch, "steps": steps,
            "total_tokens": int(total_tokens), "tokens_per_s": round(tokens_per_s, 1),
            "seconds": round(STARTUP_S + total_tokens / max(1e-6, tokens_per_s)),
            "peak_memory_mb": round(memory), "source": source, "truncated": stats["truncated"]}


@lru_cache(maxsize=8)
def _param_count(model: str) -> int:
    """Parameters from config.json without loading weights (embedded: 135M)."""
    import json
    from pathlib import Path

    from core.models import resolve_model

    try:
        config = json.loads((Path(resolve_model(model)) / "config.json").read_text())
    except (OSError, ValueError):
        return 135_000_000
    hidden, layers = config.get("hidden_size", 576), config.get("num_hidden_layers", 30)
    inter, vocab = config.get("intermediate_size", 4 * hidden), config.get("vocab_size", 49152)
    heads, kv = config.get("num_attention_heads", 9), config.get("num_key_value_heads", 3)
    head_dim = config.get("head_dim", hidden // heads)
    attn = hidden * head_dim * (2 * heads + 2 * kv)  # q, o full; k, v grouped
    return layers * (attn + 3 * hidden * inter) + vocab * hidden


def _memory_mb(n_params: int, cfg: LocalTrainConfig, batch_tokens: float) -> float:
    """fp32 weights (4 B/param, or ~0.55 B for 4-bit) + LoRA params with Adam (16 B each) +
    activations kept for backward (~ 40 x hidden floats per token per layer: rough but safe)."""
    weight_bytes = n_params * (0.55 if cfg.quantization == "4bit" else 4)
    lora_params = n_params * 0.035 * cfg.lora_r / 16  # r=16 all-linear on SmolLM2 = 3.5%
    activations = batch_tokens * 30 * 40 * 576 * 4
    return (weight_bytes + lora_params * 16 + activations) / 1024**2 + 600  # + the Python process
