"""The hosted fine-tuning form (OpenAI / Azure OpenAI) that the training page shows.

Minimal first version: the signature is final, the body grows as core/hosted lands.
"""
from __future__ import annotations

import streamlit as st


def render(backend: str = "openai") -> str | None:
    """Draw the hosted form for backend "openai" or "azure"; return the id of the engine job the
    user is looking at (so the page can show the shared run monitor for it), or None."""
    st.caption("…")
    return None
