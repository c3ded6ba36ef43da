"""Before starting a local run: how long and how much memory, for this machine.

Tokens come from tokenizing exactly the conversations the run will train on (the same split and
cap, core.training.data.training_conversations); tokens/s from core.costs.local.training_speed
(a calibration measured here, else a matmul micro-benchmark), the Cost Calculator's source too.
"""
from __future__ import annotations

import math

from core.costs.local import param_count, training_speed
from core.models import load_tokenizer
from core.training.config import LocalTrainConfig
from core.training.data import tokenize_all, training_conversations

STARTUP_S = 15.0  # imports, model load, first evaluation


def estimate_run(cfg: LocalTrainConfig, calibrate: bool = True) -> dict:
    """{"train_examples", "tokens_per_epoch", "steps", "total_tokens", "tokens_per_s", "seconds",
    "peak_memory_mb", "source": "calibration" | "matmul", "truncated"}."""
    tokenizer = load_tokenizer(cfg.model)
    train_convs, _ = training_conversations(cfg)
    examples, stats = tokenize_all(tokenizer, train_convs, cfg.max_length)
    n_train = len(examples)
    tokens_per_epoch = stats["tokens"]
    steps_per_epoch = max(1, math.ceil(n_train / (cfg.batch_size * cfg.num_processes)) // cfg.grad_accum)
    steps = cfg.max_steps or max(1, math.ceil(steps_per_epoch * cfg.epochs))
    total_tokens = tokens_per_epoch * steps / steps_per_epoch if steps_per_epoch else 0
    tokens_per_s, source, calibration = training_speed(cfg.model, min(cfg.max_length, 256), measure=calibrate)
    batch_tokens = tokens_per_epoch / max(1, n_train) * cfg.batch_size
    memory = _memory_mb(param_count(cfg.model), cfg, batch_tokens)
    if calibration and calibration.get("peak_memory_mb"):
        memory = max(memory, float(calibration["peak_memory_mb"]))
    return {"train_examples": n_train, "tokens_per_epoch": tokens_per_epoch, "steps": steps,
            "total_tokens": int(total_tokens), "tokens_per_s": round(tokens_per_s, 1),
            "seconds": round(STARTUP_S + total_tokens / max(1e-6, tokens_per_s)),
            "peak_memory_mb": round(memory), "source": source, "truncated": stats["truncated"]}




def _memory_mb(n_params: int, cfg: LocalTrainConfig, batch_tokens: float) -> float:
    """fp32 weights (4 B/param, or ~0.55 B for 4-bit) + LoRA params with Adam (16 B each) +
    activations kept for backward (~ 40 x hidden floats per token per layer: rough but safe)."""
    weight_bytes = n_params * (0.55 if cfg.quantization == "4bit" else 4)
    lora_params = n_params * 0.035 * cfg.lora_r / 16  # r=16 all-linear on SmolLM2 = 3.5%
    activations = batch_tokens * 30 * 40 * 576 * 4
    return (weight_bytes + lora_params * 16 + activations) / 1024**2 + 600  # + the Python process
