"""Every technical control's tooltip links to the concept that explains it (one table:
core.guide.concepts.CONTROL_CONCEPTS), on the cost, evaluation and documents pages; the two concepts
added for them (sampling, evaluation) render in both languages."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.guide.concepts import CONTROL_CONCEPTS, SECTIONS, linked_help, sampling_table, score_answer
from core.i18n import set_language, t
from core.paths import REPO_ROOT
from core.providers import ChatSettings

PAGES = REPO_ROOT / "lab"


def link(section: str) -> str:
    return f"(/concepts#{section})"


def test_the_table_names_real_concepts_and_covers_the_arena_settings():
    assert set(CONTROL_CONCEPTS.values()) <= set(SECTIONS)
    arena = {s["name"] for s in ChatSettings.control_specs() if s["type"] != "str"} - {"gpu_usd_per_hour"}  # a price
    assert {"temperature", "top_p", "copy_bias"} <= arena <= set(CONTROL_CONCEPTS)
    assert linked_help("eval_copy_bias", "Bias.", "pt-BR").endswith(link("sampling"))
    assert linked_help("not_a_control", "Plain.") == "Plain."


def check(at: AppTest, widgets: dict[str, str]) -> None:
    """widgets: key -> the AppTest accessor of its kind ("number_input", "radio"...)."""
    assert not at.exception
    for key, kind in widgets.items():
        help_text = getattr(at, kind)(key=key).help
        assert help_text and help_text.endswith(link(CONTROL_CONCEPTS[key])), (key, help_text)


def page_in(name: str, lang: str, timeout: int = 60) -> AppTest:
    """The page (lab/NAME) run once in `lang`."""
    set_language(lang)
    at = AppTest.from_file(str(PAGES / name), default_timeout=timeout)
    at.session_state["lang"] = lang
    return at.run()


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_cost_calculator_tooltips_link_to_their_concepts(lang):
    at = page_in("costs_page.py", lang)
    at.radio(key="costs_source").set_value("typed").run()
    number = "number_input"
    check(at, {"costs_tokens_per_example": number, "costs_epochs_mode": "radio", "costs_queries": number,
               "costs_prompt_tokens": number, "costs_rag_k": number, "costs_chunk_tokens": number,
               "costs_cached": "checkbox", "costs_params_b": number})
    at.radio(key="costs_epochs_mode").set_value("fixed").run()
    check(at, {"costs_epochs": number})


def test_evaluation_tooltips_link_to_their_concepts():
    at = page_in("eval_page.py", "en")
    check(at, {"eval_metrics": "multiselect", "eval_max_tokens": "number_input", "eval_copy_bias": "number_input",
               "eval_rag_k": "number_input", "eval_judge": "text_input", "eval_rubric": "text_area"})


def test_documents_tooltips_link_to_their_concepts():
    at = page_in("documents_page.py", "pt-BR")
    check(at, {"rag_query": "text_input", "rag_k": "slider", "rag_search_lang": "selectbox", "rag_rebuild": "button"})
    assert "Conceitos-chave: RAG e embeddings" in at.slider(key="rag_k").help


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_sampling_and_evaluation_sections_render(lang):
    at = page_in("app.py", lang, timeout=120)
    at.switch_page("concepts_page.py").run()
    assert not at.exception
    assert [h.proto.anchor for h in at.header][-2:] == ["sampling", "evaluation"]
    def table(column_key: str):  # AppTest's dataframes carry no key: found by a column's name
        return next(d.value for d in at.dataframe if t(column_key, lang) in d.value.columns)

    sampling = table("concepts.sampling_token")
    assert len(sampling) == 5 and sampling.iloc[0, 0] == "' 89'"    # the favourite token first
    scores = table("concepts.evaluation_metric")
    assert len(scores) == 4
    at.text_input(key="concepts_eval_answer").set_value(at.text_input(key="concepts_eval_reference").value).run()
    assert not at.exception
    assert table("concepts.evaluation_metric").iloc[0, 1] in ("1.00", "1,00")   # exact match now


def test_sampling_table_and_answer_scores():
    rows = sampling_table({"a": 2.0, "b": 1.0, "c": 0.0}, temperatures=(0.5, 1.0), top_p=0.7)
    assert [r["token"] for r in rows] == ["a", "b", "c"]
    assert rows[0][0.5] > rows[0][1.0] > rows[1][1.0]                  # a low temperature sharpens
    assert abs(sum(r[1.0] for r in rows) - 1) < 1e-9
    assert [r["kept"] for r in rows] == [True, True, False]            # 0.665 < 0.7, then 0.91 ≥ 0.7
    scores = score_answer("It costs R$ 89.", "It costs R$ 89.", ["R$ 89"])
    assert scores["exact_match"] == 1.0 and scores["fact_recall"] == 1.0
    assert score_answer("No idea.", "It costs R$ 89.", ["R$ 89"])["fact_recall"] == 0.0
