"""The RAG prompt: numbered sources [1]..[k] before the question, answer only from them, cite [n].

The rules sit in the user turn, next to the sources, rather than only in the system prompt: a small
local model follows instructions that are close to the question far better, and a custom system
prompt (the arena lets the user set one) then cannot drop them. Both languages come from the
catalogue (rag.prompt_*), so a Portuguese question gets Portuguese instructions.

max_sentences: for small local models, each source can be cut to its sentences nearest the
question (core.rag.evidence): a 135M model loses the fact in a 160-token table, less in two lines.
"""
from __future__ import annotations

import re
from typing import Iterable, Sequence

from core.i18n import current_language, normalize, t
from core.rag.index import Hit

SNIPPET_CHARS = 240


_MARKUP = re.compile(r"(?m)^\s{0,3}(?:#{1,6}|[-*+])\s+|\*\*|__")


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The first `limit` characters of a chunk on one line, cut at a word, with an ellipsis;
    heading marks, list bullets and bold dropped ("### Is there a deposit?" reads "Is there a deposit?")."""
    flat = " ".join(_MARKUP.sub("", text).split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def _body(hit: Hit) -> str:
    """The chunk text without a leading "# Title" line that only repeats the source's title."""
    text = hit.text.strip()
    first, _, rest = text.partition("\n")
    if first.lstrip("#").strip() == hit.title.strip() and first.startswith("#") and rest.strip():
        return rest.strip()
    return text


def format_context(hits: Sequence[Hit], lang: str | None = None, question: str | None = None,
                   max_sentences: int | None = None) -> str:
    """[1] title\\ntext, blank line, [2] ... — or the "no sources" line when nothing was found.
    max_sentences (with question): each text cut to its sentences nearest the question."""
    if not hits:
        return t("rag.prompt_no_sources", lang)
    bodies = [_body(hit) for hit in hits]
    if max_sentences and question and question.strip():
        from core.rag.evidence import nearest_sentences

        bodies = nearest_sentences(question, bodies, max_sentences, [hit.title for hit in hits])
    return "\n\n".join(t("rag.prompt_source", lang, n=n, title=hit.title, text=body)
                       for n, (hit, body) in enumerate(zip(hits, bodies), start=1))


def question_in_prompt(text: str) -> str:
    """The question inside a RAG prompt built by build_rag_messages (either language), else the
    text itself. Why: a grounded training set's user turns are whole RAG prompts; the arena's
    held-out questions and the RAG contestant want the question alone."""
    for lang in ("en", "pt-BR"):
        head, _, rest = t("rag.prompt_user", lang, context="\x00", question="\x01").partition("\x00")
        middle = rest.partition("\x01")[0]
        if text.startswith(head) and middle in text:
            return text.rpartition(middle)[2].strip() or text
    return text


def build_rag_messages(question: str, hits: Sequence[Hit], lang: str | None = None,
                       system_prompt: str | None = None, history: Iterable[dict] | None = None,
                       max_sentences: int | None = None) -> list[dict]:
    """Chat messages for an OpenAI-style chat API or a chat template:
    [system] + history + [user: sources, rules, question].
    system_prompt None -> the catalogue's default; "" -> no system message. history: earlier turns
    as {"role": "user"|"assistant", "content": str}, passed through unchanged. max_sentences: see
    format_context (None: whole chunks)."""
    lang = normalize(lang) if lang else current_language()
    system = t("rag.prompt_system", lang) if system_prompt is None else system_prompt
    messages: list[dict] = []
    if system.strip():
        messages.append({"role": "system", "content": system})
    for turn in history or []:
        messages.append({"role": turn["role"], "content": turn["content"]})
    context = format_context(hits, lang, question=question, max_sentences=max_sentences)
    user = t("rag.prompt_user", lang, context=context, question=question.strip(),
             k=len(hits))
    messages.append({"role": "user", "content": user})
    return messages


def sources(hits: Sequence[Hit], question: str | None = None,
            evidence: Sequence[str | None] | None = None) -> list[dict]:
    """What a UI lists under a RAG answer: [{"n", "doc_id", "title", "lang", "chunk_id", "score",
    "snippet", "evidence"}], n matching the [n] the model was told to cite. evidence: the sentence
    of the chunk that best holds the answer to `question` (core.rag.evidence), for the UI to
    highlight; None without a question or when no sentence is close enough. Given `evidence` (one
    per hit: the sentence the prompt showed of that chunk), it is used as it is."""
    found: list[str | None] = list(evidence) if evidence is not None else [None] * len(hits)
    if evidence is None and hits and question and question.strip():
        from core.rag.evidence import evidence

        found = evidence(question, [hit.text for hit in hits], [hit.title for hit in hits])
    return [{"n": n, "doc_id": hit.doc_id, "title": hit.title, "lang": hit.lang, "chunk_id": hit.chunk_id,
             "score": round(hit.score, 4), "snippet": snippet(hit.text), "evidence": proof}
            for n, (hit, proof) in enumerate(zip(hits, found), start=1)]
