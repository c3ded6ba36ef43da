"""Questions for the arena: sample questions in both languages (assets/samples/questions.json) and
held-out questions of a training run, read from the validation split the run saved in its own folder
(core.training.data.held_out_path), so a demo never asks what the model was trained on.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from core.dataset.reader import iter_examples
from core.errors import InputError
from core.i18n import LANGUAGES, format_number, normalize, t
from core.jobs import registry
from core.paths import ASSETS
from core.rag.prompt import question_in_prompt
from core.training.data import held_out_path

QUESTIONS_FILE = ASSETS / "samples" / "questions.json"


def sample_questions(lang: str | None = None) -> list[dict]:
    """[{"question", "expected", "lang"}], the given language first, then the other one."""
    data = json.loads(QUESTIONS_FILE.read_text(encoding="utf-8"))
    first = normalize(lang)
    order = [first] + [code for code in LANGUAGES if code != first]
    return [{**item, "lang": code} for code in order for item in data.get(code, [])]


@dataclass
class HeldOut:
    """A run's held-out questions and how they were kept aside (for the panel's explanation)."""

    job_id: str
    questions: list[dict]  # [{"question", "reference"}]
    dataset: str  # file name the run trained on
    val_fraction: float | None  # the run's share kept aside; None when it was given a validation file
    seed: int | None
    validation_file: str | None  # file name of the validation file the run was given, if any

    def note(self, lang: str | None = None) -> str:
        """How these questions were kept aside, in the run's own numbers."""
        if self.validation_file:
            return t("arena.held_out_file", lang, file=self.validation_file, job_id=self.job_id)
        return t("arena.held_out_split", lang, percent=format_number(100 * (self.val_fraction or 0), lang, 0),
                 seed=self.seed, dataset=self.dataset, job_id=self.job_id)


def runs_with_held_out() -> list[registry.Job]:
    """Local runs (newest first) whose folder holds a validation split to ask from."""
    return [job for job in registry.list_jobs(backend="local", limit=100) if held_out_path(job.run_dir)]


def run_for_dataset(dataset: str | None) -> str | None:
    """The newest run with held-out questions that trained on `dataset` (a path), else the newest one."""
    runs = runs_with_held_out()
    if dataset:
        wanted = str(Path(dataset).expanduser().resolve())
        for job in runs:
            if str(job.params.get("dataset")) == wanted:
                return job.id
    return runs[0].id if runs else None


def held_out_questions(job_id: str, limit: int = 12) -> HeldOut:
    """The first `limit` questions of the run's own validation split, with the run's split settings."""
    job = registry.get_job(job_id)
    path = held_out_path(job.run_dir) if job is not None else None
    if path is None:
        raise InputError("arena.err_no_held_out", "arena.err_no_held_out_hint", job_id=job_id)
    params = job.params
    given = params.get("validation_file") or None
    return HeldOut(job_id=job.id, questions=questions_in(path, limit),
                   dataset=Path(str(params.get("dataset") or "")).name,
                   val_fraction=None if given else float(params.get("val_fraction", 0) or 0),
                   seed=None if given else params.get("seed"),
                   validation_file=Path(given).name if given else None)


def questions_in(path: str | Path, limit: int = 12) -> list[dict]:
    """[{"question", "reference"}]: the last user message of each chat/DPO example in a JSONL file and
    the assistant reply after it (the reference answer)."""
    out = []
    for _line, example in iter_examples(path):
        question, reference = _question_of(example)
        if question:
            out.append({"question": question, "reference": reference})
        if len(out) >= limit:
            break
    return out


def _question_of(example: dict) -> tuple[str | None, str | None]:
    """(last user message, the assistant reply after it) of a chat or DPO example."""
    messages = example.get("messages")
    reference = None
    if messages is None and isinstance(example.get("input"), dict):  # DPO
        messages = example["input"].get("messages")
        preferred = example.get("preferred_output") or []
        reference = preferred[0].get("content") if preferred and isinstance(preferred[0], dict) else None
    if not isinstance(messages, list):
        return None, None
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if isinstance(message, dict) and message.get("role") == "user" and isinstance(message.get("content"), str):
            after = messages[index + 1] if index + 1 < len(messages) else None
            if reference is None and isinstance(after, dict) and after.get("role") == "assistant":
                reference = after.get("content") if isinstance(after.get("content"), str) else None
            return question_in_prompt(message["content"].strip()), reference
    return None, None
