"""Uploads: .txt/.md/.pdf stored atomically and readable; bad files refused with a clear message."""
import io

import pytest
from pypdf import PdfReader, PdfWriter

from core.errors import InputError
from core.rag import documents
from tests.rag_support import make_pdf


def test_txt_md_and_pdf_are_stored_per_language_and_read_back(lab_home):
    txt = documents.save_upload("notes.txt", "Olá, manutenção às sextas.".encode("utf-8"), "c1", "pt-BR")
    md = documents.save_upload("Guide.MD", b"# Rider guide\n\nCharge for 4 hours.", "c1", "en")
    pdf = documents.save_upload("manual.pdf", make_pdf([["Pedala manual.", "Battery: 2 years."], ["Page 2."]]),
                                "c1", None)
    assert txt.path == lab_home / "rag" / "c1" / "docs" / "pt-BR" / "notes.txt"
    assert (md.doc_id, md.title, md.lang) == ("uploaded/en/Guide.md", "Rider guide", "en")
    assert (pdf.doc_id, pdf.lang) == ("uploaded/any/manual.pdf", None)
    assert documents.read_text(txt) == "Olá, manutenção às sextas."
    text = documents.read_text(pdf)
    assert "Battery: 2 years." in text and "Page 2." in text
    assert [d.doc_id for d in documents.uploaded_documents("c1")] == [
        "uploaded/en/Guide.md", "uploaded/pt-BR/notes.txt", "uploaded/any/manual.pdf"]
    leftovers = [p for p in (lab_home / "rag").rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]
    assert leftovers == []  # atomic writes leave no temp files behind


def test_windows_1252_text_is_accepted_and_a_same_name_upload_is_kept_beside_the_first():
    first = documents.save_upload("a.txt", "Preço: R$ 149".encode("cp1252"), "c2", "pt-BR")
    doc = documents.save_upload("a.txt", b"new version", "c2", "pt-BR")
    assert documents.read_text(doc) == "new version" and documents.read_text(first) == "Preço: R$ 149"
    assert doc.name != "a.txt" and len(documents.uploaded_documents("c2")) == 2


def error_of(name, data):
    with pytest.raises(InputError) as info:
        documents.save_upload(name, data, "bad", "en")
    return info.value


def test_unsupported_type_names_the_allowed_ones():
    err = error_of("report.docx", b"PK\x03\x04")
    assert err.key == "rag.error_file_type"
    assert ".txt, .md, .pdf" in err.message("en") and "report.docx" in err.message("en")


def test_empty_binary_and_too_large_files(monkeypatch):
    assert error_of("empty.txt", b"  \n\n ").key == "rag.error_empty"
    assert error_of("image.md", b"\x89PNG\r\n\x1a\n\x00\x00").key == "rag.error_binary"
    monkeypatch.setattr(documents, "MAX_UPLOAD_BYTES", 1024)
    err = error_of("big.txt", b"word " * 1000)
    assert err.key == "rag.error_too_large" and "big.txt" in err.message("en")
    assert "MB" in err.message("pt-BR")


def test_damaged_scanned_and_encrypted_pdfs_say_what_to_do():
    damaged = error_of("broken.pdf", b"%PDF-1.4\nthis is not really a pdf")
    assert damaged.key == "rag.error_pdf_unreadable"
    scanned = error_of("scan.pdf", make_pdf([[], []]))
    assert scanned.key == "rag.error_pdf_scanned"
    assert "2 page" in scanned.message("en") and "OCR" in scanned.message("en")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([["Secret text."]]))))
    writer.encrypt("secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    assert error_of("locked.pdf", buffer.getvalue()).key == "rag.error_pdf_encrypted"


def test_nothing_is_stored_when_a_file_is_refused(lab_home):
    error_of("scan.pdf", make_pdf([[]]))
    assert [p for p in lab_home.rglob("*") if p.is_file()] == []


def test_file_names_are_cleaned_and_collection_names_checked():
    assert documents.safe_name("../../etc/pass wd?.TXT") == "pass wd.txt"
    assert documents.safe_name("C:\\Users\\ana\\Política.md") == "Política.md"
    with pytest.raises(InputError) as info:
        documents.collection_dir("../escape")
    assert info.value.key == "rag.error_collection_name"


def test_delete_removes_uploads_only():
    doc = documents.save_upload("x.md", b"# X\n\ntext", "c3", "en")
    documents.delete_upload(doc.doc_id, "c3")
    assert documents.uploaded_documents("c3") == []
    with pytest.raises(InputError) as info:
        documents.delete_upload("bundled/en/faq.md", "c3")
    assert info.value.key == "rag.error_delete_bundled"
    with pytest.raises(InputError):
        documents.delete_upload("uploaded/en/missing.md", "c3")
