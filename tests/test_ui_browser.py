"""In a real browser (the whole lab served on loopback): `/home` opens Home without "Page not found",
and the file uploaders speak Portuguese with the documents page's real 20 MB limit."""
from __future__ import annotations

import pytest

from tests.browser_support import browser, browser_page, lab_server, wait_streamlit_idle  # noqa: F401

pytestmark = pytest.mark.browser

AFTER = "(el) => getComputedStyle(el, '::after').content"


def test_home_alias_and_translated_uploaders(lab_server, browser_page):
    page = browser_page
    page.goto(lab_server.url + "/home?lang=pt-BR")
    wait_streamlit_idle(page)
    page.get_by_role("heading", name="Fine-Tuning Lab").first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # a "Page not found" dialog would show by now
    assert page.get_by_text("Page not found").count() == 0

    page.goto(lab_server.url + "/documents?lang=pt-BR")
    zone = page.locator(".st-key-rag_upload [data-testid='stFileUploaderDropzone']")
    zone.wait_for(timeout=90_000)
    button_text = zone.locator("button [data-testid='stMarkdownContainer'] p")
    limit_text = zone.locator("[data-testid='stFileUploaderDropzoneInstructions'] span")
    assert button_text.evaluate(AFTER) == '"Enviar arquivo"'
    assert limit_text.evaluate(AFTER).startswith('"Até 20 MB por arquivo')
    assert limit_text.inner_text().startswith("20MB per file")  # Streamlit's own text: the real limit, hidden
    assert limit_text.evaluate("(el) => getComputedStyle(el).fontSize") == "0px"
