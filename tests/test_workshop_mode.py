"""Workshop mode (Home's switch, components/workshop.py) keeps only the quick choices on Training
and Costs, in both languages; with it off every control is back."""
from __future__ import annotations

import os
import time

import psutil
import pytest
from streamlit.testing.v1 import AppTest

from components.workshop import WORKSHOP_KEY
from core.i18n import set_language, t
from core.jobs import registry
from core.paths import REPO_ROOT
from core.training.config import LocalTrainConfig

TRAIN = str(REPO_ROOT / "lab" / "train_page.py")
COSTS = str(REPO_ROOT / "lab" / "costs_page.py")
SUPPORT = {lang: str(REPO_ROOT / "assets" / "samples" / f"support_{lang}.jsonl") for lang in ("en", "pt-BR")}


def page(path: str, lang: str, workshop: bool, **state) -> AppTest:
    set_language(lang)  # AppTest formats the widgets' values again here, with the test's own language
    at = AppTest.from_file(path, default_timeout=120)
    at.session_state["lang"] = lang
    at.session_state[WORKSHOP_KEY] = workshop
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def keys(at: AppTest) -> set[str]:
    """Every widget key the run drew (number boxes, selects, radios, checkboxes, toggles, buttons)."""
    kinds = (at.number_input, at.selectbox, at.radio, at.checkbox, at.toggle, at.button, at.text_input, at.multiselect)
    return {widget.key for kind in kinds for widget in kind if widget.key}


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_training_shows_the_preset_the_data_and_start_only(lang):
    dataset = {"path": SUPPORT[lang], "name": f"support_{lang}.jsonl", "format": "chat", "model": None}
    at = page(TRAIN, lang, True, lab_dataset=dataset)
    assert not at.exception
    drawn = keys(at)
    assert {"train_preset", "train_dataset", "train_start"} <= drawn
    assert not [key for key in drawn if key.startswith("train_f_")]       # no setting, basic or advanced
    assert t("train.advanced", lang) not in [e.label for e in at.expander]
    assert any(t("guide.workshop.note", lang) in c.value for c in at.caption)
    assert not at.button(key="train_start").disabled                    # the quick run can start
    if lang == "en":  # what starts is the preset's own run: its values, not the form's defaults
        busy = registry.create_job("local", {}, lane="cpu")   # keeps the new run queued (no training)
        registry.update_job(busy.id, status="running", started_at=time.time(), pid=os.getpid(),
                            pid_created=psutil.Process().create_time())
        at.button(key="train_start").click().run()
        assert not at.exception
        [queued] = registry.list_jobs(status="queued")
        expected = LocalTrainConfig.from_preset("quick", dataset=SUPPORT[lang]).to_dict()
        assert {k: queued.params[k] for k in ("max_examples", "epochs", "lora_r", "learning_rate", "max_length")} == \
            {k: expected[k] for k in ("max_examples", "epochs", "lora_r", "learning_rate", "max_length")}
        registry.update_job(queued.id, status="cancelled")
        registry.update_job(busy.id, status="succeeded")

    at.session_state[WORKSHOP_KEY] = False
    at.run()
    drawn = keys(at)
    assert {"train_f_lora_r", "train_f_warmup_ratio", "train_f_save_steps"} <= drawn   # basic and advanced are back
    assert t("train.advanced", lang) in [e.label for e in at.expander]


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_costs_keep_the_headline_inputs(lang):
    at = page(COSTS, lang, True)
    assert not at.exception
    drawn = keys(at)
    assert {"costs_source", "costs_model", "costs_queries"} <= drawn
    hidden = {"costs_epochs_mode", "costs_prompt_tokens", "costs_answer_tokens", "costs_instruction_tokens",
              "costs_rag_k", "costs_chunk_tokens", "costs_cached", "costs_local_device", "costs_params_b",
              "costs_kwh", "costs_reset_prices"}
    assert not drawn & hidden
    assert not [key for key in drawn if key.startswith("costs_price_")]     # no price overrides
    assert at.metric and not at.error                                     # the bill is still there
    bill = {m.label: m.value for m in at.metric}

    at.session_state[WORKSHOP_KEY] = False
    at.run()
    assert hidden <= keys(at)
    # the hidden inputs ran at their defaults: the same bill once they are shown
    assert {m.label: m.value for m in at.metric if m.label in bill} == bill


def test_evaluation_keeps_the_bundled_set_and_the_default_contestants():
    at = page(COSTS.replace("costs_page", "eval_page"), "pt-BR", True)
    assert not at.exception
    drawn = keys(at)
    assert {"eval_bundled", "eval_start"} <= drawn
    assert not drawn & {"eval_source", "eval_contestants", "eval_metrics", "eval_limit", "eval_judge"}
    assert at.selectbox(key="eval_bundled").value == "pedala_pt-BR"          # the reader's language
    assert any(t("guide.workshop.eval_defaults", "pt-BR", n=10, metrics="")[:40] in c.value for c in at.caption)
    assert not at.button(key="eval_start").disabled                        # base and RAG, ready to start
