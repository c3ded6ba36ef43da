"""The job engine without training: registry, events, queue bookkeeping, dead workers, CLI listing."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from core.jobs import events, registry, runner


def test_registry_round_trip_and_compare_and_set():
    job = registry.create_job("local", {"model": "embedded", "epochs": 2}, lane="cpu")
    assert job.id.startswith("run-") and job.status == "queued" and job.lane == "cpu"
    assert job.run_dir.is_dir() and job.run_dir.name == job.id
    assert registry.get_job(job.id).params == {"model": "embedded", "epochs": 2}
    assert registry.update_job(job.id, expect_status="running", status="failed") is None  # not running
    updated = registry.update_job(job.id, expect_status="queued", status="running", pid=123)
    assert updated.status == "running" and updated.pid == 123 and updated.active
    registry.merge_result(job.id, adapter_dir="/x")
    registry.merge_result(job.id, final_train_loss=1.5)
    assert registry.get_job(job.id).result == {"adapter_dir": "/x", "final_train_loss": 1.5}
    assert [j.id for j in registry.list_jobs(status=["running"])] == [job.id]
    assert registry.get_job("run-nope") is None


def test_hosted_jobs_get_a_lane_of_their_own():
    a = registry.create_job("openai", {"model": "gpt-4.1-mini"})
    b = registry.create_job("openai", {"model": "gpt-4.1-mini"})
    assert a.lane != b.lane and a.lane.startswith("openai:")


@pytest.mark.parametrize("params", [{"api_key": "sk-123"}, {"auth": {"Authorization": "Bearer x"}},
                                    {"items": [{"client_secret": "s"}]}])
def test_secrets_never_reach_the_registry(params):
    with pytest.raises(ValueError, match="secrets"):
        registry.create_job("openai", params)


def test_events_are_json_lines_and_a_partial_line_waits(tmp_path):
    run = tmp_path / "run"
    events.append_event(run, "log", message="olá", level="info")
    events.append_event(run, "metric", step=1, total_steps=4, train_loss=float("nan"))
    with open(run / "events.jsonl", "ab") as handle:  # a writer in the middle of a line
        handle.write(b'{"time": 1, "kind": "metric", "st')
    got, offset = events.read_events(run)
    assert [e["kind"] for e in got] == ["log", "metric"]
    assert got[0]["message"] == "olá" and got[1]["train_loss"] is None  # NaN stored as null
    with open(run / "events.jsonl", "ab") as handle:
        handle.write(b'ep": 2, "train_loss": 0.5}\nnot json\n')
    more, offset2 = events.read_events(run, offset)
    assert [e["step"] for e in more if e["kind"] == "metric"] == [2] and offset2 > offset
    assert [e.get("skipped_line") for e in more if e["kind"] == "log"] == [4]  # "not json": skipped with a note
    assert events.summarize(got + more)["train_loss"] == 0.5
    with pytest.raises(ValueError):
        events.append_event(run, "nonsense")


def test_event_reader_only_returns_new_events(tmp_path):
    reader = events.EventReader(tmp_path)
    assert reader.poll() == []
    events.append_event(tmp_path, "status", status="queued")
    assert len(reader.poll()) == 1 and reader.poll() == []
    events.append_event(tmp_path, "status", status="running")
    assert [e["status"] for e in reader.poll()] == ["running"] and len(reader.events) == 2


def test_dead_worker_is_marked_failed_with_its_last_words():
    job = registry.create_job("local", {}, lane="test-lane")
    corpse = subprocess.Popen([sys.executable, "-c", "pass"])
    corpse.wait()
    (job.run_dir / "stderr.log").write_text("loading...\nRuntimeError: out of memory\n", encoding="utf-8")
    registry.update_job(job.id, status="running", started_at=time.time(), pid=corpse.pid,
                        pid_created=time.time() - 5)
    report = runner.refresh()
    failed = registry.get_job(job.id)
    assert job.id in report["failed"] and failed.status == "failed"
    assert "out of memory" in failed.error and "unexpectedly" in failed.error
    assert events.read_all(job.run_dir)[-1]["status"] == "failed"


def test_a_live_process_with_another_start_time_is_not_our_worker():
    job = registry.create_job("local", {}, lane="test-lane-2")
    registry.update_job(job.id, status="running", started_at=time.time(), pid=os.getpid(), pid_created=1.0)
    runner.refresh()
    assert registry.get_job(job.id).status == "failed"  # pid reused by someone else = our worker is gone


def test_stop_a_queued_job_and_resume_puts_it_back_in_line():
    busy = registry.create_job("local", {}, lane="busy-lane")
    registry.update_job(busy.id, status="running", started_at=time.time(), pid=os.getpid(),
                        pid_created=__import__("psutil").Process().create_time())
    waiting = registry.create_job("local", {}, lane="busy-lane")
    runner.refresh()
    assert registry.get_job(waiting.id).status == "queued"  # the lane is taken
    assert runner.stop(waiting.id).status == "cancelled"
    assert runner.resume(waiting.id).status == "queued"
    from core.errors import InputError

    with pytest.raises(InputError):  # already queued: nothing to resume
        runner.resume(waiting.id)
    registry.update_job(busy.id, status="succeeded")  # do not let the test's own pid be killed


def test_unknown_job_is_a_clear_input_error():
    from core.errors import InputError

    with pytest.raises(InputError) as info:
        runner.stop("run-does-not-exist")
    assert "run-does-not-exist" in info.value.message("en")


def test_cli_jobs_lists_jobs_as_json(capsys):
    from lab.cli import main

    job = registry.create_job("local", {"model": "embedded", "name": "demo"}, lane="cli-lane",
                              status="succeeded")
    events.append_event(job.run_dir, "metric", step=3, total_steps=3, train_loss=1.25, eval_loss=1.5)
    assert main(["jobs", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    row = next(r for r in rows if r["id"] == job.id)
    assert row["status"] == "succeeded" and row["name"] == "demo"
    assert row["metrics"] == {"step": 3, "total_steps": 3, "train_loss": 1.25, "eval_loss": 1.5}
    assert main(["jobs"]) == 0 and job.id in capsys.readouterr().out


def test_cli_train_refuses_a_broken_file_before_queueing(tmp_path, capsys):
    from lab.cli import main

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": [{"role": "user", "content": "hi"}]}\n{oops\n', encoding="utf-8")
    assert main(["train", "--backend", "local", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "line 1" in err and "assistant" in err
    assert registry.list_jobs() == []  # nothing was queued
    assert main(["stop", "run-nope"]) == 2


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_cli_help_is_built_from_the_config_in_both_languages(lang, capsys):
    from lab.cli import main

    assert main(["--lang", lang, "train", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--lora-r" in out and "--padding-free" in out and "--max-examples" in out
    assert "10%" in out  # a literal % survives argparse's formatting
    assert ("Tamanho das matrizes" if lang == "pt-BR" else "Size of the small matrices") in out
