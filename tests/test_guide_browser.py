"""The guided path's last step in a real browser: Home → Decide → an answer → the recommendation,
and Home counting the step as done."""
from __future__ import annotations

import pytest

from tests.browser_support import browser, browser_page, lab_server, pick_option, wait_streamlit_idle  # noqa: F401

pytestmark = pytest.mark.browser


def test_home_to_decision_and_back(lab_server, browser_page):
    page = browser_page
    page.goto(lab_server.url + "/")
    page.get_by_text("0 of 7 steps done in this browser session").wait_for(timeout=90_000)
    page.locator(".st-key-guide_path_decided a").click()
    page.get_by_role("heading", name="Fine-tune or RAG?").wait_for(timeout=90_000)
    wait_streamlit_idle(page, timeout=90_000)
    pick_option(page, "guide_goals", "Answer questions from our documents")
    page.keyboard.press("Escape")
    page.get_by_text("RAG — Put your documents behind the model").wait_for(timeout=60_000)
    page.get_by_text("You want answers from your documents").wait_for()
    wait_streamlit_idle(page, timeout=60_000)
    assert "Traceback" not in page.content()
    page.get_by_role("link", name="Home").click()
    page.get_by_text("1 of 7 steps done in this browser session").wait_for(timeout=60_000)
