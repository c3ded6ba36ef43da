"""LoRA's trainable parameters for the embedded model, counted by peft itself, and what they save.

peft wraps the model's architecture (built from its config.json on PyTorch's "meta" device:
shapes without weights, since counting needs only shapes) at each rank and target-module choice,
and get_nb_trainable_parameters() reports (trainable, total). A full grid takes ~20 s on 2 cores,
so it is cached in LAB_HOME/concepts/lora_params.json per (model, peft version): computed once per
machine, the concepts page then renders from the file.

Memory, weights and optimizer only (activations come on top and depend on the batch):
  full fine-tuning, fp32 + AdamW: 4 B weights + 4 B gradients + 8 B Adam moments = 16 B per parameter
  LoRA: 4 B per frozen weight + 16 B per trainable adapter parameter
"""
from __future__ import annotations

import json
from importlib.metadata import version
from typing import Callable

from core.atomic import write_text
from core.paths import subdir

RANKS = (4, 8, 16, 32, 64)
TARGETS = {  # choice id -> peft target_modules (Llama-style module names, as in SmolLM2)
    "attention_qv": ["q_proj", "v_proj"],                       # the LoRA paper's choice
    "attention_all": ["q_proj", "k_proj", "v_proj", "o_proj"],
    "mlp": ["gate_proj", "up_proj", "down_proj"],
    "all_linear": "all-linear",                                 # what the lab's trainer uses
}
BYTES_FULL = 16      # fp32 weight + gradient + two AdamW moments
BYTES_FROZEN = 4     # fp32 weight, no gradient, no optimizer state


def cache_file():
    return subdir("concepts") / "lora_params.json"


def _key(model: str) -> str:
    return f"{model}|peft {version('peft')}"


def cached_grid(model: str = "embedded") -> list[dict] | None:
    """The cached rows for this model and peft version, or None (never computes)."""
    path = cache_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    rows = data.get(_key(model)) if isinstance(data, dict) else None
    return rows if isinstance(rows, list) and rows else None


def _meta_model(model: str):
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from core.models import resolve_model

    config = AutoConfig.from_pretrained(resolve_model(model))
    with torch.device("meta"):
        return AutoModelForCausalLM.from_config(config)


def memory_bytes(base_params: int, trainable: int) -> dict:
    """Weights + optimizer bytes of full fine-tuning vs LoRA (see the module docstring)."""
    full = BYTES_FULL * base_params
    lora = BYTES_FROZEN * base_params + BYTES_FULL * trainable
    return {"full_bytes": full, "lora_bytes": lora, "saved_share": 1 - lora / full}


def compute_grid(model: str = "embedded", ranks=RANKS, targets: dict | None = None,
                 progress: Callable[[float], None] | None = None, cache: bool = True) -> list[dict]:
    """[{"rank", "targets", "trainable", "total", "base", "share", "full_bytes", "lora_bytes",
    "saved_share"}] counted by peft, then cached (cache=True: stored for this model in the file)."""
    from peft import LoraConfig, get_peft_model

    targets = targets or TARGETS
    base_model = _meta_model(model)
    base = sum(p.numel() for p in base_model.parameters())
    rows, done, todo = [], 0, len(ranks) * len(targets)
    for rank in ranks:
        for choice, modules in targets.items():
            wrapped = get_peft_model(base_model, LoraConfig(r=rank, lora_alpha=2 * rank, target_modules=modules,
                                                            task_type="CAUSAL_LM"))
            trainable, total = wrapped.get_nb_trainable_parameters()
            base_model = wrapped.unload()              # back to the plain model for the next choice
            rows.append({"rank": rank, "targets": choice, "trainable": int(trainable), "total": int(total),
                         "base": int(base), "share": trainable / total, **memory_bytes(base, trainable)})
            done += 1
            if progress:
                progress(done / todo)
    if cache:
        store(model, rows)
    return rows


def store(model: str, rows: list[dict]) -> None:
    path = cache_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data = data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        data = {}
    data[_key(model)] = rows
    write_text(path, json.dumps(data, indent=1))
