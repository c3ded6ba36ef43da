"""Prices of fine-tunable hosted models, loaded from assets/pricing.yaml and checked before use.

Prices change and the lab cannot read OpenAI's pricing page, so they live in a dated data file with
a source per model (never in code), the user can override any of them for a session, and a user's own
LAB_HOME/pricing.yaml (same shape, only the fields that differ) is merged over the bundled file.
All prices are USD per 1 million tokens unless the field name says per hour.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from core.errors import InputError
from core.i18n import t
from core.paths import ASSETS, lab_home

PRICING_FILE = ASSETS / "pricing.yaml"
USER_PRICING_NAME = "pricing.yaml"

# Token prices, USD per 1M tokens. Order = the order the page and exports show them in.
PRICE_FIELDS = ("training", "ft_input", "ft_cached_input", "ft_output",
                "base_input", "base_cached_input", "base_output")
HOURLY_FIELDS = ("training_per_hour", "hosting_per_hour")
OVERRIDABLE = PRICE_FIELDS + HOURLY_FIELDS
INT_FIELDS = ("max_tokens_per_example", "context_length")
PROVIDERS = ("openai", "azure", "legacy")
MAX_PRICE = 1_000_000.0          # USD per 1M tokens or per hour: anything above is a typo
HOURS_PER_MONTH = 730            # 365 × 24 / 12, the convention cloud bills use


class PriceError(InputError):
    """A bad price typed by the user; the price's name is translated when the message is shown."""

    def message(self, lang: str | None = None) -> str:
        params = {**self.params, "field": t(f"costs.price.{self.params.get('field')}", lang)}
        text = t(self.key, lang, **params)
        return f"{text} {t(self.hint_key, lang, **params)}" if self.hint_key else text


@dataclass(frozen=True)
class ModelPrice:
    """One model's prices and limits. None = the price does not exist (e.g. no cached discount)."""

    name: str
    provider: str
    label: str
    training: float | None = None
    ft_input: float | None = None
    ft_cached_input: float | None = None
    ft_output: float | None = None
    base_input: float | None = None
    base_cached_input: float | None = None
    base_output: float | None = None
    training_per_hour: float | None = None   # reinforcement fine-tuning (o4-mini): USD per hour
    hosting_per_hour: float | None = None    # Azure: a deployed fine-tuned model, USD per hour
    max_tokens_per_example: int | None = None
    context_length: int | None = None
    encoding: str | None = None
    no_new_jobs_after: dt.date | None = None
    retires: dt.date | None = None
    notes: str = ""
    source: str = ""
    checked: str = ""
    aliases: tuple[str, ...] = ()
    uncertain: frozenset[str] = frozenset()
    overridden: frozenset[str] = frozenset()   # fields the user changed for this session
    defaults: tuple[tuple[str, float | None], ...] = field(default=(), compare=False)

    def status(self, today: dt.date | None = None) -> str:
        """'available', 'no_new_jobs' (serving only), 'retired' (from the dates and today), or
        'example' for the course's legacy prices (not a model anyone can train)."""
        if self.provider == "legacy":
            return "example"
        today = today or dt.date.today()
        if self.retires and today >= self.retires:
            return "retired"
        if self.no_new_jobs_after and today > self.no_new_jobs_after:
            return "no_new_jobs"
        return "available"

    @property
    def token_billed(self) -> bool:
        """True when training is billed per token (False for per-hour RFT)."""
        return self.training is not None

    def default(self, name: str) -> float | None:
        """The data file's value of a price field, before any override."""
        return dict(self.defaults).get(name, getattr(self, name))

    def with_overrides(self, overrides: dict[str, Any] | None) -> ModelPrice:
        """A copy with some prices replaced (validated: finite, ≥ 0, not absurd). Values equal to the
        data file's are not counted as overridden, so the page marks only real changes."""
        if not overrides:
            return self
        changes: dict[str, float] = {}
        for name, raw in overrides.items():
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            if name not in OVERRIDABLE:
                raise InputError("costs.error_unknown_price_field", "costs.error_unknown_price_field_hint",
                                 field=name, fields=", ".join(OVERRIDABLE))
            changes[name] = parse_price(raw, name)
        overridden = set(self.overridden)
        for name, value in changes.items():
            if value != self.default(name):
                overridden.add(name)
            else:
                overridden.discard(name)
        defaults = self.defaults or tuple((f, getattr(self, f)) for f in OVERRIDABLE)
        return replace(self, **changes, overridden=frozenset(overridden), defaults=defaults)

    def prices(self) -> dict[str, float | None]:
        return {name: getattr(self, name) for name in OVERRIDABLE}


def parse_price(raw: Any, field_name: str) -> float:
    """A price from user input: a finite number ≥ 0 and below MAX_PRICE, else a clear InputError."""
    if isinstance(raw, bool):
        raise PriceError("costs.error_price_not_number", "costs.error_price_hint", field=field_name, value=raw)
    if isinstance(raw, str):
        text = raw.strip().replace("$", "")
        if not text:
            raise PriceError("costs.error_price_empty", "costs.error_price_hint", field=field_name)
        try:
            raw = float(text)
        except ValueError:
            raise PriceError("costs.error_price_not_number", "costs.error_price_hint",
                             field=field_name, value=raw) from None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise PriceError("costs.error_price_not_number", "costs.error_price_hint",
                         field=field_name, value=raw) from None
    if not math.isfinite(value):
        raise PriceError("costs.error_price_not_finite", "costs.error_price_hint", field=field_name, value=raw)
    if value < 0:
        raise PriceError("costs.error_price_negative", "costs.error_price_hint", field=field_name, value=raw)
    if value > MAX_PRICE:
        raise PriceError("costs.error_price_too_large", "costs.error_price_hint", field=field_name,
                         value=raw, limit=f"{MAX_PRICE:,.0f}")
    return value


def _bad_file(path: Path, where: str, reason: str) -> InputError:
    return InputError("costs.error_pricing_file", "costs.error_pricing_file_hint",
                      path=str(path), where=where, reason=reason)


def _as_date(value: Any, path: Path, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _bad_file(path, where, f"not a date (YYYY-MM-DD): {value!r}") from None


def _model_from_entry(name: str, entry: Any, path: Path) -> ModelPrice:
    if not isinstance(entry, dict):
        raise _bad_file(path, f"models.{name}", "expected a mapping of fields")
    known = set(OVERRIDABLE) | set(INT_FIELDS) | {
        "provider", "label", "aliases", "encoding", "no_new_jobs_after", "retires", "notes", "source",
        "checked", "uncertain"}
    unknown = sorted(set(entry) - known)
    if unknown:
        raise _bad_file(path, f"models.{name}", f"unknown field(s) {', '.join(unknown)}")
    provider = entry.get("provider")
    if provider not in PROVIDERS:
        raise _bad_file(path, f"models.{name}.provider", f"must be one of {', '.join(PROVIDERS)}")
    values: dict[str, Any] = {}
    for price in OVERRIDABLE:
        raw = entry.get(price)
        if raw is None:
            values[price] = None
            continue
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw) \
                or raw < 0 or raw > MAX_PRICE:
            raise _bad_file(path, f"models.{name}.{price}", f"not a price in USD (got {raw!r})")
        values[price] = float(raw)
    if values["ft_input"] is None or values["ft_output"] is None \
            or values["base_input"] is None or values["base_output"] is None:
        raise _bad_file(path, f"models.{name}", "ft_input, ft_output, base_input and base_output are required")
    if values["training"] is None and values["training_per_hour"] is None:
        raise _bad_file(path, f"models.{name}", "needs training (per 1M tokens) or training_per_hour")
    for count in INT_FIELDS:
        raw = entry.get(count)
        if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int) or raw <= 0):
            raise _bad_file(path, f"models.{name}.{count}", f"not a positive whole number (got {raw!r})")
        values[count] = raw
    uncertain = entry.get("uncertain") or []
    if not isinstance(uncertain, list) or not set(uncertain) <= set(OVERRIDABLE) | set(INT_FIELDS):
        raise _bad_file(path, f"models.{name}.uncertain", "must list field names of this entry")
    aliases = entry.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise _bad_file(path, f"models.{name}.aliases", "must be a list of names")
    if not entry.get("source"):
        raise _bad_file(path, f"models.{name}.source", "every price needs a source")
    return ModelPrice(
        name=name, provider=provider, label=str(entry.get("label") or name), **values,
        encoding=entry.get("encoding"),
        no_new_jobs_after=_as_date(entry.get("no_new_jobs_after"), path, f"models.{name}.no_new_jobs_after"),
        retires=_as_date(entry.get("retires"), path, f"models.{name}.retires"),
        notes=str(entry.get("notes") or ""), source=str(entry["source"]),
        checked=str(_as_date(entry.get("checked"), path, f"models.{name}.checked") or ""),
        aliases=tuple(aliases), uncertain=frozenset(uncertain),
    )


def _read_yaml(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except yaml.YAMLError as exc:
        raise _bad_file(path, "YAML", str(exc).splitlines()[0]) from None
    except OSError as exc:
        raise _bad_file(path, "file", exc.strerror or str(exc)) from None
    if not isinstance(data, dict):
        raise _bad_file(path, "top level", "expected a mapping with a `models:` section")
    return data


def _merge_user_file(raw_models: dict, user_path: Path) -> dict:
    """LAB_HOME/pricing.yaml: {models: {name: {field: value}}} changes or adds entries."""
    data = _read_yaml(user_path)
    extra = data.get("models") or {}
    if not isinstance(extra, dict):
        raise _bad_file(user_path, "models", "expected a mapping of model names")
    merged = {name: dict(entry) for name, entry in raw_models.items()}
    for name, fields in extra.items():
        if not isinstance(fields, dict):
            raise _bad_file(user_path, f"models.{name}", "expected a mapping of fields")
        base = merged.get(name, {})
        merged[name] = {**base, **fields}
        if name not in raw_models:
            merged[name].setdefault("source", str(user_path))
    return merged


@lru_cache(maxsize=8)
def _load(path: str, mtime: float, user_path: str | None, user_mtime: float | None) -> dict:
    source = Path(path)
    data = _read_yaml(source)
    raw_models = data.get("models")
    if not isinstance(raw_models, dict) or not raw_models:
        raise _bad_file(source, "models", "no models listed")
    touched: set[str] = set()
    if user_path:
        merged = _merge_user_file(raw_models, Path(user_path))
        touched = {name for name in merged if merged[name] != raw_models.get(name)}
        raw_models = merged
    models = {name: _model_from_entry(name, entry, Path(user_path) if name in touched else source)
              for name, entry in raw_models.items()}
    return {"models": models, "gpus": data.get("gpus") or {}, "wind_down": data.get("wind_down") or {},
            "checked": str(data.get("checked") or "")}


def _data(path: str | Path | None = None) -> dict:
    source = Path(path) if path else PRICING_FILE
    if not source.is_file():
        raise _bad_file(source, "file", "not found")
    user = lab_home() / USER_PRICING_NAME if path is None else None
    user_args = (str(user), user.stat().st_mtime) if user and user.is_file() else (None, None)
    return _load(str(source), source.stat().st_mtime, *user_args)


def load_pricing(path: str | Path | None = None) -> dict[str, ModelPrice]:
    """Every model of the data file by its canonical name (validated; cached until the file changes)."""
    return dict(_data(path)["models"])


def wind_down(path: str | Path | None = None) -> dict:
    """OpenAI's wind-down dates (the page and CLI state them)."""
    return dict(_data(path)["wind_down"])


def gpu_table(path: str | Path | None = None) -> dict:
    """The `gpus:` section: presets (usd_per_hour, tokens_per_s, watts), the CPU entry, kWh price."""
    return _data(path)["gpus"]


_FT_NAME = re.compile(r"^ft:([^:]+)(:|$)")


def get_price(model: str, path: str | Path | None = None) -> ModelPrice:
    """Prices for a model name. ft:BASE:... names give the base snapshot's entry (use its ft_*
    prices); unknown names raise InputError listing the known ones."""
    if model is None or not str(model).strip():
        raise InputError("costs.error_model_empty", "costs.unknown_model_hint",
                         known=", ".join(load_pricing(path)))
    text = str(model).strip()
    models = load_pricing(path)
    match = _FT_NAME.match(text)
    if match:
        text = match.group(1)
    lowered = text.lower()
    for name, price in models.items():
        if lowered == name.lower() or lowered in (a.lower() for a in price.aliases):
            return price
    raise InputError("costs.unknown_model", "costs.unknown_model_hint", model=str(model).strip(),
                     known=", ".join(models))


def trainable_models(path: str | Path | None = None) -> list[ModelPrice]:
    """Models billed per training token (the comparison table's rows), in data-file order."""
    return [p for p in load_pricing(path).values() if p.token_billed]
