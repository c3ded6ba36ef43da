"""`python -m lab runs compare A B [--format json]`: two local runs side by side (method, trainable
parameters, peak memory, time, size on disk, losses, and their evaluation metrics when one exists).

The numbers come from core.training.compare_runs; this file only prints them.
"""
from __future__ import annotations

import json

from core.i18n import format_number, t


def register(subparsers) -> None:
    parser = subparsers.add_parser("runs", help=t("methods.cli_runs_help"), description=t("methods.cli_runs_help"))
    actions = parser.add_subparsers(dest="runs_action", metavar="ACTION", required=True)
    compare = actions.add_parser("compare", help=t("methods.cli_compare_help"), description=t("methods.cli_compare_help"))
    compare.add_argument("run_a", metavar="A", help=t("methods.cli_run_help"))
    compare.add_argument("run_b", metavar="B", help=t("methods.cli_run_help"))
    compare.add_argument("--format", choices=["text", "json"], default="text", help=t("train.cli_format_help"))
    compare.set_defaults(func=run)


def text_lines(comparison: dict) -> list[str]:
    from core.evaluation.report import metric_label
    from core.training.compare_runs import format_cell as cell, signed, table

    a, b = comparison["runs"]
    lines = [(t("methods.col_what"), a["name"], b["name"], "A / B")]
    for row in table(comparison):
        if "field" in row:
            ratio = "–" if row["ratio"] is None else f"×{format_number(row['ratio'], decimals=2)}"
            lines.append((t(f"methods.field.{row['field']}"), cell(row["field"], row["a"]), cell(row["field"], row["b"]), ratio))
        else:
            lines.append((metric_label(row["metric"]), cell("", row["a"]), cell("", row["b"]), f"B−A {signed(row['diff'])}"))
    widths = [max(len(str(line[i])) for line in lines) for i in range(4)]
    out = ["  ".join(str(v).ljust(w) for v, w in zip(line, widths)).rstrip() for line in lines]
    evaluation = comparison.get("evaluation") or {}
    if not evaluation:
        out.append(t("methods.no_evaluation", a=a["id"], b=b["id"]))
    elif not evaluation["shared"]:
        out.append(t("methods.evaluation_not_shared", ids=", ".join(evaluation["eval_ids"])))
    else:
        out.append(t("methods.evaluation_shared", id=evaluation["eval_ids"][0], data=evaluation.get("data") or ""))
    return out


def run(args) -> int:
    from core.training.compare_runs import compare_runs

    comparison = compare_runs(args.run_a, args.run_b)
    if args.format == "json":
        print(json.dumps(comparison, ensure_ascii=False, indent=2, default=str))
    else:
        print("\n".join(text_lines(comparison)))
    return 0
