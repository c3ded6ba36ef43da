"""The Dataset Inspector page (streamlit AppTest) and its components (charts, inert chat bubbles)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.chat_bubbles import conversation_html
from components.dataset_charts import token_histogram
from core.dataset import inspect_file

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "lab" / "inspector_page.py")


def chat(i: int) -> str:
    return json.dumps({"messages": [{"role": "user", "content": f"Question {i}?"},
                                    {"role": "assistant", "content": f"Answer {i}."}]})


def groups(at) -> dict[str, str]:
    """Findings groups on the page: code -> expander label ("❌ `invalid_weight` · 2 lines: 14–15")."""
    out = {}
    for expander in at.expander:
        label = expander.label
        if "`" in label:
            out[label.split("`")[1]] = label
    return out


@pytest.fixture
def page():
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.run()
    return at


def test_empty_state_then_sample_shows_findings_charts_and_bubbles(page):
    at = page
    assert not at.exception
    assert any("Choose a bundled sample" in i.value for i in at.info)
    at.selectbox(key="inspect_sample").set_value("broken_en.jsonl").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Examples"] == "25" and metrics["Errors"] == "18"
    found = groups(at)
    assert {"invalid_json", "non_utf8", "duplicate_example", "too_few_examples"} <= set(found)
    assert found["invalid_json"].endswith("· 4") and found["too_few_examples"].endswith("· whole file")
    codes = list(found)  # errors first, then warnings, then notes
    assert codes.index("non_utf8") < codes.index("duplicate_example") < codes.index("bom")
    charts = at.get("plotly_chart")
    assert len(charts) == 5
    histogram = json.loads(charts[0].proto.spec)
    assert histogram["data"][0]["type"] == "bar" and "Tokens per example" in histogram["layout"]["title"]["text"]
    bubbles = at.get("html")
    assert bubbles and "Pedala" in bubbles[0].proto.body
    # filters: only errors with one code
    at.multiselect(key="inspect_filter_code").set_value(["invalid_weight"]).run()
    assert groups(at) == {"invalid_weight": "❌ `invalid_weight` · 2 lines: 14–15"}
    lines = at.expander[0].dataframe[0].value
    assert lines["Line"].tolist() == ["14", "15"] and lines["Problem"].str.contains("weight").all()
    assert any("How to fix it: weight goes only on assistant" in m.value for m in at.expander[0].markdown)
    # a line that is not an example is shown as inert text, with its finding
    at.number_input(key="inspect_browser_line").set_value(4).run()
    assert not at.exception and any("invalid_json" in e.value for e in at.error)
    assert at.code and '{"messages": [' in at.code[0].value
    # errors block the hand-over to the next pages
    assert at.button(key="inspect_use").disabled


def test_language_switch_renders_portuguese(page):
    """The sidebar switch (lab/app.py, key "lang") writes session_state["lang"]; the page reads it.
    Driven on the page alone: lab/app.py's Home page imports torch, which costs ~10 s here."""
    at = page
    at.selectbox(key="inspect_sample").set_value("broken_en.jsonl").run()
    at.session_state["lang"] = "pt-BR"
    at.run()
    assert not at.exception
    assert at.title[0].value == "Inspetor de Dados"
    assert {"Exemplos", "Erros", "Avisos"} <= {m.label for m in at.metric}
    found = groups(at)
    assert found["too_few_examples"].endswith("· arquivo inteiro")
    assert any("não é JSON válido: falta uma vírgula" in m.value for e in at.expander for m in e.markdown)
    assert not any("Expecting" in m.value for e in at.expander for m in e.markdown)
    assert len(at.get("plotly_chart")) == 5


def test_upload_inspect_clean_split_and_hand_over(page, lab_home):
    at = page
    at.radio(key="inspect_source").set_value("upload").run()
    assert any("200 MB" in i.value for i in at.info)  # the limit is said above the uploader
    content = "\n".join([chat(i) for i in range(20)] + ["{broken", "", chat(0)]) + "\n"
    at.file_uploader(key="inspect_upload").upload("my data.jsonl", content.encode(), "application/jsonl").run()
    assert not at.exception
    saved = lab_home / "datasets" / "my_data.jsonl"
    assert saved.read_text() == content
    found = groups(at)
    assert found["invalid_json"].endswith("· 21") and found["blank_line"].endswith("· 22")
    assert found["duplicate_example"].endswith("· 23")
    # cleaning: the plan says what goes before anything is written
    at.multiselect(key="inspect_clean_codes").set_value(["invalid_json", "duplicate_example"]).run()
    assert any("2 lines will be removed" in w.value for w in at.warning)
    at.button(key="inspect_clean_build").click().run()
    cleaned = lab_home / "datasets" / "my_data_clean.jsonl"
    assert cleaned.read_text().splitlines() == [chat(i) for i in range(20)]
    at.button(key="inspect_clean_inspect").click().run()
    assert not at.exception and not at.button(key="inspect_use").disabled
    at.number_input(key="inspect_split_seed").set_value(3).run()
    at.button(key="inspect_split_build").click().run()
    assert any("18 training and 2 validation" in s.value for s in at.success)
    at.button(key="inspect_use").click().run()
    assert at.session_state["lab_dataset"] == {"path": str(cleaned), "name": cleaned.name, "format": "chat",
                                               "model": "gpt-4o-mini-2024-07-18"}


def test_csv_upload_is_converted_with_chosen_columns(page, lab_home):
    at = page
    at.radio(key="inspect_source").set_value("upload").run()
    rows = "".join(f"{i},Question {i}?,Answer {i}.\n" for i in range(12))
    at.file_uploader(key="inspect_upload").upload("faq.csv", ("id,pergunta,resposta\n" + rows).encode(), "text/csv").run()
    assert at.selectbox(key="inspect_csv_question").value == "pergunta"
    at.text_area(key="inspect_csv_system").set_value("You are Pia.").run()
    at.button(key="inspect_csv_convert").click().run()
    assert not at.exception
    first = json.loads((lab_home / "datasets" / "faq_chat.jsonl").read_text().splitlines()[0])
    assert first["messages"][0] == {"role": "system", "content": "You are Pia."}
    assert {m.label: m.value for m in at.metric}["Examples"] == "12"


def test_chat_bubbles_show_file_text_inert():
    evil = {"messages": [{"role": "user", "content": "<script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>"},
                         {"role": "assistant<b>", "content": "\" onmouseover=\"alert(4)"}]}
    html = conversation_html(evil)
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(3)&gt;" in html
    assert "&quot; onmouseover=&quot;alert(4)" in html
    long = conversation_html({"messages": [{"role": "user", "content": "x" * 10_000}]})
    assert "6,000 more characters" in long


def test_histogram_marks_the_limit_when_in_view(tmp_path):
    path = tmp_path / "long.jsonl"
    long = json.dumps({"messages": [{"role": "user", "content": "Hi"},
                                    {"role": "assistant", "content": "bike" + " bike" * 17_000}]})
    path.write_text("\n".join([chat(i) for i in range(10)] + [long]) + "\n")
    near = token_histogram(inspect_file(path, model="gpt-3.5-turbo-0125"))
    assert [shape.x0 for shape in near.layout.shapes] == [16_385]
    far = token_histogram(inspect_file(path, model="gpt-4o-mini-2024-07-18"))
    assert not far.layout.shapes and "65,536" in far.layout.title.text


def test_broken_lines_can_be_fixed_one_by_one_from_the_cleaning_tab(page, lab_home):
    """Cleaning only removes lines: when removing them would leave too few examples, the page says so
    and offers an editor per broken line; a fix is saved as a copy and inspected again."""
    at = page
    at.selectbox(key="inspect_sample").set_value("broken_en.jsonl").run()
    assert any("10 examples remain" in i.value for i in at.info)  # the Use tab says what cleaning would leave
    pick = at.selectbox(key="inspect_fix_pick")
    assert pick.options[0] == "Line 4: invalid_json" and len(pick.options) == 18
    at.multiselect(key="inspect_clean_codes").set_value(list(at.multiselect(key="inspect_clean_codes").options)).run()
    assert any("Only 4 examples would remain" in e.value and "one by one" in e.value for e in at.error)
    fixed = ('{"messages": [{"role": "user", "content": "Can I rent a bike for the weekend?"}, '
             '{"role": "assistant", "content": "Yes: R$ 159 from Friday 17:00 to Monday 10:00."}]}')
    at.text_area(key="inspect_fixlist_4").set_value(fixed).run()
    at.button(key="inspect_fixlist_save_4").click().run()
    assert not at.exception
    out = lab_home / "datasets" / "broken_en_fixed.jsonl"
    assert out.read_bytes().splitlines()[3] == fixed.encode()
    assert any("Line 4 fixed in broken" in s.value for s in at.success)
    assert {m.label: m.value for m in at.metric}["Errors"] == "17"
    assert not any(o.startswith("Line 4:") for o in at.selectbox(key="inspect_fix_pick").options)


def test_a_binary_file_renamed_jsonl_is_refused_once(page):
    at = page
    at.radio(key="inspect_source").set_value("upload").run()
    at.file_uploader(key="inspect_upload").upload("photo.jsonl", bytes(range(256)) * 64, "application/jsonl").run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "is not a text file" in errors[0]
    assert not at.metric and not at.expander and not at.get("progress")
