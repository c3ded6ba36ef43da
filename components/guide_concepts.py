"""The concepts page's sections: a few sentences each, then the live demonstration. Every section
has an anchor (/concepts#tokens, #lora, #quantization, #training, #rag, #sampling, #evaluation) so
tooltips can link to it (core.guide.concepts.linked_help)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from components import guide_charts
from core.guide import concepts, lora_params
from core.i18n import current_language, format_number, t

SECTIONS = concepts.SECTIONS


def _gb(n_bytes: float) -> str:
    return format_number(n_bytes / 1e9, decimals=2 if n_bytes < 1e10 else 1) + " GB"


@st.cache_data(show_spinner=False, max_entries=64)
def _split(text: str) -> tuple[list[str], list[str]]:
    return concepts.split_tiktoken(text), concepts.split_embedded(text)


@st.cache_data(show_spinner=False)
def _quantization_facts():
    """Once per process: the device probe imports torch (seconds), the files do not change."""
    return concepts.quantization_facts()


def tokens() -> None:
    st.header(t("concepts.tokens_title"), anchor="tokens")
    st.markdown(t("concepts.tokens_text"))
    text = st.text_input(t("concepts.tokens_input"), value=t("concepts.tokens_sample"), key="concepts_text",
                         max_chars=2000, help=t("concepts.tokens_input_help"))
    if not text.strip():
        st.info(t("concepts.tokens_empty"))
        return
    o200k, embedded = _split(text)
    for column, name, pieces in zip(st.columns(2), ("o200k", "embedded"), (o200k, embedded)):
        with column:
            st.metric(t(f"concepts.tokens_{name}"), format_number(len(pieces)),
                      help=t(f"concepts.tokens_{name}_help"))
            st.code(" | ".join(pieces), language=None, wrap_lines=True)   # inert text, never Markdown
    pair = {lang: t("concepts.tokens_sample", lang) for lang in ("en", "pt-BR")}
    rows = concepts.token_counts(pair)
    st.dataframe(pd.DataFrame([{t("concepts.col_language"): r["lang"], t("concepts.col_chars"): r["chars"],
                                t("concepts.tokens_o200k"): r["o200k"], t("concepts.tokens_embedded"): r["embedded"]}
                               for r in rows]), hide_index=True, key="concepts_token_pair")
    en, pt = rows
    st.caption(t("concepts.tokens_gap", o200k=_change(pt["o200k"], en["o200k"]),
                 embedded=_change(pt["embedded"], en["embedded"])))


def _change(new: int, old: int) -> str:
    """+52% / −11%: how many more (or fewer) tokens the Portuguese message takes."""
    share = 100 * (new / old - 1)
    return ("+" if share >= 0 else "−") + format_number(abs(share)) + "%"


def lora() -> None:
    st.header(t("concepts.lora_title"), anchor="lora")
    st.markdown(t("concepts.lora_text"))
    rows = lora_params.cached_grid()
    if rows is None:
        st.info(t("concepts.lora_not_computed"))
        if st.button(t("concepts.lora_compute"), key="concepts_lora_compute", help=t("concepts.lora_compute_help")):
            bar = st.progress(0.0, text=t("concepts.lora_computing"))
            rows = lora_params.compute_grid(progress=lambda f: bar.progress(f, text=t("concepts.lora_computing")))
            bar.empty()
        else:
            return
    st.plotly_chart(guide_charts.lora_figure(rows), key="concepts_lora_chart")
    pick = next((r for r in rows if r["rank"] == 16 and r["targets"] == "all_linear"), rows[-1])
    st.markdown(t("concepts.lora_memory", rank=pick["rank"], target=t(f"concepts.lora_target.{pick['targets']}"),
                  trainable=format_number(pick["trainable"]), base=format_number(pick["base"]),
                  share=format_number(100 * pick["share"], decimals=2), full=_gb(pick["full_bytes"]),
                  lora=_gb(pick["lora_bytes"]), saved=format_number(100 * pick["saved_share"])))
    st.caption(t("concepts.lora_caption"))


def quantization() -> None:
    st.header(t("concepts.quantization_title"), anchor="quantization")
    st.markdown(t("concepts.quant_text"))
    facts = _quantization_facts()
    table = {}
    for row in facts.rows:
        table.setdefault(row["model"], {t("concepts.col_model"): row["model"]})[
            t("concepts.quant_bits", bits=row["bits"])] = _gb(row["bytes"])
    st.dataframe(pd.DataFrame(list(table.values())), hide_index=True, key="concepts_quant_table")
    st.plotly_chart(guide_charts.quantization_figure(facts.rows), key="concepts_quant_chart")
    n = facts.embedded_params
    st.markdown(t("concepts.quant_arithmetic", params=format_number(n), fp32=_gb(n * 4), bf16=_gb(n * 2),
                  int4=_gb(n / 2), seven_b=_gb(7e9 * 2), seven_b4=_gb(7e9 / 2)))
    st.markdown(t("concepts.quant_files", safetensors=_gb(facts.safetensors_bytes),
                  gguf=_gb(facts.gguf_bytes) if facts.gguf_bytes else "–",
                  bits=format_number(8 * facts.gguf_bytes / n, decimals=2) if facts.gguf_bytes else "–"))
    if facts.device == "cuda":
        st.success(t("concepts.qlora_gpu"), icon="✅")
    else:
        st.info(t("concepts.qlora_cpu", device=facts.device), icon="ℹ️")


def training() -> None:
    st.header(t("concepts.training_title"), anchor="training")
    st.markdown(t("concepts.training_text"))
    runs = concepts.finished_runs()
    if not runs:
        st.info(t("concepts.training_empty"), icon="🏋️")
        st.page_link("train_page.py", label=t("concepts.training_link"), icon="🏋️")
        return
    labels = {job.id: t("concepts.run_label", run=job.id, dataset=str((job.params or {}).get("dataset_name")
                                                                     or (job.params or {}).get("dataset") or "")[-40:])
              for job in runs}
    picked = st.selectbox(t("concepts.run_pick"), list(labels), format_func=labels.get, key="concepts_run")
    from core.jobs.events import read_all

    job = next(j for j in runs if j.id == picked)
    story = concepts.loss_story(read_all(job.run_dir))
    if not story.train[0] and not story.eval[0]:
        st.info(t("concepts.training_no_curve"))
        return
    st.plotly_chart(guide_charts.loss_story_figure(story), key="concepts_loss_chart")
    params = job.params or {}
    st.caption(t("concepts.run_params", epochs=params.get("epochs", "–"), lr=params.get("learning_rate", "–"),
                 rank=params.get("lora_r", "–")))
    if story.best_eval_step is None:
        st.info(t("concepts.training_no_eval"))
    elif story.overfitting:
        st.warning(t("concepts.training_overfit", step=story.best_eval_step,
                     best=format_number(story.best_eval, decimals=3), final=format_number(story.final_eval, decimals=3)))
    else:
        st.success(t("concepts.training_ok", step=story.best_eval_step, best=format_number(story.best_eval, decimals=3)))


def rag() -> None:
    st.header(t("concepts.rag_title"), anchor="rag")
    st.markdown(t("concepts.rag_text"))
    question = st.text_input(t("concepts.rag_question"), value=t("concepts.rag_sample"), key="concepts_question",
                             max_chars=500)
    if st.button(t("concepts.rag_run"), key="concepts_rag_run", help=t("concepts.rag_run_help")):
        with st.spinner(t("concepts.rag_running")):
            st.session_state["concepts_rag_result"] = (question, concepts.rag_demo(question, current_language()))
    shown = st.session_state.get("concepts_rag_result")
    if not shown:
        st.caption(t("concepts.rag_hint"))
        return
    asked, result = shown
    st.dataframe(pd.DataFrame([{"#": h["n"], t("concepts.col_source"): h["title"],
                                t("concepts.col_score"): h["score"], t("concepts.col_snippet"): h["snippet"]}
                               for h in result["hits"]]), hide_index=True, key="concepts_rag_hits")
    st.caption(t("concepts.rag_scores", question=asked))
    with st.expander(t("concepts.rag_prompt"), expanded=False):
        for message in result["messages"]:
            st.markdown(f"**{message['role']}**")
            st.code(message["content"], language=None, wrap_lines=True)


# Made-up next-token scores after "The rental costs R$" (the day rental is R$ 89: assets/company/facts.md)
SAMPLING_SCORES = {" 89": 5.0, " 159": 3.6, " 500": 2.8, " 99": 2.0, " 1": 0.8}
TOP_P = 0.9


def sampling() -> None:
    st.header(t("concepts.sampling_title"), anchor="sampling")
    st.markdown(t("concepts.sampling_text"))
    st.caption(t("concepts.sampling_prompt"))
    rows = concepts.sampling_table(SAMPLING_SCORES, top_p=TOP_P)
    st.dataframe(pd.DataFrame([{
        t("concepts.sampling_token"): repr(r["token"]), t("concepts.sampling_score"): r["score"],
        **{t("concepts.sampling_p", t=format_number(temp, decimals=1)): format_number(100 * r[temp], decimals=1) + "%"
           for temp in concepts.SAMPLING_TEMPERATURES},
        t("concepts.sampling_kept", p=format_number(TOP_P, decimals=1)): "✅" if r["kept"] else "—",
    } for r in rows]), hide_index=True, key="concepts_sampling_table")
    st.caption(t("concepts.sampling_caption"))


def evaluation() -> None:
    st.header(t("concepts.evaluation_title"), anchor="evaluation")
    st.markdown(t("concepts.evaluation_text"))
    reference = st.text_input(t("concepts.evaluation_reference"), value=t("concepts.evaluation_reference_sample"),
                              key="concepts_eval_reference", max_chars=500, help=t("concepts.evaluation_input_help"))
    answer = st.text_input(t("concepts.evaluation_answer"), value=t("concepts.evaluation_answer_sample"),
                           key="concepts_eval_answer", max_chars=500, help=t("concepts.evaluation_input_help"))
    facts = st.text_input(t("concepts.evaluation_facts"), value=t("concepts.evaluation_facts_sample"),
                          key="concepts_eval_facts", max_chars=300, help=t("concepts.evaluation_input_help"))
    from core.evaluation.report import metric_label

    scores = concepts.score_answer(answer, reference, [f.strip() for f in facts.split(",") if f.strip()])
    st.dataframe(pd.DataFrame([{t("concepts.evaluation_metric"): metric_label(name),
                                t("concepts.evaluation_value"): "–" if value is None else format_number(value, decimals=2)}
                               for name, value in scores.items()]), hide_index=True, key="concepts_eval_scores")
    st.page_link("eval_page.py", label=t("concepts.evaluation_link"), icon="📏")
