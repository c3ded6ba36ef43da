"""What every Streamlit page shares: the language switch and turning core errors into messages."""
from __future__ import annotations

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
