"""Command-line glue for `python -m lab train --backend openai|azure FILE --model ...`.

lab/commands/train.py (the training owner) parses the arguments and calls `submit_from_args(args)`;
with --follow it can call `follow(job.id)`, which streams events and returns the exit code (0 only
when the job succeeded). Keys: OPENAI_API_KEY (+ OPENAI_BASE_URL); for Azure AZURE_OPENAI_ENDPOINT,
AZURE_OPENAI_API_KEY and OPENAI_API_VERSION (or AZURE_OPENAI_API_VERSION), from the environment or .env.
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import IO, Any

from core.errors import InputError
from core.hosted.client import normalize_backend, resolve_credentials
from core.hosted.submit import HostedConfig, submit
from core.i18n import format_number, t

_FILE_ATTRS = ("file", "dataset", "data", "path", "training_file", "train_file")


def _arg(args: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        value = getattr(args, name, None)
        if value is not None:
            return value
    return default


def add_hosted_arguments(parser: argparse.ArgumentParser) -> None:
    """Options only hosted jobs use; skips any the caller already defined (safe to call once more)."""
    existing = {opt for action in parser._actions for opt in action.option_strings}

    def add(flag: str, **kwargs: Any) -> None:
        if flag not in existing:
            parser.add_argument(flag, **kwargs)

    add("--method", choices=["supervised", "dpo"], default=None, help=t("hosted.help.method"))
    add("--suffix", default=None, help=t("hosted.help.suffix"))
    add("--validation", default=None, metavar="FILE", help=t("hosted.help.validation_file"))
    add("--seed", type=int, default=None, help=t("hosted.help.seed"))
    add("--batch-size", type=int, default=None, help=t("hosted.help.batch_size"))
    add("--learning-rate-multiplier", type=float, default=None, help=t("hosted.help.lr_multiplier"))
    add("--beta", type=float, default=None, help=t("hosted.help.beta"))
    add("--poll-interval", type=float, default=None, metavar="SECONDS", help=t("hosted.help.poll_interval"))


def _whole(name: str, value: Any) -> int | None:
    """The training command's --epochs is a float (local runs allow 2.5); the API wants whole epochs."""
    if value is None:
        return None
    if float(value) != int(float(value)):
        raise InputError("hosted.errors.whole_number", None, name=name, value=value)
    return int(float(value))


def config_from_args(args: Any) -> HostedConfig:
    path = _arg(args, *_FILE_ATTRS, default="")
    return HostedConfig(
        training_file=str(path), model=_arg(args, "model", default="gpt-4o-mini-2024-07-18"),
        backend=normalize_backend(_arg(args, "backend", default="openai")),
        method=_arg(args, "method", default="supervised"),
        validation_file=_arg(args, "validation", "validation_file"),
        suffix=_arg(args, "suffix"), seed=_arg(args, "seed"),
        n_epochs=_whole("--epochs", _arg(args, "epochs", "n_epochs")),
        batch_size=_whole("--batch-size", _arg(args, "batch_size")),
        learning_rate_multiplier=_arg(args, "learning_rate_multiplier", "lr_multiplier"),
        beta=_arg(args, "beta"), poll_interval_s=_arg(args, "poll_interval", "poll_interval_s"),
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


def submit_from_args(args: Any, stream: IO[str] | None = None):
    """Build the config from parsed arguments, read the keys from the environment, submit.
    Raises LabError (the CLI prints it and exits 2). Returns the engine Job."""
    stream = stream or sys.stderr
    config = config_from_args(args)
    creds = resolve_credentials(config.backend)
    job = submit(config, creds, progress=_ProgressPrinter(stream),
                 on_step=lambda message: print(message, file=stream, flush=True))
    return job


def format_event(event: dict) -> str | None:
    """One events.jsonl line as a human line (None for events not worth printing)."""
    kind = event.get("kind")
    if kind == "log":
        return event.get("message")
    if kind == "metric":
        parts = [t("hosted.cli.metric_step", step=event.get("step", "?"), total=event.get("total_steps", "?"))]
        for name in ("train_loss", "eval_loss", "full_valid_loss", "train_accuracy", "valid_accuracy"):
            if event.get(name) is not None:
                parts.append(f"{name}={event[name]:.4f}")
        return "  ".join(parts)
    if kind == "status":
        return t("hosted.cli.status", status=event.get("remote_status") or event.get("status"))
    return None


def follow(job_id: str, out: IO[str] | None = None, err: IO[str] | None = None, poll_s: float = 1.0,
           timeout_s: float | None = None) -> int:
    """Stream a job's events until it ends. 0 = succeeded (prints the ft: model), 1 = failed or
    cancelled (prints the reason), 3 = paused (resume later)."""
    from core.jobs import registry, runner
    from core.jobs.events import EventReader

    out, err = out or sys.stdout, err or sys.stderr
    job = runner.require_job(job_id)
    reader = EventReader(job.run_dir)
    start = time.monotonic()
    while True:
        runner.refresh()
        job = registry.get_job(job_id)
        for event in reader.poll():
            line = format_event(event)
            if line:
                print(line, file=out, flush=True)
        if job.status in registry.TERMINAL or (job.status == registry.PAUSED and job.pid is None):
            for event in reader.poll():
                line = format_event(event)
                if line:
                    print(line, file=out, flush=True)
            break
        if timeout_s is not None and time.monotonic() - start > timeout_s:
            print(t("hosted.cli.follow_timeout", job_id=job_id), file=err, flush=True)
            return 4
        time.sleep(poll_s)
    if job.status == registry.SUCCEEDED:
        result = job.result or {}
        print(t("hosted.cli.succeeded", model=result.get("fine_tuned_model"),
                tokens=result.get("trained_tokens") or 0), file=out, flush=True)
        if result.get("actual_usd") is not None:
            print(t("hosted.cli.cost", actual=f"{result['actual_usd']:.2f}",
                    estimate="-" if result.get("estimated_usd") is None else f"{result['estimated_usd']:.2f}"),
                  file=out, flush=True)
        return 0
    if job.status == registry.PAUSED:
        print(t("hosted.cli.paused", job_id=job_id), file=err, flush=True)
        return 3
    print(t("hosted.cli.failed", status=job.status, reason=job.error or "-"), file=err, flush=True)
    return 1

