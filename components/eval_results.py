"""The evaluation report on a page: verdict, table with CIs, bar chart with error bars, pairs,
votes, per-example view with filters (answers shown as inert text), exports."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.evaluation import metrics as M
from core.evaluation.report import fmt, metric_label, power_notes, to_csv, to_html, to_json, verdicts
from core.i18n import t
from core.text_safety import md_code, md_escape, md_inline, t_md

FAIL_BELOW = 0.5  # "fails" = below half of the metric's scale (fact recall < 0.5, chrF < 50...)


def _normalized(name: str, value: float | None) -> float | None:
    if value is None or name not in M.SCALE:
        return None
    low, high = M.SCALE[name]
    return (value - low) / (high - low)


def bar_chart(results: dict, metric: str, lang: str) -> go.Figure:
    """One bar per contestant: the mean, with its 95% bootstrap CI as the error bar."""
    specs, means, plus, minus = [], [], [], []
    for c in results["contestants"]:
        m = c["metrics"][metric]
        specs.append(c["spec"])
        means.append(m["mean"] or 0.0)
        plus.append(max(0.0, (m["ci_high"] if m["ci_high"] is not None else m["mean"] or 0) - (m["mean"] or 0)))
        minus.append(max(0.0, (m["mean"] or 0) - (m["ci_low"] if m["ci_low"] is not None else m["mean"] or 0)))
    fig = go.Figure(go.Bar(x=specs, y=means, error_y={"type": "data", "array": plus, "arrayminus": minus, "visible": True}))
    fig.update_layout(title=t("eval.chart_title", lang, metric=metric_label(metric, lang)),
                      yaxis_title=metric_label(metric, lang), height=360, margin={"t": 50, "b": 40})
    return fig


def summary_table(results: dict, lang: str) -> pd.DataFrame:
    names = results["metrics"] + list(M.OPERATIONAL)
    rows = {}
    for c in results["contestants"]:
        rows[c["spec"]] = [f"{fmt(n, c['metrics'][n]['mean'], lang)}  [{fmt(n, c['metrics'][n]['ci_low'], lang)} – "
                           f"{fmt(n, c['metrics'][n]['ci_high'], lang)}]" for n in names]
    return pd.DataFrame(rows, index=[metric_label(n, lang) for n in names])


def pairs_table(results: dict, lang: str) -> pd.DataFrame:
    rows = []
    for p in results["pairs"]:
        rows.append({t("eval.col_pair", lang): f"{p['b']} − {p['a']}", t("eval.col_metric", lang): metric_label(p["metric"], lang),
                     t("eval.col_delta", lang): fmt(p["metric"], p["delta"], lang),
                     t("eval.col_ci", lang): f"{fmt(p['metric'], p['ci_low'], lang)} – {fmt(p['metric'], p['ci_high'], lang)}",
                     t("eval.col_p", lang): fmt("p", p["p_value"], lang),
                     t("eval.col_wins", lang): f"{p['wins']} / {p['ties']} / {p['losses']}"})
    return pd.DataFrame(rows)


def filtered_examples(results: dict, how: str, metric: str, a: str, b: str) -> list[dict]:
    """all | b_beats_a (b scores higher than a) | both_fail (both below half the scale)."""
    out = []
    for row in results["examples"]:
        sa, sb = row["scores"][a].get(metric), row["scores"][b].get(metric)
        if how == "b_beats_a" and not (sa is not None and sb is not None and sb > sa):
            continue
        if how == "both_fail":
            na, nb = _normalized(metric, sa), _normalized(metric, sb)
            if na is None or nb is None or na >= FAIL_BELOW or nb >= FAIL_BELOW:
                continue
        out.append(row)
    return out


def render_examples(results: dict, lang: str) -> None:
    specs = [c["spec"] for c in results["contestants"]]
    cols = st.columns(4)
    how = cols[0].selectbox(t("eval.filter_label", lang), ["all", "b_beats_a", "both_fail"], key="eval_filter",
                            format_func=lambda x: t(f"eval.filter_{x}", lang), help=t("eval.filter_help", lang))
    metric = cols[1].selectbox(t("eval.filter_metric", lang), results["metrics"], key="eval_filter_metric",
                               format_func=lambda x: metric_label(x, lang))
    a = cols[2].selectbox("A", specs, index=0, key="eval_filter_a")
    b = cols[3].selectbox("B", specs, index=min(1, len(specs) - 1), key="eval_filter_b")
    rows = filtered_examples(results, how, metric, a, b)
    st.caption(t("eval.filter_count", lang, n=len(rows), total=len(results["examples"])))
    for row in rows[:50]:
        with st.expander(f"\\#{row['line']} · {md_inline(row['question'], 90)}"):  # dataset text: escaped
            st.markdown(f"**{t('eval.col_question', lang)}**")
            st.text(row["question"])
            st.markdown(f"**{t('eval.col_reference', lang)}**")
            st.text(row["reference"])
            columns = st.columns(len(specs))
            for column, spec in zip(columns, specs):
                column.markdown(f"{md_code(spec)} · {metric_label(metric, lang)}: {fmt(metric, row['scores'][spec].get(metric), lang)}")
                column.text(row["answers"][spec] or "—")
                if row.get("errors", {}).get(spec):
                    column.warning(md_escape(row["errors"][spec]))


def render(results: dict, lang: str, key: str = "eval") -> None:
    """The whole report for one results document."""
    st.subheader(t("eval.verdict_title", lang))
    lines = verdicts(results, lang)
    for line in lines:
        st.info(line.replace("$", "\\$"), icon="⚖️")
    if not lines:
        st.caption(t("eval.verdict_single", lang))
    st.subheader(t("eval.table_title", lang))
    st.dataframe(summary_table(results, lang), width="stretch")
    for c in results["contestants"]:
        if c["errors"]:
            st.warning(t_md("eval.errors_line", lang, contestant=c["spec"], n=c["errors"], first=c["first_error"]))
    metric = st.selectbox(t("eval.chart_metric", lang), results["metrics"] + ["latency_s", "cost_per_1k"],
                          key=f"{key}_chart_metric", format_func=lambda x: metric_label(x, lang))
    st.plotly_chart(bar_chart(results, metric, lang), key=f"{key}_chart")
    if results["pairs"]:
        st.subheader(t("eval.pairs_title", lang))
        st.dataframe(pairs_table(results, lang), hide_index=True, width="stretch")
        for note in power_notes(results, lang):
            st.caption(note)
    votes = [p for p in results.get("preference", []) if p["n"]]
    judged = results.get("judge_pairs") or []
    if votes or judged:
        st.subheader(t("eval.preference_title", lang))
        for p in votes:
            st.write(t_md("eval.preference_line", lang, b=p["b"], a=p["a"], rate=fmt("p", p["rate"], lang),
                       low=fmt("p", p["ci_low"], lang), high=fmt("p", p["ci_high"], lang), n=p["n"]))
        for p in judged:
            st.write(t_md("eval.judge_pair_line", lang, b=p["b"], a=p["a"], wins=p["b_wins"], losses=p["a_wins"], ties=p["ties"]))
    st.subheader(t("eval.examples_title", lang))
    render_examples(results, lang)
    st.subheader(t("eval.export_title", lang))
    cols = st.columns(3)
    cols[0].download_button("CSV", to_csv(results), file_name="evaluation.csv", mime="text/csv", key=f"{key}_dl_csv")
    cols[1].download_button("JSON", to_json(results), file_name="evaluation.json", mime="application/json", key=f"{key}_dl_json")
    cols[2].download_button("HTML", to_html(results, lang), file_name="evaluation.html", mime="text/html",
                            key=f"{key}_dl_html", help=t("eval.export_html_help", lang))
