"""Temporary smoke backend (replaced by the real trainer backend shortly)."""
import time


def run_job(job, emit):
    steps = int(job.params.get("max_steps", 3))
    for step in range(1, steps + 1):
        time.sleep(float(job.params.get("sleep", 0.2)))
        emit("metric", step=step, total_steps=steps, train_loss=1.0 / step)
    if job.params.get("crash"):
        raise RuntimeError("boom")
    return {"adapter_dir": str(job.run_dir / "adapter")}
