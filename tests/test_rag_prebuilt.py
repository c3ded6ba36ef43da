"""The shipped e5 vectors of the bundled documents: complete, current, and what the model computes."""
import numpy as np

from core.rag import e5, prebuilt
from core.rag.index import RagIndex

STALE = "assets/rag/prebuilt/vectors.npz is stale: run  python -m core.rag.prebuilt"


def test_shipped_vectors_cover_every_bundled_passage_and_sentence_with_todays_embedder():
    passages, sentences = prebuilt.bundled_passages(), prebuilt.bundled_sentences()
    assert len(passages) > 50 and len(sentences) > 3 * len(passages)
    assert len(prebuilt.lookup(passages)) == len(passages), STALE
    assert len(prebuilt.lookup(sentences)) == len(sentences), STALE


def test_shipped_vectors_are_the_ones_the_model_computes():
    passages, sentences = prebuilt.bundled_passages(), prebuilt.bundled_sentences()
    sample = [passages[0], passages[-1], sentences[len(sentences) // 2]]  # English, Portuguese, a sentence
    shipped = prebuilt.lookup(sample)
    assert len(shipped) == 3, STALE
    fresh = e5.embed_passages(sample)
    # The same text through the same model, up to the C engine's float kernels, which differ between
    # CPUs (vectors built on one machine, computed on an AMD EPYC with AVX-512: cosine >= 0.99996,
    # elements within 1.6e-3). Stale vectors, or another text's, sit at cosine <= 0.9.
    cosine = (fresh * np.stack([shipped[i] for i in range(3)])).sum(axis=1)
    assert cosine.min() > 0.999, cosine
    assert prebuilt.lookup(["a passage nobody shipped"]) == {}


def test_the_bundled_collection_is_indexed_without_embedding(tmp_path, monkeypatch):
    calls = []
    real = e5.embed_passages
    monkeypatch.setattr(e5, "embed_passages", lambda texts, progress=None: calls.append(len(texts)) or real(texts, progress))
    index = RagIndex("default", folder=tmp_path / "default")
    result = index.sync()
    assert calls == [] and result["embedded"] == 0 and result["reused"] == len(prebuilt.bundled_passages())
    index.add_document("extra.md", b"# Extra\n\nA brand-new page about parking.\n", lang="en")
    assert calls == [1] and index.last_sync["embedded"] == 1  # only the upload is embedded
