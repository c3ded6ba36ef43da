"""The command line: `python -m lab <command> ...`.

Each command lives in lab/commands/<name>.py and exposes `register(subparsers)`, which adds its
parser and sets `func=run` (run(args) -> exit code). This file only discovers and wires them, and
converts core's LabError into a one-line message with exit code 2 (the SimonW/llm habit).

Before a command runs, LAB_HOME must take a write (core.paths.check_lab_home: a folder that cannot
be created or written, or a full disk, is one line naming the folder and the fix, exit 2), and the
command's temporary files (tempfile, and through TMPDIR its worker processes') go under LAB_HOME/tmp.
"""
from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import tempfile
from contextlib import contextmanager
from typing import Iterator

from core.errors import LabError
from core.i18n import set_language, t
from core.paths import DISK_FULL, check_lab_home, storage_error, temp_dir


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


@contextmanager
def temp_under_lab_home() -> Iterator[None]:
    """tempfile and child processes use LAB_HOME/tmp while a command runs (restored afterwards, so
    an in-process caller, a test, keeps its own)."""
    saved_dir, saved_env = tempfile.tempdir, os.environ.get("TMPDIR")
    folder = str(temp_dir())
    tempfile.tempdir, os.environ["TMPDIR"] = folder, folder
    try:
        yield
    finally:
        tempfile.tempdir = saved_dir
        if saved_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved_env


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # The language must be known before help texts are built.
    if "--lang" in argv:
        index = argv.index("--lang")
        if index + 1 < len(argv):
            set_language(argv[index + 1])
    else:
        set_language(None)
    try:  # before the parser: some commands read LAB_HOME (user prices) while they register
        home = check_lab_home()
    except LabError as err:
        print(t("cli.error_prefix") + " " + err.message(), file=sys.stderr)
        return 2
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad arguments, 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        with temp_under_lab_home():
            return int(args.func(args) or 0)
    except LabError as err:
        print(t("cli.error_prefix") + " " + err.message(), file=sys.stderr)
        return 2
    except OSError as exc:
        if exc.errno not in DISK_FULL:
            raise
        folder = os.path.dirname(exc.filename) if exc.filename else home
        print(t("cli.error_prefix") + " " + storage_error(exc, folder).message(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
