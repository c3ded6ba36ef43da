"""The few error types core/ raises. Each carries a catalogue key so every edge (CLI, Streamlit,
Gradio) can show the message in the user's language, plus the parameters to fill it in.

Edges convert once: the CLI prints `err.message()` and exits 2, Streamlit shows st.error and stops,
Gradio raises gr.Error. Messages never contain secrets: pass only what the user may see.
"""
from __future__ import annotations

from typing import Any


class LabError(Exception):
    """Base class: a problem the user can fix. key names a catalogue entry; hint_key the fix."""

    def __init__(self, key: str, hint_key: str | None = None, **params: Any) -> None:
        self.key = key
        self.hint_key = hint_key
        self.params = params
        super().__init__(key)

    def message(self, lang: str | None = None) -> str:
        from core.i18n import t

        text = t(self.key, lang, **self.params)
        if self.hint_key:
            text = f"{text} {t(self.hint_key, lang, **self.params)}"
        return text

    def __str__(self) -> str:  # readable in logs and tracebacks, always English
        return self.message("en")


class InputError(LabError):
    """Bad user input: a file, a number, an argument."""


class UnavailableError(LabError):
    """Something the lab needs is not there: a model offline, a key, a GPU, an endpoint."""


class ProviderError(LabError):
    """A hosted API refused or failed (keys are never part of the message)."""
