"""`python -m lab eval`: evaluate 1-4 contestants on an evaluation file, in the foreground.

    python -m lab eval pedala_en --contestant base --contestant rag --format json
    python -m lab eval data.jsonl -c base -c run:run-20260101-1200-ab12 --metrics chrf,fact_recall --limit 10

Progress goes to stderr, the report to stdout (JSON for scripts and CI, or a short text table).
Exit 0 on success, 2 for bad arguments or an unreadable file (one-line reason, from lab/cli.py).
"""
from __future__ import annotations

import json
import sys

from core.i18n import t
from core.providers.base import ChatSettings


def register(subparsers) -> None:
    parser = subparsers.add_parser("eval", help=t("eval.cli_help"), description=t("eval.cli_description"))
    parser.add_argument("data", help=t("eval.cli_data_help"))
    parser.add_argument("--contestant", "-c", action="append", required=True, help=t("eval.cli_contestant_help"))
    parser.add_argument("--metrics", default=None, help=t("eval.cli_metrics_help"))
    parser.add_argument("--judge", default=None, help=t("eval.cli_judge_help"))
    parser.add_argument("--rubric", default=None, help=t("eval.cli_rubric_help"))
    parser.add_argument("--limit", type=int, default=None, help=t("eval.cli_limit_help"))
    parser.add_argument("--max-tokens", type=int, default=256, help=t("eval.max_tokens_help"))
    parser.add_argument("--temperature", type=float, default=0.0, help=t("eval.temperature_help"))
    parser.add_argument("--batch-size", type=int, default=8, help=t("eval.batch_size_help"))
    parser.add_argument("--copy-bias", type=float, default=ChatSettings.copy_bias, help=t("eval.copy_bias_help"))
    parser.add_argument("--k", type=int, default=3, help=t("eval.rag_k_help"))
    parser.add_argument("--gpu-usd-per-hour", type=float, default=0.0, help=t("eval.gpu_price_help"))
    parser.add_argument("--format", choices=("json", "text"), default="text", help=t("eval.cli_format_help"))
    parser.add_argument("--output", default=None, help=t("eval.cli_output_help"))
    parser.add_argument("--track", default=None, metavar="NAMES", help=t("train.help.tracking_eval"))
    parser.set_defaults(func=run)


def _progress(i: int, n: int, spec: str) -> None:
    print("\r" + t("eval.progress", i=i, n=n, contestant=spec), end="", file=sys.stderr, flush=True)


def _tracker_warning(name: str, reason: str) -> None:
    from core.training.tracking import label

    print(t("train.log_tracker_failed", tracker=label(name), reason=reason), file=sys.stderr, flush=True)


def run(args) -> int:
    from pathlib import Path

    from core.errors import InputError
    from core.evaluation.report import text_report, write_report
    from core.evaluation.run import EvalConfig, evaluate, tracking_dir
    from core.i18n import current_language
    from core.training.tracking import known, require_installed, where_lines

    if args.rubric and Path(args.rubric).is_file():
        args.rubric = Path(args.rubric).read_text(encoding="utf-8")
    if args.batch_size < 1 or args.max_tokens < 1:
        raise InputError("eval.err_positive", "eval.err_positive_hint")
    config = EvalConfig(
        data=args.data, contestants=list(args.contestant),
        metrics=[m.strip() for m in args.metrics.split(",") if m.strip()] if args.metrics else None,
        limit=args.limit, max_tokens=args.max_tokens, temperature=args.temperature,
        batch_size=args.batch_size, copy_bias=args.copy_bias, rag_k=args.k,
        gpu_usd_per_hour=args.gpu_usd_per_hour, judge=args.judge, rubric=args.rubric,
        lang=current_language(), tracking=list(known(args.track)))
    require_installed(config.tracking)
    run_dir = tracking_dir() if config.tracking else None
    results = evaluate(config, progress=_progress, run_dir=run_dir, warn=_tracker_warning)
    print(file=sys.stderr)
    if run_dir is not None:
        print("\n".join([t("train.eval_tracking_saved"), *where_lines(run_dir)]), file=sys.stderr)
    if args.output:
        write_report(results, args.output, lang=current_language())
    if args.format == "json":
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        print(text_report(results, lang=current_language()))
    return 0
