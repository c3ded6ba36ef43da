"""Real browser (Debian Chromium via Playwright): text from a dataset file, an uploaded document and a
typed arena question holding script tags, event-handler attributes, `javascript:` links, raw HTML and
Markdown images is shown as text: no dialog opens, no script writes its console marker, and the
local "pixel" server that every image points to is never asked for anything."""
from __future__ import annotations

import http.server
import json
import threading

import pytest

from tests.browser_support import browser, browser_page, free_port, lab_server, wait_http, wait_streamlit_idle  # noqa: F401

MARK = "XSS-MARK"


@pytest.fixture
def pixel_server():
    """127.0.0.1 HTTP server that records every request (path) and answers a 1-byte image."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(b"\x89")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


def payload(base: str, tag: str) -> str:
    return (f"![{tag}]({base}/{tag}-md.png) <img src=\"{base}/{tag}-img.png\" onerror=\"console.log('{MARK}')\"> "
            f"<script>console.log('{MARK}')</script> [link-{tag}](javascript:console.log('{MARK}')) <b>raw-{tag}</b>")


def watch(page) -> list[str]:
    events: list[str] = []
    page.on("dialog", lambda dialog: (events.append("dialog"), dialog.dismiss()))
    page.on("console", lambda message: events.append("console") if MARK in message.text else None)
    return events


@pytest.mark.browser
def test_untrusted_text_neither_runs_nor_loads_anything(lab_server, browser_page, pixel_server, tmp_path_factory):
    from tests.rag_support import bundled_index_template, install_template

    install_template(bundled_index_template(tmp_path_factory), lab_server.home)  # bundled docs indexed already
    base, hits = pixel_server
    page = browser_page
    events = watch(page)

    # Inspector: a dataset whose role name and messages carry the payloads.
    role = f"![role]({base}/role.png)"
    example = {"messages": [{"role": role, "content": payload(base, "system")},
                            {"role": "user", "content": payload(base, "user")},
                            {"role": "assistant", "content": "fine"}]}
    page.goto(lab_server.url + "/inspector")
    wait_streamlit_idle(page)
    page.get_by_test_id("stRadioGroup").get_by_text("Upload a file").click()
    page.locator(".st-key-inspect_upload input[type='file']").set_input_files(files=[{
        "name": "evil.jsonl", "mimeType": "application/jsonl",
        "buffer": ("\n".join([json.dumps(example)] * 3) + "\n").encode()}])
    page.get_by_text("unrecognized_role").first.wait_for(timeout=60_000)
    wait_streamlit_idle(page)
    assert page.get_by_text(role).count() > 0  # the role name shows as typed

    # Documents: an upload whose first line (the title in search results) is the payload.
    page.goto(lab_server.url + "/documents")
    wait_streamlit_idle(page)
    page.locator(".st-key-rag_upload input[type='file']").set_input_files(files=[{
        "name": "evil.md", "mimeType": "text/markdown",
        "buffer": f"# {payload(base, 'doc')}\n\nThe pixel bicycle rents for 7 coins an hour.\n".encode()}])
    wait_streamlit_idle(page)
    page.locator(".st-key-rag_upload_button button").click()
    page.get_by_text("Added evil.md").wait_for(timeout=90_000)
    page.locator(".st-key-rag_query input").fill("pixel bicycle coins")
    page.locator(".st-key-rag_query input").press("Enter")
    wait_streamlit_idle(page)
    page.locator(".st-key-rag_search_button button").click()
    page.get_by_text("uploaded/en/evil.md").first.wait_for(timeout=60_000)
    assert page.get_by_text("<b>raw-doc</b>").count() > 0 and page.locator("b", has_text="raw-doc").count() == 0

    # Arena: a typed question (the column's contestant cannot answer: an endpoint nobody listens on).
    wait_http(lab_server.arena_url + "/", timeout=120)
    page.goto(lab_server.arena_url + "/")
    box = page.locator("#contestant-1 input")
    box.wait_for(timeout=60_000)
    page.wait_for_timeout(1000)  # the page-load handler fills the dropdowns first
    for n, spec in ((1, f"endpoint:http://127.0.0.1:{free_port()}/v1#m"), (2, ""), (3, "")):
        field = page.locator(f"#contestant-{n} input")
        field.click()
        field.fill(spec)
        field.press("Enter")
    page.locator("#question textarea").fill(payload(base, "question"))
    page.locator("#send").click()
    user = page.locator("#chat-1 .user").last
    user.wait_for(timeout=60_000)
    page.locator("#chat-1 .bot").last.wait_for(timeout=60_000)
    assert "<b>raw-question</b>" in user.inner_text() and user.locator("b, img, a").count() == 0

    page.wait_for_timeout(500)  # anything a page would load has been asked for by now
    assert events == [] and hits == []
