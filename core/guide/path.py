"""The guided path: the lesson as steps (data → cost → train → compare → evaluate → decide), and
which of them this browser session has done, read from what the lab already records.

A step is done when its trace exists: the dataset a page handed on (session "lab_dataset"), a
training or evaluation job created since the session began (the job registry), an arena vote since
then (the votes table), the guide's decision (session "guide_decision"), or an explicit mark a page
leaves in session "lab_progress" (a set of step ids) for steps that leave no other trace (the cost).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

TRAINING_BACKENDS = ("local", "openai", "azure")


@dataclass(frozen=True)
class Step:
    id: str
    page: str          # relative to lab/, as st.page_link wants it
    icon: str
    quick: bool        # shown in workshop mode (the 15-minute route)


STEPS = (
    Step("dataset", "inspector_page.py", "🔎", True),
    Step("cost", "costs_page.py", "💰", True),
    Step("run_started", "train_page.py", "🏋️", True),
    Step("run_finished", "train_page.py", "✅", True),
    Step("compared", "arena_page.py", "⚔️", True),
    Step("evaluated", "eval_page.py", "📏", False),
    Step("decided", "guide_page.py", "🧭", True),
)
STEP_IDS = tuple(step.id for step in STEPS)


def _jobs_since(since: float, backends: tuple[str, ...]) -> list:
    from core.jobs import registry

    return [job for job in registry.list_jobs() if job.backend in backends and job.created_at >= since]


def _voted_since(since: float) -> bool:
    from core.votes import list_votes

    for vote in reversed(list_votes()):
        try:
            when = dt.datetime.fromisoformat(vote["created_at"]).timestamp()
        except (TypeError, ValueError):
            continue
        if when >= since - 1:   # created_at has whole seconds
            return True
    return False


def progress(session: dict, since: float) -> dict[str, bool]:
    """{step id: done} for one browser session (session: its state; since: when it began, Unix s)."""
    marked = set(session.get("lab_progress") or ())
    runs = _jobs_since(since, TRAINING_BACKENDS)
    evals = _jobs_since(since, ("eval",))
    done = {
        "dataset": bool(session.get("lab_dataset")),
        "cost": "cost" in marked,
        "run_started": bool(runs),
        "run_finished": any(job.status == "succeeded" for job in runs),
        "compared": _voted_since(since),
        "evaluated": bool(evals),
        "decided": bool(session.get("guide_decision")),
    }
    return {step: done[step] or step in marked for step in STEP_IDS}
