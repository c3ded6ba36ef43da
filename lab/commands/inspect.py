"""`python -m lab inspect FILE [--model MODEL] [--format json|text]`: the Dataset Inspector's checks
and token estimate from the command line (same core.dataset code as the page).

Exit codes: 0 no error-severity finding, 1 at least one, 2 the file cannot be read or the
arguments are wrong (one line on stderr; lab/cli.py turns core's LabError into it).
Text output folds identical findings into one line each ("... on 19 lines: 2–20"), errors first;
the JSON keeps one entry per finding and line, which scripts rely on.
A CSV is converted to chat JSONL first when --question-column and --answer-column are given.
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from core.i18n import format_number, t


def register(subparsers) -> None:
    from core.dataset.inspector import DEFAULT_MODEL

    parser = subparsers.add_parser("inspect", help=t("inspect.cli_help"), description=t("inspect.cli_help"))
    parser.add_argument("file", help=t("inspect.cli_file_help"))
    parser.add_argument("--model", default=DEFAULT_MODEL, help=t("inspect.cli_model_help", default=DEFAULT_MODEL))
    parser.add_argument("--format", choices=["text", "json"], default="text", help=t("inspect.cli_format_help"))
    parser.add_argument("--question-column", help=t("inspect.cli_question_help"))
    parser.add_argument("--answer-column", help=t("inspect.cli_answer_help"))
    parser.add_argument("--system-prompt", help=t("inspect.cli_system_help"))
    parser.add_argument("--max-findings", type=int, default=None, help=t("inspect.cli_max_help"))
    parser.add_argument("--no-pii", action="store_true", help=t("inspect.cli_pii_help"))
    parser.set_defaults(func=run)


def run(args) -> int:
    from core.dataset import csv_to_chat, inspect_file

    path = Path(args.file)
    with tempfile.TemporaryDirectory(prefix="lab-inspect-") as tmp:
        if path.suffix.lower() == ".csv" and args.question_column and args.answer_column:
            converted = Path(tmp) / f"{path.stem}_chat.jsonl"
            summary = csv_to_chat(path, converted, args.question_column, args.answer_column, args.system_prompt)
            print(t("inspect.cli_converted", written=summary["written"], path=converted.name,
                    skipped=summary["skipped"]), file=sys.stderr)
            path = converted
        report = inspect_file(path, model=args.model, pii=not args.no_pii)
        report.path = str(args.file)  # a converted CSV is reported under its own name
    try:
        if args.format == "json":
            print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        else:
            print_text(report, args.max_findings)
    except BrokenPipeError:  # `... | head` closed the pipe: not an error of the file
        sys.stderr.close()
    return 1 if report.has_errors else 0


def print_text(report, max_findings: int | None) -> None:
    from core.dataset.report import group_findings, line_ranges_text

    groups = group_findings(report.findings)
    shown = groups if max_findings is None else groups[:max_findings]
    for group in shown:
        severity = t(f"inspect.severity.{group.severity}")
        first = group.lines[0]
        where = f"{report.path}:{first}" if first else f"{report.path}"
        if len(group.lines) > 1:
            head = t("inspect.cli_group", severity=severity, code=group.code, count=format_number(len(group.lines)),
                     lines=line_ranges_text(group.lines))
            print(f"{where}: {head} — {group.message} {group.hint}")
        elif first == 0:
            print(f"{where}: {t('inspect.whole_file')}: {severity} [{group.code}] {group.message} {group.hint}")
        else:
            print(f"{where}: {severity} [{group.code}] {group.message} {group.hint}")
    hidden = len(groups) - len(shown)
    if hidden > 0:
        print(t("inspect.cli_more", count=format_number(hidden)))
    print(t("inspect.cli_summary", path=report.path, examples=format_number(report.n_examples),
            format=t(f"inspect.format.{report.format}"), errors=format_number(report.n_errors),
            warnings=format_number(report.n_warnings)))
    print(t("inspect.cli_tokens", encoding=report.encoding, tokens=format_number(report.tokens_total),
            trained=format_number(report.trained_tokens_total), epochs=report.epochs_auto,
            per_epoch=format_number(report.billed_tokens_per_epoch), billed=format_number(report.billed_tokens)))
    print(t("inspect.cli_has_errors") if report.has_errors else t("inspect.cli_ok"))
