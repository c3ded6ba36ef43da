"""Hosted jobs end to end: inspector -> upload -> create -> the engine's real worker process watching
the fake server -> result, events, arena-ready model; pause/resume, cancel, failure, Azure; and a scan
of everything written under LAB_HOME (and the captured output) for the API key."""
from __future__ import annotations

import json

import pytest

from core.errors import InputError, ProviderError, UnavailableError
from core.hosted import backend as hosted
from core.openai_edge import resolve_credentials
from core.training.data import held_out_path
from core.hosted.submit import HostedConfig, submit
from core.jobs import registry, runner
from core.jobs.events import read_all
from tests.hosted.fake_openai import error_body, success_script
from tests.hosted.fixtures import *  # noqa: F401,F403 - fixtures
from tests.hosted.fixtures import API_KEY, SAMPLES, wait_for, wait_for_job

MODEL = "gpt-4o-mini-2024-07-18"


def long_script(steps: int = 60) -> list[dict]:
    return success_script(steps=steps, checkpoints=False)


def test_full_job_through_the_worker_leaves_no_key_anywhere(hosted_env, training_file, lab_home,
                                                            monkeypatch, capfd):
    # The key is typed in the page (session only): not in this process's environment at all.
    monkeypatch.delenv("OPENAI_API_KEY")
    creds = resolve_credentials("openai", {"openai_api_key": API_KEY})
    progress, steps = [], []
    validation = lab_home / "datasets" / "valid.jsonl"
    validation.write_text("".join(training_file.read_text().splitlines(keepends=True)[:12]))
    config = HostedConfig(training_file=str(training_file), validation_file=str(validation), model=MODEL,
                          suffix="pia", seed=7, n_epochs=2)
    job = submit(config, creds, progress=lambda d, t, n: progress.append((d, t, n)), on_step=steps.append)

    # Upload: progress reached the file's size, and the server got the exact bytes.
    size = training_file.stat().st_size
    sent = [done for done, total, name in progress if name == "support_en.jsonl"]
    assert len(sent) >= 2 and sent == sorted(sent) and sent[-1] == size
    uploaded = [hosted_env.file_bytes[f] for f in hosted_env.files]
    assert training_file.read_bytes() in uploaded
    remote = hosted_env.jobs[job.params["openai_job_id"]].obj
    assert remote["method"]["type"] == "supervised"
    assert remote["method"]["supervised"]["hyperparameters"]["n_epochs"] == 2
    assert remote["seed"] == 7 and remote["validation_file"]
    assert job.params["estimated_usd"] == pytest.approx(job.params["estimated_billed_tokens"] * 3.0 / 1e6)
    assert held_out_path(job.run_dir).read_bytes() == validation.read_bytes()  # held out, kept in the run folder

    done = wait_for_job(job.id, registry.TERMINAL)
    assert done.status == "succeeded", done.error
    result = done.result
    assert result["fine_tuned_model"].startswith(f"ft:{MODEL}:org-lab-test:pia:")
    assert result["trained_tokens"] == 12_345
    assert result["actual_usd"] == pytest.approx(12_345 * 3.0 / 1_000_000)  # gpt-4o-mini: $3 per 1M
    assert [c["step"] for c in result["checkpoints"]] == [4, 6]
    events = read_all(done.run_dir)
    assert [e["step"] for e in events if e["kind"] == "metric"] == [1, 2, 3, 4, 5, 6]
    assert any(e["kind"] == "metric" and e.get("eval_loss") for e in events)
    # The arena lists succeeded hosted jobs from the registry.
    ready = [j for j in registry.list_jobs(status="succeeded") if j.backend in ("openai", "azure")]
    assert [j.result["fine_tuned_model"] for j in ready] == [result["fine_tuned_model"]]

    # The secret scan: every byte the lab wrote, and everything printed.
    out, err = capfd.readouterr()
    needle = API_KEY.encode()
    written = [p for p in lab_home.rglob("*") if p.is_file()]
    assert any(p.name == "events.jsonl" for p in written) and any(p.name == "stderr.log" for p in written)
    leaks = [str(p) for p in written if needle in p.read_bytes()]
    assert leaks == []
    assert API_KEY not in out + err + "\n".join(steps) + repr(creds) + json.dumps(done.to_dict(), default=str)


def test_data_with_errors_is_never_uploaded(hosted_env, lab_home):
    bad = lab_home / "datasets" / "bad.jsonl"
    bad.parent.mkdir(parents=True, exist_ok=True)
    lines = (SAMPLES / "support_en.jsonl").read_text().splitlines()[:12]
    lines[2] = '{"messages": [{"role": "user", "content": "Hi"}'  # broken JSON on line 3
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as caught:
        submit(HostedConfig(training_file=str(bad), model=MODEL), resolve_credentials("openai"))
    assert caught.value.key == "hosted.errors.data_has_errors"
    assert "line 3" in caught.value.message("en")
    assert hosted_env.paths("POST") == []  # nothing left the machine
    assert registry.list_jobs() == []


def test_dpo_method_needs_a_preference_file(hosted_env, training_file):
    with pytest.raises(InputError) as caught:
        submit(HostedConfig(training_file=str(training_file), model=MODEL, method="dpo"),
               resolve_credentials("openai"))
    assert caught.value.key == "hosted.errors.format_mismatch"
    assert hosted_env.paths("POST") == []


def test_winddown_refusal_explains_dates_and_next_steps(hosted_env, training_file):
    hosted_env.refuse_create = (403, error_body(
        "This organization is not allowed to create new fine-tuning jobs.", code="organization_not_allowed"))
    with pytest.raises(ProviderError) as caught:
        submit(HostedConfig(training_file=str(training_file), model=MODEL), resolve_credentials("openai"))
    text = caught.value.message("en")
    assert "not allowed to create new fine-tuning jobs" in text
    for fact in ("2026-05-07", "2027-01-06", "2027-01-14", "Local backend", "Azure OpenAI"):
        assert fact in text
    assert "2027-01-06" in caught.value.message("pt-BR") and "Azure OpenAI" in caught.value.message("pt-BR")
    assert registry.list_jobs() == []


def test_pause_then_resume_continues_without_repeating_events(hosted_env, training_file):
    hosted_env.script_next_job(long_script())
    job = submit(HostedConfig(training_file=str(training_file), model=MODEL), resolve_credentials("openai"))
    wait_for(lambda: any(e["kind"] == "metric" for e in read_all(job.run_dir)))
    hosted.pause(job.id)

    def paused_and_idle():
        runner.refresh()
        current = registry.get_job(job.id)
        return current if current.status == "paused" and current.pid is None else None

    paused = wait_for(paused_and_idle)  # the watcher noticed and exited
    assert paused.status == "paused"
    assert hosted_env.jobs[job.params["openai_job_id"]].obj["status"] == "paused"
    steps_before = [e["step"] for e in read_all(job.run_dir) if e["kind"] == "metric"]

    # The engine's generic resume (what `lab train --resume RUN_ID` calls): the new watcher finds the
    # remote job paused and resumes it.
    resumed = runner.resume(job.id)
    assert resumed.status in ("running", "queued")
    done = wait_for_job(job.id, registry.TERMINAL, timeout=60)
    assert done.status == "succeeded", done.error
    events = read_all(done.run_dir)
    steps = [e["step"] for e in events if e["kind"] == "metric"]
    assert steps == list(range(1, 61)) and len(steps) > len(steps_before)
    ids = [e["event_id"] for e in events if e.get("event_id")]
    assert len(ids) == len(set(ids))
    assert any("Fine-tuning job resumed" == e.get("message") for e in events)
    assert "/fine_tuning/jobs/{}/resume".format(job.params["openai_job_id"]) in hosted_env.paths("POST")


def test_stop_cancels_the_remote_job(hosted_env, training_file):
    hosted_env.script_next_job(long_script())
    job = submit(HostedConfig(training_file=str(training_file), model=MODEL), resolve_credentials("openai"))
    wait_for(lambda: any(e["kind"] == "metric" for e in read_all(job.run_dir)))
    stopped = runner.stop(job.id)  # the engine calls our cancel(job) hook first
    assert stopped.status == "cancelled"
    assert hosted_env.jobs[job.params["openai_job_id"]].obj["status"] == "cancelled"
    assert any("Cancellation sent" in (e.get("message") or "") for e in read_all(job.run_dir))


def test_azure_job_runs_through_deployment_style_client(hosted_env, training_file, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", API_KEY)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", hosted_env.url + "/")
    monkeypatch.setenv("AZURE_OPENAI_API_VERSION", "2025-04-01-preview")
    creds = resolve_credentials("azure")
    assert creds.azure_api_version == "2025-04-01-preview" and API_KEY not in repr(creds)
    job = submit(HostedConfig(training_file=str(training_file), model=MODEL, backend="azure", suffix="az"),
                 creds)
    done = wait_for_job(job.id, registry.TERMINAL)
    assert done.status == "succeeded", done.error
    assert done.backend == "azure" and done.result["provider"] == "Azure OpenAI"
    assert done.result["fine_tuned_model"].startswith(f"ft:{MODEL}:org-lab-test:az:")
    assert done.result["actual_usd"] == pytest.approx(12_345 * 3.30 / 1e6)  # Azure's own training price
    # Every request used the Azure shape: /openai/... with api-version, key in the api-key header.
    assert hosted_env.requests and all(r["azure"] and r["raw_path"].startswith("/openai/")
                                       and r["api_version"] == "2025-04-01-preview" for r in hosted_env.requests)


def test_missing_key_and_endpoint_say_where_to_set_them(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setattr("core.secrets._loaded", True)  # a developer's .env must not answer for the test
    with pytest.raises(UnavailableError) as caught:
        resolve_credentials("openai")
    assert caught.value.key == "hosted.errors.missing_key" and "OPENAI_API_KEY" in caught.value.message("en")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "azure-key-123456")
    monkeypatch.delenv("AZURE_OPENAI_ENDPOINT", raising=False)
    with pytest.raises(UnavailableError) as caught:
        resolve_credentials("azure")
    assert caught.value.key == "hosted.errors.missing_endpoint"


def test_watcher_that_finds_the_job_still_paused_leaves_it_paused(hosted_env, openai_client):
    """run_job in-process: a resume the API refused leaves the job paused, never 'succeeded'."""
    import io

    file_id = openai_client.files.create(file=("t.jsonl", io.BytesIO(b"{}\n")), purpose="fine-tune").id
    remote = openai_client.fine_tuning.jobs.create(model=MODEL, training_file=file_id)
    openai_client.fine_tuning.jobs.pause(remote.id)
    hosted_env.fail("POST", r"/resume$", 500)
    job = registry.create_job("openai", {"openai_job_id": remote.id, "model": MODEL}, status="running")
    events = []
    result = hosted.run_job(job, lambda kind, **fields: events.append({"kind": kind, **fields}))
    assert result["remote_status"] == "paused" and result["fine_tuned_model"] is None
    assert registry.get_job(job.id).status == "paused"
    assert any(e["kind"] == "status" and e.get("remote_status") == "paused" for e in events)
