"""A persisted hybrid index of one collection (dense FAISS + lexical BM25), re-embedded only where
documents changed.

On disk, under LAB_HOME/rag/<collection>/index/:
- vectors.faiss  — faiss.IndexFlatIP of L2-normalised float32 e5 vectors (core.rag.e5), shape
                   (n_chunks, 384); inner product = cosine similarity. Flat = exact search: at 384
                   floats (1.5 KiB) a chunk, even 10,000 chunks scan in a few milliseconds.
- lexical.npz    — the BM25 index of the same chunks (core.rag.lexical), rebuilt with every change
                   (milliseconds: it needs no model).
- manifest.json  — the embedder and chunking settings, each document's sha256 and chunk rows, the
                   chunk texts, and the sha256 of vectors.faiss and lexical.npz. Written last.
All are written atomically (core.atomic); the manifest names the exact files it goes with, so a
crash or two processes writing at once can leave an old index but never a mismatched one (a mismatch
is detected on load and rebuilt).

Search ranks the chunks by both and fuses the two rankings (core.rag.search, reciprocal rank).
Bundled documents' vectors come precomputed (core.rag.prebuilt) when their text is unchanged.

sync() runs before every search: it stats the document files (cheap) and, only if they differ from
what it saw last, hashes them and compares with the manifest. Unchanged documents keep their vectors
(read back from the old index); new or changed ones are chunked and embedded. So the Streamlit page
and the Gradio arena (separate processes) both see an upload on their next search.
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from core.atomic import write_bytes, write_text
from core.errors import InputError, LabError
from core.i18n import normalize, t
from core.rag import chunking, documents, e5, lexical, prebuilt, search
from core.rag.documents import DEFAULT_COLLECTION, Document

MANIFEST_VERSION = 2  # 2: e5 vectors + BM25 (1 was MiniLM only)
Progress = Callable[[float, str], None]  # (fraction 0..1, message in the current language)


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk. Hits come best first by the fused (dense + lexical) rank; score is the
    chunk's cosine similarity to the question in [-1, 1] (higher is closer), for display."""
    doc_id: str
    title: str
    lang: str | None
    chunk_id: int
    text: str
    score: float


def _settings() -> dict:
    return {"embedder": e5.embedder_id(), "chunk_tokens": chunking.CHUNK_TOKENS,
            "overlap_tokens": chunking.OVERLAP_TOKENS, "lexical": lexical.VERSION,
            "version": MANIFEST_VERSION}


def _error_text(error: dict | None) -> str | None:
    """A stored document error, rendered in the current language."""
    if not error:
        return None
    return LabError(error["key"], error.get("hint_key"), **error.get("params", {})).message()


_TABLE_RULE = re.compile(r"^\s*\|?[\s:|-]*-[\s:|-]*\|?\s*$")  # |---|:--:| under a Markdown table header


def _passage(title: str, section: str, text: str) -> str:
    """What gets embedded (and BM25-indexed): the title (and section heading) give a chunk its topic
    back; Markdown table rules and bold marks are left out — markup, not meaning, and e5 spends
    tokens on them (measured: Portuguese top 1 31 -> 32 of 39, top 3 unchanged; bench/bench_rag.py)."""
    head = f"{title} — {section}" if section and section != title else title
    body = "\n".join(line for line in text.split("\n") if not _TABLE_RULE.match(line)).replace("**", "")
    return f"{head}\n{body}"


class RagIndex:
    """Documents + FAISS index of one collection. Thread-safe; one instance per collection per
    process (see get_index)."""

    def __init__(self, collection: str = DEFAULT_COLLECTION, folder: Path | None = None) -> None:
        """folder: where uploads and the index live (default LAB_HOME/rag/<collection>)."""
        self.collection = documents.check_collection(collection)
        self.folder = Path(folder) if folder else documents.collection_dir(collection)
        self.index_dir = self.folder / "index"
        self._lock = threading.RLock()
        self._faiss = None
        self._lexical: lexical.Lexical | None = None
        self._matrix: tuple | None = None  # (faiss index, its vectors as float32 (n_chunks, 384))
        self._manifest: dict | None = None
        self._signature: tuple | None = None
        # What the last sync did, for the page and the tests: chunks embedded vs reused (from the
        # old index or the shipped vectors of the bundled documents).
        self.last_sync = {"embedded": 0, "reused": 0, "changed": False}

    # ---- documents -------------------------------------------------------------------------

    def documents(self) -> list[Document]:
        return documents.list_documents(self.collection, self.folder)

    def list_documents(self) -> list[dict]:
        """Every document with what the index knows of it (chunks, error) — without embedding."""
        manifest = self._read_manifest() or self._manifest or {}  # disk: another process may have synced
        known = manifest.get("documents", {})
        rows = []
        for doc in self.documents():
            entry = known.get(doc.doc_id, {})
            rows.append({"doc_id": doc.doc_id, "title": entry.get("title") or doc.title,
                         "lang": doc.lang, "source": doc.source, "name": doc.name, "size": doc.size,
                         "chunks": entry.get("n_chunks"), "error": _error_text(entry.get("error"))})
        return rows

    def add_document(self, name: str, data: bytes, lang: str | None = None,
                     progress: Progress | None = None) -> Document:
        """Validate, store and index one upload (only its chunks are embedded)."""
        with self._lock:
            doc = documents.save_upload(name, data, self.collection, lang, self.folder)
            self.sync(progress=progress)
            return doc

    def remove_document(self, doc_id: str) -> None:
        with self._lock:
            documents.delete_upload(doc_id, self.collection, self.folder)
            self.sync()

    # ---- index -----------------------------------------------------------------------------

    def _snapshot(self) -> tuple[list[Document], tuple]:
        """The documents now on disk and their (doc_id, size, mtime) signature. A file removed while
        we look (another process deleting it) is simply left out."""
        docs, stats = [], []
        for doc in self.documents():
            try:
                st = doc.path.stat()
            except OSError:
                continue
            docs.append(doc)
            stats.append((doc.doc_id, st.st_size, st.st_mtime_ns))
        return docs, tuple(stats)

    def _read_manifest(self) -> dict | None:
        path = self.index_dir / "manifest.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _load_from_disk(self) -> tuple[object, object, dict] | tuple[None, None, None]:
        """The saved (faiss index, lexical index, manifest) if they are there and belong together;
        else (None, None, None). A missing or damaged lexical.npz alone is rebuilt from the chunk
        texts (no embedding needed)."""
        import faiss

        manifest = self._read_manifest()
        if not manifest:
            return None, None, None
        try:
            raw = (self.index_dir / "vectors.faiss").read_bytes()
        except OSError:
            return None, None, None
        if hashlib.sha256(raw).hexdigest() != manifest.get("faiss_sha256"):
            return None, None, None
        index = faiss.deserialize_index(np.frombuffer(raw, dtype=np.uint8))
        if index.ntotal != len(manifest.get("chunks", [])):
            return None, None, None
        words = None
        try:
            raw_lexical = (self.index_dir / "lexical.npz").read_bytes()
            if hashlib.sha256(raw_lexical).hexdigest() == manifest.get("lexical_sha256"):
                words = lexical.Lexical.from_bytes(raw_lexical)
        except (OSError, ValueError, KeyError):
            words = None
        if words is None or words.n_docs != max(index.ntotal, 1):
            words = _lexical_of(manifest)
        return index, words, manifest

    def sync(self, force: bool = False, progress: Progress | None = None) -> dict:
        """Bring the index up to date with the documents; embed only what changed (all if force).
        Returns last_sync: {"embedded": chunks embedded, "reused": chunks kept, "changed": bool}."""
        with self._lock:
            docs, signature = self._snapshot()
            if not force and self._faiss is not None and signature == self._signature:
                self.last_sync = {"embedded": 0, "reused": self._faiss.ntotal, "changed": False}
                return self.last_sync
            if not force:  # another process (the arena, the page) may already have indexed the change
                on_disk = self._load_from_disk()
                if on_disk[0] is not None:
                    self._faiss, self._lexical, self._manifest = on_disk
            hashes = {}
            for doc in list(docs):
                try:
                    hashes[doc.doc_id] = documents.file_hash(doc.path)
                except OSError:  # vanished since the snapshot
                    docs.remove(doc)
            old = self._manifest or {}
            same_settings = old.get("settings") == _settings()
            old_docs = old.get("documents", {}) if same_settings and not force else {}
            unchanged = (self._faiss is not None and same_settings and not force
                         and set(old_docs) == set(hashes)
                         and all(old_docs[d]["sha256"] == h for d, h in hashes.items()))
            if unchanged:
                self._signature = signature
                self.last_sync = {"embedded": 0, "reused": self._faiss.ntotal, "changed": False}
                return self.last_sync
            self._rebuild(docs, hashes, old_docs, progress)
            self._signature = signature
            return self.last_sync

    def rebuild(self, progress: Progress | None = None) -> dict:
        """Re-read and re-embed every document (the page's "Rebuild index" button)."""
        return self.sync(force=True, progress=progress)

    def _rebuild(self, docs: list[Document], hashes: dict, old_docs: dict, progress: Progress | None) -> None:
        import faiss

        def report(fraction: float, message: str) -> None:
            if progress:
                progress(min(max(fraction, 0.0), 1.0), message)

        old_chunks = (self._manifest or {}).get("chunks", [])
        chunks: list[dict] = []
        vectors: list[np.ndarray] = []
        doc_entries: dict[str, dict] = {}
        pending: list[tuple[int, str]] = []  # (row, passage text) still to embed
        reused = 0
        for number, doc in enumerate(docs, start=1):
            report(0.1 * number / max(len(docs), 1), t("rag.progress_reading", name=doc.name))
            previous = old_docs.get(doc.doc_id)
            if previous and previous["sha256"] == hashes[doc.doc_id] and self._faiss is not None:
                first, count = previous.get("first_row", 0), previous.get("n_chunks", 0)
                entry = dict(previous, first_row=len(chunks))
                if count:
                    vectors.append(self._faiss.reconstruct_n(first, count))
                    chunks.extend(dict(c, row=len(chunks) + i) for i, c in enumerate(old_chunks[first:first + count]))
                reused += count
                doc_entries[doc.doc_id] = entry
                continue
            entry = {"sha256": hashes[doc.doc_id], "title": doc.title, "lang": doc.lang,
                     "source": doc.source, "first_row": len(chunks), "n_chunks": 0, "error": None}
            try:
                text = documents.read_text(doc)
            except LabError as err:  # a file dropped into the folder by hand may be unreadable
                entry["error"] = {"key": err.key, "hint_key": err.hint_key, "params": err.params}
                doc_entries[doc.doc_id] = entry
                continue
            except OSError:  # deleted while we were indexing: the next sync sees it gone
                continue
            pieces = chunking.chunk_text(text, chunking.CHUNK_TOKENS, chunking.OVERLAP_TOKENS)
            for i, piece in enumerate(pieces):
                row = len(chunks)
                chunks.append({"row": row, "doc_id": doc.doc_id, "chunk": i, "section": piece.section,
                               "text": piece.text})
                vectors.append(None)  # placeholder, filled after embedding (keeps row order)
                pending.append((row, _passage(doc.title, piece.section, piece.text)))
            entry["n_chunks"] = len(pieces)
            doc_entries[doc.doc_id] = entry

        def embedded(done: int, total: int) -> None:
            report(0.1 + 0.85 * done / total, t("rag.progress_embedding", done=done, total=total))

        texts = [p for _, p in pending]
        shipped = prebuilt.lookup(texts)  # bundled documents: vectors computed once, shipped
        missing = [i for i in range(len(texts)) if i not in shipped]
        computed = iter(e5.embed_passages([texts[i] for i in missing], progress=embedded) if missing
                        else ())
        new_vectors = [shipped[i] if i in shipped else next(computed) for i in range(len(texts))]
        reused += len(shipped)
        matrix = np.zeros((len(chunks), e5.DIMENSIONS), dtype=np.float32)
        row = 0
        fresh = iter(new_vectors)
        for block in vectors:
            if block is None:
                matrix[row] = next(fresh)
                row += 1
            else:
                matrix[row:row + len(block)] = block
                row += len(block)
        index = faiss.IndexFlatIP(e5.DIMENSIONS)
        if len(matrix):
            index.add(matrix)
        report(0.97, t("rag.progress_saving"))
        raw = faiss.serialize_index(index).tobytes()
        manifest = {"settings": _settings(), "collection": self.collection, "documents": doc_entries,
                    "chunks": chunks, "faiss_sha256": hashlib.sha256(raw).hexdigest()}
        words = _lexical_of(manifest)
        raw_lexical = words.to_bytes()
        manifest["lexical_sha256"] = hashlib.sha256(raw_lexical).hexdigest()
        write_bytes(self.index_dir / "vectors.faiss", raw)
        write_bytes(self.index_dir / "lexical.npz", raw_lexical)
        write_text(self.index_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
        self._faiss, self._lexical, self._manifest = index, words, manifest
        self.last_sync = {"embedded": len(missing), "reused": reused, "changed": True}
        report(1.0, t("rag.progress_done", chunks=len(chunks)))

    # ---- search ----------------------------------------------------------------------------

    def stats(self) -> dict:
        with self._lock:
            manifest = self._read_manifest() or self._manifest or {}
            return {"documents": len(manifest.get("documents", {})), "chunks": len(manifest.get("chunks", [])),
                    "embedder": manifest.get("settings", {}).get("embedder", e5.embedder_id())}

    def search(self, query: str, k: int = 3, lang: str | None = None, mode: str = "hybrid") -> list[Hit]:
        """Top-k chunks, best first. lang restricts to documents in that language plus the
        language-neutral uploads; None searches everything. mode: "hybrid" (default: dense and
        BM25 rankings fused), "dense" or "lexical" alone (to measure each)."""
        return self.search_many([query], k=k, lang=lang, mode=mode)[0]

    def search_many(self, queries: list[str], k: int = 3, lang: str | None = None,
                    mode: str = "hybrid") -> list[list[Hit]]:
        """search() for several questions at once (one batched embedding call): an evaluation set."""
        queries = [(q or "").strip() for q in queries]
        if not queries or not all(queries):
            raise InputError("rag.error_empty_question", "rag.error_empty_question_hint")
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise InputError("rag.error_bad_k", "rag.error_bad_k_hint", k=k)
        with self._lock:
            self.sync()
            index, words, manifest = self._faiss, self._lexical, self._manifest or {}
            chunks = manifest.get("chunks", [])
            doc_info = manifest.get("documents", {})
            if lang:
                lang = normalize(lang)
                rows = np.array([c["row"] for c in chunks if doc_info[c["doc_id"]]["lang"] in (lang, None)],
                                dtype=np.int64)
            else:
                rows = np.arange(len(chunks), dtype=np.int64)
            if index is None or len(rows) == 0:
                return [[] for _ in queries]
            if self._matrix is None or self._matrix[0] is not index:
                self._matrix = (index, index.reconstruct_n(0, index.ntotal))  # (n_chunks, 384)
            vectors = e5.embed_queries(queries)  # (n_queries, 384)
            # Cosine of every chunk (n_queries, n_chunks): what a flat FAISS search computes, kept
            # whole because the fusion ranks all allowed chunks, not only the dense top k.
            dense = vectors @ self._matrix[1].T
        results = []
        for query, cosines in zip(queries, dense):
            bm25 = words.scores(query) if mode != "dense" else np.zeros(len(chunks), np.float32)
            hits = []
            for row in search.top_rows(cosines, bm25, rows, k, mode=mode):
                chunk = chunks[row]
                info = doc_info[chunk["doc_id"]]
                hits.append(Hit(chunk["doc_id"], info["title"], info["lang"], int(chunk["chunk"]),
                                chunk["text"], float(cosines[row])))
            results.append(hits)
        return results


def _lexical_of(manifest: dict) -> lexical.Lexical:
    """The BM25 index of a manifest's chunks (title line + text, as embedded), in row order."""
    info = manifest.get("documents", {})
    return lexical.Lexical.build([_passage(info[c["doc_id"]]["title"], c["section"], c["text"])
                                  for c in manifest.get("chunks", [])])


_indexes: dict[tuple[str, str], RagIndex] = {}
_indexes_lock = threading.Lock()


def get_index(collection: str = DEFAULT_COLLECTION) -> RagIndex:
    """The process-wide RagIndex of a collection (one per LAB_HOME, so tests stay isolated)."""
    folder = str(documents.collection_dir(collection))
    with _indexes_lock:
        if (folder, collection) not in _indexes:
            _indexes[(folder, collection)] = RagIndex(collection)
        return _indexes[(folder, collection)]

