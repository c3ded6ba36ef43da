"""Which training format a file uses, decided from its first lines.

chat: {"messages": [...]} (OpenAI chat SFT); dpo: {"input": {...}, "preferred_output": [...],
"non_preferred_output": [...]}; prompt_completion: the legacy {"prompt", "completion"} lines the
lab can convert to chat. A line whose shape differs from the file's format is reported on its own.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from core.dataset.reader import LineReader, decode_json, is_blank

FORMATS = ("chat", "dpo", "prompt_completion", "unknown")
SAMPLE_LINES = 200  # non-blank lines read to decide the format (a few KB to a few MB)


def shape_of(example: object) -> str:
    """The format one parsed line looks like ("unknown" when it looks like none)."""
    if not isinstance(example, dict):
        return "unknown"
    if "messages" in example:
        return "chat"
    if "preferred_output" in example or "non_preferred_output" in example or "input" in example:
        return "dpo"
    if "prompt" in example or "completion" in example:
        return "prompt_completion"
    return "unknown"


def detect_format(path: str | Path, sample_lines: int = SAMPLE_LINES) -> str:
    """The most common shape among the first `sample_lines` non-blank lines (ties: chat first)."""
    votes: Counter[str] = Counter()
    seen = 0
    for _number, _offset, payload in LineReader(path):
        if is_blank(payload):
            continue
        seen += 1
        value, problem = decode_json(payload)
        if problem is None:
            shape = shape_of(value)
            if shape != "unknown":
                votes[shape] += 1
        if seen >= sample_lines:
            break
    if not votes:
        return "unknown"
    best = max(votes.values())
    return next(fmt for fmt in FORMATS if votes.get(fmt) == best)
