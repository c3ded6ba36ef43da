"""The guided path on Home: the lesson's steps with this session's progress, each a link to its
page, and the "workshop mode" switch (only the quick choices; pages read components.workshop)."""
from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from components.workshop import set_workshop_mode, workshop_mode
from core.guide.path import STEPS, progress
from core.i18n import t

LAB_DIR = Path(__file__).resolve().parent.parent / "lab"
PER_ROW = 4  # cards side by side on Home


def session_started() -> float:
    """When this browser session began (the first page that asked): steps count from then."""
    return st.session_state.setdefault("lab_session_started", time.time())


def mark_step(step: str) -> None:
    """For pages whose step leaves no other trace (the Cost Calculator: `mark_step("cost")`)."""
    st.session_state.setdefault("lab_progress", set()).add(step)


def _toggle_workshop() -> None:
    set_workshop_mode(st.session_state.get("guide_workshop_toggle"))


def guided_path() -> None:
    since = session_started()
    st.session_state["guide_workshop_toggle"] = workshop_mode()
    st.toggle(t("guide.path.workshop_label"), key="guide_workshop_toggle", on_change=_toggle_workshop,
              help=t("guide.path.workshop_help"))
    quick = workshop_mode()
    done = progress(st.session_state, since)
    steps = [step for step in STEPS if step.quick or not quick]
    finished = sum(done[step.id] for step in steps)
    st.progress(finished / len(steps), text=t("guide.path.progress", done=finished, total=len(steps)))
    # rows of PER_ROW cards: seven in one row cut the step names to "1. Verific…"
    columns = [column for start in range(0, len(steps), PER_ROW) for column in st.columns(PER_ROW)]
    for column, (number, step) in zip(columns, enumerate(steps, start=1)):
        with column.container(border=True, key=f"guide_path_{step.id}"):
            label = f"{number}. {t(f'guide.path.step.{step.id}')}"
            if (LAB_DIR / step.page).is_file():
                st.page_link(step.page, label=label, icon="✅" if done[step.id] else step.icon)
            else:
                st.markdown(f"{step.icon} {label}")
                st.caption(t("guide.path.page_missing"))
            st.caption(t(f"guide.path.{'quick' if quick else 'help'}.{step.id}"))
