"""OpenAI's wind-down of self-serve fine-tuning, as dates the lab can reason about.

Source: ../shared/reference/openai-fine-tuning.md (OpenAI deprecations page, checked 2026-11).
Azure OpenAI is not affected: its fine-tuning follows Azure's own model retirement schedule.
"""
from __future__ import annotations

from datetime import date

from core.i18n import format_date, t
from core.pricing import wind_down

_DATES = wind_down()  # assets/pricing.yaml's wind_down section: the one record of these dates
CLOSED_TO_NEW_ORGS: date = _DATES["closed_to_new_organisations"]  # organisations that never fine-tuned
NO_NEW_JOBS_AFTER: date = _DATES["no_new_jobs_after"]              # last day anyone can create a job
MODELS_RETIRE: date = _DATES["models_retire"]                      # these models and their fine-tunes stop
RETIRING_MODELS = (
    "gpt-4o-2024-08-06",
    "gpt-4o-mini-2024-07-18",
    "gpt-4.1-2025-04-14",
    "gpt-4.1-mini-2025-04-14",
)
# Models the lab offers in the form: the ones still fine-tunable until the shutdown.
FINE_TUNABLE_MODELS = RETIRING_MODELS


def date_params(lang: str | None = None) -> dict[str, str]:
    """The wind-down dates as catalogue parameters, written the lab's one way (core.i18n.format_date)."""
    return {
        "closed": format_date(CLOSED_TO_NEW_ORGS, lang),
        "last_day": format_date(NO_NEW_JOBS_AFTER, lang),
        "retire": format_date(MODELS_RETIRE, lang),
        "models": ", ".join(name.split("-20")[0] for name in RETIRING_MODELS),
    }


def jobs_closed(today: date | None = None) -> bool:
    """True once OpenAI accepts no new fine-tuning jobs from anyone."""
    return (today or date.today()) > NO_NEW_JOBS_AFTER


def days_left(today: date | None = None) -> int:
    """Days until the last day new OpenAI jobs are accepted (negative once past)."""
    return (NO_NEW_JOBS_AFTER - (today or date.today())).days


def notice(lang: str | None = None, today: date | None = None) -> str:
    """The plain-words notice shown wherever an OpenAI job is about to be created."""
    key = "hosted.winddown.closed" if jobs_closed(today) else "hosted.winddown.notice"
    return t(key, lang, days=max(days_left(today), 0), **date_params(lang))
