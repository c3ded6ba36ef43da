"""Starting, watching, stopping and resuming jobs: the queue of ../shared/DESIGN.md.

- One active job per lane (a device: "cpu", "cuda:0", ...; every hosted job has a lane of its own);
  the others wait in queued_at order.
- A worker is `python -m core.jobs.worker JOB_ID`, detached (its own session), stdout/stderr going
  to files in the run directory, never to a PIPE.
- refresh() is the heartbeat: it notices dead workers (pid + psutil create_time, so a reused pid is
  not mistaken for ours) and marks them failed with the tail of their stderr, then starts the next
  queued job of every free lane. Pages and CLI call it on every read; each worker calls it on exit,
  so the queue advances with no UI open.
- Secrets reach a worker only through `env` (its process environment). They are never stored, so a
  queued job started later by another process does not get them: hosted jobs have their own lane and
  therefore start at once, inside the submit() call that carries the env.
"""
from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

from core.atomic import write_text
from core.errors import InputError
from core.i18n import t
from core.jobs import registry
from core.jobs.events import append_event
from core.jobs.registry import (CANCELLED, FAILED, INTERRUPTED, QUEUED, RESUMABLE, RUNNING, TERMINAL,
                                Job, is_active)
from core.paths import REPO_ROOT, lab_home, temp_dir

BACKEND_MODULES = {
    "local": "core.training.backend",
    "openai": "core.hosted.backend",
    "azure": "core.hosted.backend",
    "eval": "core.evaluation.job",
}
STDOUT_LOG, STDERR_LOG = "stdout.log", "stderr.log"
STARTING_GRACE_S = 120  # an active job may have no pid for this long (the spawner is recording it)
_pending_env: dict[str, dict] = {}  # job id -> env given to submit()/resume() in this process
_children: dict[str, subprocess.Popen] = {}  # workers this process started (to reap zombies)


def submit(backend: str, params: dict, lane: str | None = None, env: dict | None = None) -> Job:
    """Register a job, save its params, and start it now if its lane is free (else it waits)."""
    job = registry.create_job(backend, params, lane=lane)
    write_text(job.run_dir / "params.json", json.dumps(
        {"id": job.id, "backend": backend, "lane": job.lane, "params": job.params},
        indent=2, ensure_ascii=False, default=str))
    append_event(job.run_dir, "status", status=QUEUED)
    if env:
        _pending_env[job.id] = dict(env)
    refresh()
    return registry.get_job(job.id)


def require_job(job_id: str) -> Job:
    job = registry.get_job(job_id)
    if job is None:
        raise InputError("train.error_job_unknown", "train.error_job_unknown_hint", job_id=job_id)
    return job


def stop(job_id: str) -> Job:
    """Cancel a job: a queued one is just marked; an active one gets its backend's cancel(job) hook
    (e.g. cancel the hosted job), then its whole process tree is terminated (then killed)."""
    job = require_job(job_id)
    hooked = False
    for _ in range(5):  # the status may change under us (queued -> running): compare-and-set again
        if job.status in TERMINAL:
            return job
        if job.active and not hooked:
            hooked = True
            try:  # a backend that cannot be imported is a failed cancel too: say so, never skip it
                hook = _backend_hook(job.backend, "cancel")
                if hook is not None:
                    hook(job)
            except Exception as exc:  # noqa: BLE001 - the kill below must still happen
                append_event(job.run_dir, "log", level="warning",
                             message=t("train.job_cancel_hook_failed", reason=str(exc) or type(exc).__name__))
        changed = registry.update_job(job_id, expect_status=job.status, status=CANCELLED,
                                      finished_at=time.time(), error=t("train.job_cancelled_by_user"))
        if changed is not None:
            append_event(job.run_dir, "status", status=CANCELLED)
            break
        job = require_job(job_id)
    job = require_job(job_id)
    _kill_tree(job.pid, job.pid_created)
    _reap(job_id)
    refresh()
    return registry.get_job(job_id)


def resume(job_id: str, env: dict | None = None) -> Job:
    """Queue a failed, cancelled or paused job again (at the back of its lane's queue). The backend
    continues from the run directory's last checkpoint."""
    job = require_job(job_id)
    if job.status not in RESUMABLE:
        raise InputError("train.error_not_resumable", "train.error_not_resumable_hint",
                         job_id=job_id, status=job.status)
    _kill_tree(job.pid, job.pid_created)  # a paused job may still have a watcher
    registry.update_job(job_id, expect_status=list(RESUMABLE), status=QUEUED, queued_at=time.time(),
                        finished_at=None, error=None, pid=None, pid_created=None)
    append_event(job.run_dir, "status", status=QUEUED, resumed=True)
    if env:
        _pending_env[job_id] = dict(env)
    refresh()
    return registry.get_job(job_id)


def refresh() -> dict:
    """Mark dead workers failed (interrupted when they died with the machine, i.e. started before
    the last boot), then start the next queued job of each free lane.
    Returns {"failed": [ids], "interrupted": [ids], "started": [ids]}."""
    report = {"failed": [], "interrupted": [], "started": []}
    for job in registry.list_jobs():
        if job.status in TERMINAL or job.status == QUEUED:
            continue
        if job.pid is None:
            if job.active and time.time() - (job.started_at or job.queued_at) > STARTING_GRACE_S:
                if end_job(job, FAILED, t("train.job_never_started")):
                    report["failed"].append(job.id)
            continue
        if _alive(job.pid, job.pid_created):
            continue
        _reap(job.id)
        if job.status == registry.PAUSED:  # a paused job without a watcher stays paused, resumable
            registry.update_job(job.id, pid=None, pid_created=None)
            continue
        if started_before_boot(job):
            if end_job(job, INTERRUPTED, t("train.job_interrupted_reboot")):
                report["interrupted"].append(job.id)
            continue
        reason = t("train.job_worker_died")
        tail = stderr_tail(job.run_dir)
        if tail:
            reason = f"{reason}\n{tail}"
        if end_job(job, FAILED, reason):
            report["failed"].append(job.id)
    for lane in _lanes_with_queue():
        job = _claim_next(lane)
        if job is not None:
            _spawn(job)
            report["started"].append(job.id)
    return report


def stderr_tail(run_dir: Path, lines: int = 12, max_bytes: int = 16_384) -> str:
    """The last lines of the worker's stderr (tracebacks end there; Python's last line names the
    error). Read from the end so a huge log costs nothing."""
    path = Path(run_dir) / STDERR_LOG
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - max_bytes))
            data = handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    kept = [line for line in data.splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


def worker_command(job_id: str) -> list[str]:
    return [sys.executable, "-m", "core.jobs.worker", job_id]


def end_job(job: Job, status: str, reason: str) -> bool:
    """Compare-and-set an active job to `status` (failed, interrupted) with a reason, and log it.
    False when its status changed under us (a worker's own final word, a stop(), wins)."""
    changed = registry.update_job(job.id, expect_status=job.status, status=status,
                                  finished_at=time.time(), error=reason, pid=None, pid_created=None)
    if changed is not None:
        append_event(job.run_dir, "status", status=status, error=reason)
        return True
    return False


def worker_alive(job: Job) -> bool:
    return job.pid is not None and _alive(job.pid, job.pid_created)


def started_before_boot(job: Job) -> bool:
    """The worker was started before this machine last booted: a reboot ended it, not a fault."""
    started = job.started_at or job.pid_created
    return started is not None and started < psutil.boot_time()


# --- internals ---------------------------------------------------------------------------------


def _alive(pid: int, created: float | None) -> bool:
    try:
        proc = psutil.Process(pid)
        if created is not None and abs(proc.create_time() - created) > 1.0:
            return False  # the pid was reused by another process
        return proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def _kill_tree(pid: int | None, created: float | None, grace_s: float = 5.0) -> None:
    """SIGTERM the worker and all its descendants, SIGKILL whatever is left after grace_s."""
    if pid is None or not _alive(pid, created):
        return
    try:
        parent = psutil.Process(pid)
        procs = parent.children(recursive=True) + [parent]
    except psutil.NoSuchProcess:
        return
    for proc in procs:
        try:
            proc.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=grace_s)
    for proc in alive:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=grace_s)


def _reap(job_id: str) -> None:
    """Collect the exit status of a worker we started, so it does not linger as a zombie."""
    child = _children.pop(job_id, None)
    if child is not None:
        try:
            child.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            _children[job_id] = child


def _lanes_with_queue() -> list[str]:
    with registry.connect() as conn:
        rows = conn.execute("SELECT DISTINCT lane FROM jobs WHERE status = ?", (QUEUED,)).fetchall()
    return [row["lane"] for row in rows]


def _claim_next(lane: str) -> Job | None:
    """Atomically: if no job of this lane is active, mark its oldest queued job running."""
    with registry.connect(immediate=True) as conn:
        rows = conn.execute("SELECT id, status FROM jobs WHERE lane = ?", (lane,)).fetchall()
        if any(is_active(row["status"]) for row in rows):
            return None
        row = conn.execute("SELECT id FROM jobs WHERE lane = ? AND status = ? "
                           "ORDER BY queued_at ASC, id ASC LIMIT 1", (lane, QUEUED)).fetchone()
        if row is None:
            return None
        conn.execute("UPDATE jobs SET status = ?, started_at = ?, finished_at = NULL, error = NULL, "
                     "pid = NULL, pid_created = NULL, attempts = attempts + 1 WHERE id = ?",
                     (RUNNING, time.time(), row["id"]))
    return registry.get_job(row["id"])


def _spawn(job: Job) -> None:
    run_dir = job.run_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(_pending_env.pop(job.id, {}))
    env["LAB_HOME"] = str(lab_home())
    env["TMPDIR"] = str(temp_dir())  # the libraries' temporary files stay under LAB_HOME too
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    # How idle OpenMP threads wait is decided by the worker itself when it starts
    # (core/cpu_threads.py): spinning is faster on an idle CPU, sleeping on a shared one.
    try:
        with open(run_dir / STDOUT_LOG, "ab") as out, open(run_dir / STDERR_LOG, "ab") as err:
            proc = subprocess.Popen(worker_command(job.id), cwd=REPO_ROOT, env=env,
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                    start_new_session=True, close_fds=True)
    except OSError as exc:
        end_job(job, FAILED, t("train.job_spawn_failed", reason=str(exc)))
        return
    _children[job.id] = proc
    try:
        created = psutil.Process(proc.pid).create_time()
    except psutil.NoSuchProcess:
        created = None
    registry.update_job(job.id, pid=proc.pid, pid_created=created)
    append_event(run_dir, "status", status=RUNNING, attempt=job.attempts)


def _backend_hook(backend: str, name: str):
    """The backend module's optional hook (e.g. cancel); an import failure propagates to the caller."""
    module_name = BACKEND_MODULES.get(backend)
    if not module_name:
        return None
    return getattr(importlib.import_module(module_name), name, None)
