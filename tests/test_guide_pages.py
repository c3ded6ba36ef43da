"""The Guide and Concepts pages through the real app (streamlit AppTest), in both languages."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.i18n import set_language

APP = "../lab/app.py"
EVAL_PAGE = Path(__file__).resolve().parent.parent / "lab" / "eval_page.py"


def open_page(page: str, lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    if lang != "en":
        at.sidebar.selectbox(key="lang").set_value(lang).run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    set_language(lang)   # format_func labels are computed in the test's thread when widgets are set
    return at


@pytest.mark.parametrize("lang, title, label", [("en", "Fine-tune or RAG?", "RAG and fine-tuning"),
                                                ("pt-BR", "Fine-tuning ou RAG?", "RAG e fine-tuning")])
def test_guide_recommends_live_and_explains(lang, title, label):
    at = open_page("guide_page.py", lang)
    assert at.title[0].value == title
    assert "guide_decision" not in at.session_state          # nothing answered, nothing decided
    at.multiselect(key="guide_goals").set_value(["answer_questions_from_documents", "consistent_style_or_tone"]).run()
    at.number_input(key="guide_examples").set_value(300).run()
    at.radio(key="guide_prompting").set_value(True).run()
    assert not at.exception
    assert at.success[0].value.startswith(f"**{label}**")
    assert at.session_state["guide_decision"] == "rag_and_fine_tune"
    texts = " ".join(m.value for m in at.markdown)
    assert "guide.rule" not in texts and "guide.cmp" not in texts          # every key translated
    assert "\\$" in texts                                                   # money escaped for Markdown
    # The evaluation page may not exist yet (another module): then the button is disabled and says why.
    assert at.button(key="guide_test").disabled == (not EVAL_PAGE.exists())
    # Fewer than 100 examples flips it: the fine-tuning side drops below its threshold.
    at.number_input(key="guide_examples").set_value(40).run()
    assert at.session_state["guide_decision"] == "rag"
    if EVAL_PAGE.exists():
        at.button(key="guide_test").click().run()          # "test it on your data": the evaluation page
        assert not at.exception
        assert "eval_preselect" not in at.session_state    # handed over and read by that page
        assert at.multiselect(key="eval_contestants").value == ["base", "rag"]
