"""Quality vs quantity (issue 12 §3): one dataset trained on growing subsets, each run evaluated on
the same held-out set, so a chart can show the metric against the number of examples — and the same
subsets with a share of wrong replies, to show that a few bad labels cost more than many missing ones.

Shape: a curve is a folder LAB_HOME/curves/ID with curve.json (the plan and the job ids) and the
subset files. Subsets are nested — the first N lines of ONE shuffled order (seed) — so a bigger point
holds every example of a smaller one. Noisy subsets are the same N lines with round(noise x N) of
their replies rotated among themselves (each such line gets another line's reply). Every point is an
ordinary training job of the engine (queued, one per device); `advance()` queues the evaluation of
each run once it succeeded (an evaluation needs a finished run) — the CLI's follow loop and the page
call it, so a curve started from one keeps going in the other.
"""
from __future__ import annotations

import json
import random
import time
from pathlib import Path

from core.atomic import write_text
from core.errors import InputError
from core.jobs import registry
from core.paths import subdir

CURVE = "curve.json"


def parse_sizes(text: str) -> list[int]:
    """'10,50,100' -> [10, 50, 100] (sorted, unique, each >= 1)."""
    try:
        sizes = sorted({int(part) for part in str(text).split(",") if part.strip()})
    except ValueError as exc:
        raise InputError("methods.err_sizes", "methods.err_sizes_hint", sizes=text) from exc
    if not sizes or sizes[0] < 1:
        raise InputError("methods.err_sizes", "methods.err_sizes_hint", sizes=text)
    return sizes


def shuffled(conversations: list, seed: int) -> list:
    order = list(conversations)
    random.Random(seed).shuffle(order)
    return order


def with_noise(conversations: list[list[dict]], share: float, seed: int) -> tuple[list[list[dict]], int]:
    """A copy where round(share x n) lines (chosen with seed) carry another chosen line's last reply
    (rotated by one, so none keeps its own unless two replies are equal). Returns (lines, how many)."""
    count = round(share * len(conversations))
    if count < 2:  # one line cannot swap with itself
        return [list(c) for c in conversations], 0
    picked = sorted(random.Random(seed + 1).sample(range(len(conversations)), count))
    replies = [conversations[i][-1]["content"] for i in picked]
    out = [list(c) for c in conversations]
    for position, index in enumerate(picked):
        out[index][-1] = {**out[index][-1], "content": replies[(position + 1) % count]}
    return out, count


def _write_jsonl(path: Path, conversations: list[list[dict]]) -> Path:
    write_text(path, "".join(json.dumps({"messages": c}, ensure_ascii=False) + "\n" for c in conversations))
    return path


def curve_dir(curve_id: str) -> Path:
    return subdir("curves") / curve_id


def load_curve(curve_id: str) -> dict:
    path = curve_dir(curve_id) / CURVE
    if not path.is_file():
        raise InputError("methods.err_curve_unknown", "methods.err_curve_unknown_hint", curve=curve_id)
    return json.loads(path.read_text(encoding="utf-8"))


def _save(curve: dict) -> None:
    write_text(curve_dir(curve["id"]) / CURVE, json.dumps(curve, indent=2, ensure_ascii=False))


def submit_curve(data: str, sizes: list[int], eval_data: str, noise: float = 0.0, preset: str = "task",
                 params: dict | None = None, seed: int = 42, with_base: bool = True,
                 eval_options: dict | None = None) -> dict:
    """Check everything, write the subsets, queue one training job per (size, clean | noisy).
    eval_options: EvalConfig fields for every evaluation of the curve (limit, max_tokens, metrics)."""
    from core.evaluation.run import EvalConfig, load
    from core.training.config import LocalTrainConfig
    from core.training.data import load_conversations
    from core.training.launch import submit_local

    if not 0.0 <= noise <= 0.9:
        raise InputError("methods.err_noise", "methods.err_noise_hint", noise=noise)
    conversations = load_conversations(data)
    if sizes[-1] > len(conversations):
        raise InputError("methods.err_size_too_big", "methods.err_size_too_big_hint", size=sizes[-1],
                         lines=len(conversations), path=Path(data).name)
    eval_options = {k: v for k, v in (eval_options or {}).items() if v is not None}
    load(EvalConfig(data=eval_data, contestants=["base"], **eval_options))  # checked before any training
    known = set(LocalTrainConfig.__dataclass_fields__)
    for key in params or {}:
        if key not in known or key in ("dataset", "preset"):
            raise InputError("methods.err_param_unknown", "methods.err_param_hint", param=key)
    # The subset IS the training data: no cap, no validation split taken out of it.
    fixed = {**(params or {}), "max_examples": 0, "val_fraction": 0.0, "seed": seed}
    LocalTrainConfig.from_preset(preset, dataset=str(data), **fixed)  # bad params fail now, not per job
    curve_id = registry.new_job_id().replace("run-", "curve-", 1)
    folder = curve_dir(curve_id)
    order = shuffled(conversations, seed)
    points = []
    for kind in ("clean", "noisy") if noise > 0 else ("clean",):
        for size in sizes:
            lines, swapped = order[:size], 0
            if kind == "noisy":
                lines, swapped = with_noise(lines, noise, seed)
            path = _write_jsonl(folder / f"{kind}_{size}.jsonl", lines)
            cfg = LocalTrainConfig.from_preset(preset, dataset=str(path), **fixed)
            job = submit_local(cfg, name=f"{curve_id} {kind} {size}")
            points.append({"size": size, "kind": kind, "swapped": swapped, "train_job": job.id, "eval_job": None})
    curve = {"id": curve_id, "data": str(Path(data).resolve()), "eval": eval_data, "sizes": sizes, "noise": noise,
             "preset": preset, "params": params or {}, "seed": seed, "created": time.time(), "points": points,
             "base_eval": None, "with_base": with_base, "eval_options": eval_options}
    _save(curve)
    return advance(curve_id)


def advance(curve_id: str) -> dict:
    """Queue the evaluation of every point whose run succeeded (and of the base model once); save."""
    from core.evaluation import job as eval_job
    from core.evaluation.run import EvalConfig
    from core.jobs import runner

    runner.refresh()
    curve = load_curve(curve_id)
    options = curve.get("eval_options") or {}
    changed = False
    if curve.get("with_base") and not curve.get("base_eval"):
        curve["base_eval"] = eval_job.submit(EvalConfig(data=curve["eval"], contestants=["base"], **options)).id
        changed = True
    for point in curve["points"]:
        job = registry.get_job(point["train_job"])
        if point["eval_job"] is None and job is not None and job.status == "succeeded":
            config = EvalConfig(data=curve["eval"], contestants=[f"run:{job.id}"], **options)
            point["eval_job"] = eval_job.submit(config).id
            changed = True
    if changed:
        _save(curve)
    return curve


def _status(job_id: str | None) -> str:
    job = registry.get_job(job_id) if job_id else None
    return job.status if job else "waiting"


def _scores(eval_id: str | None, spec: str, metric: str | None) -> dict:
    """{"metric", "mean", "ci_low", "ci_high", "n"} from a finished evaluation, else {}."""
    from core.evaluation.job import load_results
    from core.evaluation.report import primary_metric

    if _status(eval_id) != "succeeded":
        return {}
    results = load_results(eval_id)
    name = metric or primary_metric(results)
    for contestant in results["contestants"]:
        if contestant["spec"] == spec and name in contestant["metrics"]:
            return {"metric": name, **contestant["metrics"][name]}
    return {}


def curve_results(curve_id: str, metric: str | None = None) -> dict:
    """The curve's plan plus, per point, the training and evaluation status and the metric's mean with
    its 95% bootstrap CI (core.evaluation.stats via the evaluation's results). "done" when every
    evaluation finished (succeeded or not)."""
    curve = load_curve(curve_id)
    points = []
    for point in curve["points"]:
        score = _scores(point["eval_job"], f"run:{point['train_job']}", metric)
        points.append({**point, "train_status": _status(point["train_job"]),
                       "eval_status": _status(point["eval_job"]), **score})
    base = _scores(curve.get("base_eval"), "base", metric) if curve.get("base_eval") else {}
    finished = {"succeeded", "failed", "cancelled"}
    done = all(p["eval_status"] in finished or p["train_status"] in finished - {"succeeded"} for p in points)
    if curve.get("with_base"):
        done = done and _status(curve.get("base_eval")) in finished
    names = {p["metric"] for p in points if p.get("metric")} | ({base["metric"]} if base else set())
    return {"id": curve["id"], "data": curve["data"], "eval": curve["eval"], "noise": curve["noise"],
            "sizes": curve["sizes"], "metric": metric or (sorted(names)[0] if names else None),
            "base": base, "points": points, "done": done}


def list_curves() -> list[str]:
    """Curve ids, newest first."""
    return sorted((p.parent.name for p in subdir("curves").glob(f"*/{CURVE}")), reverse=True)
