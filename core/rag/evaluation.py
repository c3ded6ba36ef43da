"""Retrieval quality on a labelled question set: recall@k at the document level.

assets/rag/questions_<lang>.jsonl holds one {"question", "expected_doc"} per line, expected_doc being
a bundled file name (e.g. "rentals.md"). A question counts as found when any of its top-k chunks
comes from that file in the question's language. Used by the tests (recall@3 >= 0.8 per language)
and handy from a shell when tuning chunk sizes.
"""
from __future__ import annotations

import json
from pathlib import Path

from core.i18n import normalize
from core.rag.documents import DEFAULT_COLLECTION, bundled_dir


def questions_path(lang: str) -> Path:
    return bundled_dir() / f"questions_{normalize(lang)}.jsonl"


def load_questions(lang: str) -> list[dict]:
    with open(questions_path(lang), encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def recall_at_k(lang: str, k: int = 3, index=None) -> dict:
    """{"recall": share of questions found, "n": questions, "misses": [{question, expected, got}]}.
    index: a RagIndex (default: the default collection's)."""
    from core.rag.index import get_index

    index = index or get_index(DEFAULT_COLLECTION)
    lang = normalize(lang)
    questions = load_questions(lang)
    misses = []
    results = index.search_many([item["question"] for item in questions], k=k, lang=lang)
    for item, hits in zip(questions, results):
        got = [Path(hit.doc_id).name for hit in hits]
        if item["expected_doc"] not in got:
            misses.append({"question": item["question"], "expected": item["expected_doc"], "got": got})
    n = len(questions)
    return {"recall": (n - len(misses)) / n if n else 0.0, "n": n, "misses": misses}
