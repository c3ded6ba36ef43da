"""Real training of the embedded model on CPU through the job engine (a few steps on a tiny set).

One test covers the queue, stop and a full run (loss down, events well formed, the adapter loads with
peft and changes the model's output); another kills a worker with SIGKILL and resumes it.
"""
from __future__ import annotations

import json
import os
import signal

import psutil
import pytest
import torch

from core.cpu_threads import _chosen_by_user
from core.jobs import registry, runner
from core.jobs.events import KINDS, read_all
from tests.train.helpers import SIGN_OFF, tiny_params, wait_for, write_tiny_dataset

pytestmark = pytest.mark.slow


def _metrics(job_id: str) -> list[dict]:
    return [e for e in read_all(registry.run_dir_for(job_id)) if e["kind"] == "metric"]


def _conversation_loss(model, tokenizer, dataset) -> float:
    from core.training.data import load_conversations, tokenize_conversation
    from core.training.loss import selective_loss
    from core.training.packing import PaddedCollator

    features = [vars(tokenize_conversation(tokenizer, c, 48)) for c in load_conversations(dataset)]
    with torch.no_grad():
        return selective_loss(model, PaddedCollator(tokenizer.pad_token_id)(features))[0].item()


def test_queue_stop_then_a_real_run_learns(tmp_path, embedded_model):
    dataset = write_tiny_dataset(tmp_path / "tiny.jsonl")
    long_job = runner.submit("local", tiny_params(dataset, max_steps=500, save_steps=500), lane="cpu")
    job = runner.submit("local", tiny_params(dataset, max_steps=6, eval_steps=3, save_steps=6), lane="cpu")
    assert long_job.status == "running" and job.status == "queued"  # one job per device

    wait_for(lambda: _metrics(long_job.id), what="the first job's first step")
    assert registry.get_job(job.id).status == "queued"
    worker = psutil.Process(registry.get_job(long_job.id).pid)
    stopped = runner.stop(long_job.id)
    assert stopped.status == "cancelled" and not worker.is_running()

    done = wait_for(lambda: (j := registry.get_job(job.id)).finished and j, timeout=300, what="the second job")
    assert done.status == "succeeded", done.error
    assert done.started_at >= stopped.finished_at  # it waited for the device

    events = read_all(done.run_dir)
    lines = (done.run_dir / "events.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(events)  # every line parses
    assert all(isinstance(e["time"], float) and e["kind"] in KINDS for e in events)
    statuses = [e["status"] for e in events if e["kind"] == "status"]
    assert statuses[0] == "queued" and statuses[-1] == "succeeded" and "running" in statuses
    if not _chosen_by_user(os.environ):  # the worker chose how its threads wait, and said so
        assert len([e for e in events if e.get("key", "").startswith("train.log_cpu_wait_")]) == 1
    train = [e for e in events if e["kind"] == "metric" and "train_loss" in e]
    assert [e["step"] for e in train] == [1, 2, 3, 4, 5, 6] and {e["total_steps"] for e in train} == {6}
    assert all(e["tokens_per_s"] > 0 and "learning_rate" in e and "eta_s" in e for e in train)
    evals = [e for e in events if e["kind"] == "metric" and "eval_loss" in e]
    assert [e["step"] for e in evals][:2] == [3, 6]

    result = done.result
    assert result["final_eval_loss"] < evals[0]["eval_loss"] or result["final_train_loss"] < train[0]["train_loss"]
    assert json.loads((done.run_dir / "result.json").read_text())["adapter_dir"] == result["adapter_dir"]

    from peft import PeftModel

    model, tokenizer = embedded_model
    prompt = tokenizer.apply_chat_template([{"role": "user", "content": "Tem entrega?"}], tokenize=False,
                                           add_generation_prompt=True)
    inputs = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small passes: no OpenMP spin-waiting on a shared CPU
    before_loss = _conversation_loss(model, tokenizer, dataset)
    tuned = PeftModel.from_pretrained(model, result["adapter_dir"])
    try:
        tuned.eval()
        with torch.no_grad():
            tuned_ids = tuned.generate(**inputs, max_new_tokens=24, do_sample=False)
            with tuned.disable_adapter():
                base_ids = tuned.generate(**inputs, max_new_tokens=24, do_sample=False)
        after_loss = _conversation_loss(tuned, tokenizer, dataset)
    finally:
        tuned.unload()  # give the shared fixture model back untouched
        torch.set_num_threads(threads)
    assert after_loss < before_loss - 0.5  # it learned the replies
    _check_exports(done, inputs, tuned_ids)
    tuned_text = tokenizer.decode(tuned_ids[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)
    base_text = tokenizer.decode(base_ids[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)
    assert tuned_text != base_text
    assert "Pedala" in tuned_text or "Pia" in tuned_text or SIGN_OFF[:6] in tuned_text


def _check_exports(job, inputs, tuned_ids) -> None:
    """The adapter zip holds the adapter; the merged model (no peft) answers like base + adapter."""
    import zipfile

    from transformers import AutoModelForCausalLM

    from core.training.export import merge_adapter, zip_adapter

    with zipfile.ZipFile(zip_adapter(job.run_dir)) as archive:
        names = archive.namelist()
    assert f"{job.id}-adapter/adapter_config.json" in names
    assert f"{job.id}-adapter/adapter_model.safetensors" in names
    merged = AutoModelForCausalLM.from_pretrained(merge_adapter(job.run_dir))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            merged_ids = merged.generate(**inputs, max_new_tokens=24, do_sample=False)
    finally:
        torch.set_num_threads(threads)
    assert merged_ids.tolist() == tuned_ids.tolist()


def test_kill_9_marks_failed_and_resume_continues_from_the_checkpoint(tmp_path):
    dataset = write_tiny_dataset(tmp_path / "tiny.jsonl")
    job = runner.submit("local", tiny_params(dataset, max_steps=6, save_steps=2, eval_steps=100), lane="cpu")
    wait_for(lambda: any(e["step"] >= 3 for e in _metrics(job.id)), what="step 3 (after checkpoint 2)")
    checkpoints = sorted(int(p.name.split("-")[1]) for p in (job.run_dir / "checkpoints").glob("checkpoint-*"))
    os.kill(registry.get_job(job.id).pid, signal.SIGKILL)

    failed = wait_for(lambda: (j := registry.get_job(job.id)).status == "failed" and j, what="failed status")
    assert "unexpectedly" in failed.error

    last = checkpoints[-1]
    assert runner.resume(job.id).status in ("queued", "running")
    done = wait_for(lambda: (j := registry.get_job(job.id)).finished and j, timeout=300, what="resumed run")
    assert done.status == "succeeded", done.error
    assert done.attempts == 2 and done.result["steps"] == 6
    events = read_all(done.run_dir)
    resumed_at = max(i for i, e in enumerate(events) if e.get("resumed"))
    after = events[resumed_at:]
    resume_logs = [e for e in after if e.get("key") == "train.log_resuming"]
    assert resume_logs and int(resume_logs[0]["params"]["step"]) >= last
    first_step_after = next(e["step"] for e in after if e["kind"] == "metric" and "train_loss" in e)
    assert first_step_after == int(resume_logs[0]["params"]["step"]) + 1
