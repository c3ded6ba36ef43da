"""DPO's own live metrics (core.training.dpo): reward margin, chosen and rejected rewards per step.

A pure function of events.jsonl like the loss chart (components/run_charts.py): the run monitor draws
it under the loss when a run logged rewards. A margin that climbs above 0 means the adapter now
prefers the chosen replies more than the base (the reference) did.
"""
from __future__ import annotations

import plotly.graph_objects as go

from components.run_charts import series
from core.i18n import t

LINES = (("reward_margin", "solid"), ("reward_chosen", "dash"), ("reward_rejected", "dot"))


def has_rewards(events: list[dict]) -> bool:
    return any(e.get("kind") == "metric" and e.get("reward_margin") is not None for e in events)


def reward_figure(events: list[dict]) -> go.Figure:
    fig = go.Figure()
    for name, dash in LINES:
        steps, values = series(events, name)
        if steps:
            fig.add_trace(go.Scatter(x=steps, y=values, mode="lines+markers", name=t(f"methods.chart_{name}"),
                                     line={"dash": dash, "width": 2}))
    fig.add_hline(y=0, line_color="gray", line_width=1)
    fig.update_layout(title=t("methods.chart_rewards_title"), xaxis_title=t("methods.chart_step"),
                      yaxis_title=t("methods.chart_reward"), height=320, margin={"t": 50, "b": 40, "l": 40, "r": 10},
                      legend={"orientation": "h"})
    return fig
