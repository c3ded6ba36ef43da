"""Plotly figures of an InspectionReport. Pure functions (report in, figure out), so tests can check
them without a browser. Big files are binned with numpy first: the browser gets ~60 bars, not
50,000 points.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.dataset.report import InspectionReport
from core.i18n import format_number, t

BINS = 60
TOP_DUPLICATES = 20
COLORS = {"bar": "#4C78A8", "limit": "#E45756", "over": "#E45756"}


def _layout(fig: go.Figure, title: str, x: str, y: str) -> go.Figure:
    fig.update_layout(title=title, xaxis_title=x, yaxis_title=y, height=340, bargap=0.05,
                      margin=dict(l=40, r=20, t=60, b=40), showlegend=False)
    return fig


def token_histogram(report: InspectionReport) -> go.Figure:
    """Tokens per example, with the model's per-example limit marked (a red line when it is in view;
    otherwise the title says how far below it the longest example is)."""
    tokens = np.frombuffer(report.example_tokens, dtype=np.uint32) if len(report.example_tokens) else np.zeros(0)
    fig = go.Figure()
    limit = report.token_limit
    title = t("inspect.chart_histogram_title")
    if tokens.size:
        top = int(tokens.max())
        upper = max(top, 1)
        counts, edges = np.histogram(tokens, bins=min(BINS, max(1, upper)), range=(0, upper))
        centers = (edges[:-1] + edges[1:]) / 2
        colors = [COLORS["over"] if left >= limit else COLORS["bar"] for left in edges[:-1]]
        fig.add_bar(x=centers, y=counts, width=(edges[1] - edges[0]), marker_color=colors,
                    hovertemplate="%{x:.0f}: %{y}<extra></extra>")
        if limit and limit <= top * 1.2:
            fig.add_vline(x=limit, line_color=COLORS["limit"], line_dash="dash",
                          annotation_text=t("inspect.chart_limit", limit=format_number(limit)))
        else:
            title += " — " + t("inspect.chart_limit_far", limit=format_number(limit), top=format_number(top))
    return _layout(fig, title, t("inspect.chart_tokens"), t("inspect.chart_examples"))


def messages_per_example(report: InspectionReport) -> go.Figure:
    items = sorted(report.messages_per_example.items())
    fig = go.Figure(go.Bar(x=[k for k, _ in items], y=[v for _, v in items], marker_color=COLORS["bar"]))
    fig.update_xaxes(type="category")
    return _layout(fig, t("inspect.chart_messages_title"), t("inspect.chart_messages_x"), t("inspect.chart_examples"))


def role_mix(report: InspectionReport) -> go.Figure:
    items = sorted(report.role_counts.items(), key=lambda kv: -kv[1])
    labels = [t(f"inspect.role.{role}") if role in ("system", "user", "assistant", "tool", "function") else
              t("inspect.role.other") for role, _ in items]
    fig = go.Figure(go.Bar(x=labels, y=[v for _, v in items], marker_color=COLORS["bar"]))
    return _layout(fig, t("inspect.chart_roles_title"), t("inspect.chart_role"), t("inspect.chart_count"))


def longest_examples(report: InspectionReport) -> go.Figure:
    items = report.longest
    labels = [t("inspect.chart_line", line=line) for _, line in items]
    colors = [COLORS["over"] if tokens > report.token_limit else COLORS["bar"] for tokens, _ in items]
    fig = go.Figure(go.Bar(x=[tokens for tokens, _ in items], y=labels, orientation="h", marker_color=colors))
    fig.update_yaxes(autorange="reversed", type="category")
    return _layout(fig, t("inspect.chart_longest_title"), t("inspect.chart_tokens"), "")


def duplicate_groups(report: InspectionReport) -> go.Figure:
    groups = sorted(report.duplicate_groups, key=len, reverse=True)[:TOP_DUPLICATES]
    labels = [t("inspect.chart_group", lines=", ".join(str(x) for x in group[:4]) + ("…" if len(group) > 4 else ""))
              for group in groups]
    fig = go.Figure(go.Bar(x=labels, y=[len(group) for group in groups], marker_color=COLORS["bar"]))
    fig.update_xaxes(type="category")
    return _layout(fig, t("inspect.chart_duplicates_title"), t("inspect.chart_group_axis"), t("inspect.chart_copies"))
