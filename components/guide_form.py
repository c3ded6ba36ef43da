"""The decision guide's questionnaire: widgets in, the answers dict of `lab guide`'s file format out
(None = not answered), so the page and the CLI validate the same thing."""
from __future__ import annotations

import streamlit as st

from core.guide import CHANGES, GOALS, Volumes
from core.guide.concepts import concept_help
from core.i18n import t


def _choice(value) -> str:
    if value is None:
        return t("guide.not_sure")
    return t("guide.yes") if value else t("guide.no")


def questionnaire() -> dict:
    """The six questions; returns {"goals", "examples", "knowledge_changes", "needs_citations",
    "tried_prompting", "monthly_budget_usd"}."""
    goals = st.multiselect(t("guide.goals_label"), list(GOALS), key="guide_goals",
                           format_func=lambda g: t(f"guide.goal.{g}"), placeholder=t("guide.goals_placeholder"),
                           help=concept_help(t("guide.goals_help"), "rag"))
    left, right = st.columns(2)
    examples = left.number_input(t("guide.examples_label"), min_value=0, max_value=100_000_000, value=None, step=50,
                                 key="guide_examples", placeholder=t("guide.examples_placeholder"),
                                 help=t("guide.examples_help"))
    budget = right.number_input(t("guide.budget_label"), min_value=0.0, max_value=1e9, value=None, step=10.0,
                                key="guide_budget", placeholder=t("guide.examples_placeholder"),
                                help=t("guide.budget_help"))
    changes = st.radio(t("guide.changes_label"), [None, *CHANGES], key="guide_changes", horizontal=True,
                       format_func=lambda c: t("guide.not_sure") if c is None else t(f"guide.changes.{c}"),
                       help=t("guide.changes_help"))
    left, right = st.columns(2)
    citations = left.radio(t("guide.citations_label"), [None, True, False], key="guide_citations", horizontal=True,
                           format_func=_choice, help=t("guide.citations_help"))
    prompting = right.radio(t("guide.prompting_label"), [None, True, False], key="guide_prompting", horizontal=True,
                            format_func=_choice, help=t("guide.prompting_help"))
    return {"goals": goals, "examples": None if examples is None else int(examples), "knowledge_changes": changes,
            "needs_citations": citations, "tried_prompting": prompting, "monthly_budget_usd": budget}


def volumes_form() -> Volumes:
    """Model and volumes that price the comparison (the Cost Calculator's defaults)."""
    from core.pricing import trainable_models

    defaults = Volumes()
    with st.expander(t("guide.volumes_title")):
        models = [m.name for m in trainable_models() if m.training is not None]
        model = st.selectbox(t("guide.model_label"), models, key="guide_model", help=t("guide.model_help"),
                             index=models.index(defaults.model) if defaults.model in models else 0)
        a, b, c = st.columns(3)
        queries = a.number_input(t("guide.queries_label"), min_value=1, max_value=1_000_000_000_000,
                                 value=defaults.queries_per_month, step=1000, key="guide_queries",
                                 help=t("guide.queries_help"))
        answer = b.number_input(t("guide.answer_tokens_label"), min_value=1, max_value=100_000,
                                value=defaults.answer_tokens, step=10, key="guide_answer_tokens",
                                help=t("guide.answer_tokens_help"))
        per_example = c.number_input(t("guide.tokens_label"), min_value=1, max_value=1_000_000,
                                     value=defaults.tokens_per_example, step=50, key="guide_tokens_per_example",
                                     help=concept_help(t("guide.tokens_help"), "tokens"))
    return Volumes(model=model, queries_per_month=int(queries), answer_tokens=int(answer),
                   tokens_per_example=int(per_example))
