"""`python -m lab guide --answers FILE|- [--format json|text]`: the "Fine-tune or RAG?" decision
from a JSON file of answers (the same rule table as the Guide page).

FILE holds {"goals": [...], "examples": int, "knowledge_changes": "never|yearly|monthly|weekly|daily",
"needs_citations": bool, "tried_prompting": bool, "monthly_budget_usd": number}, every key optional.
Exit codes: 0 a recommendation was printed; 2 bad input (unknown goal or key, negative count, bad
JSON, unreadable file), one line on stderr (lab/cli.py turns core's LabError into it).
  echo '{"goals": ["consistent_style_or_tone"], "examples": 40}' | python -m lab guide --answers -
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from core.i18n import t

DEFAULT_MODEL = "gpt-4o-mini-2024-07-18"


def register(subparsers) -> None:
    parser = subparsers.add_parser("guide", help=t("guide.cli.help"), description=t("guide.cli.description"))
    parser.add_argument("--answers", required=True, metavar="FILE|-", help=t("guide.cli.answers_help"))
    parser.add_argument("--format", choices=["json", "text"], default="text", help=t("guide.cli.format_help"))
    parser.add_argument("--model", default=DEFAULT_MODEL, help=t("guide.cli.model_help", default=DEFAULT_MODEL))
    parser.add_argument("--queries-per-month", default="10000", metavar="Q", help=t("guide.cli.queries_help"))
    parser.add_argument("--answer-tokens", default="300", metavar="A", help=t("guide.cli.answer_tokens_help"))
    parser.add_argument("--tokens-per-example", default="500", metavar="T", help=t("guide.cli.tokens_help"))
    parser.set_defaults(func=run)


def _read(source: str) -> str:
    from core.errors import InputError

    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("guide.error_read", "guide.error_read_hint", path=source,
                         reason=type(exc).__name__) from None


def run(args) -> int:
    from core.costs import parse_count
    from core.guide import Volumes, parse_answers_text, recommend

    answers = parse_answers_text(_read(args.answers), source=args.answers)
    volumes = Volumes(model=args.model, queries_per_month=parse_count(args.queries_per_month, "queries_per_month"),
                      tokens_per_example=parse_count(args.tokens_per_example, "tokens_per_example"),
                      answer_tokens=parse_count(args.answer_tokens, "answer_tokens"))
    result = recommend(answers, volumes, contestants=True)
    text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False) if args.format == "json" else render_text(result)
    try:
        print(text)
    except BrokenPipeError:  # `... | head` closed the pipe: not an error of the answers
        sys.stderr.close()
    return 0


def render_text(result) -> str:
    from core.guide import THRESHOLD
    from core.guide.table import comparison_rows

    lines = [t("guide.cli.line_recommendation", label=t(f"guide.option.{result.recommendation}")),
             t(f"guide.summary.{result.recommendation}"), "", t("guide.reasons_title")]
    for reason in result.reasons():
        lines.append(f"  {_sign(reason)} {reason['text']}")
    lines += ["", t("guide.cli.line_scores", rag=f"{result.scores['rag']:g}", fine_tune=f"{result.scores['fine_tune']:g}",
                    threshold=f"{THRESHOLD:g}")]
    lines += ["", t("guide.comparison_title")]
    for row in comparison_rows(result.figures):
        lines.append(f"- {row['aspect']}")
        for setup in ("prompting", "rag", "fine_tune", "rag_and_fine_tune"):
            lines.append(f"    {t(f'guide.option.{setup}')}: {row[setup]}")
    if result.contestants:
        lines += ["", t("guide.cli.line_contestants", specs=", ".join(result.contestants))]
    return "\n".join(lines)


def _sign(reason: dict) -> str:
    """+ for fine-tuning / RAG, − against, · a note: the weight says how much it counted."""
    weight = reason.get("weight") or 0
    side = t(f"guide.side.{reason['favors']}") if reason.get("favors") else ""
    if not weight:
        return "·"
    return f"[{'+' if weight > 0 else '−'}{abs(weight):g} {side}]"
