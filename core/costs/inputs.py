"""Numbers in and money out: user-typed amounts checked against bounds, and money written for people.

Every number a user types (page, CLI, JSON) goes through parse_amount / parse_count, so a typo is a
NumberError naming the field and its range, never a NaN or a 1e300-token bill. format_money is the one
way the lab writes an amount; markdown_money escapes its `$` wherever the text is drawn as Markdown.
"""
from __future__ import annotations

import math
import re
from typing import Any

from core.errors import InputError
from core.i18n import format_number, t

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


def markdown_money(text: str) -> str:
    """Escape `$` for Streamlit Markdown (metric values, captions, st.markdown): two dollar signs on one
    line ("$0.27 · R$ 1.43") are otherwise read as LaTeX and drawn as "0.27⋅𝑅 1.43"."""
    return text.replace("\\$", "$").replace("$", "\\$")
