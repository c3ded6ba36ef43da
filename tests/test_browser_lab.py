"""Real-browser checks of the lab as a user sees it: Debian's Chromium driven by Playwright against
`python -m lab serve` on loopback."""
from __future__ import annotations

import pytest

from tests.browser_support import browser, browser_page, lab_server, pick_option, wait_streamlit_idle  # noqa: F401

pytestmark = pytest.mark.browser


def test_home_shows_the_path_and_the_environment(lab_server, browser_page):
    page = browser_page
    page.goto(lab_server.url + "/")
    page.get_by_text("The path: Data → Cost → Train → Compare → Evaluate → Decide").wait_for(timeout=60_000)
    page.get_by_text("This machine", exact=True).wait_for()
    page.get_by_text("Training device", exact=True).wait_for(timeout=30_000)
    assert "Traceback" not in page.content()


def test_inspector_picks_a_sample_and_draws_the_histogram(lab_server, browser_page):
    page = browser_page
    page.goto(lab_server.url + "/inspector")
    selector = page.locator(".st-key-inspect_sample")
    selector.wait_for(timeout=60_000)
    # Pick the English support sample from the dropdown.
    pick_option(page, "inspect_sample", "English")
    chart = page.locator("[data-testid='stPlotlyChart']").first
    chart.wait_for(timeout=90_000)
    wait_streamlit_idle(page)
    assert page.locator(".js-plotly-plot").count() >= 1
    assert "Traceback" not in page.content()
