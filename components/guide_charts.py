"""Plotly figures of the concepts page: LoRA's trainable parameters by rank, weight memory by bits,
and a run's loss curves annotated with where eval loss bottomed out."""
from __future__ import annotations

import plotly.graph_objects as go

from core.i18n import t


def lora_figure(rows: list[dict]) -> go.Figure:
    fig = go.Figure()
    for choice in dict.fromkeys(row["targets"] for row in rows):
        picked = sorted((r for r in rows if r["targets"] == choice), key=lambda r: r["rank"])
        fig.add_trace(go.Scatter(x=[r["rank"] for r in picked], y=[r["trainable"] for r in picked],
                                 mode="lines+markers", name=t(f"concepts.lora_target.{choice}"),
                                 customdata=[100 * r["share"] for r in picked],
                                 hovertemplate="r=%{x}: %{y:,} (%{customdata:.2f}%)<extra></extra>"))
    fig.update_layout(title=t("concepts.lora_chart_title"), xaxis_title=t("concepts.lora_rank"),
                      yaxis_title=t("concepts.lora_trainable"), xaxis={"type": "log", "tickvals": sorted({r["rank"] for r in rows})},
                      height=360, margin={"l": 40, "r": 10, "t": 50, "b": 40}, legend={"orientation": "h", "y": -0.25})
    return fig


def quantization_figure(rows: list[dict]) -> go.Figure:
    fig = go.Figure()
    for bits in sorted({r["bits"] for r in rows}, reverse=True):
        picked = [r for r in rows if r["bits"] == bits]
        fig.add_trace(go.Bar(x=[r["model"] for r in picked], y=[r["bytes"] / 1e9 for r in picked],
                             name=t("concepts.quant_bits", bits=bits),
                             hovertemplate="%{x}: %{y:,.2f} GB<extra></extra>"))
    fig.update_yaxes(type="log", dtick=1, tickformat=",~g")          # one tick per power of ten
    fig.update_layout(title=t("concepts.quant_chart_title"), barmode="group",
                      yaxis_title=t("concepts.quant_gb"), height=360, margin={"l": 40, "r": 10, "t": 50, "b": 40},
                      legend={"orientation": "h", "y": -0.2})
    return fig


def loss_story_figure(story) -> go.Figure:
    fig = go.Figure()
    if story.train[0]:
        fig.add_trace(go.Scatter(x=story.train[0], y=story.train[1], mode="lines", name=t("concepts.train_loss")))
    if story.eval[0]:
        fig.add_trace(go.Scatter(x=story.eval[0], y=story.eval[1], mode="lines+markers", name=t("concepts.eval_loss"),
                                 line={"dash": "dash"}))
    if story.best_eval_step is not None:
        fig.add_vline(x=story.best_eval_step, line_dash="dot", line_color="green")
        fig.add_annotation(x=story.best_eval_step, y=story.best_eval, text=t("concepts.best_eval_note"),
                           showarrow=True, arrowhead=2)
    fig.update_layout(title=t("concepts.loss_chart_title"), xaxis_title=t("concepts.step"),
                      yaxis_title=t("concepts.loss"), height=340, margin={"l": 40, "r": 10, "t": 50, "b": 40},
                      legend={"orientation": "h", "y": -0.25})
    return fig
