"""The arena's leaderboard tab: ratings with their intervals and win rates from the stored blind
votes (core.votes; the math is core.ratings), a Plotly chart of the ratings, and the votes as CSV."""
from __future__ import annotations

import time
from dataclasses import dataclass

import gradio as gr
import pandas as pd
import plotly.graph_objects as go

from components.arena_text import T, tr
from core import votes
from core.atomic import write_text
from core.errors import LabError
from core.i18n import normalize, t
from core.paths import subdir
from core.text_safety import error_html


@dataclass
class Leaderboard:
    refresh: gr.Button
    table: gr.Dataframe
    plot: gr.Plot
    csv_button: gr.Button
    csv_file: gr.File


def build() -> Leaderboard:
    """The tab's components (call inside the tab)."""
    tr(gr.Markdown(T("arena.leaderboard_intro")), value="arena.leaderboard_intro")
    refresh = tr(gr.Button(T("arena.refresh"), size="sm"), value="arena.refresh")
    table = gr.Dataframe(interactive=False, elem_id="leaderboard")
    plot = gr.Plot()
    csv_button = tr(gr.Button(T("arena.export_votes"), elem_id="export-votes"), value="arena.export_votes")
    csv_file = tr(gr.File(label=T("arena.export_file"), interactive=False), label="arena.export_file")
    return Leaderboard(refresh, table, plot, csv_button, csv_file)


def show_leaderboard(lang):
    """The user opened or refreshed the leaderboard: ratings and win rates from the stored votes."""
    lang = normalize(lang)
    try:
        rows = votes.leaderboard()
    except LabError as err:
        raise gr.Error(error_html(err, lang)) from err
    table = [{t("arena.lb_contestant", lang): r["contestant"], t("arena.lb_battles", lang): r["battles"],
              t("arena.lb_wins", lang): r["wins"], t("arena.lb_ties", lang): r["ties"],
              t("arena.lb_win_rate", lang): f"{r['win_rate'] * 100:.0f}%" if r.get("win_rate") is not None else "—",
              t("arena.lb_rating", lang): round(r["rating"]) if r.get("rating") is not None else "—",
              t("arena.lb_interval", lang): (f"{round(r['ci_low'])} – {round(r['ci_high'])}"
                                             if r.get("ci_low") is not None else "—")} for r in rows]
    frame = pd.DataFrame(table) if table else pd.DataFrame({t("arena.lb_empty", lang): []})
    return frame, figure(rows, lang)


def figure(rows: list[dict], lang: str) -> go.Figure:
    """Ratings as dots with their confidence interval as error bars, best at the top."""
    rated = sorted((r for r in rows if r.get("rating") is not None), key=lambda r: r["rating"])
    fig = go.Figure()
    if rated:
        fig.add_trace(go.Scatter(
            x=[r["rating"] for r in rated], y=[r["contestant"] for r in rated], mode="markers",
            marker={"size": 11},
            error_x={"type": "data", "symmetric": False,
                     "array": [r["ci_high"] - r["rating"] for r in rated],
                     "arrayminus": [r["rating"] - r["ci_low"] for r in rated]}))
    fig.update_layout(title=t("arena.lb_chart_title", lang), xaxis_title=t("arena.lb_rating", lang),
                      height=140 + 40 * max(1, len(rated)), margin={"l": 10, "r": 10, "t": 50, "b": 40})
    return fig


def export_votes(lang):
    """The user downloads every vote as CSV."""
    path = subdir("exports") / f"votes-{time.strftime('%Y%m%d-%H%M%S')}.csv"
    write_text(path, votes.export_votes_csv())
    return str(path)


def wire(board: Leaderboard, tab: gr.Tab, lang_state: gr.State) -> None:
    """Events of the tab (call inside the Blocks)."""
    outputs = [board.table, board.plot]
    tab.select(show_leaderboard, lang_state, outputs, api_name=False)
    board.refresh.click(show_leaderboard, lang_state, outputs, api_name="leaderboard")
    board.csv_button.click(export_votes, lang_state, board.csv_file, api_name="export_votes")
