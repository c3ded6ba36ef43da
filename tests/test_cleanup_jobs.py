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
