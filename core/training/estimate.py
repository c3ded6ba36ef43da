"""Before starting a local run: how long and how much memory, for this machine.

Tokens come from tokenizing exactly the conversations the run will train on (the same split and
cap, core.training.data.training_conversations); tokens/s from core.costs.local.training_speed
(a calibration measured here, else a matmul micro-benchmark), the Cost Calculator's source too.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from core.costs.local import param_count, training_speed
from core.errors import LabError
from core.models import load_tokenizer, resolve_model
from core.training.config import LocalTrainConfig, target_module_list
from core.training.data import tokenize_all, training_conversations

STARTUP_S = 15.0  # imports, model load, first evaluation


def estimate_run(cfg: LocalTrainConfig, calibrate: bool = True) -> dict:
    """{"train_examples", "tokens_per_epoch", "steps", "total_tokens", "tokens_per_s", "seconds",
    "peak_memory_mb", "source": "calibration" | "matmul", "truncated", "method", "trainable_params",
    "total_params", "trainable_percent"} for the chosen method (lora / qlora / full)."""
    tokenizer = load_tokenizer(cfg.model)
    train_convs, _ = training_conversations(cfg)
    examples, stats = tokenize_all(tokenizer, train_convs, cfg.max_length)
    n_train = len(examples)
    tokens_per_epoch = stats["tokens"]
    steps_per_epoch = max(1, math.ceil(n_train / (cfg.batch_size * cfg.num_processes)) // cfg.grad_accum)
    steps = cfg.max_steps or max(1, math.ceil(steps_per_epoch * cfg.epochs))
    total_tokens = tokens_per_epoch * steps / steps_per_epoch if steps_per_epoch else 0
    tokens_per_s, source, calibration = training_speed(cfg.model, min(cfg.max_length, 256), measure=calibrate)
    if cfg.method == "full":
        tokens_per_s /= FULL_SLOWDOWN
    batch_tokens = tokens_per_epoch / max(1, n_train) * cfg.batch_size
    total_params = param_count(cfg.model)
    trainable = total_params if cfg.method == "full" else lora_params(cfg)
    memory = _memory_mb(total_params, trainable, cfg, batch_tokens)
    if calibration and calibration.get("peak_memory_mb") and cfg.method != "full":  # calibrated on LoRA
        memory = max(memory, float(calibration["peak_memory_mb"]))
    return {"train_examples": n_train, "tokens_per_epoch": tokens_per_epoch, "steps": steps,
            "total_tokens": int(total_tokens), "tokens_per_s": round(tokens_per_s, 1),
            "seconds": round(STARTUP_S + total_tokens / max(1e-6, tokens_per_s)),
            "peak_memory_mb": round(memory), "source": source, "truncated": stats["truncated"],
            "method": cfg.method, "trainable_params": int(trainable), "total_params": int(total_params),
            "trainable_percent": round(100 * trainable / max(1, total_params), 2)}


# Full fine-tuning computes weight gradients too: ~6 N FLOPs a token (forward 2N, backward 4N)
# against LoRA's ~4 N (the frozen weights need only input gradients), and the trainable output layer
# rules out the fused loss (core.training.loss): 6 / 4 = 1.5x slower, before Adam's per-step update.
FULL_SLOWDOWN = 1.5


def _linear_shapes(model: str) -> dict[str, tuple[int, int]] | None:
    """(in, out) features of each projection of one decoder layer, from config.json (Llama-style
    names: SmolLM2, Llama, Qwen, Mistral); None when the config is unreadable."""
    try:
        config = json.loads((Path(resolve_model(model)) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, LabError):
        return None
    hidden = config.get("hidden_size", 576)
    heads, kv = config.get("num_attention_heads", 9), config.get("num_key_value_heads", 3)
    head_dim = config.get("head_dim") or hidden // heads
    inter = config.get("intermediate_size", 4 * hidden)
    return {"layers": config.get("num_hidden_layers", 30),
            "q_proj": (hidden, heads * head_dim), "k_proj": (hidden, kv * head_dim), "v_proj": (hidden, kv * head_dim),
            "o_proj": (heads * head_dim, hidden), "gate_proj": (hidden, inter), "up_proj": (hidden, inter),
            "down_proj": (inter, hidden)}


def lora_params(cfg: LocalTrainConfig) -> int:
    """LoRA's trainable parameters: r x (in + out) for every targeted Linear of every layer (A is
    r x in, B is out x r). SmolLM2-135M, r=16, all-linear: 30 layers x 16 x 10,176 = 4.9M (3.6% of 134.5M)."""
    shapes = _linear_shapes(cfg.model)
    if shapes is None:
        return int(param_count(cfg.model) * 0.035 * cfg.lora_r / 16)  # r=16 all-linear on SmolLM2 = 3.5%
    targets = target_module_list(cfg.target_modules)
    names = [n for n in shapes if n != "layers"] if targets == "all-linear" else [n for n in targets if n in shapes]
    return shapes["layers"] * sum(cfg.lora_r * sum(shapes[name]) for name in names)


def _memory_mb(n_params: int, trainable: int, cfg: LocalTrainConfig, batch_tokens: float) -> float:
    """Weights (4 B/param in fp32, ~0.55 B in 4-bit) + each trainable parameter's gradient and two
    Adam moments (12 B more; full fine-tuning: 135M x 16 B = 2.2 GB) + activations kept for backward
    (~ 40 x hidden floats per token per layer: rough but safe) + the Python process."""
    weight_bytes = n_params * (0.55 if cfg.quantization == "4bit" else 4)
    extra = trainable * 12 if cfg.method == "full" else trainable * 16  # LoRA's own fp32 weights too
    activations = batch_tokens * 30 * 40 * 576 * 4
    return (weight_bytes + extra + activations) / 1024**2 + 600
