"""Learning curves (core.training.curve): metric vs number of training examples, with 95% CIs, clean
and noisy subsets as two lines, the base model as a dotted reference.

`figure(result)` is a pure function of curve_results(); `render()` is the Training page's section
(pick a curve, it queues what is due and redraws; a curve starts from `python -m lab curve`).
"""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from core.i18n import t

COLOURS = {"clean": "#1f77b4", "noisy": "#d62728"}


def figure(result: dict) -> go.Figure:
    """One line per kind (clean / noisy) through the points that have a score; error bars = the CI."""
    from core.evaluation.report import metric_label

    fig = go.Figure()
    for kind in ("clean", "noisy"):
        points = sorted((p for p in result["points"] if p["kind"] == kind and p.get("mean") is not None),
                        key=lambda p: p["size"])
        if not points:
            continue
        means = [p["mean"] for p in points]
        upper = [(p["ci_high"] - p["mean"]) if p.get("ci_high") is not None else 0 for p in points]
        lower = [(p["mean"] - p["ci_low"]) if p.get("ci_low") is not None else 0 for p in points]
        fig.add_trace(go.Scatter(x=[p["size"] for p in points], y=means, mode="lines+markers",
                                 name=t(f"methods.curve_kind.{kind}"), line={"color": COLOURS[kind], "width": 2},
                                 error_y={"type": "data", "array": upper, "arrayminus": lower, "visible": True}))
    base = result.get("base") or {}
    if base.get("mean") is not None:
        fig.add_hline(y=base["mean"], line_dash="dot", annotation_text=t("methods.curve_base"))
    metric = result.get("metric")
    fig.update_layout(title=t("methods.curve_chart_title", metric=metric_label(metric) if metric else "–"),
                      xaxis_title=t("methods.curve_x"), yaxis_title=metric_label(metric) if metric else "",
                      margin={"t": 50, "b": 40, "l": 40, "r": 10}, height=380, legend={"orientation": "h"})
    return fig


def render() -> None:
    from core.training import curve

    st.subheader(t("methods.curve_title"))
    st.caption(t("methods.curve_intro"))
    st.code("python -m lab curve DATA --sizes 10,50,100 --eval EVAL --noise 0.2", language="bash")
    curves = curve.list_curves()
    if not curves:
        st.info(t("methods.curve_empty"))
        return
    chosen = st.selectbox(t("methods.curve_pick"), curves, key="curve_pick")
    curve.advance(chosen)  # a run that finished since the last look gets its evaluation queued
    result = curve.curve_results(chosen)
    done = sum(1 for p in result["points"] if p.get("mean") is not None)
    st.progress(done / max(1, len(result["points"])), text=t("methods.curve_progress", done=done,
                                                             total=len(result["points"])))
    if done:
        st.plotly_chart(figure(result), key="curve_chart", width="stretch")
    else:
        st.info(t("methods.curve_waiting"))
