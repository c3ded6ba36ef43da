"""`python -m lab ask`: one question to one contestant, streamed to the terminal or as JSON.

    python -m lab ask --contestant base "What is Pedala?"
    python -m lab ask --contestant rag --json "Quanto custa o plano Plus?"
    python -m lab ask --list
"""
from __future__ import annotations

import argparse
import json
import sys

from core.i18n import t


# Flags come from ChatSettings' controls (the arena's sliders use the same specs and bounds); these
# keep their short historic spellings as aliases.
ALIASES = {"system_prompt": ["--system"], "rag_k": ["--k"]}
CLI_DEFAULTS = {"temperature": 0.0}  # a terminal answer should repeat: greedy unless asked otherwise


def bounded(spec: dict):
    """argparse type for one control: the field's type, inside its bounds (a clear error otherwise)."""
    kind = {"int": int, "float": float}.get(spec["type"], str)

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(t("arena.cli_bad_value", value=text)) from None
        low, high = spec.get("min"), spec.get("max")
        if kind is not str and ((low is not None and value < low) or (high is not None and value > high)):
            raise argparse.ArgumentTypeError(t("arena.cli_out_of_range", value=text, low="-∞" if low is None else low,
                                               high="∞" if high is None else high))
        return value
    return parse


def register(subparsers) -> None:
    from core.providers import ChatSettings

    parser = subparsers.add_parser("ask", help=t("arena.cli_help"), description=t("arena.cli_description"))
    parser.add_argument("question", nargs="?", help=t("arena.cli_question_help"))
    parser.add_argument("--contestant", "-c", default="base", help=t("arena.cli_contestant_help"))
    parser.add_argument("--json", action="store_true", help=t("arena.cli_json_help"))
    for spec in ChatSettings.control_specs():
        flags = ["--" + spec["name"].replace("_", "-"), *ALIASES.get(spec["name"], [])]
        parser.add_argument(*flags, dest=spec["name"], type=bounded(spec), help=t(spec["help"]),
                            default=CLI_DEFAULTS.get(spec["name"], spec["default"]))
    parser.add_argument("--list", action="store_true", help=t("arena.cli_list_help"))
    parser.set_defaults(func=run)


def run(args) -> int:
    from core.comparison import metrics_line
    from core.errors import InputError, LabError
    from core.i18n import current_language
    from core.providers import ChatSettings, get_provider, list_contestants

    lang = current_language()
    if args.list:
        rows = list_contestants(probe=True)
        if args.json:
            print(json.dumps([vars(row) for row in rows], ensure_ascii=False, indent=2))
        else:
            for row in rows:
                state = "✓" if row.available else f"✗ {row.reason}"
                print(f"{row.spec:<40} {row.label}  {state}")
        return 0
    if not args.question or not args.question.strip():
        raise InputError("arena.err_no_question", "arena.err_no_question_hint")
    settings = ChatSettings(**{spec["name"]: getattr(args, spec["name"]) for spec in ChatSettings.control_specs()},
                            lang=lang)
    answer = None
    try:
        for item in get_provider(args.contestant).stream([{"role": "user", "content": args.question}], settings):
            if isinstance(item, str):
                if not args.json:
                    sys.stdout.write(item)
                    sys.stdout.flush()
            else:
                answer = item
    except LabError as err:
        if not args.json:
            raise  # lab.cli prints the message and exits 2
        # A pipeline still gets one JSON object: no answer, the reason, exit code 2.
        print(json.dumps({"question": args.question, "contestant": args.contestant, "answer": "", "sources": [],
                          "error": err.message(lang)}, ensure_ascii=False, indent=2))
        return 2
    if args.json:
        data = answer.to_dict()
        data["answer"] = data.pop("text")
        data["question"] = args.question
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print()
        for source in answer.sources:
            print(f"  [{source['n']}] {source['title']} — {source['snippet']}")
        print(f"({metrics_line(answer, lang)})", file=sys.stderr)
        if answer.error:
            print(t("cli.error_prefix") + " " + answer.error, file=sys.stderr)
    return 1 if answer.error else 0
