"""The hosted half of `python -m lab train --backend openai|azure FILE --model ...` (no command of its own).

lab/commands/train.py adds these options and calls `submit_from_args(args)`; following a job is the
training command's one follow loop. Keys: OPENAI_API_KEY (+ OPENAI_BASE_URL); for Azure
AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY and OPENAI_API_VERSION, from the environment or .env.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from typing import IO, Any

from core.errors import InputError
from core.i18n import format_number, t


def add_hosted_arguments(parser: argparse.ArgumentParser) -> None:
    """Options only hosted jobs use, one per HostedConfig field with a `flag` (its help and type come
    from the field); skips any the caller already defined (safe to call once more)."""
    from core.hosted.submit import HostedConfig  # lazy: the inspector and costs stack load only for a job

    existing = {opt for action in parser._actions for opt in action.option_strings}

    def add(flag: str, **kwargs: Any) -> None:
        if flag not in existing:
            parser.add_argument(flag, **kwargs)

    add("--method", choices=["supervised", "dpo"], default=None, help=t("hosted.help.method"))
    for spec in fields(HostedConfig):
        meta = spec.metadata
        if meta["flag"]:
            metavar = "FILE" if spec.name == "validation_file" else None
            add(meta["flag"], dest=spec.name, type=meta["type"], default=None, metavar=metavar,
                help=t(meta["help"]).replace("%", "%%"))


def _whole(name: str, value: Any) -> int | None:
    """The training command's --epochs is a float (local runs allow 2.5); the API wants whole epochs."""
    if value is None:
        return None
    if float(value) != int(float(value)):
        raise InputError("hosted.errors.whole_number", None, name=name, value=value)
    return int(float(value))


def config_from_args(args: argparse.Namespace):
    """The HostedConfig from the training command's arguments (`file`, `--validation`, `--epochs`...)."""
    from core.hosted.submit import HostedConfig  # lazy: the inspector and costs stack load only for a job
    from core.openai_edge import normalize_backend

    given = vars(args)
    return HostedConfig(
        training_file=str(given.get("file") or ""), model=given.get("model") or HostedConfig.model,
        backend=normalize_backend(given.get("backend")), method=given.get("method") or "supervised",
        validation_file=given.get("validation_file") or None, suffix=given.get("suffix"), seed=given.get("seed"),
        n_epochs=_whole("--epochs", given.get("epochs")), batch_size=_whole("--batch-size", given.get("batch_size")),
        learning_rate_multiplier=given.get("learning_rate_multiplier"), beta=given.get("beta"),
        poll_interval_s=given.get("poll_interval_s"), tracking=given.get("tracking") or (),
    )


class _ProgressPrinter:
    """Upload progress on stderr in 10 % steps (a log, not a terminal animation: CI-friendly)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.last: dict[str, int] = {}

    def __call__(self, done: int, total: int, name: str) -> None:
        percent = 100 if total <= 0 else int(done * 100 / total)
        step = percent // 10 * 10
        if self.last.get(name, -1) < step:
            self.last[name] = step
            print(t("hosted.cli.upload_progress", file=name, percent=step,
                    done=format_number(done / 1024, decimals=0), total=format_number(total / 1024, decimals=0)),
                  file=self.stream, flush=True)


def submit_from_args(args: argparse.Namespace, stream: IO[str] | None = None):
    """Build the config from parsed arguments, read the keys from the environment, submit.
    Raises LabError (the CLI prints it and exits 2). Returns the engine Job."""
    from core.hosted.submit import submit  # lazy: see config_from_args
    from core.openai_edge import resolve_credentials

    stream = stream or sys.stderr
    config = config_from_args(args)
    return submit(config, resolve_credentials(config.backend), progress=_ProgressPrinter(stream),
                  on_step=lambda message: print(message, file=stream, flush=True))
