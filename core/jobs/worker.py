"""`python -m core.jobs.worker JOB_ID`: the process that runs one job, started by runner.refresh().

It looks up the backend module (runner.BACKEND_MODULES) and calls `module.run_job(job, emit)`;
emit(kind, **fields) appends to the run's events.jsonl. run_job returns the result dict (local:
adapter_dir, final losses...; hosted: fine_tuned_model, trained_tokens...) or raises. The final
status is written only if the job is still active (a stop() in the meantime wins), then the worker
calls refresh() so the next queued job of its lane starts even when no page is open.

A worker runs at a lower CPU priority than the pages (`LAB_WORKER_NICE`, default 10): on a workshop's
shared machine a training run takes the cores the pages leave idle instead of slowing every
attendee's page, and on an idle machine it trains exactly as fast.
"""
from __future__ import annotations

import importlib
import os
import sys
import time
import traceback

import psutil

from core.errors import LabError
from core.i18n import set_language, t
from core.jobs import registry, runner
from core.jobs.events import append_event
from core.jobs.registry import FAILED, SUCCEEDED, is_active
from core.paths import DISK_FULL, storage_error

NICE = "LAB_WORKER_NICE"
DEFAULT_NICE = 10


def yield_to_pages(env=os.environ) -> int:
    """Lower this process's CPU priority by LAB_WORKER_NICE (0 keeps it); returns the niceness now."""
    try:
        step = max(0, min(19, int(env.get(NICE, DEFAULT_NICE))))
    except ValueError:
        step = DEFAULT_NICE
    return os.nice(step) if step and hasattr(os, "nice") else psutil.Process().nice()


def _finish(job_id: str, status: str, **fields) -> bool:
    job = registry.get_job(job_id)
    if job is None or not is_active(job.status):
        return False
    changed = registry.update_job(job_id, expect_status=job.status, status=status,
                                  finished_at=time.time(), **fields)
    return changed is not None


def run(job_id: str) -> int:
    job = registry.get_job(job_id)
    if job is None:
        print(f"unknown job {job_id}", file=sys.stderr)
        return 2
    if not is_active(job.status):  # stopped before we got here
        return 0
    me = psutil.Process()
    registry.update_job(job_id, pid=os.getpid(), pid_created=me.create_time())
    run_dir = job.run_dir

    def emit(kind: str, **fields):
        return append_event(run_dir, kind, **fields)

    nice = yield_to_pages()

    def last_word(status: str, **fields) -> None:
        """The final status event; on a disk that is still full the registry row carries it alone."""
        try:
            emit("status", status=status, **fields)
        except LabError:
            pass

    code = 1
    try:
        emit("log", level="info", message=t("train.log_worker_nice", "en", nice=nice), key="train.log_worker_nice",
             params={"nice": nice})
        module = importlib.import_module(runner.BACKEND_MODULES[job.backend])
        result = module.run_job(job, emit)
        if _finish(job_id, SUCCEEDED, result=result or {}, error=None):
            emit("status", status=SUCCEEDED)
        code = 0
    except LabError as err:
        reason = err.message()
        if _finish(job_id, FAILED, error=reason):
            last_word(FAILED, error=reason)
    except OSError as exc:
        # A full disk in the middle of a library's own save (the Trainer's checkpoints): the reason
        # names the folder and the fix instead of a traceback line.
        traceback.print_exc()
        reason = (storage_error(exc, run_dir.parent).message() if exc.errno in DISK_FULL
                  else t("train.job_crashed", reason=f"{type(exc).__name__}: {exc}"))
        if _finish(job_id, FAILED, error=reason):
            last_word(FAILED, error=reason)
    except BaseException as exc:  # noqa: BLE001 - any crash must end up as a readable reason
        traceback.print_exc()
        reason = t("train.job_crashed", reason=f"{type(exc).__name__}: {exc}")
        if _finish(job_id, FAILED, error=reason):
            last_word(FAILED, error=reason)
        if isinstance(exc, KeyboardInterrupt):
            code = 130
    finally:
        try:
            runner.refresh()
        except Exception:  # noqa: BLE001 - the next page read will refresh anyway
            traceback.print_exc()
    return code


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m core.jobs.worker JOB_ID", file=sys.stderr)
        return 2
    set_language(os.environ.get("LAB_LANG"))
    return run(argv[0])


if __name__ == "__main__":
    sys.exit(main())
