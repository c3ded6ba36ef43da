"""The questionnaire's answers, validated once for the page, the CLI and the tests.

Every field is optional: an unanswered question simply fires no rule. Anything malformed is an
InputError whose one-line message names the key, the bad value and the values that are allowed,
so `lab guide` can exit 2 with that line and the page can show it.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from typing import Any

from core.errors import InputError

# Goal ids, in the order the page lists them (the course's criteria and the providers' guidance).
GOALS = ("answer_questions_from_documents", "consistent_style_or_tone", "fixed_output_format",
         "classify_or_route", "extract_structured_data", "domain_language", "reduce_latency_or_cost")
# How often the knowledge behind the answers changes, slowest first.
CHANGES = ("never", "yearly", "monthly", "weekly", "daily")
KEYS = ("goals", "examples", "knowledge_changes", "needs_citations", "tried_prompting", "monthly_budget_usd")
MAX_EXAMPLES = 100_000_000          # the cost calculator's own upper bound for a training file
MAX_BUDGET_USD = 1_000_000_000


@dataclass(frozen=True)
class Answers:
    goals: tuple[str, ...] = ()
    examples: int | None = None
    knowledge_changes: str | None = None
    needs_citations: bool | None = None
    tried_prompting: bool | None = None
    monthly_budget_usd: float | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["goals"] = list(self.goals)
        return data


def _bad(key: str, value: Any, allowed: str) -> InputError:
    shown = json.dumps(value, ensure_ascii=False)[:60]
    return InputError("guide.error_value", "guide.error_value_hint", field=key, value=shown, allowed=allowed)


def _goals(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str) or not isinstance(raw, (list, tuple)):
        raise _bad("goals", raw, "[" + ", ".join(GOALS) + "]")
    out: list[str] = []
    for goal in raw:
        if goal not in GOALS:
            raise InputError("guide.error_goal", "guide.error_value_hint", field="goals",
                             value=json.dumps(goal, ensure_ascii=False)[:60], allowed=", ".join(GOALS))
        if goal not in out:
            out.append(goal)
    return tuple(g for g in GOALS if g in out)     # table order: same answers, same reasons


def _examples(raw: Any) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw) \
            or not float(raw).is_integer():
        raise _bad("examples", raw, f"0 … {MAX_EXAMPLES:,}")
    if raw < 0 or raw > MAX_EXAMPLES:
        raise _bad("examples", raw, f"0 … {MAX_EXAMPLES:,}")
    return int(raw)


def _flag(key: str, raw: Any) -> bool | None:
    if raw is None or isinstance(raw, bool):
        return raw
    raise _bad(key, raw, "true, false")


def _budget(raw: Any) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw) \
            or raw < 0 or raw > MAX_BUDGET_USD:
        raise _bad("monthly_budget_usd", raw, f"0 … {MAX_BUDGET_USD:,}")
    return float(raw)


def parse_answers(data: Any) -> Answers:
    """A JSON object (dict) -> Answers. None/missing = not answered."""
    if data is None:
        return Answers()
    if not isinstance(data, dict):
        raise InputError("guide.error_not_object", "guide.error_not_object_hint", keys=", ".join(KEYS))
    unknown = [key for key in data if key not in KEYS]
    if unknown:
        raise InputError("guide.error_unknown_key", "guide.error_not_object_hint",
                         field=str(unknown[0])[:60], keys=", ".join(KEYS))
    changes = data.get("knowledge_changes")
    if changes is not None and changes not in CHANGES:
        raise _bad("knowledge_changes", changes, ", ".join(CHANGES))
    return Answers(goals=_goals(data.get("goals")), examples=_examples(data.get("examples")),
                   knowledge_changes=changes,
                   needs_citations=_flag("needs_citations", data.get("needs_citations")),
                   tried_prompting=_flag("tried_prompting", data.get("tried_prompting")),
                   monthly_budget_usd=_budget(data.get("monthly_budget_usd")))


def parse_answers_text(text: str, source: str = "-") -> Answers:
    """The CLI's input: JSON text. A syntax error names the line and column."""
    if not text.strip():
        raise InputError("guide.error_empty_input", "guide.error_not_object_hint", source=source, keys=", ".join(KEYS))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError("guide.error_json", "guide.error_json_hint", source=source, line=exc.lineno,
                         column=exc.colno, reason=exc.msg) from None
    return parse_answers(data)
