"""Benchmark: where fine-tuning wins (issue 12 §1) — the embedded model before and after the lab's
"task" preset on the bundled ticket-routing and extraction samples, scored on their evaluation sets.

    python bench/bench_tasks.py                                  # both tasks, both languages
    python bench/bench_tasks.py --tasks routing --langs en       # one pair (the machine is busy)
    python bench/bench_tasks.py --limit 20                       # first 20 evaluation lines only
    python bench/bench_tasks.py --method full --learning-rate 5e-5   # the same with all weights trained

Everything goes through the lab's own code: the job engine trains (core.training.launch.submit_local,
the same path as `python -m lab train --preset task`, in a temporary LAB_HOME), and the evaluation
runs core.evaluation.run.evaluate with contestants "base" and "run:ID" (greedy decoding). Baseline =
the untrained embedded model on the same lines in the same run.

Field accuracy (extraction) is core/evaluation's `json_fields`: per line, the share of the reference
object's fields whose value the answer gets right (strings normalized: case and accents folded); an
answer that is not a JSON object scores 0. Printed: each metric for base and run, the target, PASS/MISS.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MAX_TOKENS = {"routing": 8, "extraction": 96}  # a queue name is 1-3 tokens; the JSON object ~45-60


def targets(task: str, base: dict) -> dict:
    """metric -> minimum for the run (issue 12: routing >= 0.8 and >= base + 0.5)."""
    if task == "routing":
        return {"exact_match": max(0.8, (base.get("exact_match") or 0.0) + 0.5)}
    return {"json_valid": 0.9, "json_fields": 0.7}


def train(task: str, lang: str, overrides: dict) -> tuple[str, dict]:
    """Queue one run with the task preset (plus any --epochs/--max-examples given) and follow it to
    the end; (job id, its result)."""
    from core.jobs import registry
    from core.training.config import LocalTrainConfig
    from core.training.launch import submit_local
    from lab.commands.train import follow

    data = ROOT / "assets" / "samples" / f"{task}_{lang}.jsonl"
    job = submit_local(LocalTrainConfig.from_preset("task", dataset=str(data), **overrides), name=f"bench {task} {lang}")
    code = follow(job.id, out=sys.stderr, poll_s=5.0)
    if code != 0:
        raise SystemExit(f"training {task}/{lang} failed (exit {code}): {registry.get_job(job.id).error}")
    return job.id, registry.get_job(job.id).result or {}


def evaluate(task: str, lang: str, run_id: str, limit: int | None) -> dict:
    """{"base": {metric: mean}, "run": {...}} on assets/eval/<task>_<lang>.jsonl."""
    from core.evaluation.run import EvalConfig, evaluate as run_eval

    config = EvalConfig(data=str(ROOT / "assets" / "eval" / f"{task}_{lang}.jsonl"),
                        contestants=["base", f"run:{run_id}"], limit=limit, max_tokens=MAX_TOKENS[task], lang=lang)
    report = run_eval(config)
    out = {}
    for entry, name in zip(report["contestants"], ("base", "run")):
        out[name] = {metric: value["mean"] for metric, value in entry["metrics"].items()
                     if metric in ("exact_match", "json_valid", "json_keys", "json_fields")}
    out["samples"] = [{"q": row["question"][:90], "ref": row["reference"], "run": row["answers"][f"run:{run_id}"]}
                      for row in report["examples"][:3]]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", default="routing,extraction")
    parser.add_argument("--langs", default="en,pt-BR")
    parser.add_argument("--limit", type=int, default=None, help="evaluation lines per set (default: all)")
    parser.add_argument("--epochs", type=float, default=None, help="override the preset (busy machine)")
    parser.add_argument("--max-examples", type=int, default=None, help="override the preset (busy machine)")
    parser.add_argument("--method", choices=("lora", "full"), default=None, help="override the preset's method")
    parser.add_argument("--learning-rate", type=float, default=None, help="override the preset")
    parser.add_argument("--json", action="store_true", help="also print the rows as one JSON document")
    args = parser.parse_args()
    if "LAB_HOME" not in os.environ:  # a private registry and runs folder; the converted model is reused
        from core.paths import model_cache_dir

        os.environ.setdefault("LAB_MODEL_CACHE", str(model_cache_dir()))
        os.environ["LAB_HOME"] = tempfile.mkdtemp(prefix="lab-bench-tasks-")
    rows = []
    for task in args.tasks.split(","):
        for lang in args.langs.split(","):
            overrides = {"epochs": args.epochs, "max_examples": args.max_examples, "method": args.method,
                         "learning_rate": args.learning_rate}
            run_id, result = train(task, lang, overrides)  # None keeps the preset's value
            scores = evaluate(task, lang, run_id, args.limit)
            goal = targets(task, scores["base"])
            for metric, minimum in goal.items():
                run_value = scores["run"].get(metric) or 0.0
                rows.append({"task": task, "lang": lang, "metric": metric, "base": scores["base"].get(metric),
                             "run": run_value, "target": minimum, "pass": run_value >= minimum,
                             "train_s": result.get("runtime_s"), "steps": result.get("steps"),
                             "train_examples": result.get("train_examples"), "epochs": args.epochs or "preset"})
            for sample in scores["samples"]:
                print(f"  [{task}/{lang}] {sample['q']!r} -> {sample['run']!r} (ref {sample['ref']!r})", flush=True)
            print(f"  [{task}/{lang}] all metrics: {json.dumps(scores['base'])} -> {json.dumps(scores['run'])}", flush=True)
    print(f"\n{'task':<11}{'lang':<7}{'metric':<16}{'base':>7}{'run':>7}{'target':>8}  result  train")
    for row in rows:
        base = "-" if row["base"] is None else f"{row['base']:.2f}"
        print(f"{row['task']:<11}{row['lang']:<7}{row['metric']:<16}{base:>7}{row['run']:>7.2f}{row['target']:>8.2f}"
              f"  {'PASS' if row['pass'] else 'MISS':<6}  {row['train_s']} s, {row['steps']} steps, "
              f"{row['train_examples']} examples, epochs {row['epochs']}")
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
    return 0 if all(row["pass"] for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
