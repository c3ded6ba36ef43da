"""Local DPO (issue 12 §4): TRL's DPOTrainer with a peft LoRA adapter, on the OpenAI DPO file format.

Why this shape: DPO compares the policy's log-probabilities of the preferred and the rejected reply
with a frozen reference's. With a LoRA adapter the reference is the same module tree with the
adapter disabled (TRL does this when ref_model is None and the model is a peft model), so no second
copy of the base sits in memory. The file is the one the hosted path uploads ({"input":
{"messages"}, "preferred_output": [...], "non_preferred_output": [...]}), turned into TRL's
conversational preference rows (prompt / chosen / rejected message lists).

Metrics go to the run's events.jsonl like SFT's (train_loss, learning_rate, eta_s) plus DPO's own:
reward_margin (chosen − rejected), reward_chosen, reward_rejected and reward_accuracy — TRL's
"rewards/*" logs, where a reward is beta x (policy − reference) log-probability of a reply.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from core.errors import InputError
from core.training.data import iter_jsonl

DPO_BETA = 0.1  # TRL's default: how far the policy may drift from the reference per unit of reward
REWARD_KEYS = {"rewards/margins": "reward_margin", "rewards/chosen": "reward_chosen",
               "rewards/rejected": "reward_rejected", "rewards/accuracies": "reward_accuracy"}


def _reply(value, path: Path, number: int, field: str) -> list[dict]:
    if (not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], dict)
            or value[0].get("role") != "assistant" or not isinstance(value[0].get("content"), str)):
        raise InputError("methods.err_dpo_record", "methods.err_dpo_record_hint", path=path.name, line=number,
                         field=field)
    return [{"role": "assistant", "content": value[0]["content"]}]


def load_pairs(path: str | Path) -> list[dict]:
    """TRL rows {"prompt": [messages], "chosen": [reply], "rejected": [reply]} of a DPO JSONL file,
    every line checked (the error names the line and the field)."""
    path = Path(path)
    rows = []
    for number, record in iter_jsonl(path):
        messages = (record.get("input") or {}).get("messages") if isinstance(record.get("input"), dict) else None
        if not isinstance(messages, list) or not messages or not all(
                isinstance(m, dict) and isinstance(m.get("content"), str) and m.get("role") in ("system", "user", "assistant")
                for m in messages):
            raise InputError("methods.err_dpo_record", "methods.err_dpo_record_hint", path=path.name, line=number,
                             field="input.messages")
        rows.append({"prompt": [{"role": m["role"], "content": m["content"]} for m in messages],
                     "chosen": _reply(record.get("preferred_output"), path, number, "preferred_output"),
                     "rejected": _reply(record.get("non_preferred_output"), path, number, "non_preferred_output")})
    if not rows:
        raise InputError("methods.err_dpo_empty", "methods.err_dpo_record_hint", path=path.name, line=0, field="")
    return rows


def events_callback(emit):
    """A TrainerCallback writing DPO's logs as metric events (the monitor reads the same file)."""
    from transformers import TrainerCallback

    class DpoEvents(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            self.started, self.first = time.time(), state.global_step
            emit.log("train.log_started", total_steps=state.max_steps, step=state.global_step)

        def on_log(self, args, state, control, logs=None, **kwargs):
            logs = logs or {}
            if "loss" not in logs:
                return
            done = max(1, state.global_step - self.first)
            per_step = (time.time() - self.started) / done
            emit.metric(step=state.global_step, total_steps=state.max_steps, epoch=round(state.epoch or 0.0, 4),
                        train_loss=logs["loss"], learning_rate=logs.get("learning_rate"),
                        eta_s=round(per_step * max(0, state.max_steps - state.global_step), 1),
                        **{ours: logs[theirs] for theirs, ours in REWARD_KEYS.items() if theirs in logs})

    return DpoEvents()


def train_dpo(cfg, run_dir: Path, emit, plan: dict) -> dict:
    """One DPO run with a LoRA adapter; saves the adapter where SFT runs do; returns the result."""
    import dataclasses

    from datasets import Dataset
    from peft import LoraConfig
    from trl import DPOConfig, DPOTrainer

    from core.atomic import save_pretrained, write_text
    from core.models import display_name, load_tokenizer, resolve_model
    from core.training.config import target_module_list
    from core.training.train import ADAPTER, CHECKPOINTS, CONFIG, RESULT, load_base_model, peak_memory_mb

    started = time.time()
    pairs = load_pairs(cfg.dataset)
    if cfg.max_examples and len(pairs) > cfg.max_examples:
        pairs = pairs[:cfg.max_examples]
    emit.log("methods.log_dpo_data", pairs=len(pairs), beta=DPO_BETA)
    write_text(run_dir / CONFIG, json.dumps(cfg.to_dict(), indent=2, ensure_ascii=False))
    source = resolve_model(cfg.model)
    tokenizer = load_tokenizer(cfg.model)
    emit.log("train.log_loading_model", model=display_name(cfg.model))
    # TRL pads its own batches: plain sdpa attention, not the lab's packed-row kernel.
    model = load_base_model(dataclasses.replace(cfg, padding_free=False), source, {**plan, "method": "lora"})
    args = DPOConfig(
        output_dir=str(run_dir / CHECKPOINTS), per_device_train_batch_size=cfg.batch_size,
        gradient_accumulation_steps=cfg.grad_accum, learning_rate=cfg.learning_rate, num_train_epochs=cfg.epochs,
        max_steps=cfg.max_steps or -1, warmup_steps=cfg.warmup_ratio, lr_scheduler_type=cfg.lr_scheduler,
        weight_decay=cfg.weight_decay, logging_steps=1, save_strategy="no", seed=cfg.seed, beta=DPO_BETA,
        max_length=cfg.max_length, bf16=plan["precision"] == "bf16", fp16=plan["precision"] == "fp16",
        use_cpu=plan["device"] == "cpu", report_to=[], disable_tqdm=True, dataloader_num_workers=0,
        activation_checkpointing=False)  # TRL turns it on by default: recomputing a 135M model's activations only slows a CPU
    lora = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                      target_modules=target_module_list(cfg.target_modules), task_type="CAUSAL_LM")
    trainer = DPOTrainer(model=model, ref_model=None, args=args, train_dataset=Dataset.from_list(pairs),
                         processing_class=tokenizer, peft_config=lora, callbacks=[events_callback(emit)])
    if trainer.ref_model is None:  # TRL scores the reference with the adapter disabled: one model in memory
        emit.log("methods.log_dpo_reference")
    trainable, total = trainer.model.get_nb_trainable_parameters()
    emit.log("train.log_lora", trainable=f"{trainable:,}", total=f"{total:,}", percent=f"{100 * trainable / total:.2f}")
    output = trainer.train()
    history = [row for row in trainer.state.log_history if "loss" in row]
    last = history[-1] if history else {}
    result = {"adapter_dir": str(run_dir / ADAPTER), "base_model": cfg.model, "base_model_path": source,
              "base_model_name": display_name(cfg.model), "method": "dpo",
              "final_train_loss": last.get("loss", output.training_loss),
              "first_train_loss": history[0]["loss"] if history else None, "final_eval_loss": None,
              "reward_margin": last.get("rewards/margins"), "first_reward_margin": (history[0] if history else {}).get("rewards/margins"),
              "reward_accuracy": last.get("rewards/accuracies"), "steps": trainer.state.global_step,
              "train_examples": len(pairs), "val_examples": 0, "device": plan["device"],
              "precision": plan["precision"], "trainable_params": trainable, "total_params": total,
              "peak_memory_mb": peak_memory_mb(plan["device"]), "num_processes": 1,
              "runtime_s": round(time.time() - started, 1)}
    if trainer.is_world_process_zero():
        save_pretrained(run_dir / ADAPTER, trainer.model, tokenizer)
        write_text(run_dir / RESULT, json.dumps(result, indent=2, ensure_ascii=False))
        emit.log("train.log_saved", path=str(run_dir / ADAPTER))
    return result
