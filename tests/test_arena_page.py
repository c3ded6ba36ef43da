"""The Streamlit Chat Arena page: the arena embedded when it runs, clear instructions when it does not."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parent.parent / "lab" / "arena_page.py")


class _Up(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"<html>arena</html>")

    def log_message(self, *args):
        pass


def test_page_explains_how_to_start_the_arena_when_it_is_down(monkeypatch):
    monkeypatch.setenv("LAB_ARENA_URL", "http://127.0.0.1:9")
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["lang"] = "pt-BR"
    at.run()
    assert not at.exception
    assert "não está rodando em http://127.0.0.1:9" in at.warning[0].value
    assert "python -m components.arena_app --port 9" in at.markdown[0].value
    assert at.button(key="arena_retry")


def test_page_embeds_the_running_arena_with_language_and_dataset(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Up)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("LAB_ARENA_URL", url)
    try:
        at = AppTest.from_file(PAGE, default_timeout=30)
        at.session_state["lang"] = "en"
        at.session_state["lab_dataset"] = {"path": "/lab/datasets/support.jsonl", "name": "support", "format": "chat"}
        at.run()
        assert not at.exception and not at.warning
        expected = f"{url}/?lang=en&dataset=%2Flab%2Fdatasets%2Fsupport.jsonl"
        frames = [el for el in at.main if getattr(el, "type", "") == "iframe"]
        assert len(frames) == 1 and frames[0].proto.src == expected
        assert at.get("link_button")[0].proto.url == expected
    finally:
        server.shutdown()
        server.server_close()


def test_evaluate_button_hands_the_default_contestants_to_the_evaluation_page(monkeypatch):
    import pytest

    if not (Path(PAGE).parent / "eval_page.py").is_file():
        pytest.skip("the Evaluation page (lab/eval_page.py) is not in this tree yet")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Up)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("LAB_ARENA_URL", f"http://127.0.0.1:{server.server_address[1]}")
    try:
        at = AppTest.from_file(str(Path(PAGE).parent / "app.py"), default_timeout=60).run()
        at.switch_page("arena_page.py").run()
        at.button(key="arena_evaluate").click().run()
        assert not at.exception
        # The Evaluation page took the hand-over (it pops eval_preselect) and chose these contestants.
        assert "eval_preselect" not in at.session_state
        assert at.session_state["eval_contestants"] == ["base", "rag"]  # no finished run yet
    finally:
        server.shutdown()
        server.server_close()
