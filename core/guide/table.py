"""The practical comparison as rows of words and numbers, in the user's language: what the page's
table and the CLI's text both print (the numbers come from core.guide.comparison.Figures)."""
from __future__ import annotations

from core.costs import format_money
from core.guide.comparison import SETUPS, Figures
from core.i18n import format_duration, format_number, t

ASPECTS = ("cost_per_query", "time_to_update", "quality", "time_to_build")


def _cost(figures: Figures, setup: str, lang: str | None) -> str:
    return t("guide.cmp.cost", lang, per_query=format_money(figures.per_query[setup], lang=lang),
             monthly=format_money(figures.monthly[setup], lang=lang),
             queries=format_number(figures.queries_per_month, lang),
             tokens=format_number(figures.prompt_tokens[setup], lang))


def _numbers(figures: Figures, lang: str | None) -> dict:
    return {"cpu": format_duration(figures.cpu_hours * 3600, lang),
            "gpu": format_duration(figures.gpu_hours * 3600, lang), "gpu_name": figures.gpu_label,
            "n": format_number(figures.examples, lang), "epochs": figures.epochs,
            "tokens": format_number(figures.billed_tokens, lang),
            "training": format_money(figures.training_usd, lang=lang)}


def comparison_rows(figures: Figures, lang: str | None = None) -> list[dict]:
    """[{"aspect_id", "aspect", "prompting", "rag", "fine_tune", "rag_and_fine_tune"}] in ASPECTS order."""
    numbers = _numbers(figures, lang)
    rows = []
    for aspect in ASPECTS:
        row = {"aspect_id": aspect, "aspect": t(f"guide.aspect.{aspect}", lang)}
        for setup in SETUPS:
            if aspect == "cost_per_query":
                row[setup] = _cost(figures, setup, lang)
            else:
                row[setup] = t(f"guide.cmp.{aspect}.{setup}", lang, **numbers)
        rows.append(row)
    return rows


def comparison_notes(figures: Figures, lang: str | None = None) -> list[str]:
    """The assumptions under the table, so every number can be traced."""
    notes = [t("guide.cmp.note_model", lang, model=figures.model_label,
               queries=format_number(figures.queries_per_month, lang))]
    if figures.examples_assumed:
        notes.append(t("guide.cmp.note_examples_assumed", lang, n=format_number(figures.examples, lang)))
    notes.append(t(f"guide.cmp.note_speed_{figures.cpu_speed_source}", lang))
    return notes
