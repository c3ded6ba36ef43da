"""The monthly bill of three setups answering the same questions (base model + long prompt, fine-tuned
model + short prompt, RAG = base + retrieved context) and when fine-tuning pays its training back.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

from core.costs.inputs import LIMITS, MONTHS, TOKENS_PER_UNIT, parse_count
from core.errors import InputError
from core.i18n import t
from core.pricing import HOURS_PER_MONTH, ModelPrice, get_price

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


def _usage(default: Any, help_key: str, step: int = 0):
    """A UsageSpec field whose metadata feeds the page's number box (label costs.field.<name>,
    tooltip, step), the CLI's flag and help; its bounds are LIMITS[<name>] (parse_count)."""
    return field(default=default, metadata={"help": help_key, "step": step})


RAG_CHUNKS, CHUNK_TOKENS = 4, 300  # a typical hosted RAG prompt's context: 4 chunks of 300 tokens


@dataclass(frozen=True)
class UsageSpec:
    """One month of answers. Defaults: a support bot answering 10,000 questions a month.

    prompt_tokens: the question + a one-line system prompt (all the fine-tuned model needs);
    instruction_tokens: the long instructions and few-shot examples the base model needs on top;
    rag_context_tokens: retrieved context (k chunks × chunk size) RAG adds to the base prompt.
    """

    queries_per_month: Any = _usage(10_000, "costs.queries_help", 1_000)
    prompt_tokens: Any = _usage(200, "costs.prompt_help", 50)
    answer_tokens: Any = _usage(300, "costs.answer_help", 50)
    instruction_tokens: Any = _usage(1_000, "costs.instruction_help", 100)
    rag_context_tokens: Any = _usage(RAG_CHUNKS * CHUNK_TOKENS, "costs.rag_context_help", 100)
    cached_instructions: bool = _usage(False, "costs.cached_help")

    def validated(self) -> UsageSpec:
        """Every count checked against its LIMITS entry (a NumberError names the field)."""
        counts = {name: parse_count(getattr(self, name), name) for name in usage_counts()}
        return UsageSpec(**counts, cached_instructions=bool(self.cached_instructions))


def usage_counts() -> list[str]:
    """The UsageSpec fields that are token or query counts, in form order."""
    return [spec.name for spec in fields(UsageSpec) if spec.type != "bool"]


def usage_field(name: str) -> dict:
    """Label key, help key, step, default and (min, max) of one UsageSpec field, for widgets and flags."""
    spec = next(f for f in fields(UsageSpec) if f.name == name)
    return {"label": f"costs.field.{name}", "default": spec.default, "bounds": LIMITS.get(name), **spec.metadata}


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
