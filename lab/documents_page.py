"""RAG documents: what the assistant can look up, uploads, deletion, index rebuild, a test search.

A storyboard: widgets, one call into core.rag per action, render. The index lives in core.rag.index
(FAISS under LAB_HOME); this page never embeds anything itself.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from components.shell import file_uploader, friendly_errors, saved_as_note, show_error, use_page_language
from core.errors import LabError
from core.guide.concepts import linked_help
from core.i18n import LANGUAGES, format_number, t
from core.rag import get_index, sources
from core.rag.documents import ANY_LANGUAGE, MAX_UPLOAD_BYTES, SUPPORTED_SUFFIXES, safe_name
from core.text_safety import md_code, md_inline, t_md

lang = use_page_language()  # bound into format_func below: Streamlit may call them outside this run
st.title(t("rag.page_title"))
st.caption(t("rag.page_intro"))

with friendly_errors():
    index = get_index("default")
    rows = index.list_documents()


def language_name(code: str | None) -> str:
    return LANGUAGES.get(code or "", t("rag.lang_any", lang))


OWN_FIRST = sorted(LANGUAGES, key=lambda code: code != lang)  # a Portuguese page opens on Portuguese


def progress_bar():
    """A st.progress bar and the (fraction, message) callback core.rag reports to."""
    bar = st.progress(0.0)
    return bar, lambda fraction, message: bar.progress(fraction, text=message)


# ---- the collection, per language ----------------------------------------------------------------
st.subheader(t("rag.documents_header"))
if not rows:
    st.info(t("rag.empty_collection"), icon="📭")
tabs = st.tabs([language_name(code) for code in [*OWN_FIRST, None]])
for tab, code in zip(tabs, [*OWN_FIRST, None]):
    with tab:
        mine = [r for r in rows if r["lang"] == code]
        if not mine:
            st.caption(t("rag.empty_language"))
            continue
        st.dataframe(pd.DataFrame([{
            t("rag.col_title"): r["title"], t("rag.col_file"): r["name"],
            t("rag.col_source"): t(f"rag.source_{r['source']}"),
            t("rag.col_chunks"): r["chunks"] if r["chunks"] is not None else "—",
            t("rag.col_size"): f"{format_number(r['size'] / 1024, decimals=1)} KiB",
            t("rag.col_status"): r["error"] or (t("rag.status_indexed") if r["chunks"] is not None
                                                 else t("rag.status_pending")),
        } for r in mine]), hide_index=True, width="stretch", key=f"rag_table_{code or ANY_LANGUAGE}")

# ---- upload --------------------------------------------------------------------------------------
st.subheader(t("rag.upload_header"))
files = file_uploader(t("rag.upload_label"), types=[s.lstrip(".") for s in SUPPORTED_SUFFIXES],
                      limit_mb=MAX_UPLOAD_BYTES // 2**20, accept_multiple_files=True, key="rag_upload",
                      help=t("rag.upload_help"))
upload_lang = st.selectbox(t("rag.upload_lang_label"), [*OWN_FIRST, ANY_LANGUAGE], key="rag_upload_lang",
                           format_func=lambda c: language_name(None if c == ANY_LANGUAGE else c),
                           help=t("rag.upload_lang_help"))
if st.button(t("rag.upload_button"), key="rag_upload_button", disabled=not files, type="primary"):
    bar, report = progress_bar()
    for number, upload in enumerate(files, start=1):
        report((number - 1) / len(files), t_md("rag.progress_file", name=upload.name, n=number, total=len(files)))
        try:
            doc = index.add_document(upload.name, upload.getvalue(), lang=upload_lang, progress=report)
            st.success(t_md("rag.upload_done", name=doc.name), icon="✅")
            saved_as_note(doc.name, safe_name(upload.name), upload.name)  # kept beside another file, or cleaned
        except LabError as err:
            show_error(err)  # one bad file must not stop the others
    bar.empty()
    rows = index.list_documents()

# ---- delete (uploads only, with confirmation) ---------------------------------------------------
uploaded = [r for r in rows if r["source"] == "uploaded"]
if uploaded:
    st.subheader(t("rag.delete_header"))
    names = {r["doc_id"]: f"{r['name']} ({language_name(r['lang'])})" for r in uploaded}
    target = st.selectbox(t("rag.delete_label"), list(names), format_func=names.get, key="rag_delete_doc")
    if st.button(t("rag.delete_button"), key="rag_delete_button"):
        st.session_state["rag_pending_delete"] = target
    pending = st.session_state.get("rag_pending_delete")
    if pending in names:
        st.warning(t_md("rag.delete_confirm_text", name=names[pending]), icon="⚠️")
        yes, no = st.columns(2)
        if yes.button(t("rag.delete_confirm"), key="rag_delete_confirm", type="primary"):
            with friendly_errors():
                index.remove_document(pending)
            st.session_state.pop("rag_pending_delete", None)
            st.rerun()
        if no.button(t("common.cancel"), key="rag_delete_cancel"):
            st.session_state.pop("rag_pending_delete", None)
            st.rerun()

# ---- index ---------------------------------------------------------------------------------------
st.subheader(t("rag.index_header"))
stats = index.stats()
if stats["chunks"] or not rows:
    st.caption(t("rag.index_stats", documents=stats["documents"], chunks=stats["chunks"], embedder=stats["embedder"]))
else:
    st.caption(t("rag.index_not_built"))
if st.button(t("rag.rebuild_button"), key="rag_rebuild", help=linked_help("rag_rebuild", t("rag.rebuild_help"))):
    bar, report = progress_bar()
    with friendly_errors():
        result = index.rebuild(progress=report)
    st.success(t("rag.rebuild_done", chunks=result["embedded"]), icon="✅")

# ---- try a search --------------------------------------------------------------------------------
st.subheader(t("rag.search_header"))
query = st.text_input(t("rag.search_label"), key="rag_query", placeholder=t("rag.search_placeholder"),
                      help=linked_help("rag_query", t("concepts.help.rag_query")))
left, right = st.columns(2)
k = left.slider(t("rag.k_label"), 1, 10, 3, key="rag_k", help=linked_help("rag_k", t("rag.k_help")))
search_lang = right.selectbox(t("rag.search_lang_label"), ["all", *LANGUAGES], key="rag_search_lang",
                              format_func=lambda c: t("rag.lang_all", lang) if c == "all" else LANGUAGES[c],
                              help=linked_help("rag_search_lang", t("rag.search_lang_help")))
if st.button(t("rag.search_button"), key="rag_search_button", disabled=not query.strip()):
    bar, report = progress_bar()
    with friendly_errors():
        index.sync(progress=report)  # the first search embeds the collection: show it
        hits = index.search(query, k=k, lang=None if search_lang == "all" else search_lang)
    bar.empty()
    if not hits:
        st.info(t("rag.search_empty"), icon="🔍")
    for source, hit in zip(sources(hits), hits):
        with st.container(border=True):
            st.markdown(f"**[{source['n']}] {md_inline(source['title'])}** · {md_code(source['doc_id'])}")
            st.caption(t("rag.hit_meta", score=format_number(hit.score, decimals=3), chunk=hit.chunk_id))
            st.text(source["snippet"])
            with st.expander(t("rag.hit_full")):
                st.text(hit.text)
