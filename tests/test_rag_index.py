"""The hybrid index (FAISS + BM25): persisted under LAB_HOME, reused when nothing changed, updated
per document."""
import json
import shutil

import numpy as np
import pytest

from core.errors import InputError
from core.rag import e5, embeddings, get_index, retrieve
from core.rag.index import RagIndex
from tests.rag_support import make_pdf

RETURNS = b"# Returns\n\nA bike can be returned within 30 days with under 100 km on the odometer.\n"
THEFT = b"# Theft\n\nReport a stolen bike within 24 hours with a police report.\n"
ROUBO = "# Roubo\n\nComunique o roubo da bicicleta em até 24 horas com um boletim de ocorrência.\n".encode()
HUBS = make_pdf([["Maintenance hubs", "Curitiba: Rua XV de Novembro 1200.", "Book a visit in the app."]])


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Four small documents uploaded and indexed once for the module (embedding is the slow part)."""
    folder = tmp_path_factory.mktemp("rag-t") / "t"
    index = RagIndex("t", folder=folder)
    index.add_document("returns.md", RETURNS, lang="en")
    index.add_document("theft.md", THEFT, lang="en")
    index.add_document("roubo.md", ROUBO, lang="pt-BR")
    index.add_document("hubs.pdf", HUBS, lang=None)
    return folder


@pytest.fixture
def counted(monkeypatch, template):
    """Counts the passages sent to the embedding model (the real one still does the work).
    Installed after the module's template index is built, so only the test's own calls count."""
    calls = []
    real = e5.embed_passages

    def spy(texts, progress=None):
        calls.append(len(texts))
        return real(texts, progress)

    monkeypatch.setattr(e5, "embed_passages", spy)
    return calls


@pytest.fixture
def build(template, lab_home):
    """A copy of the template in this test's LAB_HOME (loading it must not embed anything)."""
    def make():
        shutil.copytree(template, lab_home / "rag" / "t")
        return RagIndex("t")
    return make


def test_adding_documents_embeds_each_once_and_persists_them(lab_home, counted):
    index = RagIndex("t")
    index.add_document("returns.md", RETURNS, lang="en")
    index.add_document("theft.md", THEFT, lang="en")
    assert counted == [1, 1]  # one chunk per small document, each embedded once, when added
    assert index.last_sync == {"embedded": 1, "reused": 1, "changed": True}


def test_index_is_persisted_and_a_second_load_embeds_nothing(lab_home, counted, build):
    index = build()
    index.sync()
    assert counted == []
    folder = lab_home / "rag" / "t" / "index"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["documents"]) == {"uploaded/en/returns.md", "uploaded/en/theft.md",
                                          "uploaded/pt-BR/roubo.md", "uploaded/any/hubs.pdf"}
    assert all(len(d["sha256"]) == 64 for d in manifest["documents"].values())
    assert (folder / "vectors.faiss").stat().st_size > 4 * 384 * 4
    assert manifest["settings"]["embedder"] == e5.embedder_id() and len(manifest["lexical_sha256"]) == 64
    assert (folder / "lexical.npz").is_file()

    counted.clear()
    fresh = RagIndex("t")  # a new process would start like this
    hits = fresh.search("my bike was stolen", k=1)
    assert counted == [] and fresh.last_sync == {"embedded": 0, "reused": 4, "changed": False}
    assert hits[0].doc_id == "uploaded/en/theft.md"


def test_a_new_version_is_the_only_document_embedded(counted, build):
    other = build()
    other.add_document("theft.md", THEFT + b"\nPro subscribers get a replacement bike within 48 hours.\n", lang="en")
    # a new version under a taken name is kept beside the old one (uploads never overwrite): only it is embedded
    assert counted == [1] and other.last_sync == {"embedded": 1, "reused": 4, "changed": True}
    hit = other.search("replacement bike within 48 hours", k=1)[0]
    assert "48 hours" in hit.text

    counted.clear()
    other.remove_document("uploaded/en/returns.md")
    assert counted == [] and other.last_sync["reused"] == 4  # both versions of theft.md stay
    assert all(h.doc_id != "uploaded/en/returns.md" for h in other.search("return within 30 days", k=3))


def test_search_finds_the_right_chunk_and_filters_by_language(build):
    index = build()
    assert index.search("Where can I get my bike serviced in Curitiba?", k=1)[0].doc_id == "uploaded/any/hubs.pdf"
    pt = index.search("minha bicicleta foi roubada", k=4, lang="pt-BR")
    assert {h.doc_id for h in pt} == {"uploaded/pt-BR/roubo.md", "uploaded/any/hubs.pdf"}  # + language-neutral
    assert pt[0].doc_id == "uploaded/pt-BR/roubo.md"
    scores = [h.score for h in index.search("returns", k=4, mode="dense")]
    assert scores == sorted(scores, reverse=True) and -1.0 <= scores[-1] <= scores[0] <= 1.0
    hybrid = index.search("returns", k=4)
    assert len({(h.doc_id, h.chunk_id) for h in hybrid}) == 4 and all(-1.0 <= h.score <= 1.0 for h in hybrid)


def test_lexical_search_matches_words_typed_without_accents(build):
    index = build()
    hits = index.search("boletim de ocorrencia", k=2, mode="lexical")  # the document writes "ocorrência"
    assert hits[0].doc_id == "uploaded/pt-BR/roubo.md"
    assert index.search("odometer", k=1, mode="lexical")[0].doc_id == "uploaded/en/returns.md"
    with pytest.raises(ValueError):
        index.search("odometer", mode="fuzzy")


def test_a_damaged_lexical_file_is_rebuilt_without_embedding(lab_home, counted, build):
    build()
    (lab_home / "rag" / "t" / "index" / "lexical.npz").write_bytes(b"garbage")
    counted.clear()
    fresh = RagIndex("t")
    assert fresh.search("odometer", k=1, mode="lexical")[0].doc_id == "uploaded/en/returns.md"
    assert counted == [] and fresh.last_sync["embedded"] == 0


def test_a_damaged_index_on_disk_is_rebuilt_not_trusted(lab_home, counted, build):
    build()
    (lab_home / "rag" / "t" / "index" / "vectors.faiss").write_bytes(b"garbage")
    counted.clear()
    fresh = RagIndex("t")
    assert fresh.search("stolen bike", k=1)[0].doc_id == "uploaded/en/theft.md"
    assert sum(counted) == 4 and fresh.last_sync["changed"]


def test_rebuild_re_embeds_everything_and_reports_progress(counted, build):
    index = build()
    seen = []
    result = index.rebuild(progress=lambda fraction, message: seen.append((fraction, message)))
    assert counted == [4] and result["embedded"] == 4
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and all(m for _, m in seen)


def test_retrieve_uses_the_lab_home_index_and_checks_its_input():
    index = get_index("t")
    assert index is get_index("t")
    index.add_document("theft.md", THEFT, lang="en")
    hits = retrieve("stolen", k=5, collection="t")
    assert len(hits) == 1 and hits[0].title == "Theft" and hits[0].chunk_id == 0
    assert retrieve("anything", collection="empty") == []
    with pytest.raises(InputError):
        retrieve("   ", collection="t")
    with pytest.raises(InputError):
        retrieve("stolen", k=0, collection="t")


def test_list_documents_reports_chunks_without_embedding(counted, build):
    build()
    rows = {r["doc_id"]: r for r in RagIndex("t").list_documents()}
    assert counted == []
    assert rows["uploaded/any/hubs.pdf"]["chunks"] == 1 and rows["uploaded/any/hubs.pdf"]["lang"] is None


@pytest.mark.parametrize("embed", [embeddings.embed_passages, e5.embed_passages, e5.embed_queries])
def test_vectors_are_normalised(embed):
    vectors = embed(["one sentence", "another, longer sentence about bikes"])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)


def test_multilingual_vectors_match_a_question_with_its_translation():
    q = e5.embed_queries(["Quanto custa o plano Básico por mês?"])[0]
    p = e5.embed_passages(["The Básico plan costs R$ 149 per month.", "Frame warranty: 5 years."])
    assert p[0] @ q > p[1] @ q
