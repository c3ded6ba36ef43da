"""Retrieval-augmented generation over the lab's documents (bundled Pedala docs + uploads).

Public API (used by the providers, the arena, the documents page and the CLI):
- retrieve(question, k=3, collection="default", lang=None) -> list[Hit]
- build_rag_messages(question, hits, lang=None, system_prompt=None, history=None) -> list[dict]
- get_index(collection="default") -> RagIndex (search, add_document, remove_document,
  list_documents, rebuild, sync)
- sources(hits, question=None) -> list[dict] for listing cited documents, snippets and the
  evidence sentence (the one that best holds the answer) under an answer.

Modules: documents (files in, text out), chunking, e5 (multilingual retrieval embeddings), lexical
(BM25), search (rank fusion), index (FAISS + BM25 on disk), prebuilt (shipped vectors of the bundled
documents), evidence (best sentences), prompt, evaluation (recall on the labelled questions).
embeddings (all-MiniLM-L6-v2) stays for chunk token counts and the evaluation's similarity metric.
Importing this package is cheap: faiss, bm25s and the e5 engine load on first use.
"""
from __future__ import annotations

from core.rag.documents import DEFAULT_COLLECTION, Document
from core.rag.index import Hit, RagIndex, get_index
from core.rag.prompt import build_rag_messages, snippet, sources


def retrieve(question: str, k: int = 3, collection: str = DEFAULT_COLLECTION,
             lang: str | None = None) -> list[Hit]:
    """The k chunks closest to the question. lang ("en"/"pt-BR") restricts the search to documents
    in that language plus language-neutral uploads; None searches every document."""
    return get_index(collection).search(question, k=k, lang=lang)


__all__ = ["DEFAULT_COLLECTION", "Document", "Hit", "RagIndex", "build_rag_messages", "get_index",
           "retrieve", "snippet", "sources"]
