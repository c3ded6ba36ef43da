"""Workshop mode: one switch (on Home) that keeps only the quick choices on every page.

The mode lives in one session key, so it survives page changes; each page asks `workshop_mode()`
and leaves out its advanced controls (their defaults, or the chosen preset's values, apply), and
`workshop_note()` says so, with the way back to every control.
"""
from __future__ import annotations

import streamlit as st

from core.i18n import t

WORKSHOP_KEY = "lab_workshop_mode"      # not a widget's key: a widget's own state dies with its page


def workshop_mode() -> bool:
    return bool(st.session_state.get(WORKSHOP_KEY, False))


def set_workshop_mode(on: bool) -> None:
    st.session_state[WORKSHOP_KEY] = bool(on)


def workshop_note() -> bool:
    """On a page in workshop mode: a caption saying that the advanced controls are hidden and how
    to see them (Home's switch). Returns workshop_mode(), so a page can write `if workshop_note():`."""
    if not workshop_mode():
        return False
    st.caption(f"{t('guide.workshop.note')} [🏠 {t('guide.workshop.turn_off')}](/)")  # Home is served at "/"
    return True
