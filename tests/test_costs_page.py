"""The Cost Calculator page, driven headless with Streamlit's AppTest."""
from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from core.paths import REPO_ROOT

PAGE = str(REPO_ROOT / "lab" / "costs_page.py")
SUPPORT_EN = str(REPO_ROOT / "assets" / "samples" / "support_en.jsonl")


def page(**state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for key, value in state.items():
        at.session_state[key] = value
    return at


def seen(markdown: str) -> str:
    """What the browser shows for Markdown text: the page escapes `$` so it is never read as LaTeX."""
    return markdown.replace("\\$", "$")


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: seen(m.value) for m in at.metric}


def test_worked_example_in_the_page():
    at = page()
    at.run()
    assert not at.exception
    at.radio(key="costs_source").set_value("typed")
    at.selectbox(key="costs_model").set_value("legacy_course_example")
    at.radio(key="costs_epochs_mode").set_value("fixed")
    at.run()
    at.number_input(key="costs_epochs").set_value(1)
    at.number_input(key="costs_prompt_tokens").set_value(300)
    at.number_input(key="costs_answer_tokens").set_value(200)
    at.run()
    assert not at.exception and not at.error
    shown = metrics(at)
    assert shown["Billed tokens (all epochs)"] == "500,000"
    assert shown["Training cost"] == "$4.00"
    assert shown["Fine-tuned, short prompt"] == "$60.00"
    assert any("$64.00" in seen(md.value) for md in at.markdown)
    assert len(at.get("plotly_chart")) == 2
    assert {b.label for b in at.get("download_button")} == {"Download Markdown", "Download CSV"}
    assert any("2027-01-06" in w.value and "2027-01-14" in w.value for w in at.warning)  # the wind-down


def test_override_is_used_and_shown():
    at = page()
    at.run()
    at.radio(key="costs_source").set_value("typed")
    at.radio(key="costs_epochs_mode").set_value("fixed")
    at.run()
    at.number_input(key="costs_epochs").set_value(1)
    at.number_input(key="costs_price_gpt-4o-mini-2024-07-18_training").set_value(8.0)
    at.run()
    assert not at.exception
    shown = metrics(at)
    assert shown["Training cost ✎"] == "$4.00"   # 1,000 × 500 tokens × $8 / 1M
    assert any("Prices changed for this session" in i.value and "$3.00 → $8.00" in seen(i.value) for i in at.info)
    at.number_input(key="costs_price_gpt-4o-mini-2024-07-18_training").set_value(-1.0)
    at.run()
    assert not at.exception
    assert any("cannot be negative" in e.value for e in at.error)


def test_bad_input_shows_a_message_not_a_traceback():
    at = page()
    at.run()
    at.radio(key="costs_source").set_value("typed").run()
    for examples, fragment in ((0, "cannot be zero"), (-3, "cannot be negative"), (10**12, "implausibly large")):
        at.number_input(key="costs_examples").set_value(examples).run()
        assert not at.exception
        assert [e.value for e in at.error if fragment in e.value], [e.value for e in at.error]
        assert not at.metric  # nothing is computed from a bad number
    at.number_input(key="costs_examples").set_value(1000)
    for code in ("", "R$"):
        at.text_input(key="costs_currency").set_value(code).run()
        assert not at.exception
        assert any("is not a currency code" in e.value and "BRL" in e.value for e in at.error)


def test_handed_over_dataset_uses_the_inspectors_exact_count(lab_home):
    from core.dataset import inspect_file

    report = inspect_file(SUPPORT_EN, "gpt-4o-2024-08-06")
    # A previous calibration of this machine: the local section uses it (1,000 tokens/s here).
    (lab_home / "calibration.json").write_text(json.dumps({"x": {
        "model": "SmolLM2-135M-Instruct", "device": "cpu", "seq_len": 256, "tokens_per_s": 1000.0,
        "tokens_per_s_min": 900.0, "tokens_per_s_max": 1100.0, "peak_memory_mb": 900.0, "steps": 3,
        "measured_at": "2026-11-29T00:00:00+00:00"}}))
    at = page(lab_dataset={"path": SUPPORT_EN, "name": "support_en.jsonl", "format": "chat",
                           "model": "gpt-4o-2024-08-06"})
    at.run()
    assert not at.exception
    assert at.radio(key="costs_source").value == "handed"
    assert at.selectbox(key="costs_model").value == "gpt-4o-2024-08-06"
    shown = metrics(at)
    assert shown["Billed tokens (all epochs)"] == f"{report.billed_tokens:,}"
    assert shown["Training cost"] == f"${report.billed_tokens * 25 / 1e6:,.2f}"
    # local: billed tokens / 1,000 tokens/s (135M model = the calibrated one)
    assert any("Measured 1,000.0 tokens/s" in c.value for c in at.caption)
    assert "Training time" in shown and "Likely range" in shown


def test_portuguese_page_and_currency():
    at = page(lang="pt-BR")
    at.run()
    at.radio(key="costs_source").set_value("typed")
    at.text_input(key="costs_currency").set_value("BRL")
    at.run()
    at.number_input(key="costs_rate").set_value(5.0).run()
    assert not at.exception and not at.error
    assert at.title[0].value == "Calculadora de Custos"
    shown = metrics(at)
    # 1,000 × 500 tokens × 3 epochs × $3 / 1M = $4.50 = R$ 22,50
    assert shown["Custo do treino"] == "$4,50 · R$ 22,50"
    assert shown["Tokens cobrados (todas as épocas)"] == "1.500.000"
    assert any("se paga" in s.value for s in at.success)
    table = at.dataframe[0].value  # every model's bill, numbers written as in the metrics above
    row = table[table["Modelo"].str.startswith("GPT-4.1 nano")].iloc[0]
    assert row["Tokens cobrados"] == "1.500.000" and row["USD por 1 milhão de tokens de treino"] == "$1,50"


def test_money_in_markdown_is_escaped_so_it_is_never_drawn_as_latex():
    """"$0.27 · R$ 1.43" in a metric box or st.markdown reads as LaTeX between the two `$`."""
    at = page(lang="pt-BR")
    at.run()
    at.radio(key="costs_source").set_value("typed")
    at.text_input(key="costs_currency").set_value("BRL")
    at.run()
    assert not at.exception
    drawn = [m.value for m in at.metric] + [md.value for md in at.markdown] + [c.value for c in at.caption]
    with_money = [text for text in drawn if "$" in text]
    assert len(with_money) >= 5
    for text in with_money:
        assert "$" not in text.replace("\\$", ""), text  # every dollar sign escaped
    first_month = next(md.value for md in at.markdown if "Primeiro mês" in md.value)
    assert "· R\\$ " in first_month
    assert any("07/05/2026" in w.value and "2026-05-07" not in w.value for w in at.warning)  # pt-BR dates
