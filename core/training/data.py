"""Chat examples -> token ids and labels, with the loss only on assistant tokens.

Each conversation is rendered with the model's own chat template. To know which tokens belong to
assistant turns, the template is rendered once per assistant message on the prefix before it (with
the generation prompt) and on the prefix including it; the difference is that turn's text
("content<|im_end|>\n" for SmolLM2). Segments are tokenized separately, which is exactly how the
prompt and the reply are tokenized at inference time. Assistant messages with "weight": 0 keep
their tokens in the context but get label -100 (no loss), like OpenAI's fine-tuning format.
"""
from __future__ import annotations

import json
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from core.atomic import copy_file
from core.dataset import split_file
from core.errors import InputError

IGNORE = -100
ROLES = {"system", "user", "assistant"}


@dataclass
class Example:
    input_ids: list[int]
    labels: list[int]

    @property
    def n_trainable(self) -> int:
        return sum(1 for label in self.labels if label != IGNORE)


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line; a clear error with the line number otherwise."""
    path = Path(path)
    if not path.is_file():
        raise InputError("train.error_dataset_missing", "train.error_dataset_missing_hint", path=str(path))
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError("train.error_bad_json", "train.error_bad_json_hint", path=path.name,
                                 line=number, reason=exc.msg) from exc
            if not isinstance(record, dict):
                raise InputError("train.error_bad_record", "train.error_bad_record_hint", path=path.name,
                                 line=number)
            yield number, record


def load_conversations(path: str | Path) -> list[list[dict]]:
    """The "messages" lists of a chat-format JSONL file, checked (roles, text content, one reply)."""
    conversations = []
    for number, record in iter_jsonl(path):
        if "messages" not in record:
            if {"input", "preferred_output"} & set(record):
                raise InputError("train.error_dpo_local", "train.error_dpo_local_hint", path=Path(path).name)
            raise InputError("train.error_bad_record", "train.error_bad_record_hint", path=Path(path).name,
                             line=number)
        messages = record["messages"]
        if not isinstance(messages, list) or not messages:
            raise InputError("train.error_bad_record", "train.error_bad_record_hint", path=Path(path).name,
                             line=number)
        for message in messages:
            if (not isinstance(message, dict) or message.get("role") not in ROLES
                    or not isinstance(message.get("content"), str)):
                raise InputError("train.error_bad_message", "train.error_bad_message_hint",
                                 path=Path(path).name, line=number)
        if not any(m["role"] == "assistant" for m in messages):
            raise InputError("train.error_no_assistant", "train.error_no_assistant_hint",
                             path=Path(path).name, line=number)
        conversations.append(messages)
    if not conversations:
        raise InputError("train.error_dataset_empty", "train.error_dataset_empty_hint", path=Path(path).name)
    return conversations


def _render(tokenizer, messages: list[dict], generation_prompt: bool) -> str:
    plain = [{"role": m["role"], "content": m["content"]} for m in messages]
    return tokenizer.apply_chat_template(plain, tokenize=False, add_generation_prompt=generation_prompt)


def segments(tokenizer, messages: list[dict]) -> list[tuple[str, bool]]:
    """[(text, trainable)] whose concatenation is the rendered conversation."""
    parts: list[tuple[str, bool]] = []
    done = ""
    for index, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        prompt = _render(tokenizer, messages[:index], True) if index else ""
        full = _render(tokenizer, messages[: index + 1], False)
        if not prompt.startswith(done) or not full.startswith(prompt):
            raise InputError("train.error_template", "train.error_template_hint")
        if len(prompt) > len(done):
            parts.append((prompt[len(done):], False))
        parts.append((full[len(prompt):], message.get("weight", 1) != 0))
        done = full
    return parts


def tokenize_conversation(tokenizer, messages: list[dict], max_length: int) -> Example:
    """Token ids and labels (-100 outside trainable assistant turns), truncated to max_length."""
    input_ids: list[int] = []
    labels: list[int] = []
    for text, trainable in segments(tokenizer, messages):
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        input_ids.extend(ids)
        labels.extend(ids if trainable else [IGNORE] * len(ids))
    return Example(input_ids[:max_length], labels[:max_length])


def tokenize_all(tokenizer, conversations: Iterable[list[dict]], max_length: int) -> tuple[list[Example], dict]:
    """Examples with at least one trainable token left after truncation, and counts for the log."""
    kept, stats = [], {"examples": 0, "dropped_truncated": 0, "truncated": 0, "tokens": 0, "trainable_tokens": 0}
    for messages in conversations:
        stats["examples"] += 1
        full_length = sum(len(tokenizer(text, add_special_tokens=False)["input_ids"])
                          for text, _ in segments(tokenizer, messages))
        example = tokenize_conversation(tokenizer, messages, max_length)
        if full_length > max_length:
            stats["truncated"] += 1
        if example.n_trainable < 2:  # nothing left to learn from (the reply was cut off)
            stats["dropped_truncated"] += 1
            continue
        stats["tokens"] += len(example.input_ids)
        stats["trainable_tokens"] += example.n_trainable
        kept.append(example)
    return kept, stats


TRAIN_FILE, HELD_OUT_FILE = "train.jsonl", "validation.jsonl"  # in <run folder>/data/


def split_dataset(path: str | Path, val_fraction: float, seed: int, out_dir: str | Path
                  ) -> tuple[list[list[dict]], list[list[dict]]]:
    """Train and validation conversations through core.dataset's split_file, the lab's one split
    (the inspector, the estimate, the run and the held-out questions agree on every line).
    The two files stay in out_dir as train.jsonl and validation.jsonl."""
    out_dir = Path(out_dir)
    everything = load_conversations(path)  # checks every line first: errors name the line
    if val_fraction <= 0:
        return everything, []
    train_path, val_path = split_file(path, out_dir, val_fraction, seed)
    train_path = train_path.replace(out_dir / TRAIN_FILE)
    val_path = val_path.replace(out_dir / HELD_OUT_FILE)
    return load_conversations(train_path), load_conversations(val_path)


def held_out_path(run_dir: str | Path) -> Path | None:
    """The validation file a run kept in its folder (its own split or a copy of the file it was
    given), so the arena and the evaluation ask only questions the run never trained on."""
    path = Path(run_dir) / "data" / HELD_OUT_FILE
    return path if path.is_file() and path.stat().st_size else None


def training_conversations(cfg, out_dir: str | Path | None = None) -> tuple[list, list]:
    """(train, validation) conversations exactly as a run with this LocalTrainConfig sees them:
    the validation file or the seeded split, then at most max_examples train conversations (a seeded
    sample, not the first lines: files are often grouped by topic). With out_dir (the run's data
    folder) the validation conversations stay there for held_out_path(); without it (the estimate)
    the split goes to a temporary folder."""
    if not cfg.dataset:
        raise InputError("train.error_no_dataset", "train.error_no_dataset_hint")
    if out_dir is None:
        with tempfile.TemporaryDirectory(prefix="lab-split-") as tmp:
            return training_conversations(cfg, tmp)
    if cfg.validation_file:
        train, val = load_conversations(cfg.dataset), load_conversations(cfg.validation_file)
        copy_file(cfg.validation_file, Path(out_dir) / HELD_OUT_FILE)
    else:
        train, val = split_dataset(cfg.dataset, cfg.val_fraction, cfg.seed, out_dir)
    if cfg.max_examples and len(train) > cfg.max_examples:
        train = random.Random(cfg.seed).sample(train, cfg.max_examples)
    return train, val
