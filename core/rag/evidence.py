"""Evidence: the sentence of a retrieved chunk that best holds the answer to the question.

Why: a reader should be able to check a RAG answer at a glance, whatever the model wrote; and a
small model reads a short passage better than a long one (prompt.py can pass only the nearest
sentences). A chunk is split into sentences (a table row counts as one, a list item too), and
each is scored by

  score = cosine(e5 query, e5 passage)                     (core.rag.e5, ~0.7..0.95 here)
        + LEXICAL_WEIGHT * share of the question's words the sentence contains (accents folded)
        + NUMBER_BONUS when the question asks for an amount (how much/many/long, quanto, prazo...)
          and the sentence has a number or a price in it.

Measured on the labelled questions (evidence of the first chunk that holds the answer contains the
answer): see bench/bench_rag.py and tests/test_rag_evidence.py.
"""
from __future__ import annotations

import re
from typing import Sequence

from core.rag import e5
from core.rag.lexical import fold, tokenize

LEXICAL_WEIGHT = 0.3
NUMBER_BONUS = 0.08
MIN_SCORE = 0.78  # below it (no shared word and a weak cosine) the chunk has no evidence: None
MAX_SENTENCES = 40  # per chunk; a chunk is at most ~160 tokens, so this is only a guard

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+")
_TABLE_RULE = re.compile(r"^\|?[\s:|-]+\|?$")
_NUMBER = re.compile(r"\d")
# Words (accents folded) that ask for an amount, a duration or a date, in English and Portuguese.
AMOUNT_WORDS = frozenset("""
much many long far cost costs price prices fee fees charge charged deposit deductible weigh weight
range when days hours years km minimum how
quanto quanta quantos quantas qto qtos qnto qnts valor valores preco precos custa custam custo taxa
multa caucao franquia prazo dias horas anos mensalidade diaria pesa peso autonomia quando minimo
""".split())


def sentences(text: str) -> list[str]:
    """The sentences of a chunk, as a reader sees them: headings, list items and table rows are
    one sentence each; Markdown bold, heading marks, bullets and table pipes are removed."""
    out: list[str] = []
    for line in (text or "").replace("\r", "\n").split("\n"):
        line = line.strip()
        if not line or _TABLE_RULE.match(line):
            continue
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            pieces = [" | ".join(cell for cell in cells if cell)]
        else:
            line = re.sub(r"^(#{1,6}\s+|[-*+]\s+|\d+[.)]\s+)", "", line)
            pieces = _SENTENCE_END.split(line)
        for piece in pieces:
            piece = " ".join(piece.replace("**", "").replace("__", "").split())
            if piece:
                out.append(piece)
    return out[:MAX_SENTENCES]


def asks_amount(question: str) -> bool:
    words = set(re.findall(r"[^\W_]+", fold(question or "")))
    return bool(words & AMOUNT_WORDS) or bool(_NUMBER.search(question or ""))


def _lexical(question_tokens: set[str], sentence: str) -> float:
    if not question_tokens:
        return 0.0
    return len(question_tokens & set(tokenize(sentence))) / len(question_tokens)


def rank_sentences(question: str, texts: Sequence[str]) -> list[list[tuple[float, int, str]]]:
    """For each text: its sentences as (score, position, sentence), best first. One batched
    embedding call for all the sentences of all the texts."""
    split = [sentences(text) for text in texts]
    flat = [s for group in split for s in group]
    if not flat:
        return [[] for _ in texts]
    query = e5.embed_queries([question])[0]  # (384,)
    cosines = e5.embed_passages(flat) @ query  # (n_sentences,)
    words = set(tokenize(question))
    amount = asks_amount(question)
    ranked, start = [], 0
    for group in split:
        scored = []
        for position, sentence in enumerate(group):
            score = float(cosines[start + position]) + LEXICAL_WEIGHT * _lexical(words, sentence)
            if amount and _NUMBER.search(sentence):
                score += NUMBER_BONUS
            scored.append((score, position, sentence))
        start += len(group)
        ranked.append(sorted(scored, key=lambda item: (-item[0], item[1])))
    return ranked


def evidence(question: str, texts: Sequence[str]) -> list[str | None]:
    """The best sentence of each text for the question, or None where none scores MIN_SCORE."""
    if not (question or "").strip():
        return [None for _ in texts]
    return [group[0][2] if group and group[0][0] >= MIN_SCORE else None
            for group in rank_sentences(question, texts)]


def nearest_sentences(question: str, texts: Sequence[str], n: int) -> list[str]:
    """Each text cut to its n sentences nearest the question, kept in reading order: the smaller
    passages a small model gets in its prompt (core.rag.prompt, max_sentences)."""
    out = []
    for text, group in zip(texts, rank_sentences(question, texts)):
        keep = sorted(group[:n], key=lambda item: item[1])
        out.append(" ".join(sentence for _, _, sentence in keep) if keep else text)
    return out

