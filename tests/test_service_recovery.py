"""After a restart or a reboot (core/jobs/recovery.py): runs whose worker is gone are marked
interrupted and resumable, live detached workers are left alone, and a hosted job's watcher restarts
by itself, catching up on what happened meanwhile without a duplicate event (fake OpenAI server)."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import time

import psutil

from core.hosted.watch import Watcher, WatchSettings
from core.jobs import events, recovery, registry, runner
from tests.hosted.fake_openai import success_script
from tests.hosted.fixtures import *  # noqa: F401,F403 - fixtures
from tests.hosted.fixtures import wait_for_job

MODEL = "gpt-4o-mini-2024-07-18"


def dead_pid() -> int:
    corpse = subprocess.Popen([sys.executable, "-c", "pass"])
    corpse.wait()
    return corpse.pid


def running(job, pid: int, started_at: float | None = None, pid_created: float | None = None):
    now = time.time()
    return registry.update_job(job.id, status="running", started_at=started_at or now, pid=pid,
                               pid_created=pid_created or now - 5)


def test_a_run_whose_worker_is_gone_is_interrupted_and_resumable_a_live_one_is_left_alone():
    gone = running(registry.create_job("local", {}, lane="lane-gone"), dead_pid())
    me = psutil.Process()
    alive = running(registry.create_job("local", {}, lane="lane-alive"), me.pid, pid_created=me.create_time())
    finished = registry.create_job("local", {}, lane="lane-done", status="succeeded")

    report = recovery.recover_after_restart()

    assert report.interrupted == [gone.id] and report.still_running == [alive.id]
    job = registry.get_job(gone.id)
    assert job.status == registry.INTERRUPTED and job.status in registry.RESUMABLE and job.finished
    assert "lab stopped" in job.error and job.pid is None
    last = events.read_all(job.run_dir)[-1]
    assert last["kind"] == "status" and last["status"] == "interrupted"
    assert registry.get_job(alive.id).status == "running"          # detached on purpose: untouched
    assert registry.get_job(finished.id).status == "succeeded"
    assert recovery.recover_after_restart().interrupted == []         # idempotent


def test_the_heartbeat_calls_a_worker_from_before_the_last_boot_interrupted():
    before_boot = psutil.boot_time() - 3600
    job = running(registry.create_job("local", {}, lane="lane-boot"), dead_pid(), started_at=before_boot,
                  pid_created=before_boot)
    report = runner.refresh()
    assert report["interrupted"] == [job.id]
    assert registry.get_job(job.id).status == "interrupted"
    assert "machine restarted" in registry.get_job(job.id).error


def _remote_job(client):
    training = client.files.create(file=("t.jsonl", io.BytesIO(b'{"messages": []}\n')), purpose="fine-tune").id
    return client.fine_tuning.jobs.create(model=MODEL, training_file=training, suffix="pia")


def test_a_hosted_watcher_restarts_by_itself_and_catches_up_without_duplicates(openai_client, hosted_env):
    hosted_env.script_next_job(success_script(steps=6))
    remote = _remote_job(openai_client)
    job = registry.create_job("openai", {"openai_job_id": remote.id, "model": MODEL})
    # Before the lab went away, its watcher had reported the first three polls...
    report_to_log = lambda kind, **fields: events.append_event(job.run_dir, kind, **fields)  # noqa: E731
    watcher = Watcher(openai_client, remote.id, report_to_log, settings=WatchSettings(poll_s=0))
    for _ in range(3):
        watcher.poll_once()
    before = [e["event_id"] for e in events.read_all(job.run_dir) if e.get("event_id")]
    assert before
    running(job, dead_pid())
    # ...and the job went on at the provider while nobody watched.
    for _ in range(3):
        openai_client.fine_tuning.jobs.retrieve(remote.id)

    report = recovery.recover_after_restart()
    assert report.restarted == [job.id] and report.interrupted == []

    done = wait_for_job(job.id, {"succeeded", "failed"})
    assert done.status == "succeeded", done.error
    assert done.result["fine_tuned_model"].startswith(f"ft:{MODEL}:")
    logged = events.read_all(done.run_dir)
    ids = [e["event_id"] for e in logged if e.get("event_id")]
    assert len(ids) == len(set(ids))                                   # nothing twice
    assert set(ids) == {e["id"] for e in hosted_env.jobs[remote.id].events}  # nothing missed
    assert [e["step"] for e in logged if e["kind"] == "metric"] == [1, 2, 3, 4, 5, 6]
    assert any("watching this hosted job again" in e.get("message", "") for e in logged)
    assert done.attempts == 1  # one worker started, by the recovery (the first one was simulated above)


def test_a_hosted_job_without_a_key_here_waits_interrupted_for_resume(hosted_env, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    job = registry.create_job("openai", {"openai_job_id": "ftjob-x", "model": MODEL})
    running(job, dead_pid())
    report = recovery.recover_after_restart()
    assert report.need_key == [job.id] and report.restarted == []
    assert registry.get_job(job.id).status == "interrupted"
    assert any("no API key" in e.get("message", "") for e in events.read_all(job.run_dir))
    assert os.environ.get("OPENAI_API_KEY") is None
