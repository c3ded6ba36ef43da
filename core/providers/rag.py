"""RAG contestant = any other contestant + retrieval over the lab's documents (core.rag).

The last user turn is the question: it is searched in the collection, the top-k chunks become
numbered sources in the prompt (core.rag.build_rag_messages asks for [n] citations), and the inner
provider answers. Earlier turns pass through as history. The Answer lists the sources it was given
(document, snippet, score, evidence sentence) so the arena can show them under the column.

For the embedded model (issue 11) the prompt shows only the sentences nearest the question across
the retrieved chunks, best first (core.rag.grounded.compact, SMALL_MODEL_SENTENCES), each as its own
numbered source, and the copy bias applies; a grounded run (`rag:run:ID`, preset "grounded") was
trained on exactly these prompts. The sources listed under the answer are then those sentences (with
their chunks), numbered as the model saw them, so a [n] in the answer points at the right line.
"""
from __future__ import annotations

import re
import time
from typing import Iterator

from core.errors import InputError, LabError
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
    """Wraps another provider; retrieval happens before the first token (it counts in ttft).

    The passages go to the inner provider twice: numbered in the prompt, and as a list under
    COPY_FROM on the last user message, which local models turn into a copy bias (core.rag.copy_bias;
    ChatSettings.copy_bias, measured default in bench/bench_rag_answers.py). Hosted models follow a
    RAG prompt on their own: for them the bias is set to 0 (they would ignore it anyway)."""

    kind = "rag"

    def __init__(self, inner: Provider, spec: str = "rag", sentences: int | None = -1) -> None:
        """sentences: how many sentences nearest the question the prompt keeps in all; -1 =
        automatic (core.rag.grounded.SMALL_MODEL_SENTENCES for the embedded model, whole chunks
        for other models), None = whole chunks."""
        self.inner = inner
        self.spec = spec
        self.sentences = sentences

    def check(self) -> None:
        """RAG answers when its inner contestant can (the retrieval stack always ships)."""
        self.inner.check()

    def small_local(self) -> bool:
        """True when the inner contestant is the embedded model (base or one of its runs)."""
        if getattr(self.inner, "kind", "") != "local":
            return False
        from core.providers.local import canonical_base

        return canonical_base(getattr(self.inner, "base_model", None)) == "embedded"

    def inner_settings(self, settings: ChatSettings) -> ChatSettings:
        """What the inner provider gets: no second system prompt (the RAG prompt carries one), and
        the copy bias only where a local model reads it."""
        changes: dict = {"system_prompt": None}
        if getattr(self.inner, "kind", "") != "local":
            changes["copy_bias"] = 0.0
        return settings.with_(**changes)

    def prepare(self, messages: list[dict], settings: ChatSettings) -> tuple[list[dict], list[dict], str]:
        """(prompt for the inner provider, the sources to list under the answer, question):
        retrieve, cut to the nearest sentences for a small model, number them, attach them."""
        from core import rag
        from core.rag.copy_bias import COPY_FROM
        from core.rag.grounded import SMALL_MODEL_SENTENCES, compact

        question, history, system = split_question(messages)
        lang = guess_language(question, default=settings.lang)
        hits = rag.retrieve(question, k=settings.rag_k, collection=settings.rag_collection, lang=lang)
        sentences = self.sentences
        if sentences == -1:  # the embedded model reads the nearest sentences only
            sentences = SMALL_MODEL_SENTENCES if self.small_local() else None
        shown = compact(question, hits, sentences)
        prompt = rag.build_rag_messages(question, shown, lang=lang,
                                        system_prompt=system if system is not None else settings.system_prompt,
                                        history=history)
        prompt[-1][COPY_FROM] = [hit.text for hit in shown]
        if shown == hits:
            listed = rag.sources(hits, question)
        else:  # each shown sentence, with its whole chunk, numbered as in the prompt
            chunks = {(hit.doc_id, hit.chunk_id): hit for hit in hits}
            listed = rag.sources([chunks[(hit.doc_id, hit.chunk_id)] for hit in shown],
                                 evidence=[hit.text for hit in shown])
        return prompt, listed, question

    def _finish(self, answer: Answer, listed: list[dict], question: str, retrieval_s: float) -> Answer:
        answer.contestant = self.spec
        answer.sources = listed
        if answer.ttft_s is not None:
            answer.ttft_s += retrieval_s
        if answer.latency_s is not None:
            answer.latency_s += retrieval_s
        return answer

    def stream(self, messages: list[dict], settings: ChatSettings) -> Iterator[StreamItem]:
        self.check()
        started = time.perf_counter()
        prompt, listed, question = self.prepare(messages, settings)
        retrieval_s = time.perf_counter() - started
        for item in self.inner.stream(prompt, self.inner_settings(settings)):
            yield self._finish(item, listed, question, retrieval_s) if isinstance(item, Answer) else item

    def complete_batch(self, conversations: list[list[dict]], settings: ChatSettings) -> list[Answer]:
        """Retrieve for every question, then ONE inner complete_batch over all the prompts (a local
        model generates them in one batch). A conversation without a question gets its error."""
        self.check()
        answers: list[Answer | None] = [None] * len(conversations)
        prepared: list[tuple[int, list[dict], list, str, float]] = []
        for i, messages in enumerate(conversations):
            started = time.perf_counter()
            try:
                prompt, listed, question = self.prepare(messages, settings)
            except LabError as err:
                answers[i] = Answer(contestant=self.spec, error=err.message(settings.lang))
                continue
            prepared.append((i, prompt, listed, question, time.perf_counter() - started))
        if prepared:
            inner = self.inner.complete_batch([p[1] for p in prepared], self.inner_settings(settings))
            for (i, _, listed, question, retrieval_s), answer in zip(prepared, inner):
                answers[i] = self._finish(answer, listed, question, retrieval_s)
        return [a for a in answers if a is not None]
