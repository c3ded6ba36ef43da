"""The arena's interface language: every component with visible text is registered with its
catalogue keys, so a page load can relabel the whole app in the visitor's language (?lang=pt-BR).

Why not gradio's own gr.I18n (checked in gradio 6.31): its translations are looked up in the
browser, and the locale comes from the browser (navigator.language / Accept-Language), not from the
page. The lab's language is a per-session choice on the Streamlit side, passed to the embedded arena
as ?lang=, and an English browser must be able to show the Portuguese lab. gr.I18n also takes plain
keys only, while the lab's texts have {placeholders} ("Column {n}") and Markdown. So the arena keeps
this small registry, filled from the same core.i18n catalogues as the rest of the lab.
"""
from __future__ import annotations

from core.i18n import current_language, t

_TEXTS: list[tuple[object, dict]] = []


class _StartText:
    """T(key, **params): text in the start language (LAB_LANG), for building the components."""

    lang = current_language()

    def __call__(self, key: str, **params) -> str:
        return t(key, self.lang, **params)


T = _StartText()


def tr(component, **keys):
    """Register a component's translatable props: label=..., info=..., placeholder=..., value=...
    A value is a catalogue key or (key, params). Returns the component."""
    _TEXTS.append((component, keys))
    return component


def _text(key, lang: str) -> str:
    return t(key[0], lang, **key[1]) if isinstance(key, tuple) else t(key, lang)


def relabel(lang: str) -> dict:
    """{component: {prop: text}} of every registered component, in `lang`."""
    return {component: {prop: _text(key, lang) for prop, key in keys.items()} for component, keys in _TEXTS}
