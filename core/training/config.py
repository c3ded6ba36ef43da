"""LocalTrainConfig: every knob of a local LoRA run, with its default and help text.

One dataclass feeds the page's tooltips, the CLI's --help and the saved run parameters (the TRL
SFTConfig habit). Help texts are catalogue keys ("train.help.<field>"), so they follow the UI
language. Presets fill the fields that matter for a given machine; "custom" leaves them to the user.

Sizing of the quick preset: see PRESET_VALUES (the arithmetic is next to the numbers).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from typing import Any

from core.errors import InputError
from core.training.tracking import TRACKERS, parse as parse_trackers


def _f(default: Any, group: str, choices: tuple | None = None, minimum: float | None = None,
       maximum: float | None = None, advanced: bool = False):
    """A dataclass field whose metadata carries its help key, UI group and bounds."""
    return field(default=default, metadata={"group": group, "choices": choices, "min": minimum,
                                            "max": maximum, "advanced": advanced})


METHODS = ("lora", "qlora", "full", "dpo")  # dpo: LoRA trained on preference pairs (core.training.dpo)
PRESETS = ("quick", "grounded", "task", "balanced", "custom")
GROUPS = ("data", "model", "lora", "training", "efficiency", "checkpoints")


@dataclass
class LocalTrainConfig:
    # --- data ---
    dataset: str = _f("", "data")
    validation_file: str = _f("", "data", advanced=True)
    val_fraction: float = _f(0.1, "data", minimum=0.0, maximum=0.5)
    max_examples: int = _f(0, "data", minimum=0)  # 0 = all; the quick preset caps it
    max_length: int = _f(512, "data", minimum=32, maximum=8192)
    seed: int = _f(42, "data", minimum=0)
    # --- model ---
    model: str = _f("embedded", "model")
    quantization: str = _f("none", "model", choices=("none", "4bit"))
    # lora: small adapters on a frozen base; qlora: the same on a 4-bit base (CUDA); full: every weight;
    # dpo: a LoRA adapter trained on preference pairs (a DPO file) instead of conversations
    method: str = _f("lora", "model", choices=METHODS)
    precision: str = _f("auto", "model", choices=("auto", "fp32", "bf16", "fp16"), advanced=True)
    device: str = _f("auto", "model", choices=("auto", "cpu", "cuda", "mps"), advanced=True)
    # --- LoRA ---
    lora_r: int = _f(16, "lora", minimum=1, maximum=256)
    lora_alpha: int = _f(32, "lora", minimum=1, maximum=512)
    lora_dropout: float = _f(0.05, "lora", minimum=0.0, maximum=0.5)
    target_modules: str = _f("all-linear", "lora", choices=("all-linear", "attention", "q_proj,v_proj"))
    # --- training ---
    epochs: float = _f(3.0, "training", minimum=0.1, maximum=100)
    max_steps: int = _f(0, "training", minimum=0)  # 0 = from epochs
    learning_rate: float = _f(2e-4, "training", minimum=1e-6, maximum=1e-2)
    batch_size: int = _f(8, "training", minimum=1, maximum=256)
    grad_accum: int = _f(1, "training", minimum=1, maximum=64)
    warmup_ratio: float = _f(0.05, "training", minimum=0.0, maximum=0.5, advanced=True)
    weight_decay: float = _f(0.0, "training", minimum=0.0, maximum=0.5, advanced=True)
    lr_scheduler: str = _f("cosine", "training", choices=("cosine", "linear", "constant"), advanced=True)
    # --- efficiency ---
    padding_free: bool = _f(True, "efficiency")
    num_processes: int = _f(1, "efficiency", minimum=1, maximum=64, advanced=True)
    # --- logging and checkpoints ---
    logging_steps: int = _f(0, "checkpoints", minimum=0, advanced=True)  # 0 = automatic
    eval_steps: int = _f(0, "checkpoints", minimum=0, advanced=True)  # 0 = automatic
    save_steps: int = _f(0, "checkpoints", minimum=0, advanced=True)  # 0 = automatic
    save_total_limit: int = _f(2, "checkpoints", minimum=1, maximum=20, advanced=True)
    tracking: tuple = _f((), "checkpoints", choices=TRACKERS)  # trackers the run reports to; () = none
    preset: str = _f("custom", "training", choices=PRESETS)

    def __post_init__(self) -> None:
        self.tracking = parse_trackers(self.tracking)  # "tensorboard,mlflow" or a list, as typed or saved
        # method and quantization say one thing: qlora = LoRA on 4-bit weights (params saved before
        # the method field had only quantization="4bit"); full fine-tuning trains unquantized weights.
        if self.method == "qlora":
            self.quantization = "4bit"
        elif self.quantization == "4bit" and self.method == "lora":
            self.method = "qlora"
        self.validate()
        if self.method == "full" and self.quantization == "4bit":
            raise InputError("train.error_full_4bit", "train.error_full_4bit_hint")

    def validate(self) -> None:
        """Check bounds and choices before any slow work; name the field and the fix."""
        for spec in fields(self):
            value = getattr(self, spec.name)
            meta = spec.metadata
            for item in value if isinstance(value, tuple) else (value,):  # a tuple field: each of its items
                if meta.get("choices") and item not in meta["choices"]:
                    raise InputError("train.error_bad_choice", "train.error_bad_choice_hint", field=spec.name,
                                     value=item, choices=", ".join(map(str, meta["choices"])))
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if meta.get("min") is not None and value < meta["min"]:
                    raise InputError("train.error_out_of_range", "train.error_out_of_range_hint",
                                     field=spec.name, value=value, low=meta["min"], high=meta.get("max") or "∞")
                if meta.get("max") is not None and value > meta["max"]:
                    raise InputError("train.error_out_of_range", "train.error_out_of_range_hint",
                                     field=spec.name, value=value, low=meta["min"], high=meta["max"])

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "LocalTrainConfig":
        """Ignore unknown keys (params saved by a newer or older lab), coerce numbers from strings."""
        known = {spec.name: spec for spec in fields(cls)}
        values = {}
        for name, value in (data or {}).items():
            if name not in known or value is None:
                continue
            kind = type(known[name].default)
            if kind is bool and isinstance(value, str):
                value = value.strip().lower() in ("1", "true", "yes", "on")
            elif kind in (int, float) and not isinstance(value, bool):
                try:
                    value = kind(float(value)) if kind is int else float(value)
                except (TypeError, ValueError) as exc:
                    raise InputError("train.error_not_a_number", "train.error_out_of_range_hint",
                                     field=name, value=value, low="", high="") from exc
            values[name] = value
        return cls(**values)

    @classmethod
    def from_preset(cls, preset: str, **overrides: Any) -> "LocalTrainConfig":
        if preset not in PRESETS:
            raise InputError("train.error_bad_choice", "train.error_bad_choice_hint", field="preset",
                             value=preset, choices=", ".join(PRESETS))
        values = {**PRESET_VALUES.get(preset, {}), "preset": preset}
        values.update({key: value for key, value in overrides.items() if value is not None})
        if preset == "grounded" and not values.get("dataset"):
            values["dataset"] = str(grounded_dataset())
        return cls.from_dict(values)


# What each preset sets; everything else keeps the dataclass default.
PRESET_VALUES: dict[str, dict] = {
    # Quick demo (CPU, about 3 minutes): 24 conversations x 3 epochs = 72 passes of ~250 tokens
    # (pt-BR sample) = ~18k tokens; at ~170 useful tokens/s on 2 idle AVX2 cores that is ~105 s,
    # plus ~15 s of start-up and 4 evaluations on held-out conversations (measured: 20 conversations
    # in 2m03s on an idle machine, 3m29s for 24 on a partly busy one before the fused LoRA/loss).
    # Batch 2 gives 36 updates: with a high learning rate, enough for a 135M model to pick up
    # greeting, tone, emoji and sign-off (16 updates of batch 4 were not). Dropout is off
    # (pointless for 3 epochs; its random masks cost 15-30% of a CPU step).
    "quick": {"max_examples": 24, "max_length": 384, "epochs": 3.0, "batch_size": 2, "learning_rate": 1e-3,
              "lora_r": 16, "lora_alpha": 32, "lora_dropout": 0.0, "target_modules": "all-linear",
              "val_fraction": 0.03, "warmup_ratio": 0.05},
    # Balanced: all examples, longer context, 3 epochs; minutes to tens of minutes on CPU.
    "balanced": {"max_examples": 0, "max_length": 768, "epochs": 3.0, "batch_size": 8, "learning_rate": 2e-4,
                 "lora_r": 16, "lora_alpha": 32, "lora_dropout": 0.05, "target_modules": "all-linear",
                 "val_fraction": 0.1},
    # Teach the model to read its sources (issue 11): the bundled grounded-answers set of the interface
    # language (core.rag.grounded: 4 copies a question, numbers and names randomized in 3 of 4; 107 en /
    # 104 pt-BR conversations). Prompts hold the one focused sentence the RAG contestant shows: ~150
    # tokens a conversation in English, ~220 in Portuguese -> 16k / 23k tokens an epoch; 2 epochs took
    # 3.4 min (en, idle 2 cores) and 11 min (pt-BR, beside a browser benchmark). Eval loss 0.07 / 0.01.
    # Fact recall of rag:run:ID vs rag on the held-out set (lab eval): en 0.67 vs 0.64, pt-BR 0.75 vs 0.78 — the copy
    # bias already makes the base model copy its sentence; what is left is choosing the sentence.
    "grounded": {"max_examples": 0, "max_length": 768, "epochs": 2.0, "batch_size": 2, "learning_rate": 1e-3,
                 "lora_r": 16, "lora_alpha": 32, "lora_dropout": 0.0, "target_modules": "all-linear",
                 "val_fraction": 0.03, "warmup_ratio": 0.05},
    # Short-answer tasks (issue 12: ticket routing, JSON extraction): all examples, a high learning rate,
    # no dropout. The reply is 1-40 tokens, so an example carries few loss tokens and the model needs many
    # updates: 350 routing lines x 2 epochs / batch 4 = ~170 updates. Issue 12's measure (6 pt-BR queues,
    # 168 lines): 2 epochs at 2e-4 -> 14/36, 4 epochs at 1e-3 without dropout -> 25/36. ~100 tokens a
    # routing line (en) -> ~50k tokens for 2 epochs. MEASURED (bench/bench_tasks.py, 70 evaluation lines
    # in wordings the training set never uses, idle 2 cores): exact match en 0.06 -> 0.81 (401 s), pt-BR
    # 0.00 -> 0.29 (494 s; 4 epochs: 0.39): the 135M model knows too little Portuguese to map unseen
    # synonyms ("locação" for "aluguel") to a queue. Extraction (233 lines, 118 updates, ~9 min): valid
    # JSON 0.00 -> 1.00 in both languages, field accuracy 0.84 en / 0.75 pt-BR.
    "task": {"max_examples": 0, "max_length": 384, "epochs": 2.0, "batch_size": 4, "learning_rate": 1e-3,
             "lora_r": 16, "lora_alpha": 32, "lora_dropout": 0.0, "target_modules": "all-linear",
             "val_fraction": 0.03, "warmup_ratio": 0.05},
    "custom": {},
}


SHORT_REPLY_WORDS = 60  # a JSON ticket of 5 fields is ~15-25 words; a support answer 40-120
SHORT_SHARE, LABEL_SET_MAX, SUGGEST_LINES = 0.9, 20, 2000


def suggest_preset(path) -> dict | None:
    """{"preset": "task", "share", "words", "labels"} when a chat JSONL file looks like a short-answer
    task (>= 90% of the last assistant replies under SHORT_REPLY_WORDS words, and either <= 20 distinct
    replies — a label set — or replies that are all JSON objects); None otherwise or when unreadable.
    Reads at most SUGGEST_LINES lines: a hint for the form, not a validation (the inspector does that)."""
    import json
    from itertools import islice

    replies = []
    try:
        with open(path, encoding="utf-8") as handle:
            for raw in islice(handle, SUGGEST_LINES):
                try:
                    messages = json.loads(raw).get("messages") or []
                except (ValueError, AttributeError):
                    continue
                last = messages[-1] if messages and isinstance(messages[-1], dict) else {}
                if last.get("role") == "assistant" and isinstance(last.get("content"), str):
                    replies.append(last["content"].strip())
    except (OSError, UnicodeDecodeError):
        return None
    if len(replies) < 10:
        return None
    share = sum(len(r.split()) < SHORT_REPLY_WORDS for r in replies) / len(replies)
    labels = len(set(replies))

    def is_object(text: str) -> bool:
        try:
            return isinstance(json.loads(text), dict)
        except ValueError:
            return False

    if share >= SHORT_SHARE and (labels <= LABEL_SET_MAX or all(map(is_object, replies))):
        return {"preset": "task", "share": round(share, 2), "words": SHORT_REPLY_WORDS, "labels": labels}
    return None


def grounded_dataset(lang: str | None = None):
    """The grounded preset's data: assets/samples/grounded_<lang>.jsonl (interface language)."""
    from core.i18n import current_language
    from core.rag.grounded import bundled_path

    return bundled_path(lang or current_language())


def field_specs() -> list[dict]:
    """name, default, group, help key, choices, bounds of every field (for forms and --help)."""
    specs = []
    for spec in fields(LocalTrainConfig):
        specs.append({"name": spec.name, "default": spec.default, "type": type(spec.default).__name__,
                      "help_key": f"train.help.{spec.name}", "label_key": f"train.field.{spec.name}",
                      **spec.metadata})
    return specs


def target_module_list(value: str) -> str | list[str]:
    """'all-linear' stays a peft keyword; 'attention' = q,k,v,o projections; else a comma list."""
    if value == "all-linear":
        return "all-linear"
    if value == "attention":
        return ["q_proj", "k_proj", "v_proj", "o_proj"]
    return [part.strip() for part in value.split(",") if part.strip()]
