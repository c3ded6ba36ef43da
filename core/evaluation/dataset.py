"""Evaluation sets: chat JSONL whose last assistant message is the reference answer.

Where a set comes from: a bundled set (assets/eval/manifest.json), the held-out split a finished
training run kept in its folder (core.training.data.held_out_path: exactly the lines that run did
not train on), or any file the user gives. Optional top-level fields per line: `facts` (short
strings a right answer contains) and `label` (a class name; exact match compares against it).
Errors name the line and the fix before any model is loaded.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import InputError
from core.i18n import t
from core.paths import ASSETS

EVAL_ASSETS = ASSETS / "eval"
RUN_PREFIX = "run:"  # a set named "run:ID" = the held-out split of that run


@dataclass
class EvalExample:
    line: int  # 1-based line number in the file
    prompt: list[dict]  # the messages before the reference (system?, user, ...)
    reference: str
    facts: list[str] = field(default_factory=list)
    label: str | None = None

    @property
    def question(self) -> str:
        users = [m["content"] for m in self.prompt if m.get("role") == "user"]
        return users[-1] if users else ""


def bundled_sets() -> list[dict]:
    """The manifest's entries: id, file (absolute path), language, title_key, description_key."""
    manifest = json.loads((EVAL_ASSETS / "manifest.json").read_text(encoding="utf-8"))
    return [dict(entry, file=str(EVAL_ASSETS / entry["file"])) for entry in manifest["sets"]]


def set_title(entry: dict, lang: str | None = None) -> str:
    return t(entry["title_key"], lang)


def resolve_set(name: str | Path) -> Path:
    """A bundled set id, 'run:ID' (that run's held-out split) or a file path -> the file to read."""
    text = str(name).strip()
    for entry in bundled_sets():
        if text == entry["id"]:
            return Path(entry["file"])
    if text.startswith(RUN_PREFIX):
        return held_out_file(text[len(RUN_PREFIX):])
    path = Path(text).expanduser()
    if not path.is_file():
        raise InputError("eval.err_no_file", "eval.err_no_file_hint", path=text)
    return path


def held_out_file(run_id: str) -> Path:
    """The validation split a run saved in its folder (the same split its trainer used)."""
    from core.jobs import registry
    from core.training.data import held_out_path

    job = registry.get_job(run_id.strip())
    if job is None:
        raise InputError("eval.err_run_unknown", "eval.err_run_unknown_hint", run=run_id)
    path = held_out_path(job.run_dir)
    if path is None:
        raise InputError("eval.err_run_no_held_out", "eval.err_run_no_held_out_hint", run=run_id)
    return path


def _example(number: int, value: object) -> EvalExample:
    if not isinstance(value, dict):
        raise InputError("eval.err_line_not_object", "eval.err_line_hint", line=number)
    messages = value.get("messages")
    if not isinstance(messages, list) or not messages or not all(
            isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages):
        raise InputError("eval.err_line_messages", "eval.err_line_hint", line=number)
    last = messages[-1]
    if last.get("role") != "assistant" or not isinstance(last.get("content"), str) or not last["content"].strip():
        raise InputError("eval.err_line_no_reference", "eval.err_line_hint", line=number)
    prompt = [{"role": m["role"], "content": str(m.get("content") or "")} for m in messages[:-1]]
    if not any(m["role"] == "user" for m in prompt):
        raise InputError("eval.err_line_no_question", "eval.err_line_hint", line=number)
    facts = value.get("facts") or []
    if not isinstance(facts, list) or not all(isinstance(f, str) for f in facts):
        raise InputError("eval.err_line_facts", "eval.err_line_hint", line=number)
    label = value.get("label")
    if label is not None and not isinstance(label, str):
        raise InputError("eval.err_line_label", "eval.err_line_hint", line=number)
    return EvalExample(line=number, prompt=prompt, reference=last["content"],
                       facts=[f for f in facts if f.strip()], label=label)


def load_examples(path: str | Path, limit: int | None = None) -> list[EvalExample]:
    """Every example of the file (the first `limit` when given). Blank lines are skipped; any other
    problem stops with the line number."""
    path = Path(path)
    examples: list[EvalExample] = []
    try:
        handle = open(path, encoding="utf-8")
    except OSError as exc:
        raise InputError("eval.err_unreadable", "eval.err_no_file_hint", path=str(path), detail=exc.strerror or "") from exc
    with handle:
        try:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    value = json.loads(raw)
                except json.JSONDecodeError as exc:
                    raise InputError("eval.err_line_json", "eval.err_line_hint", line=number, detail=exc.msg) from exc
                examples.append(_example(number, value))
                if limit and len(examples) >= limit:
                    break
        except UnicodeDecodeError as exc:
            raise InputError("eval.err_not_utf8", "eval.err_no_file_hint", path=str(path)) from exc
    if not examples:
        raise InputError("eval.err_empty", "eval.err_no_file_hint", path=str(path))
    return examples
