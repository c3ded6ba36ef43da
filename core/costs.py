"""What fine-tuning costs in money: the training bill, the monthly bill of base vs fine-tuned vs RAG,
when (if ever) fine-tuning pays back, and the same for training on one's own or rented hardware.

Everything is plain arithmetic on validated numbers, so the page, the CLI and the tests share it.
Money is USD (the price lists' currency); other currencies are a user-given exchange rate on top.
Billed tokens come from the Dataset Inspector (core.dataset) so both pages always agree.
"""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core import dataset
from core.errors import InputError
from core.i18n import format_number, t
from core.pricing import HOURS_PER_MONTH, PRICE_FIELDS, ModelPrice, get_price, gpu_table, trainable_models

TOKENS_PER_UNIT = 1_000_000          # prices are USD per 1M tokens
MONTHS = 12                          # the break-even horizon

# Bounds for user input (inclusive). Above them a number is a typo, and the arithmetic would print
# nonsense (1e300 tokens) or overflow float formatting.
LIMITS: dict[str, tuple[float, float]] = {
    "examples": (1, 100_000_000),
    "tokens_per_example": (1, 10_000_000),
    "epochs": (1, 50),                       # OpenAI accepts n_epochs 1-50
    "queries_per_month": (1, 1_000_000_000_000),
    "prompt_tokens": (1, 10_000_000),
    "answer_tokens": (1, 10_000_000),
    "instruction_tokens": (0, 10_000_000),
    "rag_context_tokens": (0, 10_000_000),
    "rag_chunks": (0, 1_000),
    "chunk_tokens": (0, 1_000_000),
    "exchange_rate": (1e-9, 1_000_000),
    "usd_per_hour": (0, 100_000),
    "watts": (0, 1_000_000),
    "usd_per_kwh": (0, 100),
    "tokens_per_s": (1e-6, 1e12),
    "params_b": (0.001, 10_000),
    "tokens": (1, 1e15),
}


class NumberError(InputError):
    """A bad number typed by the user. The field's name is translated when the message is shown, so
    one error reads right in the page's language and in the CLI's."""

    def message(self, lang: str | None = None) -> str:
        params = dict(self.params)
        params["field"] = t(f"costs.field.{params.get('field')}", lang)
        text = t(self.key, lang, **params)
        if self.hint_key:
            text = f"{text} {t(self.hint_key, lang, **params)}"
        return text


def _number_error(kind: str, name: str, raw: Any, low: float, high: float) -> NumberError:
    shown = "" if raw is None else str(raw)
    return NumberError(f"costs.error_{kind}", "costs.error_number_hint", field=name, value=shown[:40],
                       low=_plain(low), high=_plain(high))


def _plain(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"


def _to_float(raw: Any, name: str, low: float, high: float) -> float:
    if raw is None or isinstance(raw, bool):
        raise _number_error("empty" if raw is None else "not_number", name, raw, low, high)
    if isinstance(raw, str):
        text = raw.strip().replace("_", "").replace(",", "").replace("$", "")
        if not text:
            raise _number_error("empty", name, raw, low, high)
        try:
            value = float(text)
        except ValueError:
            raise _number_error("not_number", name, raw, low, high) from None
    else:
        try:
            value = float(raw)
        except (TypeError, ValueError, OverflowError):
            raise _number_error("not_number", name, raw, low, high) from None
    if not math.isfinite(value):
        raise _number_error("not_finite", name, raw, low, high)
    return value


def parse_amount(raw: Any, name: str) -> float:
    """A real number within LIMITS[name]; every failure is a NumberError naming the field."""
    low, high = LIMITS[name]
    value = _to_float(raw, name, low, high)
    if value < 0:
        raise _number_error("negative", name, raw, low, high)
    if value == 0 and low > 0:
        raise _number_error("zero", name, raw, low, high)
    if value < low:
        raise _number_error("too_small", name, raw, low, high)
    if value > high:
        raise _number_error("too_large", name, raw, low, high)
    return value


def parse_count(raw: Any, name: str) -> int:
    """A whole number within LIMITS[name] (accepts 1000, "1,000", "1_000", 1e3)."""
    value = parse_amount(raw, name)
    if not float(value).is_integer():
        low, high = LIMITS[name]
        raise _number_error("not_whole", name, raw, low, high)
    return int(value)


def parse_epochs(raw: Any) -> str | int:
    """'auto' (OpenAI's rule, from the inspector) or a whole number 1-50."""
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in ("", "auto")):
        return "auto"
    return parse_count(raw, "epochs")


_CURRENCY = re.compile(r"^[A-Z]{3}$")


def parse_currency(code: Any) -> str:
    """An ISO-4217-shaped code (three letters): BRL, EUR, USD..."""
    text = str(code or "").strip().upper()
    if not _CURRENCY.match(text):
        raise InputError("costs.error_currency", "costs.error_currency_hint", value=str(code or "")[:20])
    return text


# ------------------------------------------------------------------------------------- billed tokens
@dataclass(frozen=True)
class DatasetSpec:
    """What to price: a JSONL file (exact counts from the inspector) or examples × tokens typed in."""

    path: str | None = None
    n_examples: Any = None
    tokens_per_example: Any = None
    name: str = ""


@dataclass(frozen=True)
class BilledTokens:
    """Tokens OpenAI bills per epoch: Σ min(limit, example tokens) of the training file (validation
    files are free)."""

    n_examples: int
    tokens_total: int                 # before the per-example limit
    billed_tokens_per_epoch: int      # after it
    epochs_auto: int
    truncated_examples: int           # examples longer than the limit (billed only up to it)
    source: str                       # "file" | "typed"
    tokenizer: str                    # the OpenAI model whose encoding counted them


def model_label(price: ModelPrice, lang: str | None = None) -> str:
    """The model's display name: the data file's label (model names need no translation), or a
    catalogue entry costs.label.<name> where the label is words (the course example)."""
    key = f"costs.label.{price.name}"
    text = t(key, lang)
    return price.label if text == key else text


def tokenizer_model(price: ModelPrice) -> str:
    """The OpenAI model whose tokenizer and limit apply: Azure hosts the same models; the course
    example is gpt-3.5 era (cl100k_base)."""
    if price.provider == "azure":
        return price.name.split("/", 1)[1]
    if price.provider == "legacy":
        return "gpt-3.5-turbo-0125"
    return price.name


def token_limit(price: ModelPrice) -> int | None:
    """Max billed tokens per training example: the inspector's limit for the tokenizer model (the
    same number the inspector flags), none for the course example."""
    if price.provider == "legacy":
        return None
    return dataset.token_limit(tokenizer_model(price))


def auto_epochs(n_examples: int) -> int:
    return int(dataset.auto_epochs(n_examples))


_INSPECTED: dict[tuple, BilledTokens] = {}   # (path, mtime, size, encoding, limit) -> counts


def _inspect(path: Path, model: str) -> BilledTokens:
    """The inspector's exact counts. Billed tokens depend only on the encoding and the per-example
    limit, so gpt-4o, gpt-4.1 and their Azure twins share one pass over the file."""
    from core.tokenizers import encoding_name_for_model

    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, encoding_name_for_model(model), dataset.token_limit(model))
    if key not in _INSPECTED:
        report = dataset.inspect_file(path, model)
        n = int(report.n_examples)
        if n <= 0:
            raise InputError("costs.error_file_no_examples", "costs.error_file_no_examples_hint", path=str(path))
        if len(_INSPECTED) > 64:
            _INSPECTED.clear()
        _INSPECTED[key] = BilledTokens(
            n_examples=n, tokens_total=int(report.tokens_total),
            billed_tokens_per_epoch=int(report.billed_tokens_per_epoch), epochs_auto=int(report.epochs_auto),
            truncated_examples=int(getattr(report, "examples_over_limit", 0) or 0), source="file", tokenizer=model)
    return _INSPECTED[key]


def billed_tokens(spec: DatasetSpec, price: ModelPrice) -> BilledTokens:
    """Billed tokens per epoch of a dataset for one model's tokenizer and per-example limit."""
    if spec.path:
        path = Path(spec.path)
        if not path.is_file():
            raise InputError("costs.error_file_missing", "costs.error_file_missing_hint", path=str(path))
        return _inspect(path, tokenizer_model(price))
    n = parse_count(spec.n_examples, "examples")
    per_example = parse_count(spec.tokens_per_example, "tokens_per_example")
    limit = token_limit(price)
    billed_each = min(per_example, limit) if limit else per_example
    return BilledTokens(n_examples=n, tokens_total=n * per_example, billed_tokens_per_epoch=n * billed_each,
                        epochs_auto=auto_epochs(n), truncated_examples=n if billed_each < per_example else 0,
                        source="typed", tokenizer=tokenizer_model(price))


# ------------------------------------------------------------------------------------- training cost
@dataclass(frozen=True)
class TrainingCost:
    model: str
    epochs: int
    epochs_mode: str                  # "auto" | "fixed"
    billed_tokens_per_epoch: int
    billed_tokens: int                # all epochs
    price_per_1m: float | None
    usd: float | None                 # None when training is billed per hour (o4-mini RFT)


def training_cost(price: ModelPrice, tokens: BilledTokens, epochs: Any = "auto") -> TrainingCost:
    """training price × billed tokens × epochs / 1M. Validation tokens are never billed."""
    chosen = parse_epochs(epochs)
    n_epochs = tokens.epochs_auto if chosen == "auto" else chosen
    billed = tokens.billed_tokens_per_epoch * n_epochs
    usd = None if price.training is None else billed * price.training / TOKENS_PER_UNIT
    return TrainingCost(model=price.name, epochs=n_epochs, epochs_mode="auto" if chosen == "auto" else "fixed",
                        billed_tokens_per_epoch=tokens.billed_tokens_per_epoch, billed_tokens=billed,
                        price_per_1m=price.training, usd=usd)


def training_cost_usd(model: str | ModelPrice, billed: int) -> float:
    """USD for an already-known number of billed tokens (all epochs)."""
    price = model if isinstance(model, ModelPrice) else get_price(model)
    if price.training is None:
        raise InputError("costs.error_per_hour_training", "costs.error_per_hour_training_hint", model=price.name)
    return parse_amount(billed, "tokens") * price.training / TOKENS_PER_UNIT


def compare_models(spec: DatasetSpec, epochs: Any = "auto", overrides: dict[str, dict] | None = None,
                   models: list[ModelPrice] | None = None) -> list[dict]:
    """One row per model billed per token: billed tokens (its own tokenizer and limit), epochs, USD.
    overrides: {model name: {field: value}} so the table shows the session's prices too."""
    rows = []
    for price in models or trainable_models():
        price = price.with_overrides((overrides or {}).get(price.name))
        tokens = billed_tokens(spec, price)
        cost = training_cost(price, tokens, epochs)
        rows.append({"model": price.name, "label": model_label(price), "provider": price.provider,
                     "status": price.status(), "epochs": cost.epochs, "billed_tokens": cost.billed_tokens,
                     "price_per_1m": price.training, "training_usd": cost.usd,
                     "overridden": "training" in price.overridden, "uncertain": "training" in price.uncertain})
    return rows


# ------------------------------------------------------------------------------------- monthly usage
def inference_cost_usd(model: str | ModelPrice, tokens_in: Any, tokens_out: Any, fine_tuned: bool = False,
                       cached_in: Any = 0) -> float:
    """USD for one call: (uncached in × input + cached in × cached input + out × output) / 1M.
    ft: model names always use the fine-tuned prices. A model without a cached price bills cached
    tokens at the normal input price."""
    if isinstance(model, ModelPrice):
        price = model
    else:
        fine_tuned = fine_tuned or str(model).strip().startswith("ft:")
        price = get_price(model)
    n_in = _non_negative_int(tokens_in, "tokens_in")
    n_out = _non_negative_int(tokens_out, "tokens_out")
    n_cached = _non_negative_int(cached_in, "cached_in")
    if n_cached > n_in:
        raise InputError("costs.error_cached_more_than_input", tokens_in=n_in, cached_in=n_cached)
    prefix = "ft" if fine_tuned else "base"
    p_in = getattr(price, f"{prefix}_input")
    p_cached = getattr(price, f"{prefix}_cached_input")
    p_out = getattr(price, f"{prefix}_output")
    p_cached = p_in if p_cached is None else p_cached
    return ((n_in - n_cached) * p_in + n_cached * p_cached + n_out * p_out) / TOKENS_PER_UNIT


def has_price(model: str | None) -> bool:
    """True when the data file prices this model (hosted or ft:); False for local models such as
    the embedded SmolLM2, whose answers cost nothing per token (the arena shows no cost for them)."""
    try:
        get_price(model or "")
    except InputError:
        return False
    return True


def _non_negative_int(raw: Any, name: str) -> int:
    if isinstance(raw, bool) or raw is None:
        raise InputError("costs.error_token_count", name=name, value=str(raw))
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InputError("costs.error_token_count", name=name, value=str(raw)[:40]) from None
    if not math.isfinite(value) or value < 0 or not value.is_integer() or value > LIMITS["tokens"][1]:
        raise InputError("costs.error_token_count", name=name, value=str(raw)[:40])
    return int(value)


@dataclass(frozen=True)
class UsageSpec:
    """One month of answers. Defaults: a support bot answering 10,000 questions a month.

    prompt_tokens: the question + a one-line system prompt (all the fine-tuned model needs);
    instruction_tokens: the long instructions and few-shot examples the base model needs on top;
    rag_context_tokens: retrieved context (k chunks × chunk size) RAG adds to the base prompt.
    """

    queries_per_month: Any = 10_000
    prompt_tokens: Any = 200
    answer_tokens: Any = 300
    instruction_tokens: Any = 1_000
    rag_context_tokens: Any = 1_200
    cached_instructions: bool = False

    def validated(self) -> UsageSpec:
        return UsageSpec(
            queries_per_month=parse_count(self.queries_per_month, "queries_per_month"),
            prompt_tokens=parse_count(self.prompt_tokens, "prompt_tokens"),
            answer_tokens=parse_count(self.answer_tokens, "answer_tokens"),
            instruction_tokens=parse_count(self.instruction_tokens, "instruction_tokens"),
            rag_context_tokens=parse_count(self.rag_context_tokens, "rag_context_tokens"),
            cached_instructions=bool(self.cached_instructions))


def rag_context_tokens(k_chunks: Any, chunk_tokens: Any) -> int:
    """Retrieved context = k chunks × chunk size (tokens)."""
    return parse_count(k_chunks, "rag_chunks") * parse_count(chunk_tokens, "chunk_tokens")


@dataclass(frozen=True)
class MonthlyCost:
    """USD per month of each setup, and per answer. Azure's hosting fee is part of fine_tuned."""

    base: float
    fine_tuned: float
    rag: float
    per_query: dict[str, float]
    prompt_tokens: dict[str, int]
    hosting: float                    # included in fine_tuned (hosting_per_hour × 730 h)


def monthly_costs(price: ModelPrice, usage: UsageSpec) -> MonthlyCost:
    """Queries × per-answer cost for: base model + long prompt; fine-tuned model + short prompt;
    RAG = the base setup's prompt + retrieved context."""
    u = usage.validated()
    q = u.queries_per_month
    cached = u.instruction_tokens if u.cached_instructions else 0
    prompts = {"base": u.prompt_tokens + u.instruction_tokens, "fine_tuned": u.prompt_tokens,
               "rag": u.prompt_tokens + u.instruction_tokens + u.rag_context_tokens}
    per_query = {
        "base": inference_cost_usd(price, prompts["base"], u.answer_tokens, cached_in=cached),
        "fine_tuned": inference_cost_usd(price, prompts["fine_tuned"], u.answer_tokens, fine_tuned=True),
        "rag": inference_cost_usd(price, prompts["rag"], u.answer_tokens, cached_in=cached),
    }
    hosting = (price.hosting_per_hour or 0.0) * HOURS_PER_MONTH
    return MonthlyCost(base=q * per_query["base"], fine_tuned=q * per_query["fine_tuned"] + hosting,
                       rag=q * per_query["rag"], per_query=per_query, prompt_tokens=prompts, hosting=hosting)


@dataclass(frozen=True)
class BreakEven:
    """Cumulative USD for months 0..12. Fine-tuning starts at its training bill."""

    months: list[int]
    base: list[float]
    fine_tuned: list[float]
    rag: list[float]
    month_vs_base: int | None         # first month where fine-tuned ≤ base (None: not within 12)
    month_vs_rag: int | None
    months_needed_vs_base: int | None  # beyond 12, at the same rate (None: never)
    training_known: bool = True        # False: training billed per hour (RFT), not in these lines


def _payback(training: float, ft: float, other: float, horizon: int) -> tuple[int | None, int | None]:
    saving = other - ft                 # USD per month fine-tuning saves
    if training <= 0 and saving >= 0:
        return 1, 1
    if saving <= 0:
        return None, None
    needed = max(1, math.ceil(training / saving - 1e-12))
    return (needed if needed <= horizon else None), needed


def break_even(training_usd: float | None, monthly: MonthlyCost, months: int = MONTHS) -> BreakEven:
    training = training_usd or 0.0
    axis = list(range(months + 1))
    vs_base, needed = _payback(training, monthly.fine_tuned, monthly.base, months)
    vs_rag, _ = _payback(training, monthly.fine_tuned, monthly.rag, months)
    return BreakEven(months=axis, base=[m * monthly.base for m in axis],
                     fine_tuned=[training + m * monthly.fine_tuned for m in axis],
                     rag=[m * monthly.rag for m in axis], month_vs_base=vs_base, month_vs_rag=vs_rag,
                     months_needed_vs_base=needed, training_known=training_usd is not None)


def payback_sentence(result: BreakEven, lang: str | None = None) -> str:
    """The plain sentence under the chart."""
    if not result.training_known:
        return t("costs.payback_unknown_training", lang)
    if result.month_vs_base is not None:
        text = t("costs.payback_month", lang, month=result.month_vs_base)
    elif result.months_needed_vs_base is not None:
        text = t("costs.payback_later", lang, months=result.months_needed_vs_base)
    else:
        text = t("costs.payback_never", lang)
    if result.month_vs_rag is not None:
        text += " " + t("costs.payback_rag_month", lang, month=result.month_vs_rag)
    else:
        text += " " + t("costs.payback_rag_never", lang)
    return text


# ------------------------------------------------------------------------------------- the estimate
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


def estimate(model: str, dataset: DatasetSpec, epochs: Any = "auto", usage: UsageSpec | None = None,
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


# ------------------------------------------------------------------------------------- model notes
def model_notes(price: ModelPrice, lang: str | None = None) -> list[tuple[str, str]]:
    """(level, text) notes about a model's availability and billing, in the user's language
    (the data file's own `notes` are English documentation). level: "info" | "warning" | "error"."""
    notes: list[tuple[str, str]] = []
    status = price.status()
    if price.provider == "legacy":
        return [("info", t("costs.note_legacy", lang))]
    if price.training is None and price.training_per_hour is not None:
        notes.append(("info", t("costs.note_per_hour", lang, price=format_money(price.training_per_hour, lang=lang))))
    if status == "retired":
        notes.append(("error", t("costs.note_retired", lang, retire=price.retires)))
    elif status == "no_new_jobs":
        notes.append(("warning", t("costs.note_no_new_jobs", lang, no_new_jobs=price.no_new_jobs_after,
                                   retire=price.retires)))
    elif price.retires:
        notes.append(("warning", t("costs.note_winding_down", lang, no_new_jobs=price.no_new_jobs_after,
                                   retire=price.retires)))
    if price.provider == "azure":
        notes.append(("info", t("costs.note_azure", lang, hosting=format_money(price.hosting_per_hour or 0, lang=lang))))
    return notes


# ------------------------------------------------------------------------------------- money display
def format_money(usd: float | None, currency: str = "USD", rate: float = 1.0, lang: str | None = None) -> str:
    """$4.00 / R$ 22,00 / EUR 3.70. Small amounts keep more decimals so $0.00027 is not shown as $0.00."""
    if usd is None:
        return "—"
    value = usd * (1.0 if currency == "USD" else rate)
    magnitude = abs(value)
    decimals = 2 if magnitude >= 0.1 or magnitude == 0 else (4 if magnitude >= 0.001 else 6)
    number = format_number(value, lang, decimals)
    symbol = {"USD": "$", "BRL": "R$ "}.get(currency, f"{currency} ")
    return f"{symbol}{number}"


# ------------------------------------------------------------------------------------- local training
@dataclass(frozen=True)
class GpuPreset:
    key: str
    label: str
    usd_per_hour: float
    tokens_per_s: float               # at reference_params_b
    watts: float
    memory_gb: float | None
    price_source: str
    reference_params_b: float


def gpu_presets() -> dict[str, GpuPreset]:
    """The data file's GPU table, validated (a broken entry is a clear error, not a NaN)."""
    table = gpu_table()
    ref = float(table.get("reference_params_b") or 0.5)
    presets = {}
    for key, entry in (table.get("presets") or {}).items():
        try:
            presets[key] = GpuPreset(key=key, label=str(entry["label"]),
                                     usd_per_hour=parse_amount(entry["usd_per_hour"], "usd_per_hour"),
                                     tokens_per_s=parse_amount(entry["tokens_per_s"], "tokens_per_s"),
                                     watts=parse_amount(entry["watts"], "watts"),
                                     memory_gb=entry.get("memory_gb"),
                                     price_source=str(entry.get("price_source") or ""), reference_params_b=ref)
        except (KeyError, TypeError, InputError) as exc:
            raise InputError("costs.error_pricing_file", "costs.error_pricing_file_hint", path="assets/pricing.yaml",
                             where=f"gpus.presets.{key}", reason=str(exc)) from None
    return presets


def cpu_defaults() -> dict:
    """The CPU entry: reference model size (the calibrated embedded model), watts, kWh price."""
    table = gpu_table()
    cpu = table.get("cpu") or {}
    return {"reference_params_b": float(cpu.get("reference_params_b") or 0.135),
            "watts": float(cpu.get("watts") or 65), "usd_per_hour": float(cpu.get("usd_per_hour") or 0.0),
            "usd_per_kwh": float(table.get("electricity_usd_per_kwh") or 0.15)}


def scaled_tokens_per_s(reference_tokens_per_s: Any, reference_params_b: float, params_b: Any) -> float:
    """Throughput for another model size: compute per token grows with parameters, so tokens/s
    falls in proportion (a first-order rule; the range shown covers its error)."""
    ref = parse_amount(reference_tokens_per_s, "tokens_per_s")
    size = parse_amount(params_b, "params_b")
    return ref * reference_params_b / size


# Time ranges (× the central estimate). A table value is derived, not measured: ×0.5-×2.
# A measurement on this machine is tighter, but random-token batches skip padding, real lengths
# differ and a shared machine varies: at least ×0.75-×1.5, wider if the measured steps spread more.
TABLE_RANGE = (0.5, 2.0)
MEASURED_RANGE = (0.75, 1.5)


def measured_range(calibration: dict | None) -> tuple[float, float]:
    """×low-×high from a calibration's step spread, never narrower than MEASURED_RANGE."""
    low, high = MEASURED_RANGE
    if calibration:
        mean = calibration.get("tokens_per_s") or 0
        fastest = calibration.get("tokens_per_s_max") or mean
        slowest = calibration.get("tokens_per_s_min") or mean
        if mean and fastest and slowest:
            low = min(low, mean / fastest)     # faster steps -> less time
            high = max(high, mean / slowest)
    return (low, high)


@dataclass(frozen=True)
class LocalEstimate:
    """Hours and USD to train locally. *_low/*_high use the time range (× factors)."""

    tokens: int
    tokens_per_s: float
    hours: float
    hours_low: float
    hours_high: float
    rent_usd: float
    energy_kwh: float
    electricity_usd: float
    total_usd: float
    total_low: float
    total_high: float
    range_factors: tuple[float, float]


def local_training_estimate(tokens: Any, tokens_per_s: Any, usd_per_hour: Any = 0.0, watts: Any = 0.0,
                            usd_per_kwh: Any = 0.0, range_factors: tuple[float, float] = TABLE_RANGE
                            ) -> LocalEstimate:
    """hours = tokens / tokens_per_s / 3600; USD = hours × $/h + hours × watts / 1000 × $/kWh.
    Rented GPUs: $/h includes power (set $/kWh to 0). Own hardware: $/h = 0, electricity counts."""
    n = parse_amount(tokens, "tokens")
    speed = parse_amount(tokens_per_s, "tokens_per_s")
    rate = parse_amount(usd_per_hour, "usd_per_hour")
    power = parse_amount(watts, "watts")
    kwh_price = parse_amount(usd_per_kwh, "usd_per_kwh")
    low, high = range_factors
    hours = n / speed / 3600.0

    def total(h: float) -> float:  # USD: rent + kWh × price, kWh = h × W / 1000
        return h * rate + h * power / 1000.0 * kwh_price

    kwh = hours * power / 1000.0
    return LocalEstimate(tokens=int(n), tokens_per_s=speed, hours=hours, hours_low=hours * low,
                         hours_high=hours * high, rent_usd=hours * rate, energy_kwh=kwh,
                         electricity_usd=kwh * kwh_price, total_usd=total(hours), total_low=total(hours * low),
                         total_high=total(hours * high), range_factors=(low, high))


def format_duration(hours: float, lang: str | None = None) -> str:
    """'42 s', '12 min', '3.5 h', '2.1 days' in the page's language."""
    seconds = hours * 3600
    if seconds < 90:
        return t("costs.duration_seconds", lang, n=format_number(seconds, lang, 0))
    if seconds < 90 * 60:
        return t("costs.duration_minutes", lang, n=format_number(seconds / 60, lang, 0))
    if hours < 48:
        return t("costs.duration_hours", lang, n=format_number(hours, lang, 1))
    return t("costs.duration_days", lang, n=format_number(hours / 24, lang, 1))


# ------------------------------------------------------------------------------------- export
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
