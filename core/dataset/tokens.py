r"""Token counts for inspection: the OpenAI encodings for OpenAI models, a chat template for local models.

OpenAICounter gives exactly the cookbook's numbers (3 per message + tokens of every string value
+ 1 per name + 3) for the same encoding, with less work:
- tokens are counted, not listed: the bpe-openai crate (GitHub's `bpe`, already pinned for the
  offline BPE files) counts without building a token list and splits text with a faster regex
  than tiktoken's; its own tests, and tests/test_inspect_tokens.py, check that its counts equal
  tiktoken's encode_ordinary on random text in both encodings. On the bench file it took 0.9 s of
  CPU where tiktoken took 1.6 s for the same 17 MB of text, and long runs without a split (a
  1,000,000-character word) cost 0.02 s instead of 0.6 s;
- role names are counted once per role, not encoded on every message;
- strings that repeat (system prompts, tool definitions, names, "Thanks!") are counted once and
  remembered; the cookbook's encode() also scans each string for special tokens, which a plain
  count skips (on text without special tokens both give the same tokens; with them the cookbook
  stops with an error, the lab counts them as text, like encode_ordinary).
No threads: parallelism comes from scanning byte ranges of the file in separate processes
(inspector.py).

LocalCounter renders each conversation with the local model's chat template and counts the result.
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from functools import lru_cache
from typing import Callable

from core.dataset.checks import ROLES, ExampleParts

SHORT = 64  # strings up to this many characters (names, "Thanks!") are remembered once counted
CACHE_MAX_CHARS = 8_000_000  # the cache is emptied beyond this many characters (~8-32 MB)


@lru_cache(maxsize=1)
def _bpe_bindings():
    """bpe-openai's compiled module, loaded without its package __init__: that one builds Python rank
    tables for every model it knows at import (1.2 s of CPU, measured) that counting never uses."""
    name = "bpe_openai._bindings"
    if name in sys.modules:
        return sys.modules[name]
    package = importlib.util.find_spec("bpe_openai")
    found = importlib.machinery.PathFinder.find_spec("_bindings", package.submodule_search_locations) \
        if package is not None else None
    if found is None or found.origin is None:
        return None
    spec = importlib.util.spec_from_file_location(name, found.origin)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[name] = module  # a later `import bpe_openai` finds it (PyO3 modules load once per process)
    return module


def bpe_count_function(encoding_name: str) -> Callable[[str], int] | None:
    """The crate's count(text) for an encoding it knows, else None (then tiktoken counts)."""
    bindings = _bpe_bindings()
    if bindings is None or encoding_name not in bindings.supported_encodings():
        return None
    return bindings.tokenizer_for_encoding(encoding_name).count


def _replace_surrogates(text: str) -> str:
    """What tiktoken's encode_ordinary does with a lone surrogate (it cannot be UTF-8): U+FFFD."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


class OpenAICounter:
    """(total, trained) token counts of ExampleParts with one OpenAI encoding."""

    def __init__(self, encoding_name: str) -> None:
        self.encoding_name = encoding_name
        self._count = bpe_count_function(encoding_name)
        if self._count is None:
            from core.tokenizers import get_encoding

            encode = get_encoding(encoding_name).encode_ordinary
            self._count = lambda text: len(encode(text))
        self.cache: dict[str, int] = {}
        self._cached_chars = 0
        # known role names are counted from ExampleParts.roles ("other": its string is in strings)
        self.role_tokens = {role: self.count_text(role) for role in ROLES}
        self.role_tokens["other"] = 0

    @property
    def label(self) -> str:
        return self.encoding_name

    def count_text(self, text: str) -> int:
        try:
            return self._count(text)
        except UnicodeEncodeError:  # lone surrogates
            return self._count(_replace_surrogates(text))

    def _remembered(self, text: str) -> int:
        count = self.cache.get(text)
        if count is None:
            if self._cached_chars > CACHE_MAX_CHARS:
                self.cache.clear()
                self._cached_chars = 0
            count = self.cache[text] = self.count_text(text)
            self._cached_chars += len(text)
        return count

    def _sum(self, texts: list[str]) -> int:
        """Tokens of the texts: short ones remembered (they repeat: "Yes.", queue names), long ones
        counted straight away (a lone surrogate falls back to count_text)."""
        cache, count, remembered = self.cache, self._count, self._remembered
        tokens = 0
        for text in texts:
            if len(text) <= SHORT:
                tokens += cache[text] if text in cache else remembered(text)
            else:
                try:
                    tokens += count(text)
                except UnicodeEncodeError:
                    tokens += self.count_text(text)
        return tokens

    def count(self, parts: ExampleParts) -> tuple[int, int]:
        """(total, trained): total = base + role names + every string; trained = assistant strings."""
        cache, remembered = self.cache, self._remembered
        trained = self._sum(parts.trained)
        total = parts.base + trained + self._sum(parts.strings)
        for role in parts.roles:
            total += self.role_tokens[role]
        for text in parts.shared:  # system prompts, tools: the same few on every line
            total += cache[text] if text in cache else remembered(text)
        return total, trained


def _plain_text(message: dict) -> str:
    """A message's text for a chat template: content (text parts joined) + tool calls as JSON."""
    import json

    content = message.get("content")
    if isinstance(content, list):
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    text = content if isinstance(content, str) else ""
    if message.get("tool_calls") is not None:
        text += json.dumps(message["tool_calls"], ensure_ascii=False)
    return text


def local_model_name(model: str | None) -> str:
    """"local" means the embedded model; anything else is passed to core.models as is."""
    name = (model or "").strip()
    return "embedded" if name.lower() in {"", "local"} else name


@lru_cache(maxsize=2)
def _local_tokenizer(model: str):
    from core.models import load_tokenizer

    return load_tokenizer(model)


@lru_cache(maxsize=4)
def local_token_limit(model: str | None) -> int:
    """The local model's context: config.json's max_position_embeddings (8,192 for SmolLM2-135M),
    or the tokenizer's model_max_length when smaller (transformers uses a huge sentinel when unset)."""
    import json
    from pathlib import Path

    from core.models import resolve_model

    name = local_model_name(model)
    limits = []
    config = Path(resolve_model(name)) / "config.json"
    if config.is_file():
        with open(config, encoding="utf-8") as handle:
            value = json.load(handle).get("max_position_embeddings")
        if isinstance(value, int) and value > 0:
            limits.append(value)
    tokenizer_limit = int(getattr(_local_tokenizer(name), "model_max_length", 0) or 0)
    if 0 < tokenizer_limit < 10_000_000:
        limits.append(tokenizer_limit)
    return min(limits) if limits else 2048


class LocalCounter:
    """Counts with a local model's tokenizer: the whole conversation through its chat template,
    trained tokens as the assistant texts alone. The template sees role and text only (tool calls
    appended to the text as JSON), because small models' templates know nothing about tools."""

    def __init__(self, model: str | None) -> None:
        from core.models import display_name

        self.model = local_model_name(model)
        self.tokenizer = _local_tokenizer(self.model)
        self.name = display_name(self.model)

    @property
    def label(self) -> str:
        return f"{self.name} (chat template)"

    def _template_length(self, conv: list[dict]) -> int:
        messages = [{"role": str(m.get("role") or "user"), "content": _plain_text(m)}
                    for m in conv if isinstance(m, dict)]
        try:
            ids = self.tokenizer.apply_chat_template(messages, tokenize=True)
            if isinstance(ids, dict) or hasattr(ids, "keys"):
                ids = ids["input_ids"]
            return len(ids)
        except Exception:  # a template that rejects a role: count the plain texts instead  # noqa: BLE001
            return sum(len(self.tokenizer.encode(m["content"], add_special_tokens=False)) + 3 for m in messages)

    def count(self, parts: ExampleParts) -> tuple[int, int]:
        total = self._template_length(parts.conv)
        trained = sum(len(self.tokenizer.encode(text, add_special_tokens=False)) for text in parts.trained) \
            if parts.trained else 0
        return total, trained


def make_counter(model: str | None):
    """The counter for `model`: local tokenizer for local models, else the model's tiktoken encoding
    (an encoding name such as "o200k_base" is accepted too)."""
    from core.dataset.limits import is_local, openai_base_name
    from core.tokenizers import encoding_name_for_model

    if is_local(model):
        return LocalCounter(model)
    return OpenAICounter(encoding_name_for_model(openai_base_name(model or "")))
