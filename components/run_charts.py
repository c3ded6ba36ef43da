"""Plotly figures for training runs: one run's losses, and several runs overlaid to compare.

Pure functions of events (core/jobs/events.py format), so they work for any backend: local runs
give train_loss/eval_loss, hosted ones train_loss/eval_loss and full_valid_loss too.
"""
from __future__ import annotations

import plotly.graph_objects as go

from core.i18n import t

TRAIN, EVAL = "train_loss", "eval_loss"


def series(events: list[dict], name: str) -> tuple[list, list]:
    """(steps, values) of one metric, last value per step (a resumed run may log a step twice)."""
    points: dict[int, float] = {}
    for event in events:
        if event.get("kind") == "metric" and event.get(name) is not None and event.get("step") is not None:
            points[int(event["step"])] = float(event[name])
    steps = sorted(points)
    return steps, [points[s] for s in steps]


def enough_points(events: list[dict]) -> bool:
    """A line needs two points: at least two train or two eval values."""
    return len(series(events, TRAIN)[0]) >= 2 or len(series(events, EVAL)[0]) >= 2


def loss_figure(events: list[dict], title: str | None = None) -> go.Figure:
    fig = go.Figure()
    steps, values = series(events, TRAIN)
    if steps:
        fig.add_trace(go.Scatter(x=steps, y=values, mode="lines+markers" if len(steps) < 40 else "lines",
                                 name=t("train.chart_train_loss"), line={"width": 2}))
    steps, values = series(events, EVAL)
    if steps:
        fig.add_trace(go.Scatter(x=steps, y=values, mode="lines+markers", name=t("train.chart_eval_loss"),
                                 line={"dash": "dash", "width": 2}, marker={"size": 8}))
    steps, values = series(events, "full_valid_loss")
    if steps:
        fig.add_trace(go.Scatter(x=steps, y=values, mode="markers", name=t("train.chart_full_valid_loss")))
    fig.update_layout(title=title or t("train.chart_title"), xaxis_title=t("train.chart_step"),
                      yaxis_title=t("train.chart_loss"), height=340, margin={"l": 40, "r": 10, "t": 50, "b": 40},
                      legend={"orientation": "h", "y": -0.25})
    return fig


def overlay_figure(runs: dict[str, list[dict]], metric: str = TRAIN) -> go.Figure:
    """One line per run (label -> events) of the chosen metric, to compare runs."""
    fig = go.Figure()
    for label, events in runs.items():
        steps, values = series(events, metric)
        if steps:
            fig.add_trace(go.Scatter(x=steps, y=values, mode="lines+markers" if len(steps) < 40 else "lines",
                                     name=label))
    name = t("train.chart_train_loss") if metric == TRAIN else t("train.chart_eval_loss")
    fig.update_layout(title=t("train.chart_compare_title", metric=name), xaxis_title=t("train.chart_step"),
                      yaxis_title=t("train.chart_loss"), height=360, margin={"l": 40, "r": 10, "t": 50, "b": 40},
                      legend={"orientation": "h", "y": -0.25})
    return fig
