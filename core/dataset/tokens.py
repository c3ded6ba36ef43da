"""Token counts for inspection: tiktoken for OpenAI models, a chat template for local models.

TiktokenCounter gives exactly the cookbook's numbers (3 per message + tokens of every string value
+ 1 per name + 3) for the same encoding, faster:
- strings are encoded with encode_ordinary (the cookbook's encode() also scans every string for
  special tokens first; on text without them both return the same tokens);
- each batch of examples encodes each distinct string once, and short or repeated strings (roles,
  names, system prompts, tool definitions) are remembered across batches;
- a batch is encoded on worker threads (tiktoken releases the GIL while encoding) while the main
  thread parses the next one. Measured: tiktoken's encode_ordinary_batch makes one Future per
  string, which cost more than it saved on 2 cores, so the workers take chunks of ~256 KB instead.

LocalCounter renders each conversation with the local model's chat template and counts the result.
"""
from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from typing import Any, Sequence

from core.dataset.checks import ExampleParts

CACHE_MAX_LEN = 256  # strings up to this many characters are always remembered
CACHE_MAX_CHARS = 8_000_000  # the cache is emptied beyond this many characters (~8-32 MB)
CHUNK_CHARS = 256_000  # characters per worker task


class TiktokenCounter:
    """Counts for batches of ExampleParts with one tiktoken encoding."""

    def __init__(self, encoding_name: str, threads: int | None = None) -> None:
        from core.tokenizers import get_encoding

        self.encoding_name = encoding_name
        self.encoding = get_encoding(encoding_name)
        self._encode = self.encoding._core_bpe.encode_ordinary
        self.cache: dict[str, int] = {}
        self._cached_chars = 0
        threads = threads if threads is not None else min(4, os.cpu_count() or 1)
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="tokens") if threads > 1 else None

    @property
    def label(self) -> str:
        return self.encoding_name

    def count_text(self, text: str) -> int:
        return self._count_many([text])[0]

    def _count_many(self, texts: Sequence[str]) -> list[int]:
        encode = self._encode
        out = []
        for text in texts:
            try:
                out.append(len(encode(text)))
            except UnicodeEncodeError:  # lone surrogates: tiktoken's own fallback
                out.append(len(self.encoding.encode_ordinary(text)))
        return out

    def submit(self, batch: list[ExampleParts]) -> Any:
        """Start counting a batch; pass the returned handle to `result`."""
        cache = self.cache
        todo: dict[str, int] = {}  # distinct uncached strings -> occurrences in this batch
        for parts in batch:
            for text in parts.strings:
                if text not in cache:
                    todo[text] = todo.get(text, 0) + 1
            for text in parts.trained:
                if text not in cache and text not in todo:
                    todo[text] = 1
        texts = list(todo)
        chunks: list[list[str]] = []
        current: list[str] = []
        size = 0
        for text in texts:
            current.append(text)
            size += len(text)
            if size >= CHUNK_CHARS:
                chunks.append(current)
                current, size = [], 0
        if current:
            chunks.append(current)
        if self.pool is None:
            futures: list[Any] = [self._count_many(chunk) for chunk in chunks]
        else:
            futures = [self.pool.submit(self._count_many, chunk) for chunk in chunks]
        return batch, todo, chunks, futures

    def result(self, handle: Any) -> list[tuple[int, int]]:
        """(total, trained) per example of the batch, in order."""
        batch, todo, chunks, futures = handle
        local: dict[str, int] = {}
        cache = self.cache
        for chunk, future in zip(chunks, futures):
            counts = future.result() if isinstance(future, Future) else future
            for text, count in zip(chunk, counts):
                local[text] = count
                if len(text) <= CACHE_MAX_LEN or todo[text] > 1:
                    cache[text] = count
                    self._cached_chars += len(text)
        if self._cached_chars > CACHE_MAX_CHARS:
            cache.clear()
            self._cached_chars = 0
        out = []
        for parts in batch:
            total = parts.base
            for text in parts.strings:
                count = local.get(text)
                total += self._cached(text) if count is None else count
            trained = 0
            for text in parts.trained:
                count = local.get(text)
                trained += self._cached(text) if count is None else count
            out.append((total, trained))
        return out

    def _cached(self, text: str) -> int:
        """A count from the cache (recounted when the cache was emptied after this batch began)."""
        count = self.cache.get(text)
        if count is None:
            count = self.cache[text] = self._count_many([text])[0]
        return count

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)


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

    def submit(self, batch: list[ExampleParts]) -> Any:
        return batch

    def result(self, batch: Any) -> list[tuple[int, int]]:
        out = []
        for parts in batch:
            total = self._template_length(parts.conv)
            trained = sum(len(self.tokenizer.encode(text, add_special_tokens=False)) for text in parts.trained) \
                if parts.trained else 0
            out.append((total, trained))
        return out

    def close(self) -> None:
        pass


def make_counter(model: str | None, threads: int | None = None):
    """The counter for `model`: local tokenizer for local models, else the model's tiktoken encoding
    (an encoding name such as "o200k_base" is accepted too)."""
    from core.dataset.limits import is_local, openai_base_name
    from core.tokenizers import encoding_name_for_model

    if is_local(model):
        return LocalCounter(model)
    return TiktokenCounter(encoding_name_for_model(openai_base_name(model or "")), threads=threads)
