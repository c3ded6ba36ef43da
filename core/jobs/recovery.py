"""After a restart or a reboot: put the registry back in step with the processes that really exist.

`lab serve` calls recover_after_restart() once, before the pages start. Every active job (running,
validating_files, ...) whose worker is gone was ended by the lab going away (a restart, a reboot, a
container stop), not by a fault of its own, so it is marked "interrupted" and Resume continues it:
- local training and evaluation runs wait for the user (Resume on the Training page, or
  `lab train --resume RUN_ID`): a run that hogs the CPU should not restart behind anyone's back;
- hosted jobs (OpenAI, Azure) keep running at the provider, so their watcher restarts at once when
  this process's environment (or .env) holds the key. The new watcher rebuilds what it has reported
  from events.jsonl (provider event ids, checkpoint ids: core.hosted.watch.WatchState), so it catches
  up on what happened while the lab was down without repeating an event. A key typed into a page
  was never stored: then the job waits, interrupted, for Resume with a key.
Workers that are still alive are left alone: training workers are detached on purpose.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from core.i18n import t
from core.jobs import registry, runner
from core.jobs.events import append_event
from core.jobs.registry import INTERRUPTED

# Backends whose worker only watches a remote job: restarting it costs nothing and is idempotent.
HOSTED_WATCHERS = ("openai", "azure")


@dataclass
class Recovery:
    """Job ids by what recovery did with them."""

    interrupted: list[str] = field(default_factory=list)    # local: waiting for Resume
    restarted: list[str] = field(default_factory=list)      # hosted: watcher started again
    need_key: list[str] = field(default_factory=list)       # hosted: interrupted, no key here
    still_running: list[str] = field(default_factory=list)  # worker alive (detached on purpose)


def watcher_env(backend: str) -> dict | None:
    """The environment a restarted hosted watcher needs, from this process's env/.env; None without
    a key (the import is lazy: local-only labs never load the OpenAI SDK here)."""
    from core.hosted.watch import restart_env

    return restart_env(backend)


def recover_after_restart(restart_watchers: bool = True) -> Recovery:
    report = Recovery()
    for job in registry.list_jobs(newest_first=False):
        if not job.active:
            continue
        if runner.worker_alive(job):
            report.still_running.append(job.id)
            continue
        if job.pid is None and time.time() - (job.started_at or job.queued_at) < runner.STARTING_GRACE_S:
            continue  # another process is starting its worker right now
        if not runner.end_job(job, INTERRUPTED, t("train.job_interrupted")):
            continue  # its worker had the last word after all
        if job.backend not in HOSTED_WATCHERS or not restart_watchers:
            report.interrupted.append(job.id)
            continue
        env = watcher_env(job.backend)
        if env is None:
            append_event(job.run_dir, "log", level="warning", message=t("train.job_watcher_needs_key"))
            report.need_key.append(job.id)
            continue
        append_event(job.run_dir, "log", level="info", message=t("train.job_watcher_restarted"))
        runner.resume(job.id, env=env)
        report.restarted.append(job.id)
    return report
