"""Preset questions for the arena: sample questions in both languages (assets/samples/questions.json)
and held-out questions from a dataset's validation split, so a demo never asks what was trained on.

The held-out split is the one training uses: core.dataset.clean.split_file with the training
defaults (val_fraction 0.1, seed 42), the same seeded sample of lines.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

from core.errors import InputError
from core.i18n import LANGUAGES, normalize
from core.paths import ASSETS, lab_home

QUESTIONS_FILE = ASSETS / "samples" / "questions.json"
VAL_FRACTION, SEED = 0.1, 42  # = core.training.config defaults


def sample_questions(lang: str | None = None) -> list[dict]:
    """[{"question", "expected", "lang"}], the given language first, then the other one."""
    data = json.loads(QUESTIONS_FILE.read_text(encoding="utf-8"))
    first = normalize(lang)
    order = [first] + [code for code in LANGUAGES if code != first]
    return [{**item, "lang": code} for code in order for item in data.get(code, [])]


def dataset_choices() -> list[tuple[str, str]]:
    """(label, path) of datasets to draw held-out questions from: LAB_HOME/datasets/*.jsonl, then the
    bundled samples."""
    out: list[tuple[str, str]] = []
    folder = lab_home() / "datasets"
    if folder.is_dir():
        out += [(path.name, str(path)) for path in sorted(folder.glob("*.jsonl"))]
    try:
        from core.dataset.samples import list_samples

        out += [(Path(s["path"]).name, s["path"]) for s in list_samples() if s["path"].endswith(".jsonl")]
    except (ImportError, OSError, KeyError, ValueError):
        pass
    return out


def allowed_dataset(path: str | Path) -> Path:
    """Only files under LAB_HOME/datasets or the bundled samples may be read (the path can come from a
    URL parameter)."""
    candidate = Path(path).expanduser().resolve()
    roots = [(lab_home() / "datasets").resolve(), (ASSETS / "samples").resolve()]
    if candidate.suffix != ".jsonl" or not candidate.is_file() or not any(
            root in candidate.parents for root in roots):
        raise InputError("arena.err_dataset", "arena.err_dataset_hint", path=str(path))
    return candidate


def _question_of(example: dict) -> tuple[str | None, str | None]:
    """(last user message, the assistant reply after it) of a chat or DPO example."""
    messages = example.get("messages")
    reference = None
    if messages is None and isinstance(example.get("input"), dict):  # DPO
        messages = example["input"].get("messages")
        preferred = example.get("preferred_output") or []
        reference = preferred[0].get("content") if preferred and isinstance(preferred[0], dict) else None
    if not isinstance(messages, list):
        return None, None
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if isinstance(message, dict) and message.get("role") == "user" and isinstance(message.get("content"), str):
            after = messages[index + 1] if index + 1 < len(messages) else None
            if reference is None and isinstance(after, dict) and after.get("role") == "assistant":
                reference = after.get("content") if isinstance(after.get("content"), str) else None
            return message["content"].strip(), reference
    return None, None


def held_out_questions(path: str | Path, limit: int = 12) -> list[dict]:
    """[{"question", "reference"}] from the validation split of a chat/DPO JSONL dataset."""
    from core.dataset.clean import split_file
    from core.dataset.reader import iter_examples

    source = allowed_dataset(path)
    with tempfile.TemporaryDirectory(prefix="lab-heldout-") as tmp:
        _train, val = split_file(source, tmp, val_fraction=VAL_FRACTION, seed=SEED)
        out = []
        for _line, example in iter_examples(val):
            question, reference = _question_of(example)
            if question:
                out.append({"question": question, "reference": reference})
            if len(out) >= limit:
                break
    return out
