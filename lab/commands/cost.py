"""`python -m lab cost`: the training bill and the monthly bill, from a file or typed-in numbers.

Numbers are taken as text and validated by core.costs, so "nan", "-5" or "lots" get the same clear
one-line message (exit 2) the page shows, never a traceback. --price-* flags override the data file,
which is how the course's worked example runs:
  python -m lab cost --examples 1000 --tokens-per-example 500 --epochs 1 --queries-per-month 10000 \
    --prompt-tokens 300 --answer-tokens 200 --price-training 8 --price-ft-input 12 --price-ft-output 12
"""
from __future__ import annotations

import json

from core.costs.usage import usage_counts, usage_field
from core.i18n import format_date, format_number, t
from core.errors import InputError

DEFAULT_MODEL = "gpt-4o-mini-2024-07-18"
PRICE_FLAGS = {  # flag -> ModelPrice field (USD per 1M tokens)
    "price_training": "training",
    "price_ft_input": "ft_input",
    "price_ft_output": "ft_output",
    "price_base_input": "base_input",
    "price_base_output": "base_output",
}


def register(subparsers) -> None:
    parser = subparsers.add_parser("cost", help=t("costs.cli.help"), description=t("costs.cli.description"))
    parser.add_argument("file", nargs="?", metavar="FILE", help=t("costs.cli.file_help"))
    parser.add_argument("--examples", metavar="N", help=t("costs.cli.examples_help"))
    parser.add_argument("--tokens-per-example", metavar="T", help=t("costs.cli.tokens_per_example_help"))
    parser.add_argument("--model", default=DEFAULT_MODEL, help=t("costs.cli.model_help", default=DEFAULT_MODEL))
    parser.add_argument("--epochs", default="auto", metavar="auto|N", help=t("costs.cli.epochs_help"))
    for name in usage_counts():  # one flag per UsageSpec count: --queries-per-month, --prompt-tokens, ...
        spec = usage_field(name)
        parser.add_argument("--" + name.replace("_", "-"), default=str(spec["default"]), metavar="N",
                            help=f"{t(spec['help'])} {t('costs.cli.default', value=spec['default'])}")
    parser.add_argument("--cached-instructions", action="store_true", help=t(usage_field("cached_instructions")["help"]))
    for flag, field in PRICE_FLAGS.items():
        parser.add_argument("--" + flag.replace("_", "-"), dest=flag, metavar="USD_PER_1M",
                            help=t("costs.cli.price_help", field=t(f"costs.price.{field}")))
    parser.add_argument("--currency", default="USD", metavar="CODE", help=t("costs.cli.currency_help"))
    parser.add_argument("--exchange-rate", default=None, metavar="X", help=t("costs.cli.rate_help"))
    parser.add_argument("--compare", action="store_true", help=t("costs.cli.compare_help"))
    parser.add_argument("--format", choices=["json", "text"], default="text", help=t("costs.cli.format_help"))
    parser.set_defaults(func=run)


def _dataset(args):
    from core.costs import DatasetSpec  # lazy: the inspector stack loads only when the command runs
    typed = args.examples is not None or args.tokens_per_example is not None
    if args.file and typed:
        raise InputError("costs.cli.error_file_and_typed")
    if not args.file and not typed:
        raise InputError("costs.cli.error_no_dataset")
    if typed and (args.examples is None or args.tokens_per_example is None):
        raise InputError("costs.cli.error_typed_pair")
    if args.file:
        return DatasetSpec(path=args.file)
    return DatasetSpec(n_examples=args.examples, tokens_per_example=args.tokens_per_example)


def run(args) -> int:
    from core.costs import UsageSpec, estimate_costs  # lazy: see _dataset

    overrides = {field: getattr(args, flag) for flag, field in PRICE_FLAGS.items() if getattr(args, flag) is not None}
    currency = (args.currency or "USD").strip().upper()
    if currency != "USD" and args.exchange_rate is None:
        raise InputError("costs.cli.error_rate_missing", currency=currency)
    usage = UsageSpec(**{name: getattr(args, name) for name in usage_counts()},
                      cached_instructions=args.cached_instructions)
    result = estimate_costs(args.model, _dataset(args), epochs=args.epochs, usage=usage, overrides=overrides,
                            currency=currency,
                            exchange_rate=args.exchange_rate if args.exchange_rate is not None else 1.0,
                            compare=args.compare)
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(render_text(result))
    return 0


def render_text(est) -> str:
    """The estimate as a few readable lines (money in USD, and the chosen currency beside it)."""
    from core.costs import format_money, model_label, model_notes, payback_sentence  # lazy: see _dataset
    from core.pricing import wind_down

    def money(usd):
        text = format_money(usd)
        if est.currency != "USD" and usd is not None:
            text += f" ({format_money(usd, est.currency, est.exchange_rate)})"
        return text

    p, tr, mo = est.price, est.training, est.monthly
    training = money(tr.usd) if tr.usd is not None else t("costs.per_hour_training", price=format_money(p.training_per_hour))
    lines = [
        t("costs.cli.line_model", label=model_label(p), model=p.name, status=t(f"costs.status_{p.status()}")),
        t("costs.cli.line_dataset", name=est.dataset_name, n=format_number(est.dataset.n_examples),
          tokens=format_number(est.dataset.billed_tokens_per_epoch)),
        t("costs.cli.line_epochs", epochs=tr.epochs, mode=t(f"costs.epochs_mode_{tr.epochs_mode}")),
        t("costs.cli.line_billed", tokens=format_number(tr.billed_tokens)),
        t("costs.cli.line_training", money=training),
        t("costs.cli.line_monthly", queries=format_number(est.usage.queries_per_month), base=money(mo.base),
          fine_tuned=money(mo.fine_tuned), rag=money(mo.rag)),
        t("costs.cli.line_first_month", base=money(est.first_month["base"]),
          fine_tuned=money(est.first_month["fine_tuned"]), rag=money(est.first_month["rag"])),
        payback_sentence(est.break_even),
    ]
    if mo.hosting:
        lines.append(t("costs.cli.line_hosting", money=money(mo.hosting)))
    if p.overridden:
        lines.append(t("costs.cli.line_overridden", fields=", ".join(t(f"costs.price.{f}") for f in sorted(p.overridden))))
    if p.uncertain:
        lines.append(t("costs.cli.line_uncertain", fields=", ".join(t(f"costs.price.{f}") for f in sorted(p.uncertain)),
                       source=p.source))
    if est.dataset.truncated_examples:
        lines.append(t("costs.truncated_note", n=format_number(est.dataset.truncated_examples)))
    for row in est.comparison:
        lines.append(f"  {row['label']}: {money(row['training_usd'])} "
                     f"({format_number(row['billed_tokens'])} {t('costs.tokens_word')}, {row['epochs']}×)")
    lines += [note for _level, note in model_notes(p)]
    if p.provider == "openai":
        dates = wind_down()
        lines.append(t("costs.cli.line_wind_down", no_new_jobs=format_date(dates.get("no_new_jobs_after")),
                       retire=format_date(dates.get("models_retire")),
                       retired=format_date(dates.get("already_retired"))))
    return "\n".join(lines)
