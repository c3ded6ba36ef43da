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

from core.i18n import t

def _h(text: str) -> str:
    """argparse %-formats help texts: a literal % (\"10%\") must be doubled."""
    return text.replace("%", "%%")


# Options shared with the hosted backend (its add_hosted_arguments skips what exists already).
_SHARED = {"model", "epochs", "max_steps", "seed", "validation_file", "batch_size"}


def register(subparsers) -> None:
    from core.training.config import PRESETS, LocalTrainConfig
    from core.training.launch import CLI_NAMES, CLI_SKIP

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
        else:
            kind = type(spec.default)
            group.add_argument(flag, dest=spec.name, type=kind, default=None, help=help_text,
                               choices=list(spec.metadata["choices"]) if spec.metadata.get("choices") else None,
                               metavar=None if spec.metadata.get("choices") else spec.name.upper())
    try:  # hosted-only options (--method, --suffix, ...) come from the hosted module
        from core.hosted.cli import add_hosted_arguments

        add_hosted_arguments(parser)
    except ImportError:
        parser.add_argument("--method", choices=["supervised", "dpo"], default=None, help=_h(t("train.cli_method_help")))
        parser.add_argument("--suffix", default=None, help=_h(t("train.cli_suffix_help")))
    parser.set_defaults(func=run)


def local_config(args):
    """LocalTrainConfig from the preset plus every option the user gave."""
    from core.training.config import LocalTrainConfig

    overrides = {spec.name: getattr(args, spec.name, None) for spec in fields(LocalTrainConfig)
                 if spec.name not in ("dataset", "preset")}
    overrides["dataset"] = args.file
    return LocalTrainConfig.from_preset(args.preset, **overrides)


def run(args) -> int:
    from core.errors import InputError
    from core.jobs import runner

    if args.resume:
        job = runner.resume(args.resume)
    elif not args.file:
        raise InputError("train.error_no_dataset", "train.error_no_dataset_hint")
    elif args.backend == "local":
        if getattr(args, "method", None) == "dpo":
            raise InputError("train.error_dpo_local", "train.error_dpo_local_hint", path=args.file)
        from core.training.launch import submit_local

        job = submit_local(local_config(args), name=args.name)
    else:
        try:
            from core.hosted.cli import submit_from_args
        except ImportError as exc:
            from core.errors import UnavailableError

            raise UnavailableError("train.error_hosted_missing", "train.error_hosted_missing_hint") from exc
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
    if job.backend != "local":
        from core.hosted.cli import follow as hosted_follow

        return hosted_follow(job.id)
    return follow(job.id, as_json=args.format == "json")


def format_event(event: dict) -> str | None:
    """A human line for one event (log lines in the reader's language when they carry a key)."""
    kind = event.get("kind")
    if kind == "log":
        text = t(event["key"], **(event.get("params") or {})) if event.get("key") else event.get("message", "")
        return f"· {text}"
    if kind == "metric":
        parts = [t("train.cli_step", step=event.get("step", "?"), total=event.get("total_steps", "?"))]
        for name, label in (("train_loss", "loss"), ("eval_loss", "eval_loss")):
            if event.get(name) is not None:
                parts.append(f"{label}={event[name]:.4f}")
        if event.get("tokens_per_s"):
            parts.append(t("train.cli_tokens_per_s", rate=f"{event['tokens_per_s']:.0f}"))
        if event.get("eta_s") is not None and event.get("train_loss") is not None:
            parts.append(t("train.cli_eta", eta=format_duration(event["eta_s"])))
        return "  ".join(parts)
    if kind == "status":
        line = t("train.cli_status", status=t(f"train.status.{event.get('status')}"))
        if event.get("error"):
            line += f": {event['error']}"
        return line
    return None


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{sec:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def follow(job_id: str, as_json: bool = False, poll_s: float = 1.0, out=None) -> int:
    """Print events until the job ends; 0 only when it succeeded. Ctrl+C stops following only."""
    from core.jobs import registry, runner
    from core.jobs.events import EventReader

    out = out or sys.stdout
    job = runner.require_job(job_id)
    reader = EventReader(job.run_dir)

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
            if job.status in registry.TERMINAL:
                break
            time.sleep(poll_s)
    except KeyboardInterrupt:
        print(t("train.cli_follow_detached", job_id=job_id), file=sys.stderr, flush=True)
        return 130
    drain()
    if as_json:
        print(json.dumps({"id": job.id, "status": job.status, "result": job.result, "error": job.error},
                         ensure_ascii=False, default=str), file=out, flush=True)
    elif job.status == registry.SUCCEEDED:
        result = job.result or {}
        print(t("train.cli_succeeded", adapter=result.get("adapter_dir") or result.get("fine_tuned_model") or "",
                loss=_fmt(result.get("final_train_loss")), eval_loss=_fmt(result.get("final_eval_loss"))),
              file=out, flush=True)
        print(t("train.cli_try_it", job_id=job.id), file=out, flush=True)
    else:
        print(t("train.cli_failed", status=t(f"train.status.{job.status}"), reason=job.error or ""),
              file=sys.stderr, flush=True)
    return 0 if job.status == registry.SUCCEEDED else 1


def _fmt(value) -> str:
    return "–" if value is None else f"{value:.4f}"
