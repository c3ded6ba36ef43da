r"""Token counts for inspection: tiktoken for OpenAI models, a chat template for local models.

TiktokenCounter gives exactly the cookbook's numbers (3 per message + tokens of every string value
+ 1 per name + 3) for the same encoding, with less work:
- role names are counted once per role, not encoded on every message;
- strings repeated in a batch (system prompts, names, tool definitions) are encoded once and
  remembered across batches; the cookbook's encode() also scans each string for special tokens,
  which encode_ordinary skips (on text without special tokens both give the same tokens);
- the other strings of a batch are encoded in ~256 KB chunks, one tiktoken call per chunk, which
  saves the per-call overhead of one call per string. No threads: parallelism comes from scanning
  byte ranges of the file in separate processes (inspector.py); two tokenizer threads beside the
  parsing thread took 10.6 s of CPU on the bench file where one thread took 6.2 s (measured).

Why a chunk gives exact per-example counts: tiktoken splits text with a regex into pieces and
runs BPE inside each piece. The chunk is, per segment, MARK + SEP + s1 + SEP + s2 ... + SEP with
MARK = "\x00" and SEP = " \n". When no string is empty, starts or ends with whitespace, or contains
"\x00", the regexes of o200k_base and cl100k_base cannot make a piece that crosses a string's edge:
a string ends with a non-space character that cannot absorb the following space; " \n" is one
piece (\s*[\r\n]+) that cannot absorb the next string's first, non-space character; "\x00" is a
piece of its own. So a segment's tokens are those of its strings plus (k + 1) × tokens(" \n"),
and the "\x00" token, which nothing else can produce, marks where each segment starts. Strings
that do not meet the conditions are encoded on their own. tests/test_inspect_tokens.py checks
chunked counts against one-by-one counts on random text, both encodings.

LocalCounter renders each conversation with the local model's chat template and counts the result.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Sequence

import numpy as np

from core.dataset.checks import ROLES, ExampleParts

SHORT = 64  # strings up to this many characters (names, "Thanks!") are encoded alone and remembered
CACHE_MAX_CHARS = 8_000_000  # the cache is emptied beyond this many characters (~8-32 MB)
CHUNK_CHARS = 256_000  # characters per chunk: ~60,000 tokens, ~10-20 ms of GIL-free encoding
MARK, SEP = "\x00", " \n"


def joinable(text: str) -> bool:
    """Whether `text` can share a chunk (see the module docstring; submit() inlines this test)."""
    return bool(text) and not text[0].isspace() and not text[-1].isspace() and MARK not in text


class _Plan:
    """One batch in flight: which strings were joined into which segment, which go alone."""

    __slots__ = ("batch", "alone", "alone_counts", "chunks", "rows", "remember")

    def __init__(self, batch: list[ExampleParts]) -> None:
        self.batch = batch
        self.alone: list[str] = []  # distinct strings encoded one by one
        self.alone_counts: Any = None
        self.chunks: list[tuple[Any, list[list[str]]]] = []  # (counts, segments' strings)
        self.rows: list[tuple[int, int, list[str], list[str]]] = []  # per example: segment ids, strings alone
        self.remember: dict[str, bool] = {}


class TiktokenCounter:
    """Counts for batches of ExampleParts with one tiktoken encoding."""

    def __init__(self, encoding_name: str) -> None:
        from core.tokenizers import get_encoding

        self.encoding_name = encoding_name
        self.encoding = get_encoding(encoding_name)
        self._core = self.encoding._core_bpe
        self.cache: dict[str, int] = {}
        self._cached_chars = 0
        # known role names are counted from ExampleParts.roles ("other": its string is in strings)
        self.role_tokens = {role: len(self.encoding.encode_ordinary(role)) for role in ROLES}
        self.role_tokens["other"] = 0
        self.sep_tokens = len(self.encoding.encode_ordinary(SEP))
        marks = self.encoding.encode_ordinary(MARK)
        assert len(marks) == 1, "the segment mark must be one token"
        self.mark_token = marks[0]

    @property
    def label(self) -> str:
        return self.encoding_name

    def count_text(self, text: str) -> int:
        return self._count_many([text])[0]

    def _count_many(self, texts: Sequence[str]) -> list[int]:
        encode = self._core.encode_ordinary
        out = []
        for text in texts:
            try:
                out.append(len(encode(text)))
            except UnicodeEncodeError:  # lone surrogates: tiktoken's own fallback
                out.append(len(self.encoding.encode_ordinary(text)))
        return out

    def _count_chunk(self, segments: list[list[str]]) -> np.ndarray:
        """Token counts of each segment's strings (uint32 array), one tiktoken call for all."""
        text = "".join(MARK + SEP + SEP.join(strings) + SEP for strings in segments)
        try:
            tokens = np.frombuffer(self._core.encode_to_tiktoken_buffer(text, set()), dtype=np.uint32)
        except UnicodeEncodeError:  # a lone surrogate somewhere: count this chunk string by string
            return np.array([sum(self._count_many(strings)) for strings in segments], dtype=np.int64)
        starts = np.flatnonzero(tokens == self.mark_token)
        if len(starts) != len(segments):  # cannot happen (see the docstring); stay exact if it does
            return np.array([sum(self._count_many(strings)) for strings in segments], dtype=np.int64)
        lengths = np.diff(np.append(starts, tokens.size)) - 1  # tokens after each mark
        k = np.fromiter((len(strings) for strings in segments), dtype=np.int64, count=len(segments))
        return lengths.astype(np.int64) - (k + 1) * self.sep_tokens

    def submit(self, batch: list[ExampleParts]) -> _Plan:
        """Start counting a batch; pass the returned plan to `result`.

        Shared strings (system prompts, tool definitions) and short ones (names, "Thanks!") are
        encoded once each and remembered; long strings go into chunks when joinable, else alone."""
        cache = self.cache
        plan = _Plan(batch)
        alone: dict[str, bool] = {}  # distinct strings encoded on their own -> remember them?
        segments: list[list[str]] = []  # the current chunk's segments
        flushed = 0  # segments in earlier chunks: row ids are batch-wide
        size = 0
        for parts in batch:
            rest: list[str] = []  # untrained strings counted from the cache or from `alone`
            rest_trained: list[str] = []
            for text in parts.shared:
                if text not in cache:
                    alone[text] = True
                rest.append(text)
            row = []
            for source, target in ((parts.strings, rest), (parts.trained, rest_trained)):
                joined = self._route(source, target, alone)
                if joined:
                    row.append(flushed + len(segments))
                    segments.append(joined)
                    size += sum(map(len, joined))
                else:
                    row.append(-1)
            plan.rows.append((row[0], row[1], rest, rest_trained))
            if size >= CHUNK_CHARS:
                plan.chunks.append((self._count_chunk(segments), segments))
                flushed += len(segments)
                segments, size = [], 0
        if segments:
            plan.chunks.append((self._count_chunk(segments), segments))
        plan.alone = list(alone)
        plan.remember = alone
        plan.alone_counts = self._count_many(plan.alone)
        return plan

    def _route(self, texts: list[str], rest: list[str], alone: dict[str, bool]) -> list[str]:
        """Return the texts to join into a chunk segment; put the others in `rest` (counted from
        the cache, or encoded alone: short ones are then remembered)."""
        cache = self.cache
        joined = []
        for text in texts:
            if text in cache:
                rest.append(text)
            elif len(text) > SHORT and not text[0].isspace() and not text[-1].isspace() and MARK not in text:
                joined.append(text)
            else:
                if text not in alone:
                    alone[text] = len(text) <= SHORT
                rest.append(text)
        return joined

    def result(self, plan: _Plan) -> list[tuple[int, int]]:
        """(total, trained) per example of the batch, in order."""
        local = dict(zip(plan.alone, plan.alone_counts))
        for text, count in local.items():
            if plan.remember[text]:
                self.cache[text] = count
                self._cached_chars += len(text)
        segment_counts: list[int] = []
        for values, _segments in plan.chunks:
            segment_counts.extend(values.tolist())
        out = []
        role_tokens = self.role_tokens
        for parts, (row_plain, row_trained, rest, rest_trained) in zip(plan.batch, plan.rows):
            trained = segment_counts[row_trained] if row_trained >= 0 else 0
            for text in rest_trained:
                count = local.get(text)
                trained += self._cached(text) if count is None else count
            total = parts.base + sum(map(role_tokens.__getitem__, parts.roles)) + trained
            if row_plain >= 0:
                total += segment_counts[row_plain]
            for text in rest:
                count = local.get(text)
                total += self._cached(text) if count is None else count
            out.append((total, trained))
        if self._cached_chars > CACHE_MAX_CHARS:
            self.cache.clear()
            self._cached_chars = 0
        return out

    def _cached(self, text: str) -> int:
        """A count from the cache (recounted when the cache was emptied after this batch began)."""
        count = self.cache.get(text)
        if count is None:
            count = self.cache[text] = self._count_many([text])[0]
        return count

    def close(self) -> None:
        pass


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


def make_counter(model: str | None):
    """The counter for `model`: local tokenizer for local models, else the model's tiktoken encoding
    (an encoding name such as "o200k_base" is accepted too)."""
    from core.dataset.limits import is_local, openai_base_name
    from core.tokenizers import encoding_name_for_model

    if is_local(model):
        return LocalCounter(model)
    return TiktokenCounter(encoding_name_for_model(openai_base_name(model or "")))
