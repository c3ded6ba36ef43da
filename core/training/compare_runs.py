"""Two local runs side by side: what each method cost (trainable weights, memory, time, disk) and
what it bought (the evaluation metrics of the newest evaluation that scored both, or each alone).

The course's notebook-3 question ("LoRA trains 3.5% of the weights, uses x GB instead of y, and
scores within z of full fine-tuning") answered with this machine's numbers: everything here is read
from the runs' result.json, their folders and core.evaluation results — nothing is estimated.
"""
from __future__ import annotations

from pathlib import Path

from core.errors import InputError
from core.i18n import format_number, t
from core.jobs import registry
from core.jobs.runner import require_job

# The rows of the comparison, in order; "lower" = smaller is better (the page colours the winner).
FIELDS = (("method", None), ("trainable_params", "lower"), ("trainable_percent", "lower"),
          ("peak_memory_mb", "lower"), ("runtime_s", "lower"), ("size_on_disk_mb", "lower"),
          ("steps", None), ("train_examples", None), ("final_train_loss", "lower"), ("final_eval_loss", "lower"))


def folder_mb(folder: Path) -> float:
    """Size of the files under folder in MB (adapter: ~20 MB at r=16; a full model: ~540 MB fp32)."""
    if not folder.is_dir():
        return 0.0
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1024**2, 1)


def run_facts(job) -> dict:
    """One succeeded local run's costs, from its result.json (older runs lack the counts: None)."""
    if job.backend != "local":
        raise InputError("methods.err_not_local", "methods.err_not_local_hint", run=job.id, backend=job.backend)
    if job.status != "succeeded":
        raise InputError("methods.err_not_finished", "methods.err_not_finished_hint", run=job.id, status=job.status)
    result = job.result or {}
    trainable, total = result.get("trainable_params"), result.get("total_params")
    saved = Path(result.get("adapter_dir") or job.run_dir / "adapter")
    return {"id": job.id, "name": (job.params or {}).get("name") or job.id,
            "method": result.get("method") or (job.params or {}).get("method") or "lora",
            "trainable_params": trainable, "total_params": total,
            "trainable_percent": round(100 * trainable / total, 2) if trainable and total else None,
            "peak_memory_mb": result.get("peak_memory_mb"), "runtime_s": result.get("runtime_s"),
            "size_on_disk_mb": folder_mb(saved), "steps": result.get("steps"),
            "train_examples": result.get("train_examples"), "final_train_loss": result.get("final_train_loss"),
            "final_eval_loss": result.get("final_eval_loss")}


def _evaluations_of(spec: str) -> list:
    """Succeeded evaluation jobs with this contestant, newest first."""
    from core.evaluation.job import BACKEND, config_of

    return [job for job in registry.list_jobs(status="succeeded", backend=BACKEND)
            if spec in config_of(job).contestants]


def _metrics_of(results: dict, spec: str) -> dict:
    """{metric: {"mean", "ci_low", "ci_high", "n"}} of the quality metrics for one contestant."""
    for contestant in results.get("contestants", []):
        if contestant["spec"] == spec:
            return {name: contestant["metrics"][name] for name in results.get("metrics", [])
                    if name in contestant["metrics"]}
    return {}


def evaluation_of(spec_a: str, spec_b: str) -> dict:
    """The newest evaluation that scored both runs (same examples: a fair comparison, with the paired
    differences), else each run's own newest evaluation (flagged "shared": False), else empty."""
    from core.evaluation.job import load_results

    with_b = {job.id for job in _evaluations_of(spec_b)}
    both = [job for job in _evaluations_of(spec_a) if job.id in with_b]
    if both:
        results = load_results(both[0].id)
        pairs = [pair for pair in results.get("pairs", []) if {pair["a"], pair["b"]} == {spec_a, spec_b}
                 and pair["metric"] in results.get("metrics", [])]
        return {"shared": True, "eval_ids": [both[0].id], "data": results.get("data"),
                "metrics": {spec_a: _metrics_of(results, spec_a), spec_b: _metrics_of(results, spec_b)},
                "pairs": pairs}
    found: dict = {"shared": False, "eval_ids": [], "data": None, "metrics": {}, "pairs": []}
    for spec in (spec_a, spec_b):
        jobs = _evaluations_of(spec)
        if jobs:
            found["eval_ids"].append(jobs[0].id)
            found["metrics"][spec] = _metrics_of(load_results(jobs[0].id), spec)
    return found if found["eval_ids"] else {}


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b, or None when either is missing or b is zero."""
    return round(a / b, 3) if a is not None and b else None


def compare_runs(run_a: str, run_b: str) -> dict:
    """{"runs": [facts of A, facts of B], "ratios": {field: A / B}, "evaluation": evaluation_of(...)}."""
    if run_a == run_b:
        raise InputError("methods.err_same_run", "methods.err_same_run_hint", run=run_a)
    facts = [run_facts(require_job(run_a)), run_facts(require_job(run_b))]
    ratios = {name: ratio(facts[0][name], facts[1][name]) for name, better in FIELDS if better}
    return {"runs": facts, "ratios": ratios, "evaluation": evaluation_of(f"run:{run_a}", f"run:{run_b}")}


def comparable_runs(limit: int = 50) -> list:
    """Succeeded local runs, newest first: what the comparison's pickers offer."""
    return registry.list_jobs(status="succeeded", backend="local", limit=limit)


def table(comparison: dict) -> list[dict]:
    """Rows for a page or a terminal: {"field", "a", "b", "ratio", "better"} per cost field, then
    {"metric", "a", "b", "diff", "p_value"} per evaluation metric (means; diff = B - A when shared)."""
    a, b = comparison["runs"]
    rows = [{"field": name, "a": a[name], "b": b[name], "ratio": comparison["ratios"].get(name), "better": better}
            for name, better in FIELDS]
    evaluation = comparison.get("evaluation") or {}
    spec_a, spec_b = f"run:{a['id']}", f"run:{b['id']}"
    metrics = evaluation.get("metrics", {})
    pairs = {pair["metric"]: pair for pair in evaluation.get("pairs", [])}
    for name in dict.fromkeys([*metrics.get(spec_a, {}), *metrics.get(spec_b, {})]):
        mean_a = (metrics.get(spec_a, {}).get(name) or {}).get("mean")
        mean_b = (metrics.get(spec_b, {}).get(name) or {}).get("mean")
        pair = pairs.get(name) or {}
        diff = None if mean_a is None or mean_b is None else round(mean_b - mean_a, 4)
        rows.append({"metric": name, "a": mean_a, "b": mean_b, "diff": diff, "p_value": pair.get("p_value")})
    return rows


def format_cell(name: str, value) -> str:
    """A value as the reader's locale writes it, with its unit."""
    if value is None:
        return "–"
    if name == "method":
        return t(f"train.choice.method.{value}")
    if name in ("trainable_params", "total_params", "steps", "train_examples"):
        return format_number(int(value))
    if name == "trainable_percent":
        return f"{format_number(value, decimals=2)} %"
    if name in ("peak_memory_mb", "size_on_disk_mb"):
        return f"{format_number(value, decimals=1)} MB"
    if name == "runtime_s":
        return f"{format_number(value, decimals=1)} s"
    return format_number(value, decimals=4) if isinstance(value, float) else str(value)


def signed(value: float | None, decimals: int = 3) -> str:
    """+0.050 / −0.050 in the reader's locale ("–" when missing)."""
    if value is None:
        return "–"
    return ("+" if value >= 0 else "−") + format_number(abs(value), decimals=decimals)
