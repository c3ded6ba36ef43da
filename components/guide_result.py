"""How the decision guide shows its answer: the recommendation, every rule that fired with its
weight, the weight chart, the practical comparison as four cards, the rule table, and the button
that takes the recommendation to the evaluation page."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.costs import markdown_money
from core.guide import RULES, SETUPS, THRESHOLD, Recommendation
from core.guide.table import ASPECTS, comparison_notes, comparison_rows
from core.i18n import t

BADGE = {"rag": "blue", "fine_tune": "violet"}


def _badge(reason: dict) -> str:
    weight = reason.get("weight") or 0
    if not weight or not reason.get("favors"):
        return f":gray-badge[{t('guide.weight_note')}]"
    side = t(f"guide.side.{reason['favors']}")
    key = "guide.weight_for" if weight > 0 else "guide.weight_against"
    color = BADGE[reason["favors"]] if weight > 0 else "orange"
    return f":{color}-badge[{t(key, weight=f'{abs(weight):g}', side=side)}]"


def scores_figure(result: Recommendation) -> go.Figure:
    sides = ["rag", "fine_tune"]
    values = [result.scores[s] for s in sides]
    fig = go.Figure(go.Bar(x=values, y=[t(f"guide.side.{s}") for s in sides], orientation="h",
                           marker_color=["#1f77b4" if v >= THRESHOLD else "#aab7c4" for v in values],
                           text=[f"{v:g}" for v in values], textposition="outside"))
    fig.add_vline(x=THRESHOLD, line_dash="dash", annotation_text=t("guide.scores_threshold", threshold=f"{THRESHOLD:g}"))
    fig.update_layout(title=t("guide.scores_title"), xaxis_title=t("guide.scores_axis"), height=220,
                      margin={"l": 10, "r": 10, "t": 40, "b": 40})
    return fig


def recommendation(result: Recommendation) -> None:
    option = result.recommendation
    st.subheader(t("guide.result_title"))
    st.success(f"**{t(f'guide.option.{option}')}** — {t(f'guide.summary.{option}')}", icon="🧭")
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**{t('guide.reasons_title')}**")
        for reason in result.reasons():
            st.markdown(f"{_badge(reason)} {markdown_money(reason['text'])}")
    with right:
        st.plotly_chart(scores_figure(result), key="guide_scores_chart", config={"displayModeBar": False})
        st.caption(t("guide.scores_caption", threshold=f"{THRESHOLD:g}"))


def comparison(result: Recommendation) -> None:
    st.subheader(t("guide.comparison_title"))
    st.caption(t("guide.comparison_caption"))
    rows = {row["aspect_id"]: row for row in comparison_rows(result.figures)}
    for column, setup in zip(st.columns(len(SETUPS)), SETUPS):
        chosen = setup == result.recommendation or (setup == "prompting" and result.recommendation == "prompting_first")
        with column.container(border=True, key=f"guide_card_{setup}"):
            st.markdown(f"**{'⭐ ' if chosen else ''}{t(f'guide.option.{setup}')}**")
            for aspect in ASPECTS:
                st.markdown(f"*{rows[aspect]['aspect']}*  \n{markdown_money(rows[aspect][setup])}")
    for note in comparison_notes(result.figures):
        st.caption(markdown_money(note))


def rule_table(result: Recommendation) -> None:
    fired = {rule.id for rule in result.fired}
    with st.expander(t("guide.rules_title")):
        st.caption(t("guide.rules_caption", threshold=f"{THRESHOLD:g}"))
        st.dataframe(pd.DataFrame([{t("guide.rules_col_rule"): rule.id,
                                    t("guide.rules_col_side"): t(f"guide.side.{rule.favors}"),
                                    t("guide.rules_col_weight"): rule.weight,
                                    t("guide.rules_col_fired"): "✓" if rule.id in fired else ""} for rule in RULES]),
                     hide_index=True, key="guide_rules_table")


def test_on_your_data(result: Recommendation, eval_page_ready: bool) -> None:
    """The button to the evaluation page, or why it is disabled."""
    st.subheader(t("guide.test_title"))
    specs = result.contestants
    st.caption(t("guide.test_contestants", specs=", ".join(specs)))
    if result.recommendation in ("fine_tune", "rag_and_fine_tune") and not any(
            s.startswith(("run:", "ft:")) for s in specs):
        st.info(t("guide.test_no_run"), icon="🏋️")
    if not eval_page_ready:
        st.info(t("guide.test_missing_page"), icon="📏")
    if st.button(t("guide.test_button"), key="guide_test", type="primary", help=t("guide.test_help"),
                 disabled=not eval_page_ready):
        st.session_state["eval_preselect"] = {"contestants": list(specs)}
        st.switch_page("eval_page.py")
