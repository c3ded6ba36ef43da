"""One translation function for every user-facing string.

Catalogues live in assets/i18n/<lang>/<area>.json, flat {"area.key": "text with {placeholders}"}.
Each area (home, inspect, costs, train, hosted, arena, ...) owns its own file, so parallel work never
edits the same catalogue. English is the reference; a key missing in another language falls back to
English, and tests/test_i18n.py fails when the two catalogues differ in keys or placeholders.

The current language is a context variable: a Streamlit script run sets it at the top of the page
(each session runs in its own thread), the CLI sets it from LAB_LANG.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import json
import math
import os
import string
from functools import lru_cache
from typing import Any

from core.paths import ASSETS

LANGUAGES = {"en": "English", "pt-BR": "Português (Brasil)"}
DEFAULT_LANGUAGE = "en"

_current = contextvars.ContextVar("lab_language", default=None)


def normalize(lang: str | None) -> str:
    """Map 'pt', 'pt_BR', 'pt-br' to 'pt-BR'; anything unknown to English."""
    if not lang:
        return DEFAULT_LANGUAGE
    low = lang.replace("_", "-").lower()
    if low.startswith("pt"):
        return "pt-BR"
    return "en" if low.startswith("en") else DEFAULT_LANGUAGE


def set_language(lang: str | None) -> str:
    lang = normalize(lang)
    _current.set(lang)
    return lang


def current_language() -> str:
    return _current.get() or normalize(os.environ.get("LAB_LANG"))


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    """All keys of one language, merged from every area file."""
    folder = ASSETS / "i18n" / lang
    merged: dict[str, str] = {}
    for path in sorted(folder.glob("*.json")):
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        clash = set(merged) & set(data)
        if clash:
            raise ValueError(f"duplicate catalogue keys in {path.name}: {sorted(clash)[:5]}")
        merged.update(data)
    return merged


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def t(key: str, lang: str | None = None, **params: Any) -> str:
    """Translate key into lang (default: the current language) and fill its {placeholders}.

    An unknown key returns the key itself, so a missing entry is visible but never crashes a page.
    """
    lang = normalize(lang) if lang else current_language()
    text = catalogue(lang).get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    if not params:
        return text
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text


def format_number(value: float, lang: str | None = None, decimals: int = 0) -> str:
    """1,234.5 in English, 1.234,5 in Portuguese."""
    text = f"{value:,.{decimals}f}"
    if normalize(lang or current_language()) == "pt-BR":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def format_duration(seconds: float | None, lang: str | None = None) -> str:
    """The one way the lab writes a span of time: '42 s', '3 min 05 s', '2 h 05 min', '2.1 days'.

    Seconds in, because every clock the lab reads (ETA, run duration, estimates) counts seconds.
    """
    if seconds is None or not math.isfinite(seconds):
        return "–"
    total = max(0, int(round(seconds)))
    if total < 60:
        return t("common.duration_seconds", lang, s=total)
    minutes, sec = divmod(total, 60)
    if minutes < 60:
        return t("common.duration_minutes", lang, m=minutes, s=f"{sec:02d}")
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return t("common.duration_hours", lang, h=hours, m=f"{minutes:02d}")
    return t("common.duration_days", lang, n=format_number(total / 86400, lang, 1))


def format_date(when: float | dt.date | str | None, lang: str | None = None) -> str:
    """The one way the lab writes a day: 2026-05-07 in English, 07/05/2026 in Portuguese.

    Takes a Unix timestamp (local time), a date/datetime or an ISO string; None gives '–'.
    """
    if when is None or when == "":
        return "–"
    if isinstance(when, str):
        when = dt.date.fromisoformat(when[:10])
    elif isinstance(when, (int, float)):
        when = dt.datetime.fromtimestamp(when)
    return t("common.date_format", lang, year=f"{when.year:04d}", month=f"{when.month:02d}", day=f"{when.day:02d}")
