"""`python -m lab jobs [--format json]`: every training job (local and hosted) with its latest metrics.

Each call also refreshes the queue: a dead worker is marked failed, a free device starts its next job.
"""
from __future__ import annotations

import json
import time

from core.i18n import t


def register(subparsers) -> None:
    parser = subparsers.add_parser("jobs", help=t("train.cli_jobs_help"))
    parser.add_argument("--format", choices=["text", "json"], default="text", help=t("train.cli_format_help"))
    parser.add_argument("--limit", type=int, default=50, help=t("train.cli_limit_help"))
    parser.set_defaults(func=run)


def job_rows(limit: int | None = None) -> list[dict]:
    """id, backend, status, lane, created (ISO), duration, error, result and a metrics summary."""
    from core.jobs import registry, runner
    from core.jobs.events import read_all, summarize

    runner.refresh()
    rows = []
    for job in registry.list_jobs(limit=limit):
        summary = summarize(read_all(job.run_dir))
        rows.append({
            "id": job.id, "backend": job.backend, "status": job.status, "lane": job.lane,
            "name": job.params.get("name") or job.params.get("suffix"),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(job.created_at)),
            "duration_s": round(job.duration_s, 1) if job.duration_s is not None else None,
            "model": job.params.get("model"),
            "metrics": {key: summary.get(key) for key in ("step", "total_steps", "train_loss", "eval_loss",
                                                          "tokens_per_s", "eta_s", "train_accuracy",
                                                          "valid_accuracy") if summary.get(key) is not None},
            "result": job.result, "error": job.error,
        })
    return rows


def run(args) -> int:
    rows = job_rows(args.limit)
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return 0
    if not rows:
        print(t("train.cli_no_jobs"))
        return 0
    header = (t("train.col_id"), t("train.col_backend"), t("train.col_status"), t("train.col_created"),
              t("train.col_progress"), t("train.col_train_loss"), t("train.col_eval_loss"))
    lines = [header]
    for row in rows:
        metrics = row["metrics"]
        progress = f"{metrics['step']}/{metrics.get('total_steps', '?')}" if "step" in metrics else "–"
        lines.append((row["id"], row["backend"], t(f"train.status.{row['status']}"), row["created"].replace("T", " "),
                      progress, _num(metrics.get("train_loss")), _num(metrics.get("eval_loss"))))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    for line in lines:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths)).rstrip())
    return 0


def _num(value) -> str:
    return "–" if value is None else f"{value:.4f}"
