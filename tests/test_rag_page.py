"""The RAG documents page, headless (streamlit AppTest): list, upload, search, delete with confirmation."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.rag import documents, get_index
from tests.rag_support import bundled_index_template, install_template, make_pdf

PAGE = str(Path(__file__).resolve().parent.parent / "lab" / "documents_page.py")


def open_page(tmp_path_factory, lab_home, lang):
    install_template(bundled_index_template(tmp_path_factory), lab_home)  # bundled docs already indexed
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["lang"] = lang
    return at.run()


@pytest.fixture
def page(tmp_path_factory, lab_home):
    return open_page(tmp_path_factory, lab_home, "en")


def test_page_lists_bundled_documents_per_language_and_explains_empty_uploads(page):
    assert not page.exception
    assert page.title[0].value == "RAG documents"
    assert [tab.label for tab in page.tabs] == ["English", "Português (Brasil)", "Any language"]
    tables = {df.proto.id: df.value for df in page.dataframe}
    en = next(v for v in tables.values() if "about.md" in set(v["File"]))
    assert {"faq.md", "rentals.md"} <= set(en["File"]) and set(en["Source"]) == {"bundled"}
    assert "No documents in this language yet." in [c.value for c in page.caption]
    assert page.button(key="rag_upload_button").disabled  # nothing chosen yet
    assert not any(b.key == "rag_delete_button" for b in page.button)  # nothing to delete


def test_upload_search_and_delete_with_confirmation(page, lab_home):
    page.file_uploader(key="rag_upload").set_value([
        ("tour.pdf", make_pdf([["Guided night ride: every Thursday at 21:00 from Praca Tiradentes."]]),
         "application/pdf"),
        ("scan.pdf", make_pdf([[]]), "application/pdf"),
    ])
    page.selectbox(key="rag_upload_lang").set_value("any").run()  # the browser reruns on each change
    page.button(key="rag_upload_button").click().run()
    assert not page.exception
    assert any("tour.pdf" in s.value for s in page.success)
    assert any("scan.pdf" in e.value and "OCR" in e.value for e in page.error)  # clear error, others go on
    assert (lab_home / "rag" / "default" / "docs" / "any" / "tour.pdf").is_file()

    page.text_input(key="rag_query").set_value("When is the guided night ride?").run()
    page.button(key="rag_search_button").click().run()
    assert not page.exception
    first_hit = next(m.value for m in page.markdown if m.value.startswith("**[1]"))
    assert "uploaded/any/tour.pdf" in first_hit  # the top hit names its document...
    assert "Thursday at 21:00" in page.text[0].value  # ...and shows the snippet

    page.selectbox(key="rag_delete_doc").set_value("uploaded/any/tour.pdf")
    page.button(key="rag_delete_button").click().run()
    assert "tour.pdf" in page.warning[0].value and (lab_home / "rag/default/docs/any/tour.pdf").exists()
    page.button(key="rag_delete_cancel").click().run()
    assert not page.warning and (lab_home / "rag/default/docs/any/tour.pdf").exists()
    page.button(key="rag_delete_button").click().run()
    page.button(key="rag_delete_confirm").click().run()
    assert not page.exception
    assert not (lab_home / "rag/default/docs/any/tour.pdf").exists()
    assert all(r["source"] == "bundled" for r in get_index("default").list_documents())


def test_rebuild_in_portuguese(tmp_path, monkeypatch):
    """Rebuild re-embeds every document: run it over two small bundled files to keep the test short."""
    small = tmp_path / "bundled"
    (small / "pt-BR").mkdir(parents=True)
    (small / "pt-BR" / "rentals.md").write_text("# Aluguel\n\nDiária R$ 89; fim de semana R$ 159.\n")
    (small / "pt-BR" / "privacy.md").write_text("# Privacidade\n\nPedidos pela LGPD em até 15 dias.\n")
    monkeypatch.setattr(documents, "bundled_dir", lambda: small)
    page = AppTest.from_file(PAGE, default_timeout=120)
    page.session_state["lang"] = "pt-BR"
    page.run()
    assert not page.exception and page.title[0].value == "Documentos do RAG"
    # the page's own language first: its documents' tab, and the language an upload gets by default
    assert [tab.label for tab in page.tabs] == ["Português (Brasil)", "English", "Qualquer idioma"]
    assert page.selectbox(key="rag_upload_lang").value == "pt-BR"
    assert page.slider(key="rag_k").help  # technical controls explain themselves
    page.button(key="rag_rebuild").click().run()
    assert not page.exception
    assert page.success[0].value == "Índice reconstruído: 2 trechos vetorizados."
    assert get_index("default").last_sync == {"embedded": 2, "reused": 0, "changed": True}


def test_empty_collection_explains_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(documents, "bundled_dir", lambda: tmp_path / "nothing")
    page = AppTest.from_file(PAGE, default_timeout=60)
    page.session_state["lang"] = "en"
    page.run()
    assert not page.exception
    assert "Upload a .txt, .md or .pdf file" in page.info[0].value
    assert not page.dataframe
