"""Hybrid search: the dense (e5) and lexical (BM25) rankings fused by reciprocal rank.

Reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009): a chunk scores
sum over rankings of 1 / (RRF_K + rank), rank counted from 1. It needs no calibration between a
cosine in [-1, 1] and an unbounded BM25 score, and a chunk that both rankings put near the top wins.
RRF_K = 60 is the paper's constant; 20 measured the same here (bench/bench_rag.py).

Measured on the labelled questions (chunk holding the answer, 39 a language; top 1 / top 3;
bench/bench_rag.py): English e5 dense 33/36, BM25 28/33, fused 36/38; Portuguese e5 dense 33/39,
BM25 29/37, fused 32/38. Fusion is the only one at >= 80 % / 95 % in both languages (dense alone
misses English top 3, BM25 alone both top 1).
"""
from __future__ import annotations

import numpy as np

RRF_K = 60
MODES = ("hybrid", "dense", "lexical")


def ranking(scores: np.ndarray, allowed: np.ndarray, lexical: bool = False) -> np.ndarray:
    """Rows of `allowed` ordered best first by scores[row]. Lexical scores of 0 (no shared word)
    are not a ranking: those rows are left out, so they earn no fusion credit."""
    rows = allowed[np.argsort(-scores[allowed], kind="stable")]
    if lexical:
        rows = rows[scores[rows] > 0]
    return rows


def fuse(rankings: list[np.ndarray], n_rows: int, k: int = RRF_K) -> np.ndarray:
    """RRF score of every row: float64 (n_rows,); rows no ranking holds score 0."""
    fused = np.zeros(n_rows, dtype=np.float64)
    for rows in rankings:
        fused[rows] += 1.0 / (k + 1 + np.arange(len(rows)))
    return fused


def top_rows(dense: np.ndarray, lexical: np.ndarray, allowed: np.ndarray, k: int,
             mode: str = "hybrid") -> list[int]:
    """The best k of the allowed rows, best first, unique. dense: cosine per row (n_rows,);
    lexical: BM25 per row (n_rows,). mode "dense" / "lexical" ranks by one of them alone (to
    measure each); "lexical" puts rows sharing no word after, in dense order."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    dense_rows = ranking(dense, allowed)
    if mode == "dense":
        return [int(r) for r in dense_rows[:k]]
    lexical_rows = ranking(lexical, allowed, lexical=True)
    if mode == "lexical":
        rest = dense_rows[~np.isin(dense_rows, lexical_rows)]
        return [int(r) for r in np.concatenate([lexical_rows, rest])[:k]]
    fused = fuse([dense_rows, lexical_rows], len(dense))
    order = allowed[np.lexsort((-dense[allowed], -fused[allowed]))]  # ties: the closer cosine first
    return [int(r) for r in order[:k]]
