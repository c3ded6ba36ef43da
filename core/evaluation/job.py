"""Backend "eval" of the job engine (core/jobs/README.md): an evaluation runs like a training run.

Registry row + run folder + events.jsonl, in a worker process, so the page can reload, a second
tab can watch, and stop/resume work the same way as for training. The run folder holds:
- predictions.jsonl: one line per (example, contestant) answer, appended as each batch returns;
  a resumed job reads it and asks only what is missing or failed (a half-written last line from a
  killed worker is ignored and asked again);
- results.json: the summary (run.summarise), written atomically at the end; report.html beside it.
Lane: "cpu"/"cuda:0" when any contestant is a local model (it must not share the device with a
training run), else a lane of its own like a hosted training job.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from core.atomic import write_text
from core.errors import InputError
from core.evaluation.dataset import EvalExample
from core.evaluation.report import to_html
from core.evaluation.run import EvalConfig, generate, is_local, load, run_judge, summarise, track
from core.i18n import t
from core.jobs import registry, runner
from core.training.tracking_log import engine_warn

BACKEND = "eval"
PREDICTIONS = "predictions.jsonl"
RESULTS = "results.json"
REPORT = "report.html"


def lane_for(config: EvalConfig) -> str | None:
    """The local device's lane when a local model answers, else None (a lane of its own)."""
    from core.providers import get_provider

    if any(is_local(get_provider(spec)) for spec in config.contestants):
        return registry.local_device_lane()
    return None


def submit(config: EvalConfig, env: dict | None = None):
    """Validate (file, contestants, metrics) now, then queue the evaluation job. Secrets for hosted
    contestants or the judge travel only in `env`, never in the saved params."""
    load(config)  # raises InputError with the line number before anything is queued
    return runner.submit(BACKEND, {"config": config.to_params()}, lane=lane_for(config), env=env)


def config_of(job) -> EvalConfig:
    return EvalConfig(**(job.params or {}).get("config", {}))


def read_predictions(run_dir: str | Path) -> dict[str, dict[int, dict]]:
    """answers[spec][line] from predictions.jsonl (complete lines only)."""
    answers: dict[str, dict[int, dict]] = {}
    path = Path(run_dir) / PREDICTIONS
    if not path.is_file():
        return answers
    with open(path, encoding="utf-8") as handle:
        for raw in handle:
            try:
                row = json.loads(raw)
            except json.JSONDecodeError:
                continue  # the partial line of a worker killed mid-write: asked again
            answers.setdefault(row["contestant"], {})[int(row["line"])] = row["answer"]
    return answers


def _append(path: Path, row: dict) -> None:
    """One os.write on an O_APPEND descriptor per line: a kill leaves at worst one partial line."""
    data = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def run_job(job, emit) -> dict:
    """The worker side: answer what is missing, judge, summarise, write results and report."""
    config = config_of(job)
    examples = load(config)
    run_dir = Path(job.run_dir)
    path = run_dir / PREDICTIONS
    answers = read_predictions(run_dir)
    for spec in config.contestants:
        answers.setdefault(spec, {})
    # Failed answers (endpoint down, rate limit exhausted) are asked again; the new line wins.
    done = {(line, spec) for spec, rows in answers.items() for line, record in rows.items() if not record.get("error")}
    if done:
        emit("log", level="info", message=t("eval.job_resuming", n=len(done)))

    def keep(example: EvalExample, spec: str, record: dict) -> None:
        _append(path, {"line": example.line, "contestant": spec, "answer": record})
        answers[spec][example.line] = record

    last: dict = {}

    def progress(i: int, n: int, spec: str) -> None:
        if last.get("spec") != spec:
            emit("log", level="info", message=t("eval.job_contestant", contestant=spec))
        last["spec"] = spec
        emit("metric", step=i, total_steps=n, contestant=spec, message=t("eval.progress", i=i, n=n, contestant=spec))

    generate(config, examples, keep, done=done, progress=progress)
    judge_scores, judge_pairs = run_judge(config, examples, answers)
    results = summarise(config, examples, answers, judge_scores, judge_pairs)
    write_text(run_dir / RESULTS, json.dumps(results, ensure_ascii=False, indent=2))
    write_text(run_dir / REPORT, to_html(results, config.lang))
    track(config, results, run_dir, engine_warn(emit))  # each contestant's means to config.tracking
    means = {c["spec"]: {name: m["mean"] for name, m in c["metrics"].items()} for c in results["contestants"]}
    return {"results": str(run_dir / RESULTS), "report": str(run_dir / REPORT),
            "n_examples": results["n_examples"], "means": means}


def load_results(job_id: str) -> dict:
    """The results document of a finished evaluation job."""
    job = runner.require_job(job_id)
    path = Path(job.run_dir) / RESULTS
    if not path.is_file():
        raise InputError("eval.err_no_results", "eval.err_no_results_hint")
    return json.loads(path.read_text(encoding="utf-8"))


def list_evaluations() -> list:
    """Evaluation jobs, newest first."""
    return registry.list_jobs(backend=BACKEND)


def progress_of(job) -> tuple[int, int, str | None]:
    """(answered, total, contestant) from the job's latest progress event."""
    from core.jobs.events import read_all

    step, total, spec = 0, 0, None
    for event in read_all(job.run_dir):
        if event.get("kind") == "metric" and "total_steps" in event:
            step, total, spec = int(event.get("step") or 0), int(event["total_steps"]), event.get("contestant")
    return step, total, spec

