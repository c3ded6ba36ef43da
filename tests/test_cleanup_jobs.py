"""The job engine's stop(): a backend whose module cannot be imported must not skip the
provider-side cancel silently (a hosted job could keep running and billing)."""
from __future__ import annotations

from core.jobs import registry, runner
from core.jobs.events import read_all


def test_stop_reports_a_cancel_hook_that_cannot_be_imported(monkeypatch):
    monkeypatch.setitem(runner.BACKEND_MODULES, "ghost", "core.hosted.no_such_module")
    job = registry.create_job("ghost", {"dataset": "x.jsonl"}, lane="ghost-lane")
    registry.update_job(job.id, status=registry.RUNNING)
    stopped = runner.stop(job.id)
    assert stopped.status == registry.CANCELLED
    warnings = [e for e in read_all(job.run_dir) if e.get("kind") == "log" and e.get("level") == "warning"]
    assert warnings and "no_such_module" in warnings[-1]["message"]


def test_one_follow_loop_and_formatter_for_local_and_hosted_jobs():
    import io

    from core.jobs.events import append_event
    from lab.commands.train import follow

    local = registry.create_job("local", {"dataset": "x.jsonl"}, lane="test-lane-1")
    append_event(local.run_dir, "metric", step=2, total_steps=4, train_loss=1.25, eta_s=75)
    registry.update_job(local.id, status=registry.SUCCEEDED, result={"adapter_dir": "/runs/a", "final_train_loss": 1.0})
    hosted = registry.create_job("openai", {"model": "gpt-4o-mini"}, lane="test-lane-2")
    append_event(hosted.run_dir, "metric", step=6, total_steps=6, train_loss=0.5, valid_accuracy=0.75)
    append_event(hosted.run_dir, "status", status="running", remote_status="validating_files")
    registry.update_job(hosted.id, status=registry.PAUSED)
    out, err = io.StringIO(), io.StringIO()
    assert follow(local.id, out=out, err=err, poll_s=0.01) == 0
    assert "step 2/4  train_loss=1.2500  ETA 1 min 15 s" in out.getvalue() and "/runs/a" in out.getvalue()
    out, err = io.StringIO(), io.StringIO()
    assert follow(hosted.id, out=out, err=err, poll_s=0.01) == 3  # paused: resume later
    assert "step 6/6  train_loss=0.5000  valid_accuracy=0.7500" in out.getvalue()
    assert "(validating_files)" in out.getvalue() and hosted.id in err.getvalue()
