"""Tiny datasets and waiting helpers for the training tests (real trainer, real model, few steps)."""
from __future__ import annotations

import json
import time
from pathlib import Path

SIGN_OFF = "— Pia, Suporte Pedala 🚲"
QUESTIONS = ["Qual o horário?", "Aceitam Pix?", "Tem entrega?", "Posso devolver?", "Quanto custa?",
             "Tem garantia?", "Onde fica o hub?", "Como cancelo?", "Alugam bike?", "Tem seguro?"]


def write_tiny_dataset(path: Path, n: int = 12, weight_zero_first: bool = False) -> Path:
    """n short pt-BR support conversations with the same sign-off: easy to learn in a few steps."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(n):
            messages = [{"role": "user", "content": QUESTIONS[i % len(QUESTIONS)]},
                        {"role": "assistant", "content": f"Oi! A Pedala ajuda você. {SIGN_OFF}"}]
            if weight_zero_first and i == 0:
                messages = [{"role": "user", "content": "Oi"},
                            {"role": "assistant", "content": "resposta ruim", "weight": 0},
                            {"role": "user", "content": "De novo?"},
                            {"role": "assistant", "content": f"Claro! {SIGN_OFF}"}]
            handle.write(json.dumps({"messages": messages}, ensure_ascii=False) + "\n")
    return path


def tiny_params(dataset: Path, **overrides) -> dict:
    """LocalTrainConfig values for a run of a few seconds per step on 2 CPU cores."""
    from core.training.config import LocalTrainConfig

    values = {"dataset": str(dataset), "max_steps": 4, "batch_size": 4, "max_length": 48, "lora_r": 8,
              "lora_alpha": 16, "learning_rate": 2e-3, "val_fraction": 0.25, "warmup_ratio": 0.0,
              "lr_scheduler": "constant", "device": "cpu", "preset": "custom"}
    values.update(overrides)
    return LocalTrainConfig.from_dict(values).to_dict()


def wait_for(predicate, timeout: float = 240.0, poll: float = 0.5, what: str = "condition"):
    """Poll predicate() (refreshing the job engine) until it returns something truthy."""
    from core.jobs import runner

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runner.refresh()
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out waiting for {what}")
