"""Per-model limits and OpenAI's "auto" epochs rule, shared with the cost calculator.

Limits are the maximum tokens of ONE training example (OpenAI fine-tuning guide, checked 2026-11):
gpt-4o / gpt-4o-mini / gpt-4.1 families 65,536; gpt-3.5-turbo-0125 and -1106 16,385; the older
gpt-3.5-turbo-0613 4,096. Longer examples are truncated from the end, so billing counts at most this.
"""
from __future__ import annotations

DEFAULT_OPENAI_LIMIT = 65_536

# (prefix, limit): the first prefix that matches wins, so the more specific ones come first.
OPENAI_LIMITS: list[tuple[str, int]] = [
    ("gpt-3.5-turbo-0613", 4_096),
    ("gpt-3.5-turbo", 16_385),
    ("gpt-4-0613", 8_192),
    ("gpt-4o", 65_536),
    ("gpt-4.1", 65_536),
]

# OpenAI's "auto" epochs: aim at 3 epochs, but see at least 100 and at most 25,000 examples in total,
# clamped to 1..25 epochs (the cookbook's TARGET_EPOCHS, MIN/MAX_TARGET_EXAMPLES, MIN/MAX_DEFAULT_EPOCHS).
TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25


def auto_epochs(n_examples: int) -> int:
    """Epochs OpenAI picks for n_examples when n_epochs is "auto". 0 examples -> 0 (nothing to train).

    10 examples: 10×3 = 30 < 100, so min(25, 100 // 10) = 10 epochs;
    10,000 examples: 30,000 > 25,000, so max(1, 25,000 // 10,000) = 2 epochs.
    """
    n = int(n_examples)
    if n <= 0:
        return 0
    if n * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n)
    if n * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n)
    return TARGET_EPOCHS


def is_local(model: str | None) -> bool:
    """"local", "embedded" (and the embedded model's aliases) or an existing folder: count with that
    model's own tokenizer and chat template instead of tiktoken."""
    from pathlib import Path

    from core.models import is_embedded

    name = (model or "").strip()
    if not name:  # no model given: the OpenAI default, not the embedded alias ""
        return False
    if name.lower() in {"local", "embedded"} or is_embedded(name):
        return True
    return Path(name).expanduser().is_dir()


def openai_base_name(model: str) -> str:
    """ft:gpt-4o-mini-2024-07-18:org:suffix:id -> gpt-4o-mini-2024-07-18."""
    name = model.strip()
    if name.startswith("ft:"):
        parts = name.split(":")
        name = parts[1] if len(parts) > 1 else name
    return name


def token_limit(model: str | None) -> int:
    """Maximum tokens per training example for `model` (an OpenAI name, or a local model: its
    tokenizer's model_max_length, 8,192 for SmolLM2-135M-Instruct)."""
    if is_local(model):
        from core.dataset.tokens import local_token_limit

        return local_token_limit(model)
    name = openai_base_name(model or "")
    for prefix, limit in OPENAI_LIMITS:
        if name.startswith(prefix):
            return limit
    return DEFAULT_OPENAI_LIMIT
