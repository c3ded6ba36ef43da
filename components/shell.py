"""What every Streamlit page shares: the language switch and turning core errors into messages."""
from __future__ import annotations

import json
from contextlib import contextmanager

import streamlit as st

from core.errors import LabError
from core.i18n import LANGUAGES, current_language, set_language, t


def language_switch() -> str:
    """Sidebar selector English / Português (Brasil). The choice lives in session_state["lang"]
    (also settable with ?lang=pt-BR) and sets core.i18n's current language for this script run."""
    if "lang" not in st.session_state:
        st.session_state["lang"] = set_language(st.query_params.get("lang") or current_language())
    set_language(st.session_state["lang"])
    codes = list(LANGUAGES)
    st.sidebar.selectbox(
        "🌐 Language / Idioma", codes, key="lang", format_func=LANGUAGES.get,
    )
    return set_language(st.session_state["lang"])


def use_page_language() -> str:
    """Call at the top of a page module: makes t() use the session's language."""
    return set_language(st.session_state.get("lang"))


def show_error(err: LabError) -> None:
    st.error(err.message(), icon="⚠️")


@contextmanager
def friendly_errors(stop: bool = True):
    """Wrap a page's calls into core/: a LabError becomes st.error (+ st.stop()), never a traceback."""
    try:
        yield
    except LabError as err:
        show_error(err)
        if stop:
            st.stop()


def file_uploader(label: str, *, key: str, types: list[str], limit_mb: int, **kwargs):
    """st.file_uploader with its own texts in the page's language and the lab's real size limit.

    Streamlit draws "Upload" and "200MB per file • JSONL" in English and offers no parameter for
    them, so a style rule scoped to this widget (its `st-key-<key>` class) hides those two texts and
    shows the translated ones in their place; the size limit itself is enforced by max_upload_size.
    """
    scope = f".st-key-{key} [data-testid='stFileUploaderDropzone']"
    limit = t("common.upload_limit", limit=limit_mb, types=", ".join(x.upper() for x in types))
    st.html(f"""<style>
{scope} button [data-testid='stMarkdownContainer'] p,
{scope} [data-testid='stFileUploaderDropzoneInstructions'] span {{font-size: 0}}
{scope} button [data-testid='stMarkdownContainer'] p::after {{content: {_css_string(t("common.upload_button"))};
  font-size: 0.875rem}}
{scope} [data-testid='stFileUploaderDropzoneInstructions'] span::after {{content: {_css_string(limit)};
  font-size: 0.875rem}}
</style>""")
    return st.file_uploader(label, type=types, key=key, max_upload_size=limit_mb, **kwargs)


def _css_string(text: str) -> str:
    """A CSS string literal: JSON's escaping of quotes and backslashes is valid CSS, and < is
    escaped so the text cannot close the <style> element."""
    return json.dumps(text, ensure_ascii=False).replace("<", "\\3c ")
