"""The hosted training bill: billed tokens of a dataset (the Dataset Inspector's exact counts, or
examples × tokens typed in), × epochs × the training price, for one model or across all of them.

OpenAI bills Σ min(limit, example tokens) per epoch of the training file; validation files are free.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.costs.inputs import TOKENS_PER_UNIT, format_money, parse_amount, parse_count, parse_epochs
from core.errors import InputError
from core.i18n import format_date, t
from core.pricing import ModelPrice, get_price, trainable_models
from core.tokenizers import encoding_name_for_model

def _inspector():
    """core.dataset (the Dataset Inspector), imported on first use: its stack (numpy, jsonschema) costs
    ~1 s, and the CLI builds `lab cost`'s flags from this package before any dataset is priced."""
    from core import dataset

    return dataset


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
    return _inspector().token_limit(tokenizer_model(price))


def auto_epochs(n_examples: int) -> int:
    return int(_inspector().auto_epochs(n_examples))


_INSPECTED: dict[tuple, BilledTokens] = {}   # (path, mtime, size, encoding, limit) -> counts


def _inspect(path: Path, model: str) -> BilledTokens:
    """The inspector's exact counts. Billed tokens depend only on the encoding and the per-example
    limit, so gpt-4o, gpt-4.1 and their Azure twins share one pass over the file."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, encoding_name_for_model(model), _inspector().token_limit(model))
    if key not in _INSPECTED:
        report = _inspector().inspect_file(path, model)
        n = int(report.n_examples)
        if n <= 0:
            raise InputError("costs.error_file_no_examples", "costs.error_file_no_examples_hint", path=str(path))
        if len(_INSPECTED) > 64:
            _INSPECTED.clear()
        _INSPECTED[key] = BilledTokens(
            n_examples=n, tokens_total=int(report.tokens_total),
            billed_tokens_per_epoch=int(report.billed_tokens_per_epoch), epochs_auto=int(report.epochs_auto),
            truncated_examples=report.examples_over_limit, source="file", tokenizer=model)
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


def hosted_training_usd(model: str, billed: int | None, backend: str = "openai") -> float | None:
    """USD a hosted job's billed tokens (all epochs) cost, by the same price list as the Cost
    Calculator; Azure prices live under "azure/<model>". None when the price list does not know the
    model or bills its training per hour (the job still runs; the page shows no estimate)."""
    if billed is None:
        return None
    names = [f"azure/{model}", model] if backend == "azure" else [model]
    for name in names:
        try:
            price = get_price(name)
        except InputError:
            continue
        return None if price.training is None else training_cost_usd(price, billed)
    return None


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
        notes.append(("error", t("costs.note_retired", lang, retire=format_date(price.retires, lang))))
    elif status == "no_new_jobs":
        notes.append(("warning", t("costs.note_no_new_jobs", lang,
                                   no_new_jobs=format_date(price.no_new_jobs_after, lang),
                                   retire=format_date(price.retires, lang))))
    elif price.retires:
        notes.append(("warning", t("costs.note_winding_down", lang,
                                   no_new_jobs=format_date(price.no_new_jobs_after, lang),
                                   retire=format_date(price.retires, lang))))
    if price.provider == "azure":
        notes.append(("info", t("costs.note_azure", lang, hosting=format_money(price.hosting_per_hour or 0, lang=lang))))
    return notes
