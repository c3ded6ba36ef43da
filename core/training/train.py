"""`python -m core.training.train --run-dir DIR`: one local fine-tuning run (LoRA, QLoRA or full).

Reads DIR/params.json (written by the job engine; its "params" hold a LocalTrainConfig), writes
events to DIR/events.jsonl, checkpoints to DIR/checkpoints/, the adapter (+ tokenizer) to
DIR/adapter — for method=full the whole model, in the same place — and the result (with trainable
parameters and peak memory, for core.training.compare_runs) to DIR/result.json. Running it again
on the same DIR resumes from the last checkpoint. Works alone or under `accelerate launch
--num_processes N [--cpu] -m core.training.train --run-dir DIR` (only the main process writes
events and files).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

from core.atomic import save_pretrained, write_text
from core.cpu_threads import CHOICE, choose_for_training
from core.errors import InputError, UnavailableError
from core.i18n import t
from core.jobs.events import append_event
from core.training.config import LocalTrainConfig, target_module_list
from core.training.data import tokenize_all, training_conversations

CHECKPOINTS, ADAPTER, RESULT, CONFIG = "checkpoints", "adapter", "result.json", "config.json"
FULL_LR_WARN = 1e-4  # full fine-tuning moves every weight: LoRA's 1e-3 wrecks a model, 1e-5..5e-5 is usual


def load_run_config(run_dir: Path) -> LocalTrainConfig:
    """params.json (engine) or config.json (a resolved config saved by an earlier attempt)."""
    for name in ("params.json", CONFIG):
        path = run_dir / name
        if path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            return LocalTrainConfig.from_dict(data.get("params", data))
    raise InputError("train.error_no_params", "train.error_no_params_hint", path=str(run_dir))


class Emitter:
    """Writes events only from the main process; log lines carry a catalogue key + params so the
    page shows them in the reader's language (message = English, for the CLI and for grep)."""

    def __init__(self, run_dir: Path, main_process: bool = True) -> None:
        self.run_dir, self.main = run_dir, main_process

    def log(self, key: str, level: str = "info", **params) -> None:
        if self.main:
            append_event(self.run_dir, "log", level=level, message=t(key, "en", **params), key=key,
                         params=params)

    def metric(self, **fields) -> None:
        if self.main:
            append_event(self.run_dir, "metric", **fields)


def plan_device(cfg: LocalTrainConfig) -> dict:
    """Which device and precision, and whether 4-bit is possible, said plainly."""
    import torch

    device = cfg.device
    if device == "auto":
        if torch.cuda.is_available():
            device = "cuda"
        elif getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            device = "mps"
        else:
            device = "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise UnavailableError("train.error_no_cuda", "train.error_no_cuda_hint")
    precision = cfg.precision
    if precision == "auto":
        if device == "cuda":
            precision = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        else:
            precision = "fp32"  # CPU/MPS: half precision training is slow or unsupported there
    if cfg.quantization == "4bit":
        if device != "cuda":
            raise UnavailableError("train.error_4bit_needs_cuda", "train.error_4bit_needs_cuda_hint")
        try:
            import bitsandbytes  # noqa: F401 - lazy: only QLoRA needs it
        except ImportError as exc:
            raise UnavailableError("train.error_bnb_missing", "train.error_bnb_missing_hint") from exc
    return {"device": device, "precision": precision, "method": cfg.method}  # qlora <=> 4bit (config)


def auto_steps(total_steps: int, cfg: LocalTrainConfig) -> dict:
    """Logging every step on small runs (so the chart is never empty), ~100 points on long ones;
    about 4 evaluations per run; a checkpoint every quarter of the run but not more often than
    every 5 steps (each one writes adapter + optimizer state: ~60 MB for r=16 on SmolLM2)."""
    return {
        "logging_steps": cfg.logging_steps or (1 if total_steps <= 200 else max(1, total_steps // 100)),
        "eval_steps": cfg.eval_steps or max(1, math.ceil(total_steps / 4)),
        "save_steps": cfg.save_steps or min(total_steps, max(5, math.ceil(total_steps / 4))),
    }


def prepare_data(cfg: LocalTrainConfig, tokenizer, run_dir: Path, emit: Emitter):
    train_convs, val_convs = training_conversations(cfg, run_dir / "data")
    train, train_stats = tokenize_all(tokenizer, train_convs, cfg.max_length)
    val, val_stats = tokenize_all(tokenizer, val_convs, cfg.max_length)
    if not train:
        raise InputError("train.error_nothing_to_train", "train.error_nothing_to_train_hint",
                         max_length=cfg.max_length)
    emit.log("train.log_data", train=len(train), val=len(val), tokens=train_stats["tokens"],
             trainable=train_stats["trainable_tokens"])
    if train_stats["truncated"] or train_stats["dropped_truncated"]:
        emit.log("train.log_truncated", level="warning", truncated=train_stats["truncated"],
                 dropped=train_stats["dropped_truncated"], max_length=cfg.max_length)
    return train, val


def load_base_model(cfg: LocalTrainConfig, source: str, plan: dict):
    import torch
    from transformers import AutoModelForCausalLM

    from core.training.packing import register_attention

    kwargs = {"dtype": {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[plan["precision"]]}
    if plan["precision"] == "fp16":
        kwargs["dtype"] = torch.float32  # fp16 AMP trains fp32 master weights
    kwargs["attn_implementation"] = register_attention() if cfg.padding_free else "sdpa"
    if plan["method"] == "qlora":
        from transformers import BitsAndBytesConfig

        compute = torch.bfloat16 if plan["precision"] == "bf16" else torch.float16
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=compute)
        kwargs["device_map"] = {"": int(os.environ.get("LOCAL_RANK", "0"))}
    model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
    model.config.use_cache = False  # no KV cache in training (and a cache would disable packed masks)
    if plan["method"] == "qlora":
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    return model


def make_trainer(cfg: LocalTrainConfig, model, tokenizer, train, val, run_dir: Path, plan: dict,
                 emit: Emitter, total_steps: int, tracking=None):
    from transformers import Trainer, TrainingArguments

    from core.training.callbacks import EventsCallback, TokenCounter
    from core.training.loss import selective_loss
    from core.training.packing import FlatCollator, PaddedCollator

    steps = auto_steps(total_steps, cfg)
    counter = TokenCounter()

    class LabTrainer(Trainer):
        """Trainer whose loss skips logits nobody trains on, and that counts useful tokens."""

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            loss, _ = selective_loss(model, inputs, num_items_in_batch)
            if model.training:
                # useful tokens: all of a packed row; the non-padding ones of a padded batch
                counter.add(int(inputs["attention_mask"].sum()) if "attention_mask" in inputs
                            else int(inputs["input_ids"].numel()))
            if (self.args.average_tokens_across_devices and num_items_in_batch is not None
                    and self.accelerator.num_processes > 1):
                loss = loss * self.accelerator.num_processes  # DDP averages gradients over processes
            return (loss, {}) if return_outputs else loss

    args = TrainingArguments(
        output_dir=str(run_dir / CHECKPOINTS),
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=cfg.batch_size,
        gradient_accumulation_steps=cfg.grad_accum,
        learning_rate=cfg.learning_rate,
        num_train_epochs=cfg.epochs,
        max_steps=cfg.max_steps or -1,
        warmup_steps=cfg.warmup_ratio,  # < 1: a fraction of the total steps
        lr_scheduler_type=cfg.lr_scheduler,
        weight_decay=cfg.weight_decay,
        logging_steps=steps["logging_steps"],
        eval_strategy="steps" if val else "no",
        eval_steps=steps["eval_steps"],
        save_strategy="steps",
        save_steps=steps["save_steps"],
        save_total_limit=cfg.save_total_limit,
        seed=cfg.seed,
        data_seed=cfg.seed,
        bf16=plan["precision"] == "bf16",
        fp16=plan["precision"] == "fp16",
        use_cpu=plan["device"] == "cpu",
        **(tracking.training_args() if tracking else {"report_to": []}),  # the Trainer's own integrations
        disable_tqdm=True,
        remove_unused_columns=False,
        dataloader_num_workers=0,
        dataloader_pin_memory=plan["device"] == "cuda",
        label_names=["labels"],
        prediction_loss_only=True,
        ddp_find_unused_parameters=False,
        save_only_model=False,
    )
    collator = FlatCollator() if cfg.padding_free else PaddedCollator(tokenizer.pad_token_id)
    trainer = LabTrainer(model=model, args=args, train_dataset=_as_dataset(train),
                         eval_dataset=_as_dataset(val) if val else None, data_collator=collator,
                         callbacks=[EventsCallback(emit, counter)])
    if tracking:
        tracking.guard(trainer)  # a tracker that fails is dropped with a warning, never the run
    return trainer


def start_tracking(cfg: LocalTrainConfig, run_dir: Path, emit: Emitter):
    """The trackers of cfg.tracking for the Trainer (main process only), each one's place in the log."""
    from core.training.tracking import label, prepare_trainer

    def warn(name: str, reason: str) -> None:
        emit.log("train.log_tracker_failed", level="warning", tracker=label(name), reason=reason)

    tracking = prepare_trainer(cfg.tracking if emit.main else (), run_dir, run_dir.name, warn)
    for name, where in tracking.where.items():
        emit.log(f"train.tracking_where.{name}", **where)
    return tracking


def _as_dataset(examples):
    import torch

    class ListDataset(torch.utils.data.Dataset):
        def __len__(self):
            return len(examples)

        def __getitem__(self, index):
            return {"input_ids": examples[index].input_ids, "labels": examples[index].labels}

    return ListDataset()


def count_steps(cfg: LocalTrainConfig, n_train: int, world_size: int) -> int:
    """Optimizer steps: batches per epoch (per process) / grad_accum, times epochs (ceil)."""
    if cfg.max_steps:
        return cfg.max_steps
    batches = math.ceil(n_train / (cfg.batch_size * world_size))
    per_epoch = max(1, batches // cfg.grad_accum)
    return max(1, math.ceil(per_epoch * cfg.epochs))


def last_checkpoint(run_dir: Path) -> Path | None:
    from transformers.trainer_utils import get_last_checkpoint

    folder = run_dir / CHECKPOINTS
    if not folder.is_dir():
        return None
    found = get_last_checkpoint(str(folder))
    return Path(found) if found else None


def train(cfg: LocalTrainConfig, run_dir: str | Path) -> dict:
    """Run (or resume) one fine-tuning (LoRA, QLoRA or full) in run_dir; returns the result dict."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import set_seed

    from core.models import display_name, load_tokenizer, resolve_model
    from core.training.fast_lora import fuse_lora_layers

    run_dir = Path(run_dir)
    started = time.time()
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    main_process = int(os.environ.get("RANK", "0")) == 0
    emit = Emitter(run_dir, main_process)
    plan = plan_device(cfg)
    if plan["device"] == "cpu":
        emit.log("train.log_cpu_plain", threads=torch.get_num_threads())
        if os.environ.get(CHOICE) in ("spin", "sleep"):  # set by choose_for_training() in this process
            emit.log(f"train.log_cpu_wait_{os.environ[CHOICE]}")
    else:
        emit.log("train.log_device", device=plan["device"], precision=plan["precision"], method=plan["method"])
    set_seed(cfg.seed)
    if plan["method"] == "dpo":  # preference pairs through TRL's DPOTrainer (same events, same adapter folder)
        from core.training.dpo import train_dpo

        return train_dpo(cfg, run_dir, emit, plan)
    source = resolve_model(cfg.model)
    tokenizer = load_tokenizer(cfg.model)
    train_set, val_set = prepare_data(cfg, tokenizer, run_dir, emit)
    total_steps = count_steps(cfg, len(train_set), world_size)
    if main_process:
        write_text(run_dir / CONFIG, json.dumps(cfg.to_dict(), indent=2, ensure_ascii=False))
    emit.log("train.log_loading_model", model=display_name(cfg.model))
    model = load_base_model(cfg, source, plan)
    if plan["method"] == "full":  # every weight trains: no peft, the whole model is saved
        trainable = total = sum(p.numel() for p in model.parameters())
        emit.log("train.log_full", total=f"{total:,}")
        if cfg.learning_rate > FULL_LR_WARN:
            emit.log("train.log_full_high_lr", level="warning", lr=cfg.learning_rate, suggested=FULL_LR_WARN)
    else:
        lora = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                          target_modules=target_module_list(cfg.target_modules), task_type="CAUSAL_LM")
        model = get_peft_model(model, lora)
        fuse_lora_layers(model)
        trainable, total = model.get_nb_trainable_parameters()
        emit.log("train.log_lora", trainable=f"{trainable:,}", total=f"{total:,}",
                 percent=f"{100 * trainable / total:.2f}")
    tracking = start_tracking(cfg, run_dir, emit)
    try:
        trainer = make_trainer(cfg, model, tokenizer, train_set, val_set, run_dir, plan, emit, total_steps, tracking)
        resume_from = last_checkpoint(run_dir)
        if resume_from is not None:
            emit.log("train.log_resuming", step=resume_from.name.split("-")[-1])
        output = trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
        final_eval = None
        if val_set:  # the last scheduled evaluation, or one now if it did not fall on the last step
            evals = [row for row in trainer.state.log_history if "eval_loss" in row]
            if evals and evals[-1].get("step") == trainer.state.global_step:
                final_eval = evals[-1]["eval_loss"]
            else:
                final_eval = trainer.evaluate().get("eval_loss")
    finally:
        tracking.close()  # the trackers' runs end after the last eval loss (or a failure)
    history = [row for row in trainer.state.log_history if "loss" in row]
    result = {
        "adapter_dir": str(run_dir / ADAPTER),
        "base_model": cfg.model,
        "base_model_path": source,
        "base_model_name": display_name(cfg.model),
        "final_train_loss": history[-1]["loss"] if history else output.training_loss,
        "first_train_loss": history[0]["loss"] if history else None,
        "final_eval_loss": final_eval,
        "steps": trainer.state.global_step,
        "train_examples": len(train_set),
        "val_examples": len(val_set),
        "device": plan["device"],
        "precision": plan["precision"],
        "method": plan["method"],
        "trainable_params": trainable,
        "total_params": total,
        "peak_memory_mb": peak_memory_mb(plan["device"]),
        "num_processes": world_size,
        "runtime_s": round(time.time() - started, 1),
    }
    if trainer.is_world_process_zero():
        save_adapter(model, tokenizer, run_dir / ADAPTER)
        write_text(run_dir / RESULT, json.dumps(result, indent=2, ensure_ascii=False))
        emit.log("train.log_saved", path=str(run_dir / ADAPTER))
    return result


def save_adapter(model, tokenizer, target: Path) -> None:
    """peft adapter (or, for method=full, the whole model) + tokenizer, whole or not at all
    (core.atomic.save_pretrained)."""
    save_pretrained(target, model, tokenizer)


def peak_memory_mb(device: str) -> float:
    """This process's peak memory so far: CUDA's max allocated; else Linux's VmHWM (this process's own
    high-water mark — ru_maxrss would not do: Linux carries it across fork+exec from the parent, so a
    worker started by a big process reports the parent's peak); else ru_maxrss (macOS: bytes)."""
    import torch

    if device == "cuda" and torch.cuda.is_available():
        return round(torch.cuda.max_memory_allocated() / 1024**2, 1)
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)  # kB -> MB
    except OSError:
        pass
    try:
        import resource
    except ImportError:
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024**2 if sys.platform == "darwin" else 1024), 1)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core.training.train", description=t("train.cli_train_entry"))
    parser.add_argument("--run-dir", required=True, help=t("train.cli_run_dir_help"))
    return parser


def main(argv: list[str] | None = None) -> int:
    choose_for_training()  # before torch loads: how idle CPU threads wait (core/cpu_threads.py)
    args = build_parser().parse_args(argv)
    run_dir = Path(args.run_dir)
    cfg = load_run_config(run_dir)
    try:
        train(cfg, run_dir)
    except InputError as err:
        print(err.message(), file=sys.stderr)
        return 2
    except UnavailableError as err:
        print(err.message(), file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
