"""Streamlit entry point: it only sets up the page and routes (st.Page + st.navigation).

Run with `streamlit run lab/app.py` (the README's run command does this for you).
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run lab/app.py` puts lab/ first, not the repo root
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from components.shell import friendly_errors, language_switch  # noqa: E402
from core.i18n import t  # noqa: E402
from core.paths import check_lab_home  # noqa: E402

st.set_page_config(page_title="Fine-Tuning Lab", page_icon="🧪", layout="wide")
language_switch()
if not st.session_state.get("lab_home_checked"):  # once per browser session: it writes a probe file
    with friendly_errors():  # a LAB_HOME that cannot be written, or a full disk: one box, no page starts
        check_lab_home()
    st.session_state["lab_home_checked"] = True

HOME = st.Page("home_page.py", title=t("nav.home"), icon="🏠", default=True)  # served at "/"
PAGES = [
    HOME,
    st.Page("inspector_page.py", title=t("nav.inspector"), icon="🔎", url_path="inspector"),
    st.Page("costs_page.py", title=t("nav.costs"), icon="💰", url_path="costs"),
    st.Page("train_page.py", title=t("nav.train"), icon="🏋️", url_path="train"),
    st.Page("arena_page.py", title=t("nav.arena"), icon="⚔️", url_path="arena"),
    st.Page("documents_page.py", title=t("nav.documents"), icon="📚", url_path="documents"),
    st.Page("eval_page.py", title=t("nav.eval"), icon="📏", url_path="eval"),
    st.Page("guide_page.py", title=t("nav.guide"), icon="🧭", url_path="guide"),
    st.Page("concepts_page.py", title=t("nav.concepts"), icon="📖", url_path="concepts"),
]
# The default page's address is "/", so "/home" (a typed or bookmarked URL) would say "Page not found"
# first: a hidden page answers there and forwards to Home.
HOME_ALIAS = st.Page(lambda: st.switch_page(HOME), title=t("nav.home"), url_path="home", visibility="hidden")
st.navigation([*PAGES, HOME_ALIAS]).run()
