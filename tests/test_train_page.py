"""The Training Launcher page (local mode) with Streamlit's AppTest: form, queue, monitor, runs table."""
from __future__ import annotations

import os
import time
from pathlib import Path

import psutil
import pytest
from streamlit.testing.v1 import AppTest

from core.jobs import events, registry
from tests.train.helpers import write_tiny_dataset

PAGE = str(Path(__file__).resolve().parent.parent / "lab" / "train_page.py")


def _finished_run(name: str) -> registry.Job:
    """A succeeded run with a few logged points, as the engine leaves it (no process needed)."""
    job = registry.create_job("local", {"model": "embedded", "name": name}, lane="cpu", status="succeeded")
    registry.update_job(job.id, started_at=time.time() - 60, finished_at=time.time(),
                        result={"adapter_dir": str(job.run_dir / "adapter"), "base_model": "embedded",
                                "final_train_loss": 0.9, "final_eval_loss": 1.1})
    events.append_event(job.run_dir, "status", status="running")
    for step, loss in enumerate([2.5, 1.8, 1.2, 0.9], start=1):
        events.append_event(job.run_dir, "metric", step=step, total_steps=4, train_loss=loss, tokens_per_s=300.0)
    events.append_event(job.run_dir, "metric", step=4, total_steps=4, eval_loss=1.1)
    events.append_event(job.run_dir, "log", message="done", key="train.log_saved", params={"path": "x"})
    events.append_event(job.run_dir, "status", status="succeeded")
    return registry.get_job(job.id)


def test_page_shows_the_form_and_explains_the_empty_state():
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    assert at.radio(key="train_backend").value == "local"
    assert at.radio(key="train_preset").value == "quick"
    assert at.number_input(key="train_f_max_examples").value == 24
    assert at.number_input(key="train_f_lora_r").disabled  # presets lock the settings
    assert any("No run yet" in info.value for info in at.info)
    assert all(widget.help for widget in at.number_input)  # every setting explains itself
    # technical controls link to the concept that explains them (Key Concepts page, issue 13)
    assert "(/concepts#lora)" in at.number_input(key="train_f_lora_r").help
    assert "(/concepts#training)" in at.number_input(key="train_f_learning_rate").help


def test_start_queues_a_run_with_the_custom_settings(tmp_path):
    dataset = write_tiny_dataset(tmp_path / "tiny.jsonl")
    # Keep the CPU lane busy with this test process so the new run stays queued (no training here).
    busy = registry.create_job("local", {}, lane="cpu")
    registry.update_job(busy.id, status="running", started_at=time.time(), pid=os.getpid(),
                        pid_created=psutil.Process().create_time())
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["lab_dataset"] = {"path": str(dataset), "name": "tiny", "format": "chat", "model": None}
    at.run()
    assert at.selectbox(key="train_dataset").value == str(dataset)
    assert any("ready" in s.value for s in at.success)  # validated by the inspector
    at.radio(key="train_preset").set_value("custom").run()
    at.number_input(key="train_f_max_steps").set_value(3).run()
    at.number_input(key="train_f_lora_r").set_value(4).run()
    at.button(key="train_start").click().run()
    assert not at.exception
    queued = [job for job in registry.list_jobs(status="queued")]
    assert len(queued) == 1
    params = queued[0].params
    assert params["max_steps"] == 3 and params["lora_r"] == 4 and params["dataset"] == str(dataset)
    assert any("Waiting in the queue" in info.value for info in at.info)
    registry.update_job(busy.id, status="succeeded")
    registry.update_job(queued[0].id, status="cancelled")


def test_monitor_and_runs_table_show_finished_runs_in_portuguese():
    first, second = _finished_run("primeiro"), _finished_run("segundo")
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["lang"] = "pt-BR"
    at.session_state["train_job"] = first.id
    at.run()
    assert not at.exception
    assert at.title[0].value == "Treinamento"
    assert any(first.id in md.value for md in at.markdown)
    charts = at.get("plotly_chart")
    assert len(charts) >= 2  # the live loss chart and the runs overlay
    runs_table = [frame for frame in at.dataframe if frame.key == "train_runs_table"]
    assert len(runs_table) == 1 and len(runs_table[0].value) == 2  # (the run comparison below has its own table)
    assert any("Pronto" in s.value for s in at.success)


def test_a_run_with_one_point_says_why_there_is_no_chart():
    job = registry.create_job("local", {"model": "embedded"}, lane="cpu", status="failed")
    registry.update_job(job.id, error="The training process stopped unexpectedly.\nTraceback: boom")
    events.append_event(job.run_dir, "metric", step=1, total_steps=10, train_loss=2.0)
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["train_job"] = job.id
    at.run()
    assert not at.exception
    assert any("Too few points" in info.value for info in at.info)
    assert any("stopped unexpectedly" in e.value for e in at.error)
    assert not at.button(key=f"train_resume_{job.id}").disabled


def test_hosted_backends_show_their_form_and_the_shared_monitor():
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.radio(key="train_backend").set_value("openai").run()
    assert not at.exception
    assert at.subheader  # the hosted form (or its "not installed" note) and the live view
    at.radio(key="train_backend").set_value("azure").run()
    assert not at.exception
