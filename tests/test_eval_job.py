"""An evaluation as a job of the engine: worker process, progress events, stop, resume."""
from __future__ import annotations

import os
import subprocess
import sys
import time

from core.evaluation import job as eval_job
from core.evaluation.run import EvalConfig
from core.jobs import registry, runner
from core.jobs.events import read_all


def _wait(predicate, timeout_s: float = 600.0):
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        runner.refresh()
        time.sleep(0.2)
    raise AssertionError("timed out")


def _lines(job) -> int:
    path = job.run_dir / eval_job.PREDICTIONS
    return len(path.read_text(encoding="utf-8").splitlines()) if path.is_file() else 0


def test_eval_job_stop_then_resume_skips_done_answers():
    config = EvalConfig(data="pedala_en", contestants=["base"], limit=4, max_tokens=6, batch_size=1,
                        metrics=["chrf", "fact_recall"])
    job = eval_job.submit(config)
    assert job.backend == "eval" and job.lane == registry.local_device_lane()
    _wait(lambda: _lines(job) >= 1 or registry.get_job(job.id).finished)
    stopped = runner.stop(job.id)
    assert stopped.status == "cancelled"
    kept = _lines(job)
    assert 1 <= kept < 4
    before = eval_job.read_predictions(job.run_dir)["base"]

    runner.resume(job.id)
    done = _wait(lambda: (j := registry.get_job(job.id)).finished and j)
    assert done.status == "succeeded", done.error
    after = eval_job.read_predictions(job.run_dir)["base"]
    assert sorted(after) == [1, 2, 3, 4]
    assert _lines(job) == 4  # nothing asked twice
    assert all(after[line] == record for line, record in before.items())
    results = eval_job.load_results(job.id)
    assert results["n_examples"] == 4 and results["contestants"][0]["spec"] == "base"
    assert (job.run_dir / eval_job.REPORT).read_text(encoding="utf-8").startswith("<!doctype html>")
    events = read_all(job.run_dir)
    assert any(e.get("kind") == "metric" and e.get("total_steps") == 4 and e.get("contestant") == "base" for e in events)
    assert any("Resuming" in str(e.get("message")) for e in events)
    niceness = [e["params"]["nice"] for e in events if e.get("key") == "train.log_worker_nice"]
    assert len(niceness) == 2 and min(niceness) >= min(19, os.nice(0) + 10)  # the worker yields to the pages
    assert eval_job.progress_of(done)[:2] == (4, 4)
    assert [j.id for j in eval_job.list_evaluations()] == [job.id]


def test_a_worker_yields_the_cpu_by_lab_worker_nice_and_zero_keeps_it():
    """In a child process: the test process itself must keep its priority."""
    code = "import os; from core.jobs.worker import yield_to_pages as y; print(os.nice(0), y())"
    for value, extra in (("0", 0), ("3", 3), ("not-a-number", 10)):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env=dict(os.environ, LAB_WORKER_NICE=value)).stdout.split()
        before, after = map(int, out)
        assert after == min(19, before + extra), (value, out)
