"""Shared page plumbing: `/home` resolves to Home (no "Page not found" first), and the file uploaders
get their built-in English texts replaced in the page's language with the page's real size limit.
(Checked in headless Chromium too: the ::after contents show "Enviar arquivo" and
"Até 20 MB por arquivo • TXT, MD, PDF" on the pt-BR documents page.)"""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "lab" / "app.py")


def test_slash_home_is_a_known_address_that_opens_home():
    at = AppTest.from_file(APP, default_timeout=60).run()
    by_path = {info.get("url_pathname"): page_hash for page_hash, info in at._registered_pages.items()}
    assert "home" in by_path  # what a browser at /home asks for (the default page itself lives at "")
    at._page_hash = by_path["home"]  # as a browser opening /home does
    at.run()
    assert not at.exception
    assert at.title[0].value.endswith("Fine-Tuning Lab") and at.metric  # Home, with its environment panel


def test_uploaders_show_translated_texts_and_the_real_limit():
    def page():
        import streamlit as st

        from components.shell import file_uploader, use_page_language

        use_page_language()
        st.session_state["picked"] = file_uploader("Docs", key="docs_up", types=["pdf", "md"], limit_mb=20)

    at = AppTest.from_function(page, default_timeout=30)
    at.session_state["lang"] = "pt-BR"
    at.run()
    assert not at.exception
    style = next(el.proto.body for el in at.get("html"))
    assert ".st-key-docs_up [data-testid='stFileUploaderDropzone']" in style
    assert 'content: "Enviar arquivo"' in style and 'content: "Até 20 MB por arquivo • PDF, MD"' in style
    assert at.get("file_uploader")[0].proto.max_upload_size_mb == 20  # Streamlit enforces the same limit
