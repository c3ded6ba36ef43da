"""`python -m lab train`: start a fine-tuning job (local LoRA, OpenAI or Azure OpenAI).

    python -m lab train --backend local data.jsonl --preset quick --follow
    python -m lab train --backend openai data.jsonl --model gpt-4.1-mini-2025-04-14 --suffix pia
    python -m lab train --resume RUN_ID --follow

The local options are built from LocalTrainConfig (same defaults and help texts as the page).
Prints the run id; with --follow streams the events and exits 0 only when the job succeeded.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import fields
from typing import IO

from core.errors import InputError
from core.i18n import format_duration, t
from core.training.config import PRESETS, LocalTrainConfig
from core.training.launch import CLI_NAMES, CLI_SKIP
from core.training.tracking import parse as parse_trackers, require_installed
from lab.commands.train_hosted import add_hosted_arguments

def _h(text: str) -> str:
    """argparse %-formats help texts: a literal % (\"10%\") must be doubled."""
    return text.replace("%", "%%")


HOSTED_METHODS = ("supervised", "dpo")  # the hosted backends' --method values
TRACK_FLAG = "--track"  # the tracking field's short spelling (--tracking works too)

# Options shared with the hosted backend (its add_hosted_arguments skips what exists already).
_SHARED = {"model", "epochs", "max_steps", "seed", "validation_file", "batch_size"}


def register(subparsers) -> None:
    parser = subparsers.add_parser("train", help=_h(t("train.cli_help")), description=t("train.cli_description"))
    parser.add_argument("file", nargs="?", help=_h(t("train.cli_file_help")))
    parser.add_argument("--backend", choices=["local", "openai", "azure"], default="local",
                        help=_h(t("train.cli_backend_help")))
    parser.add_argument("--preset", choices=list(PRESETS), default="quick", help=_h(t("train.cli_preset_help")))
    parser.add_argument("--follow", action="store_true", help=_h(t("train.cli_follow_help")))
    parser.add_argument("--resume", metavar="RUN_ID", default=None, help=_h(t("train.cli_resume_help")))
    parser.add_argument("--name", default=None, help=_h(t("train.cli_name_help")))
    parser.add_argument("--format", choices=["text", "json"], default="text", help=_h(t("train.cli_format_help")))
    group = parser.add_argument_group(t("train.cli_local_group"))
    for spec in fields(LocalTrainConfig):
        if spec.name in CLI_SKIP:
            continue
        flag = CLI_NAMES.get(spec.name, "--" + spec.name.replace("_", "-"))
        help_text = _h(t(f"train.help.{spec.name}"))
        if isinstance(spec.default, bool):
            group.add_argument(flag, dest=spec.name, action=argparse.BooleanOptionalAction, default=None,
                               help=help_text)
        elif isinstance(spec.default, tuple):  # a list of names: --track tensorboard,mlflow
            flags = (TRACK_FLAG, "--tracking") if spec.name == "tracking" else (flag,)
            group.add_argument(*flags, dest=spec.name, type=parse_trackers, default=None, metavar="NAMES",
                               help=f"{help_text} [{', '.join(spec.metadata['choices'])}]")
        else:
            kind = type(spec.default)
            choices = list(dict.fromkeys([*(spec.metadata["choices"] or ()),
                                          *(HOSTED_METHODS if spec.name == "method" else ())]))
            if spec.name == "method":  # one --method for both backends: lora/qlora/full local, supervised/dpo hosted
                help_text += " " + _h(t("hosted.help.method"))
            group.add_argument(flag, dest=spec.name, type=kind, default=None, help=help_text,
                               choices=choices or None,
                               metavar=None if spec.metadata.get("choices") else spec.name.upper())
    add_hosted_arguments(parser)  # hosted-only options: --method, --suffix, --validation, ...
    parser.set_defaults(func=run)


def local_config(args):
    """LocalTrainConfig from the preset plus every option the user gave."""
    overrides = {spec.name: getattr(args, spec.name, None) for spec in fields(LocalTrainConfig)
                 if spec.name not in ("dataset", "preset")}
    overrides["dataset"] = args.file
    if overrides.get("method") == "supervised":  # what lora / qlora / full all do; dpo is a local method too
        overrides["method"] = None
    cfg = LocalTrainConfig.from_preset(args.preset, **overrides)
    require_installed(cfg.tracking)  # before queueing: a tracker that is not installed, and how to install it
    return cfg


def run(args) -> int:
    # lazy: the job engine (psutil, sqlite) and the hosted stack (openai SDK) load only to start a job
    from core.jobs import runner
    from core.training.launch import submit_local
    from lab.commands.train_hosted import submit_from_args

    if args.resume:
        job = runner.resume(args.resume)
    elif not args.file and not (args.backend == "local" and args.preset == "grounded"):
        raise InputError("train.error_no_dataset", "train.error_no_dataset_hint")
    elif args.backend == "local":
        job = submit_local(local_config(args), name=args.name)
    else:
        require_installed(args.tracking or ())  # hosted jobs log the provider's metrics to the same trackers
        if args.epochs is not None and float(args.epochs).is_integer():
            args.epochs = int(args.epochs)  # hosted APIs take whole epochs
        job = submit_from_args(args)
    if args.format == "json" and not args.follow:
        print(json.dumps(job.to_dict(), ensure_ascii=False, default=str))
    else:
        print(job.id, flush=True)
        print(t("train.cli_submitted", job_id=job.id, status=t(f"train.status.{job.status}")), file=sys.stderr,
              flush=True)
    if not args.follow:
        return 0
    return follow(job.id, as_json=args.format == "json")


# Metric fields worth a column, in order: local runs log the first two, hosted jobs add the others.
METRICS = ("train_loss", "eval_loss", "full_valid_loss", "train_accuracy", "valid_accuracy")


def format_event(event: dict) -> str | None:
    """One events.jsonl line as a human line, for local runs and hosted jobs alike (None for events
    not worth printing). Log lines come in the reader's language when they carry a catalogue key."""
    kind = event.get("kind")
    if kind == "log":
        text = t(event["key"], **(event.get("params") or {})) if event.get("key") else event.get("message", "")
        return f"· {text}"
    if kind == "metric":
        parts = [t("train.cli_step", step=event.get("step", "?"), total=event.get("total_steps", "?"))]
        parts += [f"{name}={event[name]:.4f}" for name in METRICS if event.get(name) is not None]
        if event.get("tokens_per_s"):
            parts.append(t("train.cli_tokens_per_s", rate=f"{event['tokens_per_s']:.0f}"))
        if event.get("eta_s") is not None and event.get("train_loss") is not None:
            parts.append(t("train.cli_eta", eta=format_duration(event["eta_s"])))
        return "  ".join(parts)
    if kind == "status":
        line = t("train.cli_status", status=t(f"train.status.{event.get('status')}"))
        if event.get("remote_status"):
            line += f" ({event['remote_status']})"
        if event.get("error"):
            line += f": {event['error']}"
        return line
    return None


def follow(job_id: str, as_json: bool = False, poll_s: float = 1.0, out: IO[str] | None = None,
           err: IO[str] | None = None, timeout_s: float | None = None) -> int:
    """Print a job's events until it ends, for every backend. Exit codes: 0 succeeded, 1 failed or
    cancelled, 3 paused (resume later), 4 stopped following after timeout_s, 130 Ctrl+C (the job
    goes on in the background)."""
    from core.jobs import registry, runner  # lazy: psutil and sqlite only when following a job
    from core.jobs.events import EventReader

    out, err = out or sys.stdout, err or sys.stderr
    job = runner.require_job(job_id)
    reader = EventReader(job.run_dir)
    start = time.monotonic()

    def drain() -> None:
        for event in reader.poll():
            line = json.dumps(event, ensure_ascii=False) if as_json else format_event(event)
            if line:
                print(line, file=out, flush=True)

    try:
        while True:
            runner.refresh()
            job = registry.get_job(job_id)
            drain()
            if job.status in registry.TERMINAL or (job.status == registry.PAUSED and job.pid is None):
                break
            if timeout_s is not None and time.monotonic() - start > timeout_s:
                print(t("train.cli_follow_detached", job_id=job_id), file=err, flush=True)
                return 4
            time.sleep(poll_s)
    except KeyboardInterrupt:
        print(t("train.cli_follow_detached", job_id=job_id), file=err, flush=True)
        return 130
    drain()
    if as_json:
        print(json.dumps({"id": job.id, "status": job.status, "result": job.result, "error": job.error},
                         ensure_ascii=False, default=str), file=out, flush=True)
    elif job.status == registry.SUCCEEDED:
        _print_success(job, out)
    elif job.status == registry.PAUSED:
        print(t("hosted.cli.paused", job_id=job_id), file=err, flush=True)
    else:
        print(t("train.cli_failed", status=t(f"train.status.{job.status}"), reason=job.error or ""),
              file=err, flush=True)
    return {registry.SUCCEEDED: 0, registry.PAUSED: 3}.get(job.status, 1)


def _print_success(job, out: IO[str]) -> None:
    """A local run names its adapter and losses; a hosted job its ft: model and what it cost."""
    result = job.result or {}
    if result.get("fine_tuned_model"):  # a hosted job
        print(t("hosted.cli.succeeded", model=result["fine_tuned_model"], tokens=result.get("trained_tokens") or 0),
              file=out, flush=True)
        if result.get("actual_usd") is not None:
            print(t("hosted.cli.cost", actual=f"{result['actual_usd']:.2f}",
                    estimate="-" if result.get("estimated_usd") is None else f"{result['estimated_usd']:.2f}"),
                  file=out, flush=True)
    else:
        print(t("train.cli_succeeded", adapter=result.get("adapter_dir") or "",
                loss=_fmt(result.get("final_train_loss")), eval_loss=_fmt(result.get("final_eval_loss"))),
              file=out, flush=True)
    print(t("train.cli_try_it", job_id=job.id), file=out, flush=True)


def _fmt(value) -> str:
    return "–" if value is None else f"{value:.4f}"
