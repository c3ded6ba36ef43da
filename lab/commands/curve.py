"""`python -m lab curve DATA --sizes 10,50,100 --eval EVAL [--noise 0.2] [--format json]`: a learning
curve — one training job per subset size (nested subsets of one shuffled order), each evaluated on
the same held-out set, printed as metric vs number of examples with 95% CIs.

Waits until every evaluation finished (`--detach` only queues; `--show ID` prints a curve again and
queues what is due). The work is core.training.curve's; this file parses and prints.
"""
from __future__ import annotations

import json
import sys
import time

from core.errors import InputError
from core.i18n import format_number, t

POLL_S = 2.0



def _help(key: str) -> str:
    """A catalogue text as argparse help ("95% CI" would be read as a %-format)."""
    return t(key).replace("%", "%%")

def _param(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise InputError("methods.err_param", "methods.err_param_hint", param=text)
    return key.strip().replace("-", "_"), value.strip()


def register(subparsers) -> None:
    from core.training.config import PRESETS

    parser = subparsers.add_parser("curve", help=_help("methods.cli_curve_help"), description=t("methods.cli_curve_help"))
    parser.add_argument("data", nargs="?", metavar="DATA", help=_help("methods.cli_curve_data"))
    parser.add_argument("--sizes", default="10,50,100", help=_help("methods.cli_curve_sizes"))
    parser.add_argument("--eval", dest="eval_data", metavar="EVAL", help=_help("methods.cli_curve_eval"))
    parser.add_argument("--noise", type=float, default=0.0, help=_help("methods.cli_curve_noise"))
    parser.add_argument("--preset", choices=list(PRESETS), default="task", help=_help("methods.cli_curve_preset"))
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help=_help("methods.cli_curve_param"))
    parser.add_argument("--seed", type=int, default=42, help=_help("methods.cli_curve_seed"))
    parser.add_argument("--metric", default=None, help=_help("methods.cli_curve_metric"))
    parser.add_argument("--limit", type=int, default=None, help=_help("methods.cli_curve_limit"))
    parser.add_argument("--max-tokens", type=int, default=None, help=_help("methods.cli_curve_max_tokens"))
    parser.add_argument("--no-base", action="store_true", help=_help("methods.cli_curve_no_base"))
    parser.add_argument("--detach", action="store_true", help=_help("methods.cli_curve_detach"))
    parser.add_argument("--show", metavar="CURVE_ID", default=None, help=_help("methods.cli_curve_show"))
    parser.add_argument("--format", choices=["text", "json"], default="text", help=t("train.cli_format_help"))
    parser.set_defaults(func=run)


def text_lines(result: dict) -> list[str]:
    from core.evaluation.report import metric_label

    metric = metric_label(result["metric"]) if result["metric"] else "–"
    lines = [t("methods.curve_header", id=result["id"], metric=metric, eval=result["eval"])]
    if result["base"]:
        lines.append(t("methods.curve_base_line", mean=_num(result["base"].get("mean")), low=_num(result["base"].get("ci_low")),
                       high=_num(result["base"].get("ci_high"))))
    for point in result["points"]:
        lines.append(t("methods.curve_point_line", kind=t(f"methods.curve_kind.{point['kind']}"), size=point["size"],
                       mean=_num(point.get("mean")), low=_num(point.get("ci_low")), high=_num(point.get("ci_high")),
                       train=point["train_job"], status=t(f"train.status.{point['train_status']}")
                       if point["train_status"] != "waiting" else "–"))
    return lines


def _num(value) -> str:
    return "–" if value is None else format_number(value, decimals=3)


def run(args) -> int:
    from core.training import curve

    if args.show:
        curve_id = curve.advance(args.show)["id"]
    else:
        if not args.data or not args.eval_data:
            raise InputError("methods.err_curve_args", "methods.err_curve_args_hint")
        started = curve.submit_curve(args.data, curve.parse_sizes(args.sizes), args.eval_data, noise=args.noise,
                                     preset=args.preset, params=dict(map(_param, args.param)), seed=args.seed,
                                     with_base=not args.no_base,
                                     eval_options={"limit": args.limit, "max_tokens": args.max_tokens,
                                                   "metrics": [args.metric] if args.metric else None})
        curve_id = started["id"]
        print(t("methods.curve_queued", id=curve_id, jobs=len(started["points"])), file=sys.stderr, flush=True)
    result = curve.curve_results(curve_id, args.metric)
    while not args.detach and not result["done"]:
        time.sleep(POLL_S)
        curve.advance(curve_id)
        result = curve.curve_results(curve_id, args.metric)
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    else:
        print("\n".join(text_lines(result)))
    failed = [p for p in result["points"] if p["train_status"] == "failed" or p["eval_status"] == "failed"]
    return 1 if result["done"] and failed else 0
