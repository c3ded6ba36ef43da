"""Evaluation page: measured evidence for base vs fine-tuned vs RAG.

Storyboard: set (bundled / a run's held-out split / upload) -> contestants -> metrics and judge ->
start a job -> progress (re-attaches after a reload) -> report (components/eval_results.py).
The work is core.evaluation (a job of core/jobs); this file reads widgets and draws.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # AppTest.from_file and `streamlit run` start with lab/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from components import eval_results  # noqa: E402
from components.eval_form import choose_set, job_env, settings_form  # noqa: E402
from components.shell import friendly_errors, use_page_language  # noqa: E402
from components.workshop import workshop_note  # noqa: E402
from core.evaluation import job as eval_job  # noqa: E402
from core.evaluation.run import EvalConfig, MAX_CONTESTANTS, default_metrics  # noqa: E402
from core.i18n import t  # noqa: E402
from core.text_safety import md_inline, t_md  # noqa: E402
from core.jobs import runner  # noqa: E402
from core.providers import Credentials, list_contestants  # noqa: E402

lang = use_page_language()
st.title(t("eval.title"))
st.caption(t("eval.intro"))
quick = workshop_note()  # workshop mode: a bundled set and the default contestants, nothing else

preselect = st.session_state.pop("eval_preselect", None) or {}
if preselect.get("contestants"):
    st.session_state["eval_contestants"] = list(dict.fromkeys(preselect["contestants"]))[:MAX_CONTESTANTS]
if preselect.get("eval_set"):
    st.session_state["eval_preset_set"] = preselect["eval_set"]

# ---------------------------------------------------------------- 1. the set
st.header(t("eval.section_set"))
with friendly_errors():
    data, examples = choose_set(lang)

# ---------------------------------------------------------------- 2. contestants
st.header(t("eval.section_contestants"))
credentials = Credentials.resolve(openai_api_key=st.session_state.get("openai_api_key"),
                                  azure_api_key=st.session_state.get("azure_openai_api_key"),
                                  azure_endpoint=st.session_state.get("azure_openai_endpoint"),
                                  azure_api_version=st.session_state.get("azure_openai_api_version"))
offered = {c.spec: c for c in list_contestants(credentials, lang=lang) if c.available}
st.session_state.setdefault("eval_contestants", [s for s in ("base", "rag") if s in offered])
st.session_state["eval_contestants"] = [s for s in st.session_state["eval_contestants"] if s in offered]
if quick:
    specs = list(st.session_state["eval_contestants"])
    st.markdown(t("guide.workshop.eval_contestants", names=" · ".join(md_inline(offered[s].label) for s in specs) or "–"))
else:
    specs = st.multiselect(t("eval.contestants_label"), list(offered), key="eval_contestants",
                           max_selections=MAX_CONTESTANTS, format_func=lambda s: offered[s].label,
                           help=t("eval.contestants_help"))

# ---------------------------------------------------------------- 3. metrics, settings, judge
st.header(t("eval.section_metrics"))
options = settings_form(lang, default_metrics(examples))

if st.button(t("eval.start"), key="eval_start", type="primary", disabled=not specs):
    config = EvalConfig(data=data, contestants=specs, lang=lang, **options)
    with friendly_errors():
        job = eval_job.submit(config, env=job_env())
        st.session_state["eval_job"] = job.id

# ---------------------------------------------------------------- 4. progress and results
st.header(t("eval.section_results"))
past = eval_job.list_evaluations()
if not past:
    st.info(t("eval.no_runs"))
    st.stop()
status = {j.id: t(f"eval.status_{j.status}", lang) for j in past}
if st.session_state.get("eval_job") in status:
    st.session_state["eval_view"] = st.session_state.pop("eval_job")
chosen = st.selectbox(t("eval.view_label"), list(status), key="eval_view",
                      format_func=lambda i: t("eval.view_option", id=i, status=status[i]))
job = runner.require_job(chosen)


@st.fragment(run_every=2.0 if job.active or job.status == "queued" else None)
def progress_panel(job_id: str, was_finished: bool) -> None:
    runner.refresh()
    current = runner.require_job(job_id)
    done, total, spec = eval_job.progress_of(current)
    if not current.finished:
        st.progress(done / total if total else 0.0,
                    text=t_md("eval.progress", i=done, n=total, contestant=spec or "…") if total else t("eval.starting"))
        if st.button(t("eval.stop"), key="eval_stop"):
            runner.stop(job_id)
            st.rerun()
    elif current.status == "succeeded":
        st.success(t("eval.done", n=(current.result or {}).get("n_examples", 0)))
    else:
        st.warning(t_md("eval.not_finished", status=t(f"eval.status_{current.status}"), error=current.error or ""))
        if st.button(t("eval.resume"), key="eval_resume", help=t("eval.resume_help")):
            runner.resume(job_id, env=job_env())
            st.rerun()
    if current.finished and not was_finished:
        st.rerun()  # it just finished: a full run draws the report below


progress_panel(job.id, job.finished)
if job.status == "succeeded":
    with friendly_errors():
        eval_results.render(eval_job.load_results(job.id), lang)
