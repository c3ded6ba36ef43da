"""Lexical search (BM25, the bm25s library) over the chunks of a collection.

Why next to the dense vectors: an embedding blurs exact words — a plan's name, "Pix", "Andradas",
"LGPD", a price — that a customer types and the right chunk contains. BM25 scores exactly those,
and fused with the dense ranking (core.rag.search) it fixes most of the dense misses.

Tokens: lower case, accents folded ("não" = "nao", so a question typed without accents still
matches), English + Portuguese stopwords dropped (bm25s' lists), numbers kept whole with their
separators ("6.490", "10,4"). No stemmer: PyStemmer is not a dependency, and cutting words to a
prefix measured no better (bench/bench_rag.py).

On disk: one .npz (the CSC score matrix bm25s precomputes, its vocabulary and parameters), written
atomically by core.rag.index next to vectors.faiss; rebuilt from the chunk texts whenever those
change (it takes milliseconds).
"""
from __future__ import annotations

import io
import json
import re
import unicodedata
from functools import lru_cache
from typing import Sequence

import numpy as np

K1, B = 1.5, 0.75  # bm25s' defaults (Lucene's scoring)
VERSION = 1  # of the tokenizer: stored in the index manifest, a change rebuilds the index
_EMPTY = "\x00"  # see Lexical.build
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")


def fold(text: str) -> str:
    """Lower case without accents: "Básico" -> "basico"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_PORTUGUESE

    return frozenset(fold(word) for word in (*STOPWORDS_EN, *STOPWORDS_PORTUGUESE))


def tokenize(text: str) -> list[str]:
    """Folded words and numbers, stopwords left out: "Quanto custa o Básico?" -> ["custa", "basico"]."""
    stop = stopwords()
    return [token for token in _TOKEN.findall(fold(text or "")) if token not in stop]


class Lexical:
    """A BM25 index over n chunks, scored for any query in O(query tokens)."""

    def __init__(self, retriever) -> None:
        self._bm25 = retriever

    @classmethod
    def build(cls, texts: Sequence[str]) -> "Lexical":
        import bm25s

        retriever = bm25s.BM25(k1=K1, b=B)
        # bm25s cannot index a corpus without a single token: a chunk with no word (or an empty
        # collection, as one row) gets a placeholder token that tokenize() never produces.
        corpus = [tokenize(text) or [_EMPTY] for text in texts] or [[_EMPTY]]
        retriever.index(corpus, show_progress=False)
        return cls(retriever)

    @property
    def n_docs(self) -> int:
        return int(self._bm25.scores["num_docs"])

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query: float32 (n_chunks,); 0 where no word matches."""
        ids = self._bm25.get_tokens_ids(tokenize(query))
        if not ids:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)

    def to_bytes(self) -> bytes:
        """The index as one .npz (no pickle), for core.atomic.write_bytes."""
        s = self._bm25.scores
        params = {"k1": self._bm25.k1, "b": self._bm25.b, "method": self._bm25.method,
                  "num_docs": int(s["num_docs"])}
        buffer = io.BytesIO()
        np.savez(buffer, data=s["data"], indices=s["indices"], indptr=s["indptr"],
                 vocab=np.array(json.dumps(self._bm25.vocab_dict, ensure_ascii=False)),
                 params=np.array(json.dumps(params)))
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, raw: bytes) -> "Lexical":
        """Inverse of to_bytes. ValueError/KeyError/OSError when the bytes are not such an index."""
        import bm25s

        with np.load(io.BytesIO(raw), allow_pickle=False) as arrays:
            params = json.loads(str(arrays["params"]))
            retriever = bm25s.BM25(k1=params["k1"], b=params["b"], method=params["method"])
            retriever.scores = {"data": arrays["data"], "indices": arrays["indices"],
                                "indptr": arrays["indptr"], "num_docs": int(params["num_docs"])}
            retriever.vocab_dict = json.loads(str(arrays["vocab"]))
        retriever.unique_token_ids_set = set(retriever.vocab_dict.values())
        retriever.nonoccurrence_array = None  # only BM25L/BM25+ need it; we use Lucene's BM25
        return cls(retriever)
