"""Retrieval quality on the labelled questions: each technique alone and combined, both languages.

    OMP_NUM_THREADS=2 python bench/bench_rag.py            (~2-4 min on 2 cores; uses a temp LAB_HOME)

Rows: the baseline (all-MiniLM-L6-v2 dense, what the lab shipped before), BM25 alone, MiniLM + BM25,
multilingual e5 dense, e5 + BM25 (the lab's default). Columns: top 1 / top 3 / questions for the
tuning part and the held-out third (assets/rag/questions_*.jsonl, "heldout"), per language. A hit
is a chunk that holds the labelled answer (core.rag.evaluation.holds_answer). Then: how often the
evidence sentence holds the answer, and how much max_sentences shrinks the prompt's sources.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LAB_HOME", tempfile.mkdtemp(prefix="bench-rag-"))

import numpy as np  # noqa: E402

from core.rag import e5, embeddings, get_index, search  # noqa: E402
from core.rag.evaluation import flatten, holds_answer, load_questions  # noqa: E402
from core.rag.evidence import evidence, nearest_sentences  # noqa: E402
from core.rag.index import _passage  # noqa: E402

LANGS = ("en", "pt-BR")
SPLITS = ("tune", "heldout")


def main() -> int:
    index = get_index("default")
    index.sync()
    manifest = index._manifest
    chunks, info = manifest["chunks"], manifest["documents"]
    passages = [_passage(info[c["doc_id"]]["title"], c["section"], c["text"]) for c in chunks]
    started = time.perf_counter()
    minilm = embeddings.embed_passages(passages)  # (n_chunks, 384), the old dense index
    print(f"baseline MiniLM vectors for {len(chunks)} chunks: {time.perf_counter() - started:.1f} s")
    e5_vectors = index._faiss.reconstruct_n(0, index._faiss.ntotal)

    def evaluate(questions, lang, dense_of, mode):
        rows = np.array([c["row"] for c in chunks if info[c["doc_id"]]["lang"] == lang])
        texts = [q["question"] for q in questions]
        dense = dense_of(texts)  # (n_questions, n_chunks)
        first = top3 = 0
        for q, cosines in zip(questions, dense):
            top = search.top_rows(cosines, index._lexical.scores(q["question"]), rows, 3, mode=mode)
            good = [holds_answer(q, chunks[r]["doc_id"], chunks[r]["text"]) for r in top]
            first += good[0]
            top3 += any(good)
        return first, top3, len(questions)

    def minilm_dense(texts):
        return embeddings.embed_queries(texts) @ minilm.T

    def e5_dense(texts):
        return e5.embed_queries(texts) @ e5_vectors.T

    techniques = [("MiniLM dense (baseline)", minilm_dense, "dense"), ("BM25 alone", e5_dense, "lexical"),
                  ("MiniLM + BM25 (RRF)", minilm_dense, "hybrid"), ("e5 dense", e5_dense, "dense"),
                  ("e5 + BM25 (RRF, default)", e5_dense, "hybrid")]
    header = "".join(f"{lang + ' ' + split:>16}" for lang in LANGS for split in SPLITS)
    print(f"\n{'top1/top3/n':28}{header}{'all: top1 top3':>24}")
    table = {}
    for name, dense_of, mode in techniques:
        cells, totals = [], {}
        for lang in LANGS:
            for split in SPLITS:
                f, t3, n = evaluate(load_questions(lang, split), lang, dense_of, mode)
                cells.append(f"{f}/{t3}/{n}")
                a = totals.setdefault(lang, [0, 0, 0])
                a[0] += f
                a[1] += t3
                a[2] += n
        table[name] = totals
        summary = " ".join(f"{lang} {a[0] / a[2]:.0%} {a[1] / a[2]:.0%}" for lang, a in totals.items())
        print(f"{name:28}" + "".join(f"{c:>16}" for c in cells) + f"  {summary}")
    base, lab = table["MiniLM dense (baseline)"], table["e5 + BM25 (RRF, default)"]
    for lang in LANGS:
        print(f"{lang}: top-1 lab/baseline = {lab[lang][0]}/{base[lang][0]} = {lab[lang][0] / max(base[lang][0], 1):.2f}x, "
              f"top-3 {lab[lang][1]}/{base[lang][1]} = {lab[lang][1] / max(base[lang][1], 1):.2f}x")

    print("\nevidence sentence holds the answer (first retrieved chunk that holds it):")
    for lang in LANGS:
        for split in SPLITS:
            questions = load_questions(lang, split)
            shown = found = none = 0
            kept = total = 0
            full_chars = short_chars = 0
            for q, hits in zip(questions, index.search_many([q["question"] for q in questions], k=3, lang=lang)):
                good = [h for h in hits if holds_answer(q, h.doc_id, h.text)]
                if not good:
                    continue
                proof = evidence(q["question"], [good[0].text], [good[0].title])[0]
                shown += 1
                none += proof is None
                found += proof is not None and flatten(q["answer"]) in flatten(proof)
                short = nearest_sentences(q["question"], [good[0].text], 2, [good[0].title])[0]
                total += 1
                kept += flatten(q["answer"]) in flatten(short)
                full_chars += sum(len(h.text) for h in hits)
                short_chars += sum(len(s) for s in nearest_sentences(q["question"], [h.text for h in hits], 2,
                                                                      [h.title for h in hits]))
            print(f"  {lang:6} {split:8} evidence {found}/{shown} (None {none}); "
                  f"2 nearest sentences keep the answer {kept}/{total}; "
                  f"sources {full_chars} -> {short_chars} characters ({short_chars / max(full_chars, 1):.0%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
