"""Evidence: the sentence of a retrieved chunk that best holds the answer to the question.

Why: a reader should be able to check a RAG answer at a glance, whatever the model wrote; and a
small model reads a short passage better than a long one (prompt.py can pass only the nearest
sentences). A chunk is split into sentences (a table row counts as one, a list item too), and
each is scored by

  score = cosine(e5 query, e5 passage)                     (core.rag.e5, ~0.7..0.95 here)
        + LEXICAL_WEIGHT * share of the question's words the sentence contains (accents folded)
        + NUMBER_BONUS when the question asks for an amount (how much/many/long, quanto, prazo...)
          and the sentence has a number in it, + PRICE_BONUS more when it asks for a price (cost,
          fee, valor, custa, caução...) and the sentence has one (R$ 89, 5%),
        + TYPE_BONUS when the sentence holds the kind of value asked (km for "how far", kg for
          "how heavy", an e-mail address, a street, a year...: ANSWER_TYPES).
A sentence is embedded with its context (the heading above it, a table's header row), so "Range:
up to 80 km" under "Pedala Trilha" is not taken for the Urbana's.

Measured on the labelled questions (bench/bench_rag.py: the evidence of the first retrieved chunk
that holds the answer contains the answer): English 18/25 tuning, 11/13 held out; Portuguese 22/25
and 11/13 (cosine alone: 15/25 and 16/25 on the tuning part). The 2 nearest sentences of each
source keep the answer for 23/25, 12/13, 25/25, 13/13 while the sources shrink to 30-50 %.
"""
from __future__ import annotations

import re
import threading
from typing import Sequence

import numpy as np

from core.rag import e5
from core.rag.lexical import fold, tokenize

LEXICAL_WEIGHT = 0.3
NUMBER_BONUS = 0.15
PRICE_BONUS = 0.1
MIN_SCORE = 0.78  # below it (no shared word and a weak cosine) the chunk has no evidence: None
MAX_SENTENCES = 40  # per chunk; a chunk is at most ~160 tokens, so this is only a guard

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+")
_ABBREVIATION = re.compile(r"(?:^|\s)(?:av|r|dr|dra|sr|sra|ltda|no|nº|e\.g|i\.e|etc|approx)\.$", re.IGNORECASE)
_TABLE_RULE = re.compile(r"^\|?[\s:|-]+\|?$")
_HEADING = re.compile(r"^#{1,6}\s+(.*\S)\s*$")
_LIST_MARK = re.compile(r"^([-*+]\s+|\d+[.)]\s+)")
_NUMBER = re.compile(r"\d")
_PRICE = re.compile(r"(?:R\$|US\$|\$|€)\s?\d|\d\s?%")
# Words (accents folded) that ask for an amount, a duration or a date, in English and Portuguese.
AMOUNT_WORDS = frozenset("""
much many long far cost costs price prices fee fees charge charged deposit deductible weigh weight
range when days hours years km minimum
quanto quanta quantos quantas qto qtos qnto qnts valor valores preco precos custa custam custo taxa
multa caucao franquia prazo dias horas anos mensalidade diaria pesa peso autonomia quando minimo
""".split())
PRICE_WORDS = frozenset("""
much cost costs price prices fee fees charge charged deposit deductible discount pay
valor valores preco precos custa custam custo taxa multa caucao franquia mensalidade diaria desconto pagar pago
""".split())


def _split(line: str) -> list[str]:
    """Sentences of one line, not cut after an abbreviation ("Av. Paulista", "Ltda. (")."""
    pieces: list[str] = []
    for piece in _SENTENCE_END.split(line):
        if pieces and _ABBREVIATION.search(pieces[-1]):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    return pieces


def _clean(text: str) -> str:
    return " ".join(text.replace("**", "").replace("__", "").split())


def units(text: str, title: str = "") -> list[tuple[str, str]]:
    """(context, sentence) pairs of a chunk. sentence: as a reader sees it (list items and table
    rows one each; bold, heading marks, bullets and pipes removed). context: what the sentence
    needs to be understood alone — the heading above it (or the document title) and, for a table
    row, the table's header row. Headings themselves are context, never evidence: a FAQ heading
    repeats the question, the answer is under it."""
    out: list[tuple[str, str]] = []
    heading, header, previous_row = _clean(title), "", False
    for line in (text or "").replace("\r", "\n").split("\n"):
        line = line.strip()
        if not line:
            previous_row = False
            continue
        if _TABLE_RULE.match(line):
            continue
        match = _HEADING.match(line)
        if match:
            heading, header = _clean(match.group(1)), ""
            continue
        if line.startswith("|"):
            row = " | ".join(_clean(c) for c in line.strip("|").split("|") if c.strip())
            if not previous_row:  # the first row of a table is its header
                header, previous_row = row, True
                continue
            out.append((f"{heading}. {header}", row))
            continue
        previous_row = False
        line = _LIST_MARK.sub("", line)
        out.extend((heading, _clean(piece)) for piece in _split(line) if _clean(piece))
    return out[:MAX_SENTENCES]


def sentence_text(context: str, sentence: str) -> str:
    """What e5 embeds for a sentence: its context, a colon, the sentence."""
    return f"{context}: {sentence}" if context else sentence


def sentences(text: str, title: str = "") -> list[str]:
    """The evidence candidates of a chunk (see units)."""
    return [sentence for _, sentence in units(text, title)]


# Expected answer types (classic question answering): words of the question that ask for a kind of
# value, and what that value looks like in a sentence. A sentence holding the asked kind gets
# TYPE_BONUS. Measured with bench/bench_rag.py --sentences (top-1 sentence holds the fact, 3 chunks):
# tuning questions en 0.75 -> 0.86, pt-BR 0.77 -> 0.80.
TYPE_BONUS = 0.1
ANSWER_TYPES: tuple[tuple[frozenset[str], re.Pattern], ...] = tuple(
    (frozenset(words.split()), re.compile(pattern)) for words, pattern in (
        ("far range autonomia alcance distance distancia km charge carga", r"\d\s?km\b"),
        ("heavy weigh weight pesa peso kg pesada leve light", r"\d\s?kg\b"),
        ("power potencia watts motor", r"\d\s?W\b"),
        ("long days hours prazo tempo dias horas demora leva fast rapido quickly soon deadline",
         r"\d+\s?(?:h\b|hours?|horas?|dias?|days?|minut|meses|months?|anos|years?|semanas?|weeks?)"),
        ("email mail write escrever escrevo", r"@"),
        ("phone whatsapp call telefone ligar numero number contact contato", r"\+?\d[\d\s-]{6,}\d"),
        ("where address endereco onde street rua located fica workshop oficina hub",
         r"\b(?:Rua|Av\.|Avenida|Street|Alameda)\b"),
        ("founded year fundada ano criada began started", r"\b(?:19|20)\d\d\b"),
        ("many quantas quantos instalments installments parcelas payments vezes parcelar split", r"\d"),
    ))


def answer_types(question: str) -> list[re.Pattern]:
    """The value patterns the question asks for (empty when it asks for none we know)."""
    words = _words(question)
    return [pattern for asked, pattern in ANSWER_TYPES if asked & words]


def _words(question: str) -> set[str]:
    return set(re.findall(r"[^\W_]+", fold(question or "")))


def asks_amount(question: str) -> bool:
    """Does the question ask for a number (a price, a duration, a distance...)?"""
    return bool(_words(question) & AMOUNT_WORDS) or bool(_NUMBER.search(question or ""))


def asks_price(question: str) -> bool:
    return bool(_words(question) & PRICE_WORDS)


def _lexical(question_tokens: set[str], sentence: str) -> float:
    if not question_tokens:
        return 0.0
    return len(question_tokens & set(tokenize(sentence))) / len(question_tokens)


_cache: dict[str, np.ndarray] = {}
_cache_lock = threading.Lock()
CACHE_SIZE = 8192  # sentence vectors kept per process (1.5 KiB each: 12 MiB at most)


def _sentence_vectors(texts: list[str]) -> np.ndarray:
    """e5 passage vectors (len(texts), 384), embedding only sentences not seen before in this
    process: the same documents' sentences come back answer after answer in the arena."""
    with _cache_lock:
        known = {t: _cache[t] for t in texts if t in _cache}
    todo = [t for t in dict.fromkeys(texts) if t not in known]
    if todo:  # the bundled documents' sentences ship precomputed (core.rag.prebuilt)
        from core.rag.prebuilt import lookup

        shipped = lookup(todo)
        known.update((todo[i], vector) for i, vector in shipped.items())
        todo = [t for i, t in enumerate(todo) if i not in shipped]
    if todo:
        fresh = e5.embed_passages(todo)
        known.update(zip(todo, fresh))
        with _cache_lock:
            if len(_cache) + len(todo) > CACHE_SIZE:
                _cache.clear()
            _cache.update(zip(todo, fresh))
    return np.stack([known[t] for t in texts])


def rank_sentences(question: str, texts: Sequence[str],
                   titles: Sequence[str] | None = None) -> list[list[tuple[float, int, str]]]:
    """For each text: its sentences as (score, position, sentence), best first. A sentence is
    embedded and matched with its context (heading, table header); one batched embedding call
    for all the sentences of all the texts."""
    titles = list(titles) if titles is not None else [""] * len(texts)
    split = [units(text, title) for text, title in zip(texts, titles)]
    flat = [sentence_text(context, sentence) for group in split for context, sentence in group]
    if not flat:
        return [[] for _ in texts]
    query = e5.embed_queries([question])[0]  # (384,)
    cosines = _sentence_vectors(flat) @ query  # (n_sentences,)
    words = set(tokenize(question))
    amount, price, kinds = asks_amount(question), asks_price(question), answer_types(question)
    ranked, start = [], 0
    for group in split:
        scored = []
        for position, (context, sentence) in enumerate(group):
            score = float(cosines[start + position]) + LEXICAL_WEIGHT * _lexical(words, f"{context} {sentence}")
            if amount and _NUMBER.search(sentence):
                score += NUMBER_BONUS
            if price and _PRICE.search(sentence):
                score += PRICE_BONUS
            if any(kind.search(sentence) for kind in kinds):
                score += TYPE_BONUS
            scored.append((score, position, sentence))
        start += len(group)
        ranked.append(sorted(scored, key=lambda item: (-item[0], item[1])))
    return ranked


def evidence(question: str, texts: Sequence[str], titles: Sequence[str] | None = None) -> list[str | None]:
    """The best sentence of each text for the question, or None where none scores MIN_SCORE.
    titles: the texts' document titles (context for a chunk that starts under no heading)."""
    if not (question or "").strip():
        return [None for _ in texts]
    return [group[0][2] if group and group[0][0] >= MIN_SCORE else None
            for group in rank_sentences(question, texts, titles)]


def nearest_sentences(question: str, texts: Sequence[str], n: int,
                      titles: Sequence[str] | None = None) -> list[str]:
    """Each text cut to its n sentences nearest the question, kept in reading order: the smaller
    passages a small model gets in its prompt (core.rag.prompt, max_sentences)."""
    out = []
    for text, group in zip(texts, rank_sentences(question, texts, titles)):
        keep = sorted(group[:n], key=lambda item: item[1])
        out.append(" ".join(sentence for _, _, sentence in keep) if keep else text)
    return out



# Sentences of the first retrieved chunk are a little likelier to hold the answer than those of the
# third (retrieval ranks chunks with the whole chunk's words): each rank down costs RANK_PRIOR.
# Measured with the type bonus on, 3 chunks (top-1 sentence holds the fact, tuning questions):
# en 0.86 either way, pt-BR 0.82 -> 0.80 at 0.06; on the held-out evaluation questions en 0.62 -> 0.69,
# pt-BR 0.69 -> 0.75. Small, and it breaks the ties between near-copies of one sentence in two chunks.
RANK_PRIOR = 0.06


def focus(question: str, texts: Sequence[str], n: int,
          titles: Sequence[str] | None = None) -> list[tuple[int, str]]:
    """The n sentences nearest the question across all the texts (retrieved chunks, best first),
    as (index of its text, sentence), best first. What a small model's prompt shows: it copies
    the first source it is given far more often than it weighs six of them."""
    scored = [(score - RANK_PRIOR * rank, rank, position, sentence)
              for rank, group in enumerate(rank_sentences(question, texts, titles))
              for score, position, sentence in group]
    scored.sort(key=lambda item: (-item[0], item[1], item[2]))
    seen: set[str] = set()
    out: list[tuple[int, str]] = []
    for _, rank, _, sentence in scored:
        if sentence in seen:  # the same sentence in two chunks (overlap) is shown once
            continue
        seen.add(sentence)
        out.append((rank, sentence))
        if len(out) == n:
            break
    return out
