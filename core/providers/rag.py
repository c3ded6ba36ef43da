"""RAG contestant = any other contestant + retrieval over the lab's documents (core.rag).

The last user turn is the question: it is searched in the collection, the top-k chunks become
numbered sources in the prompt (core.rag.build_rag_messages asks for [n] citations), and the inner
provider answers. Earlier turns pass through as history. The Answer lists the sources it was given
(document, snippet, score) so the arena can show them under the column.
"""
from __future__ import annotations

import re
from typing import Iterator

from core.errors import InputError, UnavailableError
from core.providers.base import Answer, ChatSettings, Provider, StreamItem

_PT = {"que", "qual", "quais", "quanto", "quantos", "como", "onde", "quando", "não", "nao", "é", "para",
       "uma", "um", "do", "da", "dos", "das", "no", "na", "os", "as", "com", "meu", "minha", "posso",
       "vocês", "voces", "tem", "há", "por", "se", "eu", "bicicleta", "devolver", "custa", "preço",
       "plano", "assinatura", "entrega", "garantia", "aluguel", "seguro", "e"}
_EN = {"the", "what", "which", "how", "where", "when", "is", "are", "my", "can", "do", "does", "for",
       "of", "a", "an", "to", "i", "you", "your", "if", "much", "bike", "return", "price", "plan",
       "cost", "delivery", "warranty", "rent", "rental", "and", "it", "there"}


def guess_language(text: str, default: str | None = None) -> str | None:
    """'pt-BR' or 'en' from common words and Portuguese accents; `default` when it cannot tell.
    Good enough to pick the prompt language and the document language for a short question."""
    words = re.findall(r"[a-zà-ÿ]+", (text or "").lower())
    pt = sum(w in _PT for w in words) + 2 * len(re.findall(r"[ãõçâêôáéíóú]", (text or "").lower()))
    en = sum(w in _EN for w in words)
    if pt > en:
        return "pt-BR"
    if en > pt:
        return "en"
    return default


def split_question(messages: list[dict]) -> tuple[str, list[dict], str | None]:
    """(last user message, earlier user/assistant turns, system prompt found in the messages)."""
    system = next((m["content"] for m in messages if m["role"] == "system"), None)
    turns = [m for m in messages if m["role"] in ("user", "assistant")]
    if not turns or turns[-1]["role"] != "user":
        raise InputError("arena.err_no_question", "arena.err_no_question_hint")
    return str(turns[-1]["content"]), [{"role": m["role"], "content": str(m["content"])} for m in turns[:-1]], system


class RagProvider(Provider):
    """Wraps another provider; retrieval happens before the first token (it counts in ttft)."""

    kind = "rag"

    def __init__(self, inner: Provider, spec: str = "rag") -> None:
        self.inner = inner
        self.spec = spec

    def check(self) -> None:
        try:
            import core.rag  # noqa: F401
        except ImportError as exc:
            raise UnavailableError("arena.err_rag_missing", "arena.err_rag_missing_hint") from exc
        check = getattr(self.inner, "check", None)
        if check:
            check()

    def stream(self, messages: list[dict], settings: ChatSettings) -> Iterator[StreamItem]:
        import time

        self.check()
        from core import rag

        started = time.perf_counter()
        question, history, system = split_question(messages)
        lang = guess_language(question, default=settings.lang)
        hits = rag.retrieve(question, k=settings.rag_k, collection=settings.rag_collection, lang=lang)
        prompt = rag.build_rag_messages(question, hits, lang=lang,
                                        system_prompt=system if system is not None else settings.system_prompt,
                                        history=history)
        retrieval_s = time.perf_counter() - started
        # The RAG prompt already carries the system message: do not let the inner provider add another.
        for item in self.inner.stream(prompt, settings.with_(system_prompt=None)):
            if isinstance(item, Answer):
                item.contestant = self.spec
                item.sources = rag.sources(hits)
                if item.ttft_s is not None:
                    item.ttft_s += retrieval_s
                if item.latency_s is not None:
                    item.latency_s += retrieval_s
            yield item
