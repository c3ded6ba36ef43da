"""Which contestants "test it on your data" preselects on the evaluation page.

The baseline is always there (a recommendation is only worth what it beats): the embedded base
model. RAG adds `rag`; fine-tuning adds the newest finished training run (`run:ID`, or its `ft:`
model), and both together add RAG over that run. Without a finished run, the fine-tuning entry
is missing and the page says so (train one first).
"""
from __future__ import annotations


def newest_run() -> str | None:
    """The spec of the newest finished training run the arena would list, or None."""
    from core.providers import list_contestants

    for contestant in list_contestants():
        if contestant.available and contestant.spec.startswith(("run:", "ft:")):
            return contestant.spec
    return None


def contestants_for(recommendation: str, run: str | None = "newest") -> list[str]:
    run = newest_run() if run == "newest" else run
    specs = ["base"]
    if recommendation in ("rag", "rag_and_fine_tune"):
        specs.append("rag")
    if recommendation in ("fine_tune", "rag_and_fine_tune") and run:
        specs.append(run)
        if recommendation == "rag_and_fine_tune" and run.startswith("run:"):
            specs.append(f"rag:{run}")
    return specs
