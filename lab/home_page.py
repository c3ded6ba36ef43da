"""Home: what the lab does, the path through it, and what this machine offers."""
import streamlit as st

from components.environment_panel import environment_panel
from components.shell import use_page_language
from core.i18n import t

use_page_language()

st.title(t("home.title"))
st.markdown(t("home.intro"))

st.subheader(t("home.path_title"))
steps = [
    ("inspector_page.py", "🔎", "home.step_data", "home.step_data_help"),
    ("costs_page.py", "💰", "home.step_costs", "home.step_costs_help"),
    ("train_page.py", "🏋️", "home.step_train", "home.step_train_help"),
    ("arena_page.py", "⚔️", "home.step_compare", "home.step_compare_help"),
]
for column, (page, icon, label, help_key) in zip(st.columns(len(steps)), steps):
    with column.container(border=True):
        st.page_link(page, label=t(label), icon=icon)
        st.caption(t(help_key))

st.info(t("home.lesson"), icon="💡")
st.warning(t("home.openai_winddown"), icon="📅")

st.subheader(t("home.env_title"))
environment_panel()
