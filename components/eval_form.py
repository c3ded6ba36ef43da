"""The evaluation page's inputs: which set, which metrics and settings, and the session's keys."""
from __future__ import annotations

import hashlib

import streamlit as st

from components.shell import file_uploader
from components.workshop import workshop_mode
from core.atomic import write_bytes
from core.evaluation import metrics as M
from core.evaluation.dataset import RUN_PREFIX, bundled_sets, load_examples, resolve_set
from core.evaluation.judge import default_rubric
from core.evaluation.report import metric_label
from core.guide.concepts import linked_help
from core.i18n import t
from core.jobs import registry
from core.paths import subdir
from core.training import tracking
from core.training.data import held_out_path

UPLOAD_LIMIT_MB = 50
SOURCES = ("bundled", "held_out", "upload")
# The settings' defaults, also what workshop mode runs with (no boxes shown): the first 10 examples,
# enough for a first comparison in a few minutes on 2 CPU cores (2 contestants × 10 answers).
DEFAULTS = {"limit": 0, "max_tokens": 128, "batch_size": 8, "copy_bias": 0.0, "rag_k": 3, "gpu_usd_per_hour": 0.0}
WORKSHOP_LIMIT = 10


def runs_with_held_out() -> list:
    """Succeeded local training runs that kept a held-out split in their folder."""
    return [j for j in registry.list_jobs(status="succeeded", backend="local") if held_out_path(j.run_dir)]


def _save_upload(upload) -> str:
    data = upload.getvalue()
    path = subdir("datasets") / f"eval-{hashlib.sha256(data).hexdigest()[:12]}.jsonl"
    if not path.is_file():
        write_bytes(path, data)
    return str(path)


def choose_set(lang: str) -> tuple[str | None, list]:
    """(the set's name for EvalConfig.data, its examples); stops the page when none is chosen yet."""
    sets = {s["id"]: s for s in bundled_sets()}
    preset = st.session_state.pop("eval_preset_set", None)
    if preset in sets:
        st.session_state["eval_source"], st.session_state["eval_bundled"] = "bundled", preset
    elif preset and str(preset).startswith(RUN_PREFIX):
        st.session_state["eval_source"], st.session_state["eval_run"] = "held_out", str(preset)[len(RUN_PREFIX):]
    source = "bundled" if workshop_mode() else st.radio(
        t("eval.source_label"), SOURCES, key="eval_source", horizontal=True,
        format_func=lambda s: t(f"eval.source_{s}", lang), help=t("eval.source_help"))
    data = None
    if source == "bundled":
        default = next((i for i in sets if sets[i]["language"] == lang), next(iter(sets)))
        st.session_state.setdefault("eval_bundled", default)
        chosen = st.selectbox(t("eval.bundled_label"), list(sets), key="eval_bundled",
                              format_func=lambda i: t(sets[i]["title_key"], lang))
        st.caption(t(sets[chosen]["description_key"], lang))
        data = chosen
    elif source == "held_out":
        runs = runs_with_held_out()
        if not runs:
            st.info(t("eval.no_held_out"))
            st.stop()
        run = st.selectbox(t("eval.run_label"), [j.id for j in runs], key="eval_run", help=t("eval.run_help"))
        data = RUN_PREFIX + run
    else:
        upload = file_uploader(t("eval.upload_label"), key="eval_upload", types=["jsonl"],
                               limit_mb=UPLOAD_LIMIT_MB, help=t("eval.upload_help"))
        if upload is None:
            st.info(t("eval.upload_empty"))
            st.stop()
        data = _save_upload(upload)
    examples = load_examples(resolve_set(data))
    with_facts = sum(1 for e in examples if e.facts)
    st.caption(t("eval.set_summary", n=len(examples), facts=with_facts))
    return data, examples


def settings_form(lang: str, defaults: list[str]) -> dict:
    """Metrics, generation settings and the optional judge, as EvalConfig keyword arguments.
    Workshop mode shows none of them: the set's default metrics on its first WORKSHOP_LIMIT examples."""
    if workshop_mode():
        st.caption(t("guide.workshop.eval_defaults", n=WORKSHOP_LIMIT,
                     metrics=", ".join(metric_label(m, lang) for m in defaults if m != "judge")))
        return {**DEFAULTS, "metrics": [m for m in defaults if m != "judge"] or None, "limit": WORKSHOP_LIMIT,
                "judge": None, "rubric": None}
    st.session_state.setdefault("eval_metrics", [m for m in defaults if m != "judge"])
    metrics = st.multiselect(t("eval.metrics_label"), [m for m in M.QUALITY if m != "judge"], key="eval_metrics",
                             format_func=lambda m: metric_label(m, lang),
                             help=linked_help("eval_metrics", t("eval.metrics_help")))
    with st.expander(t("eval.settings_title")):
        left, mid, right = st.columns(3)
        limit = left.number_input(t("eval.limit_label"), min_value=0, value=DEFAULTS["limit"], step=5, key="eval_limit",
                                  help=t("eval.limit_help"))
        max_tokens = mid.number_input(t("eval.max_tokens_label"), min_value=8, max_value=2048, value=DEFAULTS["max_tokens"],
                                      step=16, key="eval_max_tokens",
                                      help=linked_help("eval_max_tokens", t("eval.max_tokens_help")))
        batch_size = right.number_input(t("eval.batch_size_label"), min_value=1, max_value=32, value=DEFAULTS["batch_size"],
                                        key="eval_batch_size", help=t("eval.batch_size_help"))
        copy_bias = left.number_input(t("eval.copy_bias_label"), min_value=0.0, max_value=10.0, value=DEFAULTS["copy_bias"],
                                      step=0.5, key="eval_copy_bias",
                                      help=linked_help("eval_copy_bias", t("eval.copy_bias_help")))
        rag_k = mid.number_input(t("eval.rag_k_label"), min_value=1, max_value=10, value=DEFAULTS["rag_k"], key="eval_rag_k",
                                 help=linked_help("eval_rag_k", t("eval.rag_k_help")))
        gpu = right.number_input(t("eval.gpu_price_label"), min_value=0.0, value=DEFAULTS["gpu_usd_per_hour"], step=0.1,
                                 key="eval_gpu", help=t("eval.gpu_price_help"))
    with st.expander(t("eval.judge_title")):
        judge = st.text_input(t("eval.judge_label"), key="eval_judge", placeholder="openai:gpt-4o-mini",
                              help=linked_help("eval_judge", t("eval.cli_judge_help"))).strip() or None
        rubric = st.text_area(t("eval.rubric_label"), value=default_rubric(lang), key="eval_rubric", height=160,
                              help=linked_help("eval_rubric", t("eval.rubric_help")))
    trackers = st.multiselect(t("train.field.tracking"), tracking.installed(), key="eval_tracking",
                              format_func=tracking.label, help=t("train.help.tracking_eval"),
                              placeholder=t("train.tracking_placeholder"))
    chosen = list(metrics) + (["judge"] if judge else [])
    return {"metrics": chosen or None, "limit": int(limit) or None, "max_tokens": int(max_tokens),
            "batch_size": int(batch_size), "copy_bias": float(copy_bias), "rag_k": int(rag_k),
            "gpu_usd_per_hour": float(gpu), "judge": judge, "rubric": rubric if judge else None,
            "tracking": list(trackers)}


def job_env() -> dict:
    """Keys typed into a page this session, for the worker's environment only (never saved)."""
    names = {"openai_api_key": "OPENAI_API_KEY", "azure_openai_api_key": "AZURE_OPENAI_API_KEY",
             "azure_openai_endpoint": "AZURE_OPENAI_ENDPOINT", "azure_openai_api_version": "AZURE_OPENAI_API_VERSION"}
    return {env: str(st.session_state[key]) for key, env in names.items() if st.session_state.get(key)}
