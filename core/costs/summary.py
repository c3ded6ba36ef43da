"""The Cost Calculator's whole answer for one model: training bill, monthly bills, first month and
break-even, validated first and computed once (the page, `lab cost` and the exports read it).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.costs.inputs import parse_amount, parse_currency
from core.costs.training import BilledTokens, DatasetSpec, TrainingCost, billed_tokens, compare_models, \
    model_label, training_cost
from core.costs.usage import BreakEven, MonthlyCost, UsageSpec, break_even, monthly_costs
from core.i18n import format_number, t
from core.pricing import PRICE_FIELDS, ModelPrice, get_price

@dataclass
class CostEstimate:
    """Everything the page, the CLI and the exports show, in USD, plus the display currency."""

    price: ModelPrice
    dataset: BilledTokens
    dataset_name: str
    training: TrainingCost
    usage: UsageSpec
    monthly: MonthlyCost
    first_month: dict[str, float]
    break_even: BreakEven
    currency: str = "USD"
    exchange_rate: float = 1.0
    comparison: list[dict] = field(default_factory=list)

    def convert(self, usd: float | None) -> float | None:
        return None if usd is None else usd * self.exchange_rate

    def to_dict(self) -> dict:
        """JSON for the CLI (`lab cost --format json`); billed_tokens = all epochs, as `lab inspect`."""
        p = self.price
        data = {
            "model": p.name,
            "label": model_label(p),
            "status": p.status(),
            "dataset": self.dataset_name,
            "n_examples": self.dataset.n_examples,
            "tokens_total": self.dataset.tokens_total,
            "billed_tokens_per_epoch": self.dataset.billed_tokens_per_epoch,
            "epochs": self.training.epochs,
            "epochs_mode": self.training.epochs_mode,
            "billed_tokens": self.training.billed_tokens,
            "training_usd": _round(self.training.usd),
            "monthly_usd": {k: _round(getattr(self.monthly, k)) for k in ("base", "fine_tuned", "rag")},
            "per_query_usd": {k: _round(v, 8) for k, v in self.monthly.per_query.items()},
            "prompt_tokens": dict(self.monthly.prompt_tokens),
            "hosting_usd_per_month": _round(self.monthly.hosting),
            "first_month_usd": {k: _round(v) for k, v in self.first_month.items()},
            "break_even_month": self.break_even.month_vs_base,
            "break_even_month_vs_rag": self.break_even.month_vs_rag,
            "usage": asdict(self.usage),
            "prices_usd_per_1m": {f: getattr(p, f) for f in PRICE_FIELDS},
            "overridden": sorted(p.overridden),
            "uncertain": sorted(p.uncertain),
            "price_source": p.source,
            "price_checked": p.checked,
            "currency": self.currency,
            "exchange_rate": self.exchange_rate,
        }
        if self.currency != "USD":
            data["converted"] = {
                "training": _round(self.convert(self.training.usd)),
                "monthly": {k: _round(self.convert(getattr(self.monthly, k))) for k in ("base", "fine_tuned", "rag")},
                "first_month": {k: _round(self.convert(v)) for k, v in self.first_month.items()},
            }
        if self.comparison:
            data["comparison"] = [{**row, "training_usd": _round(row["training_usd"])} for row in self.comparison]
        return data


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


def estimate_costs(model: str, dataset: DatasetSpec, epochs: Any = "auto", usage: UsageSpec | None = None,
                   overrides: dict[str, Any] | None = None, currency: str = "USD", exchange_rate: Any = 1.0,
                   compare: bool = False, compare_overrides: dict[str, dict] | None = None) -> CostEstimate:
    """The whole estimate for one model: validate everything first, then compute."""
    price = get_price(model).with_overrides(overrides)
    code = parse_currency(currency)
    rate = 1.0 if code == "USD" else parse_amount(exchange_rate, "exchange_rate")
    usage = (usage or UsageSpec()).validated()
    tokens = billed_tokens(dataset, price)
    training = training_cost(price, tokens, epochs)
    monthly = monthly_costs(price, usage)
    first = {"base": monthly.base, "fine_tuned": (training.usd or 0.0) + monthly.fine_tuned, "rag": monthly.rag}
    comparison = []
    if compare:
        merged = dict(compare_overrides or {})
        merged[price.name] = {**merged.get(price.name, {}), **(overrides or {})}
        comparison = compare_models(dataset, epochs, merged)
    name = dataset.name or (Path(dataset.path).name if dataset.path else
                            t("costs.typed_dataset", n=format_number(tokens.n_examples),
                              tokens=format_number(tokens.tokens_total // max(1, tokens.n_examples))))
    return CostEstimate(price=price, dataset=tokens, dataset_name=name, training=training, usage=usage,
                        monthly=monthly, first_month=first, break_even=break_even(training.usd, monthly),
                        currency=code, exchange_rate=rate, comparison=comparison)
