"""Home prepares the embedded model from a button, with a status box, instead of telling a
non-coder to run a shell command."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "lab" / "app.py")  # Home links to other pages: route it


def test_a_missing_embedded_model_is_prepared_from_the_page(monkeypatch, embedded_model_path):
    from components import environment_panel
    from core import environment, models

    ready = {"value": False}
    real_prepare = models.prepare_embedded
    calls = []

    def prepare():
        calls.append(1)
        ready["value"] = True
        return real_prepare()  # the real conversion (already cached for this test session: instant)

    monkeypatch.setattr(environment, "embedded_ready", lambda: ready["value"])
    monkeypatch.setattr(models, "prepare_embedded", prepare)
    environment_panel._report.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = "pt-BR"
    at.run()
    assert not at.exception
    assert not any("lab.sh" in w.value or "python -m" in w.value for w in at.warning)  # no shell command
    assert at.button(key="home_prepare_model").label == "Preparar o modelo embutido"
    at.button(key="home_prepare_model").click().run()
    assert not at.exception and calls == [1]
    assert any(s.value == "O modelo embutido está pronto." for s in at.success)
    assert "home_prepare_model" not in [b.key for b in at.button]  # ready now: the button is gone
    environment_panel._report.clear()
