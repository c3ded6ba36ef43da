"""The concepts' numbers: peft's counts against LoRA's arithmetic, weight memory, loss curves."""
from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from core.errors import InputError
from core.i18n import set_language

from core.guide import concepts, lora_params


@pytest.fixture(scope="module")
def lora_grid(embedded_model_path):
    """peft's counts at two ranks × two target choices (once: peft and torch take seconds to load)."""
    targets = {k: lora_params.TARGETS[k] for k in ("attention_qv", "all_linear")}
    return lora_params.compute_grid(ranks=(4, 16), targets=targets, cache=False)


def test_peft_counts_match_lora_arithmetic_and_are_cached(lora_grid, embedded_model_path):
    grid = [row for row in lora_grid if row["targets"] == "attention_qv"]
    config = json.loads((embedded_model_path / "config.json").read_text())
    hidden, layers = config["hidden_size"], config["num_hidden_layers"]
    kv = config["num_key_value_heads"] * config.get("head_dim", hidden // config["num_attention_heads"])
    for row in grid:
        # LoRA adds A (r × in) and B (out × r) per module: r × (in + out); q: 576→576, v: 576→kv
        assert row["trainable"] == row["rank"] * ((hidden + hidden) + (hidden + kv)) * layers
        assert row["base"] == concepts.safetensors_params(embedded_model_path)
        assert row["full_bytes"] == 16 * row["base"]
        assert row["lora_bytes"] == 4 * row["base"] + 16 * row["trainable"]
    assert lora_params.cached_grid() is None
    lora_params.store("embedded", lora_grid)
    assert lora_params.cached_grid() == json.loads(json.dumps(lora_grid))


def test_weight_memory_is_params_times_bits(embedded_model_path):
    facts = concepts.quantization_facts()
    rows = {(r["model"], r["bits"]): r["bytes"] for r in facts.rows}
    assert rows[("70B", 4)] == 35e9 and rows[("8B", 16)] == 16e9 and rows[("1B", 32)] == 4e9
    # The converted copy is fp32: its file is the parameters × 4 bytes (+ a small header).
    assert facts.safetensors_bytes == pytest.approx(4 * facts.embedded_params, rel=0.01)
    assert facts.gguf_bytes and 4 < 8 * facts.gguf_bytes / facts.embedded_params < 8


def test_portuguese_costs_more_tokens_on_the_english_centric_tokenizer(embedded_model_path):
    en, pt = concepts.token_counts({"en": "The delivery arrives within three business days.",
                                    "pt": "A entrega chega em até três dias úteis."})
    assert pt["embedded"] > en["embedded"]
    assert "".join(concepts.split_tiktoken("três dias úteis")) == "três dias úteis"


def test_loss_story_finds_the_best_step_and_overfitting():
    def metric(step, train, ev=None):
        return {"kind": "metric", "step": step, "train_loss": train, "eval_loss": ev}

    rising = concepts.loss_story([metric(1, 2.0, 2.0), metric(2, 1.0, 1.5), metric(3, 0.5, 1.7), {"kind": "log"}])
    assert (rising.best_eval_step, rising.best_eval, rising.final_eval, rising.overfitting) == (2, 1.5, 1.7, True)
    falling = concepts.loss_story([metric(1, 2.0, 2.0), metric(2, 1.0, 1.5), metric(3, 0.5, 1.49)])
    assert falling.best_eval_step == 3 and not falling.overfitting
    assert concepts.loss_story([metric(1, 2.0)]).best_eval_step is None
    with pytest.raises(InputError):
        concepts.rag_demo("   ", "en")


def test_tooltips_link_to_their_concept():
    text = concepts.concept_help("Rank of the LoRA matrices.", "lora", "pt-BR")
    assert text.endswith("(/concepts#lora)") and "LoRA e PEFT" in text
    with pytest.raises(ValueError):
        concepts.concept_help("x", "nope")


def test_concepts_page_shows_this_machines_numbers(lora_grid):
    from core.jobs import registry
    from core.jobs.events import append_event

    # A finished run whose eval loss bottoms out at step 20 and climbs again: overfitting.
    job = registry.create_job("local", {"dataset_name": "support_en.jsonl", "epochs": 6, "learning_rate": 2e-4,
                                        "lora_r": 16}, status="succeeded")
    for step, train, ev in [(10, 2.0, 2.1), (20, 1.5, 1.8), (30, 1.0, 1.9), (40, 0.6, 2.2)]:
        append_event(job.run_dir, "metric", step=step, train_loss=train, eval_loss=ev)
    lora_params.store("embedded", lora_grid)

    at = AppTest.from_file("../lab/app.py", default_timeout=120).run()
    at.switch_page("concepts_page.py").run()
    assert not at.exception, at.exception
    assert at.metric[0].value == "28" and at.metric[1].value == "29"      # the sample sentence, both tokenizers
    assert len(at.get("plotly_chart")) == 3                                 # LoRA, quantization, loss curves
    assert any("stopped improving" in w.value or "overfit" in w.value for w in at.warning)
    texts = " ".join(m.value for m in at.markdown)
    assert "**134,515,008** parameters" in texts
    assert "**4,884,480** trainable parameters" in texts                    # r=16, all linear layers

    at.button(key="concepts_rag_run").click().run()                         # real retrieval over the bundled docs
    assert not at.exception
    hits = next(d.value for d in at.dataframe if "Chunk" in d.value.columns)  # the RAG section's table: the hits
    assert hits.iloc[0, 1] == "Our E-Bikes" and "R$ 9.890" in hits.iloc[0, 3]
    assert any("How much does the Pedala Trilha" in c.value for c in at.code)   # what the model is shown

    at.sidebar.selectbox(key="lang").set_value("pt-BR").run()
    set_language("pt-BR")
    assert not at.exception
    assert at.title[0].value == "Conceitos-chave"
    assert "**134.515.008** parâmetros" in " ".join(m.value for m in at.markdown)
    at.text_input(key="concepts_text").set_value("").run()
    assert not at.exception and "Digite uma frase" in at.info[0].value
