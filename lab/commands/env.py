"""`python -m lab env`: what this machine offers the lab (GPU, keys present, model ready, online)."""
from __future__ import annotations

import json

from core.i18n import t


def register(subparsers) -> None:
    parser = subparsers.add_parser("env", help=t("cli.env_help"))
    parser.add_argument("--format", choices=["json", "text"], default="text", help=t("cli.format_help"))
    parser.add_argument("--check-online", action="store_true", help=t("cli.env_online_help"))
    parser.set_defaults(func=run)


def run(args) -> int:
    from core.environment import environment_report

    report = environment_report(check_online=args.check_online)
    if args.format == "json":
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")
    return 0
