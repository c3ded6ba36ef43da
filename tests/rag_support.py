"""Helpers for the RAG tests: real PDF files built byte by byte (no PDF library needed to write)."""
from __future__ import annotations

import shutil
from pathlib import Path


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: list[list[str]]) -> bytes:
    """A valid PDF 1.4: one page per list, each line drawn with Helvetica (a text layer pypdf can
    extract). An empty list makes a page with no text at all, like a scanned page without OCR."""
    objects: list[bytes] = []
    n_pages = len(pages)
    font_id = 3 + 2 * n_pages
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    for i, lines in enumerate(pages):
        content_id = 4 + 2 * i
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content_id} 0 R "
                       f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode())
        ops = "".join(f"BT /F1 12 Tf 72 {720 - 16 * j} Td ({_escape(line)}) Tj ET\n" for j, line in enumerate(lines))
        stream = ops.encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


_TEMPLATES: dict[str, Path] = {}


def bundled_index_template(tmp_path_factory) -> Path:
    """The default collection (bundled documents only) indexed once per test process, in a folder
    outside any test's LAB_HOME. Tests copy it into their own LAB_HOME with install_template(): the
    copy's manifest matches the bundled files, so nothing is embedded again."""
    if "default" not in _TEMPLATES:
        from core.rag.index import RagIndex

        folder = tmp_path_factory.mktemp("rag-template") / "default"
        RagIndex("default", folder=folder).sync()
        _TEMPLATES["default"] = folder
    return _TEMPLATES["default"]


def install_template(template: Path, lab_home: Path, collection: str = "default") -> Path:
    target = lab_home / "rag" / collection
    shutil.copytree(template, target, dirs_exist_ok=True)
    return target
