"""The documents of a RAG collection: bundled Markdown files plus the user's uploads.

- Bundled: assets/rag/en/*.md and assets/rag/pt-BR/*.md, the Pedala knowledge base written for the
  lab. They belong to the "default" collection only; other collections hold uploads alone.
- Uploaded: .txt, .md and .pdf files, checked here before anything is stored (size, emptiness,
  encoding, PDF readable and with a text layer), then written atomically under
  LAB_HOME/rag/<collection>/docs/<lang>/<file name>, where <lang> is en, pt-BR or "any" (a document
  searched whatever the question's language). A collection is shared by every session, so uploads
  go through core.uploads: the same bytes again are the same file, and a name that holds other bytes
  is never replaced (the new file is kept as "<stem>-<hash><suffix>" and the page says so).

doc_id is "<source>/<lang>/<file name>", e.g. "bundled/en/faq.md" or "uploaded/any/manual.pdf":
stable, readable, and unique inside a collection.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from core.errors import InputError
from core.i18n import LANGUAGES, normalize
from core.paths import ASSETS, lab_home
from core.uploads import Stored, clean_base, file_hash, store_bytes  # noqa: F401 (file_hash: used by core.rag.index)

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # 20 MiB a file: a long policy PDF, not a scanned book
ANY_LANGUAGE = "any"
DEFAULT_COLLECTION = "default"
_COLLECTION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_UNSAFE_CHARS = re.compile(r"[^\w.\- ]+")


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    lang: str | None  # "en" | "pt-BR" | None (any language)
    source: str  # "bundled" | "uploaded"
    path: Path
    size: int  # bytes on disk

    @property
    def name(self) -> str:
        return self.path.name


def check_collection(collection: str) -> str:
    if not isinstance(collection, str) or not _COLLECTION_NAME.match(collection):
        raise InputError("rag.error_collection_name", "rag.error_collection_name_hint",
                         name=str(collection))
    return collection


def collection_dir(collection: str = DEFAULT_COLLECTION) -> Path:
    """LAB_HOME/rag/<collection> (not created here: listing must not write)."""
    return lab_home() / "rag" / check_collection(collection)


def docs_dir(collection: str = DEFAULT_COLLECTION) -> Path:
    return collection_dir(collection) / "docs"


def bundled_dir() -> Path:
    return ASSETS / "rag"


def _lang_folder(lang: str | None) -> str:
    return ANY_LANGUAGE if not lang or lang == ANY_LANGUAGE else normalize(lang)


def _title_of(path: Path) -> str:
    """A Markdown file's first '# ' heading; otherwise the file name without its suffix."""
    if path.suffix.lower() == ".md":
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                for _, line in zip(range(40), handle):
                    if line.startswith("# "):
                        return line[2:].strip()
        except OSError:
            pass
    return path.stem.replace("-", " ").replace("_", " ").strip() or path.name


def _document(path: Path, source: str, lang: str | None) -> Document:
    folder = lang or ANY_LANGUAGE
    return Document(f"{source}/{folder}/{path.name}", _title_of(path), lang, source, path,
                    path.stat().st_size)


def bundled_documents() -> list[Document]:
    docs = []
    for lang in LANGUAGES:
        for path in sorted((bundled_dir() / lang).glob("*.md")):
            docs.append(_document(path, "bundled", lang))
    return docs


def uploaded_documents(collection: str = DEFAULT_COLLECTION, folder: Path | None = None) -> list[Document]:
    """folder: the collection's folder (default LAB_HOME/rag/<collection>); uploads sit in folder/docs."""
    root = (folder / "docs") if folder else docs_dir(collection)
    docs = []
    for lang in [*LANGUAGES, ANY_LANGUAGE]:
        for path in sorted((root / lang).glob("*")):
            if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES and not path.name.startswith("."):
                docs.append(_document(path, "uploaded", None if lang == ANY_LANGUAGE else lang))
    return docs


def list_documents(collection: str = DEFAULT_COLLECTION, folder: Path | None = None) -> list[Document]:
    """Every document of the collection: bundled ones (default collection only), then uploads."""
    bundled = bundled_documents() if collection == DEFAULT_COLLECTION else []
    return bundled + uploaded_documents(collection, folder)


def safe_name(name: str) -> str:
    """Keep the base name (no folders, no control characters), replace odd characters, lower-case
    the suffix; refuse other types."""
    base = clean_base(name)
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError("rag.error_file_type", "rag.error_file_type_hint", name=base or str(name),
                         allowed=", ".join(SUPPORTED_SUFFIXES))
    stem = _UNSAFE_CHARS.sub("_", stem).strip(" ._")[:100] or "document"
    return stem + suffix


def _pdf_text(data: bytes, name: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError("rag.error_pdf_encrypted", "rag.error_pdf_encrypted_hint", name=name)
        pages = [page.extract_text() or "" for page in reader.pages]
    except InputError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, AttributeError) as exc:
        # pypdf reports damaged files through several exception types; all mean "cannot read it".
        raise InputError("rag.error_pdf_unreadable", "rag.error_pdf_unreadable_hint", name=name,
                         reason=type(exc).__name__) from exc
    if not pages:
        raise InputError("rag.error_pdf_unreadable", "rag.error_pdf_unreadable_hint", name=name,
                         reason="0 pages")
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not text.strip():
        raise InputError("rag.error_pdf_scanned", "rag.error_pdf_scanned_hint", name=name, pages=len(pages))
    return text


def _plain_text(data: bytes, name: str) -> str:
    if b"\x00" in data[:8192]:
        raise InputError("rag.error_binary", "rag.error_binary_hint", name=name)
    for encoding in ("utf-8-sig", "cp1252"):  # cp1252: texts saved by older Windows editors
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError("rag.error_encoding", "rag.error_encoding_hint", name=name)


def extract_text(name: str, data: bytes) -> str:
    """The text of a .txt/.md/.pdf file given as bytes; InputError with the fix when unusable."""
    suffix = Path(name).suffix.lower()
    text = _pdf_text(data, name) if suffix == ".pdf" else _plain_text(data, name)
    if not text.strip():
        raise InputError("rag.error_empty", "rag.error_empty_hint", name=name)
    return text


def read_text(doc: Document) -> str:
    """A stored document's text (PDFs are extracted again: the file on disk is the original)."""
    return extract_text(doc.name, doc.path.read_bytes())


def validate_upload(name: str, data: bytes) -> str:
    """Check an upload before it is stored. Returns its clean file name."""
    clean = safe_name(name)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError("rag.error_too_large", "rag.error_too_large_hint", name=clean,
                         size_mb=f"{len(data) / 2**20:.1f}", limit_mb=f"{MAX_UPLOAD_BYTES / 2**20:.0f}")
    if not data.strip():
        raise InputError("rag.error_empty", "rag.error_empty_hint", name=clean)
    extract_text(clean, data)
    return clean


def save_upload(name: str, data: bytes, collection: str = DEFAULT_COLLECTION,
                lang: str | None = None, folder: Path | None = None) -> Document:
    """Validate and store one uploaded file (atomically). lang None or "any": every language."""
    return store_upload(name, data, collection, lang, folder)[0]


def store_upload(name: str, data: bytes, collection: str = DEFAULT_COLLECTION, lang: str | None = None,
                 folder: Path | None = None) -> tuple[Document, Stored]:
    """save_upload, also saying how it was stored (Stored.renamed: kept beside a different file)."""
    clean = validate_upload(name, data)
    lang_folder = _lang_folder(lang)
    root = (folder / "docs") if folder else docs_dir(collection)
    stored = store_bytes(data, root / lang_folder, clean)
    return _document(stored.path, "uploaded", None if lang_folder == ANY_LANGUAGE else lang_folder), stored


def delete_upload(doc_id: str, collection: str = DEFAULT_COLLECTION, folder: Path | None = None) -> None:
    """Remove an uploaded document. Bundled documents cannot be deleted (they ship with the lab)."""
    for doc in uploaded_documents(collection, folder):
        if doc.doc_id == doc_id:
            doc.path.unlink(missing_ok=True)
            return
    if doc_id.startswith("bundled/"):
        raise InputError("rag.error_delete_bundled", "rag.error_delete_bundled_hint", doc=doc_id)
    raise InputError("rag.error_no_such_document", "rag.error_no_such_document_hint", doc=doc_id)
