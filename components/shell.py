"""What every Streamlit page shares: the language switch and turning core errors into messages."""
from __future__ import annotations

import json
from contextlib import contextmanager

import streamlit as st

from core.errors import LabError
from core.i18n import LANGUAGES, current_language, set_language, t
from core.text_safety import error_md, md_inline
from core.uploads import clean_base


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
    """The error's message; its parameters (file names, text from files) are escaped: st.error is Markdown."""
    st.error(error_md(err), icon="⚠️")


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
    shows the translated ones in their place; the size limit itself is enforced by max_upload_size
    (the same `limit_mb` that the drop zone and the end of the help tooltip name, so a page states
    one limit).

    The types are checked here, not by st.file_uploader(type=...): Streamlit's own check raises
    StreamlitAPIException for a name holding a NUL byte before the page script even starts, on every
    rerun, so the page would stay broken. Here a file of another type (or a name with nothing left
    once folders and control characters are removed) is refused with a message and left out.
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
    kwargs["help"] = f"{kwargs['help']}  \n{limit}" if kwargs.get("help") else limit  # the same limit, in words
    value = st.file_uploader(label, key=key, max_upload_size=limit_mb, **kwargs)
    if isinstance(value, list):
        return [f for f in value if _accepted(f, types)]
    return value if value is not None and _accepted(value, types) else None


def _accepted(upload, types: list[str]) -> bool:
    name = clean_base(upload.name)
    if "." in name and name.rsplit(".", 1)[1].lower() in {x.lower().lstrip(".") for x in types}:
        return True
    st.error(t("common.upload_wrong_type", name=md_inline(name or upload.name, 80),
               types=", ".join(x.upper() for x in types)), icon="⚠️")
    return False


def saved_as_note(saved: str, wanted: str, uploaded: str) -> None:
    """Say where an upload went when that is not the name it came with: another file had the
    (cleaned) name `wanted`, so both are kept; or the name had to be cleaned (folders, control or odd
    characters). core.uploads.Stored gives saved (path.name) and wanted."""
    if saved != wanted:
        st.info(t("common.upload_kept_both", name=md_inline(wanted), saved=md_inline(saved)), icon="🗂️")
    elif saved != uploaded:
        st.caption(t("common.upload_name_cleaned", name=md_inline(uploaded, 80, control="\ufffd"),
                     saved=md_inline(saved)))


def _css_string(text: str) -> str:
    """A CSS string literal: JSON's escaping of quotes and backslashes is valid CSS, and < is
    escaped so the text cannot close the <style> element."""
    return json.dumps(text, ensure_ascii=False).replace("<", "\\3c ")
