"""The watcher against the fake server through the real openai SDK: metrics, de-duplicated events,
checkpoints, backoff on 429 / dropped connections / a server that stops answering, failures with the
API's reason, unknown statuses, and re-attaching without repeating events."""
from __future__ import annotations

import io

import pytest

from core.errors import ProviderError
from core.openai_edge import make_client, resolve_credentials
from core.hosted.watch import Watcher, WatchSettings, WatchState
from tests.hosted.fake_openai import failed_script, success_script
from tests.hosted.fixtures import *  # noqa: F401,F403 - fixtures

FAST = WatchSettings(poll_s=0.0, backoff_s=0.01, max_backoff_s=0.05, max_outage_s=30, events_page=4)


def start_job(client, server, script=None, validation=True):
    if script is not None:
        server.script_next_job(script)
    data = io.BytesIO(b'{"messages": []}\n')
    training = client.files.create(file=("t.jsonl", data), purpose="fine-tune").id
    validation_id = client.files.create(file=("v.jsonl", io.BytesIO(b"{}\n")), purpose="fine-tune").id if validation else None
    return client.fine_tuning.jobs.create(model="gpt-4o-mini-2024-07-18", training_file=training,
                                          validation_file=validation_id, suffix="pia")


def watch(client, remote_id, emit, **kwargs):
    return Watcher(client, remote_id, emit, settings=kwargs.pop("settings", FAST), sleep=lambda s: None,
                   **kwargs)


def test_success_reports_metrics_once_in_order_with_checkpoints(openai_client, hosted_env):
    remote = start_job(openai_client, hosted_env, success_script(steps=6))
    for _ in range(4):  # the job runs ahead of the watcher: its first poll must page through events
        openai_client.fine_tuning.jobs.retrieve(remote.id)
    emit = collect()
    final = watch(openai_client, remote.id, emit).run()

    assert final.status == "succeeded"
    assert final.fine_tuned_model.startswith("ft:gpt-4o-mini-2024-07-18:org-lab-test:pia:")
    metrics = emit.of("metric")
    assert [m["step"] for m in metrics] == [1, 2, 3, 4, 5, 6]  # each once, oldest first
    assert all(m["total_steps"] == 6 for m in metrics)
    assert metrics[0]["train_loss"] == pytest.approx(1.4)      # 2.0 × 0.7
    assert metrics[0]["eval_loss"] == pytest.approx(1.65)      # valid_loss 2.2 × 0.75 -> eval_loss
    assert metrics[-1]["valid_accuracy"] == pytest.approx(0.75)
    assert metrics[-1]["full_valid_loss"] is not None
    ids = [e["event_id"] for e in emit.events if "event_id" in e]
    assert len(ids) == len(set(ids)) == len(hosted_env.jobs[remote.id].events)
    checkpoints = [e for e in emit.of("log") if e.get("checkpoint_id")]
    assert [c["checkpoint_step"] for c in checkpoints] == [4, 6]
    assert checkpoints[-1]["checkpoint_model"].endswith(":ckpt-step-6")
    statuses = [e["remote_status"] for e in emit.of("status")]
    assert statuses == ["running", "succeeded"]
    # Paging really happened: events are listed 4 per page.
    assert any("after" in r["query"] for r in hosted_env.requests if r["path"].endswith("/events"))


def test_rate_limit_then_success_backs_off_and_keeps_watching(openai_client, hosted_env):
    remote = start_job(openai_client, hosted_env)
    hosted_env.fail("GET", r"/fine_tuning/jobs/[^/]+$", 429, skip=2, times=3)
    emit = collect()
    final = watch(openai_client, remote.id, emit).run()
    assert final.status == "succeeded"
    logs = [e["message"] for e in emit.of("log")]
    backing = [m for m in logs if "Trying again" in m]
    assert len(backing) == 1 and "429" in backing[0]          # one message per outage, not per retry
    assert any("monitoring resumes" in m for m in logs)
    assert [m["step"] for m in emit.of("metric")] == [1, 2, 3, 4, 5, 6]


def test_network_cut_and_silent_server_mid_poll_resume_without_duplicates(hosted_env):
    client = make_client(resolve_credentials("openai"), "openai", max_retries=0, timeout=0.3)
    remote = start_job(client, hosted_env, success_script(steps=10))
    # Polls 3 and 4: the events request loses its connection; poll 5 works; poll 6: the job request
    # gets no answer within the client's 0.3 s timeout. Two separate outages, two warnings.
    hosted_env.fail("GET", r"/events$", "drop", skip=2, times=2)
    hosted_env.fail("GET", r"/fine_tuning/jobs/[^/]+$", "hang", skip=5, times=1, seconds=0.8)
    emit = collect()
    final = watch(client, remote.id, emit).run()
    assert final.status == "succeeded"
    assert [m["step"] for m in emit.of("metric")] == list(range(1, 11))
    ids = [e["event_id"] for e in emit.events if "event_id" in e]
    assert len(ids) == len(set(ids))
    warnings = [e["message"] for e in emit.of("log") if e.get("level") == "warning"]
    assert len(warnings) == 2 and any("did not answer in time" in w for w in warnings)


def test_failed_job_raises_the_api_reason_with_param(openai_client, hosted_env):
    message = "The file has 3 example(s) with missing assistant messages, e.g. line 7."
    remote = start_job(openai_client, hosted_env, failed_script(message))
    emit = collect()
    watcher = watch(openai_client, remote.id, emit)
    final = watcher.run()
    assert final.status == "failed"
    err = watcher.failure()
    assert isinstance(err, ProviderError) and err.key == "hosted.errors.file_validation"
    text = err.message("en")
    assert message in text and "training_file" in text and "Dataset Inspector" in text
    assert any(e.get("level") == "error" and e["message"] == message for e in emit.of("log"))


def test_moderation_block_is_named(openai_client, hosted_env):
    reason = ("The job failed due to an unsafe training file. This training file was blocked by our "
              "moderation system because it contains too many examples that violate OpenAI's usage policies.")
    remote = start_job(openai_client, hosted_env, failed_script(reason, after_running=True))
    watcher = watch(openai_client, remote.id, collect())
    watcher.run()
    err = watcher.failure()
    assert err.key == "hosted.errors.moderation" and "usage policies" in err.message("en")


def test_unknown_status_is_reported_once_and_watching_continues(openai_client, hosted_env):
    odd = [{"status": "reticulating_splines"}, {"status": "reticulating_splines"}]
    remote = start_job(openai_client, hosted_env, success_script(steps=2, extra=odd))
    emit = collect()
    final = watch(openai_client, remote.id, emit).run()
    assert final.status == "succeeded"
    unknown = [e for e in emit.of("log") if "reticulating_splines" in e["message"]]
    assert len(unknown) == 1 and unknown[0]["level"] == "warning"
    odd_status = [e for e in emit.of("status") if e["remote_status"] == "reticulating_splines"]
    assert odd_status and odd_status[0]["status"] == "running"  # never an engine status like "queued"


def test_oldest_first_listing_and_reattach_do_not_repeat_events(openai_client, hosted_env):
    hosted_env.events_order = "asc"
    remote = start_job(openai_client, hosted_env, success_script(steps=8))
    first = collect()
    watcher = watch(openai_client, remote.id, first)
    for _ in range(5):  # stop watching halfway (as if the worker died)
        watcher.poll_once()
    assert watcher.state.order == "asc"
    seen_steps = [m["step"] for m in first.of("metric")]
    assert seen_steps and seen_steps == sorted(seen_steps)
    # A new watcher rebuilds what was reported from the events it wrote.
    state = WatchState.from_events(first.events)
    second = collect()
    final = watch(openai_client, remote.id, second, state=state).run()
    assert final.status == "succeeded"
    assert seen_steps + [m["step"] for m in second.of("metric")] == list(range(1, 9))
    all_ids = [e["event_id"] for e in first.events + second.events if "event_id" in e]
    assert len(all_ids) == len(set(all_ids))
