"""Precomputed e5 vectors of the bundled documents' chunks, shipped in assets/rag/prebuilt/.

Why: the multilingual model (core.rag.e5) embeds a chunk in ~0.3 s on 2 shared cores, so the ~130
bundled chunks would cost a first-time user (and every test process) about a minute before the
first answer. The engine is deterministic, so a vector computed once is the vector the user's
machine would compute: the index takes it from here when the passage text and the embedder match,
and embeds only what is not here (uploads, an edited document).

The same holds for the evidence sentences (core.rag.evidence embeds each sentence of a retrieved
chunk with its heading): shipped too, the arena shows the evidence of a bundled page at once.

File: vectors.npz = {"embedder": str, "sha256": (n,) str, "vectors": float32 (n, 384)}, one row per
text e5 embeds as a passage — chunk passages (title line + chunk text, as core.rag.index embeds
them) and evidence sentences — keyed by the sha256 of the text.
Regenerate after editing a bundled document:  python -m core.rag.prebuilt
(tests/test_rag_prebuilt.py fails, naming that command, while the file is stale.)
"""
from __future__ import annotations

import hashlib
import io
from functools import lru_cache
from typing import Sequence

import numpy as np

from core.atomic import write_bytes
from core.paths import ASSETS
from core.rag import e5

PREBUILT = ASSETS / "rag" / "prebuilt" / "vectors.npz"


def passage_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _load(mtime_ns: int) -> tuple[str, dict[str, int], np.ndarray]:
    with np.load(PREBUILT, allow_pickle=False) as data:
        keys = [str(k) for k in data["sha256"]]
        return str(data["embedder"]), {k: i for i, k in enumerate(keys)}, np.asarray(data["vectors"], np.float32)


def lookup(passages: Sequence[str]) -> dict[int, np.ndarray]:
    """{position in passages: shipped vector} for the passages the file holds with today's embedder."""
    try:
        embedder, rows, vectors = _load(PREBUILT.stat().st_mtime_ns)
    except (OSError, ValueError, KeyError):
        return {}
    if embedder != e5.embedder_id():
        return {}
    found = {}
    for position, text in enumerate(passages):
        row = rows.get(passage_key(text))
        if row is not None:
            found[position] = vectors[row]
    return found


def bundled_passages() -> list[str]:
    """Every passage the default collection embeds for the bundled documents, in index order."""
    from core.rag import chunking, documents
    from core.rag.index import _passage

    passages = []
    for doc in documents.bundled_documents():
        text = documents.read_text(doc)
        for piece in chunking.chunk_text(text, chunking.CHUNK_TOKENS, chunking.OVERLAP_TOKENS):
            passages.append(_passage(doc.title, piece.section, piece.text))
    return passages


def bundled_sentences() -> list[str]:
    """Every evidence sentence (with its context, as core.rag.evidence embeds it) of the bundled
    documents' chunks, each once."""
    from core.rag import chunking, documents
    from core.rag.evidence import sentence_text, units

    seen: dict[str, None] = {}
    for doc in documents.bundled_documents():
        for piece in chunking.chunk_text(documents.read_text(doc), chunking.CHUNK_TOKENS, chunking.OVERLAP_TOKENS):
            for context, sentence in units(piece.text, doc.title):
                seen.setdefault(sentence_text(context, sentence), None)
    return list(seen)


def write(passages: Sequence[str], vectors: np.ndarray) -> None:
    """Store passages' vectors (float32 (n, 384)) as the shipped file, atomically."""
    buffer = io.BytesIO()
    np.savez(buffer, embedder=np.array(e5.embedder_id()),
             sha256=np.array([passage_key(p) for p in passages]),
             vectors=np.ascontiguousarray(vectors, dtype=np.float32))
    write_bytes(PREBUILT, buffer.getvalue())


def main() -> int:
    texts = bundled_passages() + bundled_sentences()
    write(texts, e5.embed_passages(texts, progress=lambda d, n: print(f"{d}/{n}", flush=True)))
    print(f"{len(texts)} vectors -> {PREBUILT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
