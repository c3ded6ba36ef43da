"""`python -m lab ask`: one question to one contestant, streamed to the terminal or as JSON.

    python -m lab ask --contestant base "What is Pedala?"
    python -m lab ask --contestant rag --json "Quanto custa o plano Plus?"
    python -m lab ask --list
"""
from __future__ import annotations

import json
import sys

from core.i18n import t


def register(subparsers) -> None:
    parser = subparsers.add_parser("ask", help=t("arena.cli_help"), description=t("arena.cli_description"))
    parser.add_argument("question", nargs="?", help=t("arena.cli_question_help"))
    parser.add_argument("--contestant", "-c", default="base", help=t("arena.cli_contestant_help"))
    parser.add_argument("--json", action="store_true", help=t("arena.cli_json_help"))
    parser.add_argument("--max-tokens", type=int, default=256, help=t("arena.max_tokens_help"))
    parser.add_argument("--temperature", type=float, default=0.0, help=t("arena.temperature_help"))
    parser.add_argument("--top-p", type=float, default=1.0, help=t("arena.top_p_help"))
    parser.add_argument("--seed", type=int, default=None, help=t("arena.seed_help"))
    parser.add_argument("--system", default=None, help=t("arena.system_prompt_help"))
    parser.add_argument("--gpu-usd-per-hour", type=float, default=0.0, help=t("arena.gpu_price_help"))
    parser.add_argument("--k", type=int, default=3, help=t("arena.cli_k_help"))
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
    settings = ChatSettings(temperature=args.temperature, max_tokens=args.max_tokens, top_p=args.top_p,
                            seed=args.seed, system_prompt=args.system, gpu_usd_per_hour=args.gpu_usd_per_hour,
                            rag_k=args.k, lang=lang)
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
