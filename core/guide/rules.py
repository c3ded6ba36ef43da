"""The decision guide's rules, as data: one entry per rule, read by the page, the CLI and the tests.

A rule has an id, a condition on the case (the answers + the cost figures), the side it argues for
("rag" or "fine_tune"), a signed weight, and the catalogue key of the sentence that explains it.
Adding a rule is adding one entry (and its sentence in assets/i18n/*/guide.json, and a test).

Weights, on a scale where 2 (THRESHOLD) means "on its own, this is reason enough":
+3 a need only that side meets (citations, facts from documents), +2 what it does best,
+1..1.5 a help, negative = a reason against (too few examples, no prompting baseline yet).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from core.costs import format_money
from core.guide.answers import Answers
from core.guide.comparison import Figures
from core.i18n import format_date, format_duration, format_number, t

THRESHOLD = 2.0
SIDES = ("rag", "fine_tune")
OFTEN = ("monthly", "weekly", "daily")
BEHAVIOUR_GOALS = ("consistent_style_or_tone", "fixed_output_format", "classify_or_route",
                   "extract_structured_data", "domain_language", "reduce_latency_or_cost")


@dataclass(frozen=True)
class Case:
    answers: Answers
    figures: Figures

    def wants(self, goal: str) -> bool:
        return goal in self.answers.goals

    def wants_behaviour(self) -> bool:
        return any(goal in self.answers.goals for goal in BEHAVIOUR_GOALS)


def _none(case: Case, lang: str | None) -> dict:
    return {}


@dataclass(frozen=True)
class Rule:
    id: str
    favors: str                                   # "rag" | "fine_tune"
    weight: float
    message_key: str
    condition: Callable[[Case], bool]
    params: Callable[[Case, str | None], dict] = _none

    def text(self, case: Case, lang: str | None = None) -> str:
        return t(self.message_key, lang, **self.params(case, lang))


def _examples(case: Case, lang: str | None) -> dict:
    return {"n": format_number(case.answers.examples or 0, lang)}


def _changes(case: Case, lang: str | None) -> dict:
    return {"how_often": t(f"guide.changes.{case.answers.knowledge_changes}", lang).lower(),
            "cpu_time": format_duration(case.figures.cpu_hours * 3600, lang)}


def _prompts(case: Case, lang: str | None) -> dict:
    f = case.figures
    return {"ft_tokens": format_number(f.prompt_tokens["fine_tune"], lang),
            "base_tokens": format_number(f.prompt_tokens["prompting"], lang)}


def _budget(case: Case, lang: str | None) -> dict:
    f = case.figures
    return {"budget": format_money(case.answers.monthly_budget_usd, lang=lang),
            "training": format_money(f.training_usd, lang=lang), "n": format_number(f.examples, lang),
            "rag": format_money(f.monthly["rag"], lang=lang),
            "queries": format_number(f.queries_per_month, lang)}


def _payback(case: Case, lang: str | None) -> dict:
    f = case.figures
    return {"month": f.break_even_month or 0, "queries": format_number(f.queries_per_month, lang),
            "training": format_money(f.training_usd, lang=lang)}


def _winding(case: Case, lang: str | None) -> dict:
    return {"date": format_date(case.figures.no_new_jobs_after, lang)}


def _budget_known(case: Case) -> bool:
    return case.answers.monthly_budget_usd is not None


def _n(case: Case) -> int | None:
    return case.answers.examples


RULES: tuple[Rule, ...] = (
    # --- what retrieval is for: facts, sources, freshness
    Rule("documents_goal", "rag", 3, "guide.rule.documents_goal",
         lambda c: c.wants("answer_questions_from_documents")),
    Rule("needs_citations", "rag", 3, "guide.rule.needs_citations",
         lambda c: c.answers.needs_citations is True),
    Rule("knowledge_changes_often", "rag", 2, "guide.rule.knowledge_changes_often",
         lambda c: c.answers.knowledge_changes in OFTEN, _changes),
    Rule("knowledge_stable", "fine_tune", 0.5, "guide.rule.knowledge_stable",
         lambda c: c.answers.knowledge_changes in ("never", "yearly") and c.wants_behaviour()),
    # --- what fine-tuning is for: behaviour, format, vocabulary, shorter prompts
    Rule("style_goal", "fine_tune", 2, "guide.rule.style_goal", lambda c: c.wants("consistent_style_or_tone")),
    Rule("format_goal", "fine_tune", 2, "guide.rule.format_goal", lambda c: c.wants("fixed_output_format")),
    Rule("classify_goal", "fine_tune", 2, "guide.rule.classify_goal", lambda c: c.wants("classify_or_route")),
    Rule("extract_goal", "fine_tune", 1.5, "guide.rule.extract_goal", lambda c: c.wants("extract_structured_data")),
    Rule("domain_language_goal", "fine_tune", 1.5, "guide.rule.domain_language_goal",
         lambda c: c.wants("domain_language")),
    Rule("latency_cost_goal", "fine_tune", 1, "guide.rule.latency_cost_goal",
         lambda c: c.wants("reduce_latency_or_cost"), _prompts),
    # --- how much data there is
    Rule("examples_below_minimum", "fine_tune", -5, "guide.rule.examples_below_minimum",
         lambda c: _n(c) is not None and _n(c) < 10, _examples),
    Rule("examples_few", "fine_tune", -3, "guide.rule.examples_few",
         lambda c: _n(c) is not None and 10 <= _n(c) < 100, _examples),
    Rule("examples_enough", "fine_tune", 0.5, "guide.rule.examples_enough",
         lambda c: _n(c) is not None and 100 <= _n(c) < 500, _examples),
    Rule("examples_plenty", "fine_tune", 1, "guide.rule.examples_plenty",
         lambda c: _n(c) is not None and _n(c) >= 500, _examples),
    # --- the baseline first (OpenAI: prompt engineering, then RAG, then fine-tuning)
    Rule("prompting_not_tried", "fine_tune", -3, "guide.rule.prompting_not_tried",
         lambda c: c.answers.tried_prompting is False),
    Rule("prompting_measured", "fine_tune", 1, "guide.rule.prompting_measured",
         lambda c: c.answers.tried_prompting is True and c.wants_behaviour()),
    # --- money, from the cost calculator at the user's volumes
    Rule("budget_below_training", "fine_tune", -2, "guide.rule.budget_below_training",
         lambda c: _budget_known(c) and c.figures.training_usd is not None
         and c.answers.monthly_budget_usd < c.figures.training_usd, _budget),
    Rule("budget_below_rag", "rag", -1, "guide.rule.budget_below_rag",
         lambda c: _budget_known(c) and c.answers.monthly_budget_usd < c.figures.monthly["rag"], _budget),
    Rule("fine_tune_pays_back", "fine_tune", 1, "guide.rule.fine_tune_pays_back",
         lambda c: c.wants("reduce_latency_or_cost") and c.figures.break_even_month is not None, _payback),
    Rule("fine_tune_never_pays_back", "fine_tune", -1, "guide.rule.fine_tune_never_pays_back",
         lambda c: c.wants("reduce_latency_or_cost") and c.figures.break_even_month is None, _payback),
    # --- a fact of the platform, not a preference: said whenever fine-tuning is on the table
    Rule("openai_winding_down", "fine_tune", 0, "guide.rule.openai_winding_down",
         lambda c: c.wants_behaviour() and c.figures.no_new_jobs_after is not None, _winding),
)

RULE_IDS = tuple(rule.id for rule in RULES)
