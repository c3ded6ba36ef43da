"""The launcher's tracking control (issue 17): it offers only the installed trackers, says how to install
the others, keeps the choice across presets, saves it with the run, and the monitor says where a finished
run's metrics went."""
from __future__ import annotations

import os
import time
from pathlib import Path

import psutil
from streamlit.testing.v1 import AppTest

from core.jobs import registry
from core.training import tracking
from tests.train.helpers import write_tiny_dataset

PAGE = str(Path(__file__).resolve().parent.parent / "lab" / "train_page.py")


def test_the_form_offers_installed_trackers_and_the_run_keeps_the_choice(tmp_path, monkeypatch):
    monkeypatch.setitem(tracking.MODULES, "wandb", "no_such_module_for_the_lab")  # as if not installed
    dataset = write_tiny_dataset(tmp_path / "tiny.jsonl")
    busy = registry.create_job("local", {}, lane="cpu")  # the CPU lane is busy: the new run only queues
    registry.update_job(busy.id, status="running", started_at=time.time(), pid=os.getpid(),
                        pid_created=psutil.Process().create_time())
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["lab_dataset"] = {"path": str(dataset), "name": "tiny", "format": "chat", "model": None}
    at.run()
    assert not at.exception
    box = at.multiselect(key="train_f_tracking")
    assert box.options == [tracking.label(name) for name in tracking.installed()] and "wandb" not in tracking.installed()
    assert not box.disabled and box.value == []  # under a locked preset too; none by default
    assert box.help and "--track" in box.help
    assert any("Weights & Biases" in c.value and tracking.pin("wandb") in c.value for c in at.caption)
    chosen = tracking.installed()[:2]
    box.set_value(chosen).run()
    at.radio(key="train_preset").set_value("balanced").run()  # a preset change keeps the trackers
    assert at.multiselect(key="train_f_tracking").value == chosen
    at.button(key="train_start").click().run()
    assert not at.exception
    [queued] = registry.list_jobs(status="queued")
    assert queued.params["tracking"] == chosen and queued.params["preset"] == "balanced"

    registry.update_job(queued.id, status="succeeded", finished_at=time.time())
    registry.update_job(busy.id, status="succeeded")
    tracking.write_where(queued.run_dir, {"tensorboard": {"logdir": str(queued.run_dir / "tensorboard")}})
    at.session_state["train_job"] = queued.id
    at.run()
    assert not at.exception
    assert any(f"tensorboard --logdir {queued.run_dir / 'tensorboard'}" in code.value for code in at.code)


def test_with_no_tracker_installed_the_form_says_how_to_get_them(monkeypatch):
    for name in tracking.TRACKERS:
        monkeypatch.setitem(tracking.MODULES, name, "no_such_module_for_the_lab")
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    box = at.multiselect(key="train_f_tracking")
    assert box.disabled and box.options == []
    assert any("pip install -r requirements-tracking.txt" in c.value for c in at.caption)
