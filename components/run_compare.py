"""Two finished local runs side by side (core.training.compare_runs): costs, then evaluation scores.

The Training page's answer to "LoRA or full fine-tuning?": pick A and B, read one sentence with the
machine's numbers, the table of costs (A / B ratios) and the metrics of an evaluation of both.
"""
from __future__ import annotations

import streamlit as st

from components.shell import friendly_errors
from core.i18n import format_duration, format_number, t


def _label(job) -> str:
    name = (job.params or {}).get("name") or job.id
    method = (job.result or {}).get("method") or (job.params or {}).get("method") or "lora"
    return f"{name} · {t(f'train.choice.method.{method}')} · {job.id}"


def _summary(comparison: dict) -> str:
    a, b = comparison["runs"]

    def share(run):
        return "–" if run["trainable_percent"] is None else f"{format_number(run['trainable_percent'], decimals=2)} %"

    def memory(run):
        return "–" if run["peak_memory_mb"] is None else f"{format_number(run['peak_memory_mb'] / 1024, decimals=2)} GB"

    return t("methods.compare_summary", a=a["name"], b=b["name"], pa=share(a), pb=share(b), ma=memory(a),
             mb=memory(b), ta=format_duration(a["runtime_s"]), tb=format_duration(b["runtime_s"]))


def render() -> None:
    """The section: two pickers, then the comparison (or why there is none yet)."""
    from core.evaluation.report import metric_label
    from core.training.compare_runs import comparable_runs, compare_runs, format_cell as cell, signed, table

    st.subheader(t("methods.compare_title"))
    st.caption(t("methods.compare_intro"))
    jobs = comparable_runs()
    if len(jobs) < 2:
        st.info(t("methods.compare_need_two", count=len(jobs)))
        return
    labels = {job.id: _label(job) for job in jobs}
    ids = list(labels)
    left, right = st.columns(2)
    run_a = left.selectbox(t("methods.compare_a"), ids, index=1, key="compare_run_a", format_func=labels.get)
    run_b = right.selectbox(t("methods.compare_b"), ids, index=0, key="compare_run_b", format_func=labels.get)
    with friendly_errors():
        comparison = compare_runs(run_a, run_b)
    st.markdown(_summary(comparison))
    rows = table(comparison)
    a, b = comparison["runs"]
    st.dataframe([{"": t(f"methods.field.{r['field']}"), a["name"]: cell(r["field"], r["a"]),
                   b["name"]: cell(r["field"], r["b"]),
                   t("methods.compare_ratio"): "–" if r["ratio"] is None else f"×{format_number(r['ratio'], decimals=2)}"}
                  for r in rows if "field" in r], hide_index=True, key="compare_costs", width="stretch")
    metrics = [r for r in rows if "metric" in r]
    evaluation = comparison.get("evaluation") or {}
    if not metrics:
        st.info(t("methods.no_evaluation", a=a["id"], b=b["id"]))
        return
    st.dataframe([{t("methods.compare_metric"): metric_label(r["metric"]), a["name"]: cell("", r["a"]),
                   b["name"]: cell("", r["b"]),
                   t("methods.compare_diff"): signed(r["diff"]),
                   t("methods.compare_p"): "–" if r["p_value"] is None else f"{r['p_value']:.3f}"}
                  for r in metrics], hide_index=True, key="compare_metrics", width="stretch")
    if evaluation.get("shared"):
        st.caption(t("methods.evaluation_shared", id=evaluation["eval_ids"][0], data=evaluation.get("data") or ""))
    else:
        st.warning(t("methods.evaluation_not_shared", ids=", ".join(evaluation.get("eval_ids", []))))
