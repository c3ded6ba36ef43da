"""`python -m lab setup`: prepare the offline defaults (tiktoken cache, embedded model cache)."""
from __future__ import annotations

import json

from core.i18n import t


def register(subparsers) -> None:
    parser = subparsers.add_parser("setup", help=t("cli.setup_help"))
    parser.add_argument("--format", choices=["json", "text"], default="text", help=t("cli.format_help"))
    parser.set_defaults(func=run)


def run(args) -> int:
    from core.environment import prepare_offline_defaults

    report = prepare_offline_defaults()
    if args.format == "json":
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")
    return 0
