"""Plotly figures of the Cost Calculator: training cost across models, and 12 months of cumulative cost
(where the fine-tuned line crosses the base line is the month fine-tuning pays back).

Pure functions from core.costs results to figures, so tests can check the numbers the user sees.
"""
from __future__ import annotations

import plotly.graph_objects as go

from core.costs import BreakEven, format_money
from core.i18n import t

COLORS = {"base": "#636EFA", "fine_tuned": "#EF553B", "rag": "#00A087", "selected": "#EF553B", "other": "#A0A8C0"}


def training_bar_chart(rows: list[dict], selected: str | None = None, currency: str = "USD",
                       rate: float = 1.0) -> go.Figure:
    """One bar per model billed per token: its training cost for this dataset (in `currency`)."""
    rows = [r for r in rows if r.get("training_usd") is not None]
    factor = 1.0 if currency == "USD" else rate
    values = [r["training_usd"] * factor for r in rows]
    labels = [r["label"] + (" ✎" if r.get("overridden") else "") for r in rows]
    colors = [COLORS["selected"] if r["model"] == selected else COLORS["other"] for r in rows]
    text = [format_money(r["training_usd"], currency, rate) for r in rows]
    hover = [t("costs.chart_bar_hover", model=r["model"], tokens=f"{r['billed_tokens']:,}", epochs=r["epochs"],
               status=t(f"costs.status_{r['status']}")) for r in rows]
    fig = go.Figure(go.Bar(x=labels, y=values, marker_color=colors, text=text, textposition="outside",
                           hovertext=hover, hoverinfo="text"))
    fig.update_layout(title=t("costs.chart_bar_title"), yaxis_title=t("costs.chart_money_axis", currency=currency),
                      xaxis_title=None, margin={"t": 60, "b": 10}, height=420, showlegend=False)
    return fig


def break_even_chart(result: BreakEven, currency: str = "USD", rate: float = 1.0) -> go.Figure:
    """Cumulative cost per month of base, fine-tuned (starting at the training bill) and RAG."""
    factor = 1.0 if currency == "USD" else rate
    fig = go.Figure()
    for key in ("base", "fine_tuned", "rag"):
        values = [v * factor for v in getattr(result, key)]
        fig.add_trace(go.Scatter(x=result.months, y=values, mode="lines+markers", name=t(f"costs.setup_{key}"),
                                 line={"color": COLORS[key], "width": 3 if key == "fine_tuned" else 2},
                                 hovertemplate="%{y:,.2f}<extra>" + t(f"costs.setup_{key}") + "</extra>"))
    if result.month_vs_base is not None:
        month = result.month_vs_base
        fig.add_vline(x=month, line_dash="dot", line_color=COLORS["fine_tuned"],
                      annotation_text=t("costs.chart_payback_marker", month=month), annotation_position="top left")
    fig.update_layout(title=t("costs.chart_break_even_title"), xaxis_title=t("costs.chart_month_axis"),
                      yaxis_title=t("costs.chart_money_axis", currency=currency), height=420,
                      legend={"orientation": "h", "y": -0.2}, margin={"t": 60})
    fig.update_xaxes(dtick=1, range=[-0.3, max(result.months) + 0.3])
    return fig
