"""Retrieval quality on a labelled question set: does a top-k chunk hold the answer?

assets/rag/questions_<lang>.jsonl, one question a line:
  {"question": str, "expected_doc": "rentals.md", "answer": "R$ 89",
   "also_docs": ["faq.md"], "heldout": bool}
A retrieved chunk holds the answer when it comes from expected_doc or one of also_docs (other
bundled pages that state the same fact, e.g. the FAQ) in the question's language and contains
`answer` (compared without case, accents, Markdown bold or extra spaces). A line without "answer"
falls back to the document alone. "heldout": the third of the questions kept aside while the
retrieval was tuned, so its score is the honest one (split="heldout").

Used by the tests (top 3 >= 95 %, top 1 >= 80 % in each language) and bench/bench_rag.py.
"""
from __future__ import annotations

import json
from pathlib import Path

from core.i18n import normalize
from core.rag.documents import DEFAULT_COLLECTION, bundled_dir
from core.rag.lexical import fold

SPLITS = ("all", "tune", "heldout")


def questions_path(lang: str) -> Path:
    return bundled_dir() / f"questions_{normalize(lang)}.jsonl"


def load_questions(lang: str, split: str = "all") -> list[dict]:
    """The labelled questions of a language; split "tune" / "heldout" keeps that part only."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}")
    with open(questions_path(lang), encoding="utf-8") as handle:
        items = [json.loads(line) for line in handle if line.strip()]
    if split == "all":
        return items
    return [item for item in items if bool(item.get("heldout")) == (split == "heldout")]


def flatten(text: str) -> str:
    """For comparing an answer with a chunk: folded case and accents, no bold, single spaces."""
    return " ".join(fold(text).replace("*", "").split())


def holds_answer(item: dict, doc_id: str, text: str) -> bool:
    """Whether a chunk (its doc_id and text) holds the labelled answer of a question."""
    docs = {item["expected_doc"], *item.get("also_docs", [])}
    if Path(doc_id).name not in docs:
        return False
    return "answer" not in item or flatten(item["answer"]) in flatten(text)


def recall_at_k(lang: str, k: int = 3, index=None, mode: str = "hybrid", split: str = "all") -> dict:
    """{"recall": share of questions with an answer chunk in the top k, "top1": share with it first,
    "n", "found", "first", "misses": [{question, expected, answer, got}]}.
    index: a RagIndex (default: the default collection's); mode: see RagIndex.search."""
    from core.rag.index import get_index

    index = index or get_index(DEFAULT_COLLECTION)
    lang = normalize(lang)
    questions = load_questions(lang, split)
    results = index.search_many([item["question"] for item in questions], k=k, lang=lang, mode=mode)
    misses, first = [], 0
    for item, hits in zip(questions, results):
        good = [holds_answer(item, hit.doc_id, hit.text) for hit in hits]
        first += bool(good and good[0])
        if not any(good):
            misses.append({"question": item["question"], "expected": item["expected_doc"],
                           "answer": item.get("answer"),
                           "got": [f"{Path(h.doc_id).name}#{h.chunk_id}" for h in hits]})
    n = len(questions)
    found = n - len(misses)
    return {"recall": found / n if n else 0.0, "top1": first / n if n else 0.0, "n": n,
            "found": found, "first": first, "misses": misses}
