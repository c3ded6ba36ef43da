"""Home: what the lab does, the path through it, and what this machine offers."""
import streamlit as st

from components.environment_panel import environment_panel
from components.guide_path import guided_path
from components.shell import use_page_language
from core.hosted import winddown
from core.i18n import format_date, t

use_page_language()

st.title(t("home.title"))
st.markdown(t("home.intro"))

st.subheader(t("home.path_title"))
guided_path()   # the lesson's steps with this session's progress (components/guide_path.py)

st.info(t("home.lesson"), icon="💡")
st.warning(t("home.openai_winddown", closed=format_date(winddown.CLOSED_TO_NEW_ORGS),
             last_day=format_date(winddown.NO_NEW_JOBS_AFTER), retire=format_date(winddown.MODELS_RETIRE)), icon="📅")

st.subheader(t("home.env_title"))
environment_panel()
