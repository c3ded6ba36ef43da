"""Real-browser checks of the lab as a user sees it: Debian's Chromium driven by Playwright against
`python -m lab serve` on loopback."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

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


def test_the_load_benchmarks_protocol_client_gets_the_same_page_without_a_browser(lab_server):
    """bench/streamlit_session.py speaks the frontend's websocket messages: the inspector with a sample
    picked sends its charts, the page's widgets are found by key, and a wrong key is a clear error."""
    from bench.streamlit_session import Session

    async def visit():
        async with Session(lab_server.url) as client:
            first = await client.open("inspector")
            assert not first.elements["plotly_chart"] and not first.errors
            with pytest.raises(LookupError, match="no_such_key"):
                first.widget("no_such_key")
            sample = first.widget("inspect_sample")
            english = next(option for option in first.options[sample] if "English" in option)
            return await client.open("inspector", {sample: english})

    with ThreadPoolExecutor(1) as thread:  # the sync Playwright of the other tests runs a loop in this thread
        picked = thread.submit(asyncio.run, visit()).result(timeout=240)
    assert picked.elements["plotly_chart"] >= 1 and picked.elements["metric"] >= 1 and not picked.errors


def test_inspector_stays_on_the_split_tab_and_refuses_a_binary_file_once(lab_server, browser_page, tmp_path):
    page = browser_page
    page.goto(lab_server.url + "/inspector")
    page.locator(".st-key-inspect_sample").wait_for(timeout=60_000)
    pick_option(page, "inspect_sample", "Broken file")
    split_tab = page.get_by_role("tab", name="Train / validation split")
    split_tab.wait_for(timeout=90_000)
    wait_streamlit_idle(page)
    split_tab.click()
    wait_streamlit_idle(page)
    page.locator(".st-key-inspect_split_build button").click()
    page.get_by_text("23 training and 2 validation examples.").wait_for(timeout=60_000)
    wait_streamlit_idle(page)
    assert split_tab.get_attribute("aria-selected") == "true"
    assert page.get_by_text("Download broken_en_train.jsonl").is_visible()
    page.get_by_text("Upload a file").first.click()
    wait_streamlit_idle(page)
    binary = tmp_path / "photo.jsonl"
    binary.write_bytes(bytes(range(256)) * 64)
    page.locator("input[type='file']").set_input_files(str(binary))
    page.get_by_text("is not a text file").first.wait_for(timeout=60_000)
    wait_streamlit_idle(page)
    assert page.content().count("is not a text file") == 1
    # The reading bar goes once the run that refused the file ends (Playwright retries until then).
    expect(page.locator("[data-testid='stProgress']")).to_have_count(0, timeout=30_000)
