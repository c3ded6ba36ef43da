"""The one interface every chat contestant speaks (../shared/DESIGN.md: "One provider interface").

A provider turns chat messages into a stream: text deltas (str) as they arrive, then exactly one
final `Answer` carrying the whole text and its measurements. The arena, `python -m lab ask`, the
evaluation page and the benchmark all consume the same stream, so a number shown in one place means
the same thing everywhere:

- ttft_s: seconds from the call to the first generated token (prompt processing + first step).
- tokens_per_s: decode speed = (tokens_out - 1) / (end - first token), in output tokens per second;
  the first token is excluded because its time is already in ttft_s.
- latency_s: seconds from the call to the last token.
- cost_usd: hosted price from the pricing data, or GPU $/hour x generation time for local models
  (0 when no price is set); None when unknown (an endpoint the pricing data does not know).
"""
from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Iterable, Iterator, Union

from core.errors import LabError


def control(default: Any, label: str, help: str, min: float | None = None, max: float | None = None,  # noqa: A002
            step: float | None = None, column: bool = False) -> Any:
    """A setting the user can change: catalogue keys for its label and tooltip and its bounds, read by
    the arena's widgets and the flags of `lab ask` (STYLE habit #3). column=True: each arena column
    may override it ("own settings")."""
    return field(default=default, metadata={"label": label, "help": help, "min": min, "max": max, "step": step,
                                            "column": column})


@dataclass
class ChatSettings:
    """Generation settings shared by every provider (the arena's sliders, the CLI's flags). Fields made
    with control() are the ones a user sets; control_specs() lists them with their bounds."""

    # 0 = greedy (deterministic); higher = more varied answers
    temperature: float = control(0.7, "arena.temperature", "arena.temperature_help", 0.0, 2.0, 0.05, column=True)
    # upper bound on generated tokens per answer
    max_tokens: int = control(256, "arena.max_tokens", "arena.max_tokens_help", 1, 1024, 1, column=True)
    # prepended when the conversation has no system message
    system_prompt: str | None = control(None, "arena.system_prompt", "arena.system_prompt_help", column=True)
    # Local models only (1.0 = off). Tiny models like SmolLM2-135M loop under greedy decoding before
    # they reach a fine-tuned sign-off; 1.15 stops the loops without changing what they say.
    repetition_penalty: float = 1.15
    # nucleus sampling: keep the smallest token set whose probability >= top_p
    top_p: float = control(1.0, "arena.top_p", "arena.top_p_help", 0.05, 1.0, 0.05)
    # same seed + same settings -> same sampled answer; None or < 0 = random
    seed: int | None = control(None, "arena.seed", "arena.seed_help", -1, None, 1)
    # local models: price of the user's machine in USD/hour, for the cost line
    gpu_usd_per_hour: float = control(0.0, "arena.gpu_price", "arena.gpu_price_help", 0.0, None, 0.1)
    # RAG contestants: how many chunks to retrieve
    rag_k: int = control(3, "arena.rag_k", "arena.rag_k_help", 1, 8, 1)
    rag_collection: str = "default"
    lang: str | None = None  # the interface language (RAG prompt language when known)
    # Local models with RAG only: logit bonus for tokens that occur in the retrieved sources (0 = off),
    # so a small model copies the fact it was given instead of inventing one (core.rag.copy_bias owns
    # the processor and its measurements; RagProvider sets 0 for hosted models). Default measured on
    # the embedded model: fact recall 0/8 -> 4/8 in English and in pt-BR at +4 (with the continuation
    # bonus), worse in English at +6.
    copy_bias: float = control(4.0, "arena.copy_bias", "arena.copy_bias_help", 0.0, 10.0, 0.5, column=True)
    # Strings that end an answer early (local: generate's stop_strings; hosted: the API's `stop`).
    stop: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.temperature = max(0.0, float(self.temperature))
        self.max_tokens = max(1, int(self.max_tokens))
        self.top_p = min(1.0, max(0.01, float(self.top_p)))
        self.repetition_penalty = min(2.0, max(1.0, float(self.repetition_penalty)))
        if self.seed is not None:
            self.seed = int(self.seed) if int(self.seed) >= 0 else None
        self.copy_bias = max(0.0, float(self.copy_bias))
        self.stop = tuple(str(s) for s in (self.stop or ()) if str(s))
        if self.system_prompt is not None and not str(self.system_prompt).strip():
            self.system_prompt = None

    def with_(self, **changes: Any) -> "ChatSettings":
        return replace(self, **changes)

    @classmethod
    def control_specs(cls) -> list[dict]:
        """[{name, type ("float"|"int"|"str"), default, label, help, min, max, step, column}] of the
        fields a user sets, in declaration order."""
        kinds = {"float": "float", "int": "int"}
        return [{"name": f.name, "type": next((v for k, v in kinds.items() if str(f.type).startswith(k)), "str"),
                 "default": f.default, **f.metadata} for f in fields(cls) if "label" in f.metadata]


@dataclass
class Answer:
    """The final item of every stream: what was said and what it cost."""

    contestant: str = ""
    text: str = ""
    ttft_s: float | None = None
    latency_s: float | None = None
    tokens_per_s: float | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    tokens_estimated: bool = False  # True when the server sent no usage and we counted ourselves
    cost_usd: float | None = None
    sources: list[dict] = field(default_factory=list)  # RAG: n, doc_id, title, lang, chunk_id, snippet, score
    error: str | None = None  # a user-facing reason (already translated); text may be partial
    model: str | None = None  # what actually answered (base model id, deployment, ...)

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict:
        return asdict(self)


StreamItem = Union[str, Answer]


class Stopwatch:
    """Measures ttft/latency/tokens-per-second the same way for every provider."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.first: float | None = None
        self.end: float | None = None

    def token(self) -> None:
        if self.first is None:
            self.first = time.perf_counter()

    def stop(self) -> None:
        self.end = time.perf_counter()

    def fill(self, answer: Answer) -> Answer:
        end = self.end or time.perf_counter()
        answer.latency_s = end - self.start
        if self.first is not None:
            answer.ttft_s = self.first - self.start
            decode = end - self.first
            if answer.tokens_out and answer.tokens_out > 1 and decode > 0:
                answer.tokens_per_s = (answer.tokens_out - 1) / decode
        return answer


def with_system_prompt(messages: list[dict], settings: ChatSettings) -> list[dict]:
    """Prepend settings.system_prompt unless the conversation already starts with a system message."""
    clean = [{"role": m["role"], "content": str(m.get("content") or "")} for m in messages]
    if settings.system_prompt and not (clean and clean[0]["role"] == "system"):
        clean.insert(0, {"role": "system", "content": settings.system_prompt})
    return clean


class Provider(ABC):
    """A chat contestant. Subclasses implement `stream`; everything else is shared."""

    spec: str = ""  # the contestant spec that built it, e.g. "base", "run:abc123", "rag:openai:gpt-4o-mini"
    kind: str = ""  # local | openai | azure | endpoint | rag

    @abstractmethod
    def stream(self, messages: list[dict], settings: ChatSettings) -> Iterator[StreamItem]:
        """Yield text deltas, then one Answer. Raise LabError before the first yield when the
        contestant cannot answer at all (no key, model missing); once streaming has begun, failures
        end the stream with an Answer whose `error` says why (the partial text is kept)."""

    def check(self) -> None:
        """Cheap availability check (no model load, no network): raise a LabError saying why this
        contestant cannot answer. Local and hosted providers override it; the default has nothing to check."""

    def complete(self, messages: list[dict], settings: ChatSettings) -> Answer:
        """The whole answer at once (evaluation, scripts)."""
        return collect(self.stream(messages, settings))

    def complete_batch(self, conversations: list[list[dict]], settings: ChatSettings) -> list[Answer]:
        """One Answer per conversation, in order (evaluation). The default answers one at a time;
        local models override it to generate a whole batch in one `generate` call. A contestant
        that cannot answer one conversation returns an Answer with `error` set for it."""
        out: list[Answer] = []
        for messages in conversations:
            try:
                out.append(self.complete(messages, settings))
            except LabError as err:
                out.append(Answer(contestant=self.spec, error=err.message(settings.lang)))
        return out


def collect(stream: Iterable[StreamItem]) -> Answer:
    """Drain a stream and return its Answer (text joined from the deltas if the Answer lacks it)."""
    parts: list[str] = []
    final: Answer | None = None
    for item in stream:
        if isinstance(item, Answer):
            final = item
        else:
            parts.append(item)
    if final is None:  # a provider that forgot its Answer is a bug; say so instead of inventing one
        raise RuntimeError("provider stream ended without an Answer")
    if not final.text:
        final.text = "".join(parts)
    return final
