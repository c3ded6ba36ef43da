"""Training Launcher: choose where to train, start a run, watch it live, compare and download runs.

A storyboard: backend -> its form (local here, hosted from components.hosted_form) -> the live
monitor of the chosen job -> every run in a table with an overlay chart and downloads. All the work
happens in core/ (the job engine and the trainer); training never runs in this script thread.
"""
import streamlit as st

from components import curve_chart, hosted_form, run_compare, run_monitor, train_form
from components.shell import use_page_language
from components.workshop import workshop_mode
from core.i18n import t

use_page_language()

st.title(t("train.title"))
st.caption(t("train.intro"))

backend = "local" if workshop_mode() else st.radio(  # workshop mode: this machine, no keys
    t("train.backend_label"), ["local", "openai", "azure"], key="train_backend", horizontal=True,
    format_func=lambda b: t(f"train.backend_choice.{b}"), help=t("train.help.backend"))

started = None
if backend == "local":
    st.subheader(t("train.new_run"))
    started = train_form.render()
else:
    started = hosted_form.render(backend)

st.divider()
st.subheader(t("train.monitor_title"))
picked = run_monitor.selected_job_ids_from_state()
job_id = started or picked or st.session_state.get("train_job") or run_monitor.default_job_id(backend)
run_monitor.render(job_id)

st.subheader(t("train.runs_title"))
run_monitor.render_runs()  # every backend in one table: hosted jobs and local runs side by side
run_compare.render()  # two finished local runs side by side: LoRA vs full fine-tuning, costs and scores
curve_chart.render()  # learning curves: metric vs number of examples, clean and noisy
