"""Budget-request exports of a CostEstimate: the same rows as Markdown (with the chosen currency) and CSV."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from core.costs.summary import CostEstimate
from core.costs.inputs import format_money
from core.costs.training import model_label
from core.costs.usage import payback_sentence
from core.i18n import format_number, t
from core.pricing import PRICE_FIELDS

@dataclass(frozen=True)
class ExportRow:
    section: str
    item: str
    value: float | None
    kind: str                         # "money" (USD) | "tokens" (a count, never converted)
    note: str = ""


def export_rows(est: CostEstimate, lang: str | None = None) -> list[ExportRow]:
    """The rows the Markdown and CSV exports share: training, monthly, first month, prices, comparison."""
    p = est.price

    def marks(name: str) -> str:
        notes = [t("costs.export_overridden", lang)] if name in p.overridden else []
        notes += [t("costs.export_uncertain", lang)] if name in p.uncertain else []
        return ", ".join(notes)

    rows: list[ExportRow] = []
    sec = t("costs.export_section_training", lang)
    rows.append(ExportRow(sec, t("costs.export_billed_tokens", lang, epochs=est.training.epochs),
                          float(est.training.billed_tokens), "tokens"))
    rows.append(ExportRow(sec, t("costs.export_training_cost", lang), est.training.usd, "money", marks("training")))
    sec = t("costs.export_section_monthly", lang)
    for key in ("base", "fine_tuned", "rag"):
        rows.append(ExportRow(sec, t(f"costs.setup_{key}", lang), getattr(est.monthly, key), "money",
                              t("costs.export_prompt_tokens", lang,
                                n=format_number(est.monthly.prompt_tokens[key], lang))))
    if est.monthly.hosting:
        rows.append(ExportRow(sec, t("costs.export_hosting", lang), est.monthly.hosting, "money",
                              marks("hosting_per_hour")))
    sec = t("costs.export_section_first_month", lang)
    for key in ("base", "fine_tuned", "rag"):
        rows.append(ExportRow(sec, t(f"costs.setup_{key}", lang), est.first_month[key], "money"))
    sec = t("costs.export_section_prices", lang)
    for name in PRICE_FIELDS:
        value = getattr(p, name)
        if value is not None:
            rows.append(ExportRow(sec, t(f"costs.price.{name}", lang), value, "money", marks(name)))
    sec = t("costs.export_section_comparison", lang)
    for row in est.comparison:
        rows.append(ExportRow(sec, row["label"], row["training_usd"], "money",
                              t("costs.export_billed_tokens", lang, epochs=row["epochs"])
                              + f": {format_number(row['billed_tokens'], lang)}"))
    return rows


def to_markdown(est: CostEstimate, lang: str | None = None) -> str:
    """A budget-request-ready Markdown summary (USD and, if chosen, the other currency)."""
    other = est.currency != "USD"
    head = [t("costs.export_col_section", lang), t("costs.export_col_item", lang), "USD"]
    head += [est.currency] if other else []
    head += [t("costs.export_col_note", lang)]
    lines = [f"# {t('costs.export_title', lang, model=model_label(est.price, lang))}", "",
             t("costs.export_dataset", lang, name=est.dataset_name, n=est.dataset.n_examples), "",
             payback_sentence(est.break_even, lang), "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in export_rows(est, lang):
        if row.kind == "tokens":
            shown = converted = format_number(row.value or 0, lang)
        else:
            shown = format_money(row.value, "USD", 1.0, lang)
            converted = format_money(row.value, est.currency, est.exchange_rate, lang)
        cells = [row.section, row.item, shown] + ([converted] if other else []) + [row.note]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    lines += ["", t("costs.export_sources", lang, source=est.price.source, checked=est.price.checked)]
    if other:
        rate = format_number(est.exchange_rate, lang, 6).rstrip("0").rstrip(".,")
        lines.append(t("costs.export_rate", lang, currency=est.currency, rate=rate))
    return "\n".join(lines) + "\n"


def to_csv(est: CostEstimate, lang: str | None = None) -> str:
    """The same rows as CSV: plain numbers with a dot decimal, for spreadsheets."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    other = est.currency != "USD"
    head = [t("costs.export_col_section", lang), t("costs.export_col_item", lang), "usd"]
    head += [est.currency.lower()] if other else []
    writer.writerow(head + [t("costs.export_col_note", lang)])
    for row in export_rows(est, lang):
        cells: list[Any] = [row.section, row.item, _csv_number(row.value)]
        if other:
            value = row.value if row.kind == "tokens" or row.value is None else row.value * est.exchange_rate
            cells.append(_csv_number(value))
        writer.writerow(cells + [row.note])
    return buffer.getvalue()


def _csv_number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:.8f}".rstrip("0").rstrip(".")
