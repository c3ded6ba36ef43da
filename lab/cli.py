"""The command line: `python -m lab <command> ...`.

Each command lives in lab/commands/<name>.py and exposes `register(subparsers)`, which adds its
parser and sets `func=run` (run(args) -> exit code). This file only discovers and wires them, and
converts core's LabError into a one-line message with exit code 2 (the SimonW/llm habit).
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from core.errors import LabError
from core.i18n import set_language, t


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lab", description=t("cli.description"))
    parser.add_argument("--lang", default=None, help=t("cli.lang_help"))
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    import lab.commands as commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"lab.commands.{info.name}")
        if hasattr(module, "register"):
            module.register(subparsers)
    return parser



def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # The language must be known before help texts are built.
    if "--lang" in argv:
        index = argv.index("--lang")
        if index + 1 < len(argv):
            set_language(argv[index + 1])
    else:
        set_language(None)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad arguments, 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except LabError as err:
        print(t("cli.error_prefix") + " " + err.message(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
