"""Real browser (Debian Chromium via Playwright): the lab's Chat Arena page embeds the Gradio arena,
and three columns (base model, an OpenAI-compatible endpoint, RAG over that endpoint) fill at once,
the RAG column listing its sources."""
from __future__ import annotations

import re

import pytest

from tests.arena_support import fake_openai  # noqa: F401
from tests.browser_support import browser, browser_page, lab_server, wait_http, wait_streamlit_idle  # noqa: F401


def set_dropdown(frame, elem_id: str, value: str) -> None:
    box = frame.locator(f"#{elem_id} input")
    box.click()
    box.fill(value)
    box.press("Enter")
    frame.locator("#question textarea").click()  # blur: a custom value is committed


@pytest.mark.browser
def test_arena_page_three_columns_fill(lab_server, browser_page, fake_openai, tmp_path_factory):
    from tests.rag_support import bundled_index_template, install_template

    # The RAG index of the bundled documents, built once per test process: the arena finds it current.
    install_template(bundled_index_template(tmp_path_factory), lab_server.home)
    wait_http(lab_server.arena_url + "/", timeout=120)
    page = browser_page
    page.goto(lab_server.url + "/arena")
    wait_streamlit_idle(page)
    page.get_by_text("Open the arena in its own tab").wait_for(timeout=60_000)
    frame = page.frame_locator("iframe")
    frame.locator("#contestant-1 input").wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # the page-load handler fills the dropdowns; let it finish first
    endpoint = f"endpoint:{fake_openai.url}#pia-echo"
    set_dropdown(frame, "contestant-1", "base")
    set_dropdown(frame, "contestant-2", endpoint)
    set_dropdown(frame, "contestant-3", f"rag:{endpoint}")
    frame.get_by_text("Shared settings").click()
    tokens = frame.locator("#max-tokens input[type=number]")
    tokens.fill("8")
    tokens.press("Enter")  # commits the number box (Tab alone does not)
    frame.locator("#question textarea").fill("How much does the Pedala Plus plan cost?")
    frame.locator("#send").click()

    for n in (1, 2, 3):  # every column gets an assistant message with text, none an error
        bot = frame.locator(f"#chat-{n} .bot")
        bot.last.wait_for(timeout=180_000)
        frame.locator(f"#metrics-{n}").get_by_text(re.compile("first token")).wait_for(timeout=180_000)
        assert bot.last.inner_text().strip() and "⚠️" not in bot.last.inner_text()
    assert "Pia here" in frame.locator("#chat-2 .bot").last.inner_text()
    sources = frame.locator("#sources-3")
    assert "Sources" in sources.inner_text() and sources.locator("li").count() == 3  # k = 3 passages
    assert frame.locator("#sources-1").inner_text().strip() == ""  # no sources under the base model
