"""Fine-tune or RAG? The questionnaire, the live recommendation with its reasons and numbers, and
the way to test it on one's own data."""
from pathlib import Path

import streamlit as st

from components import guide_form, guide_result
from components.shell import friendly_errors, use_page_language
from core.guide import parse_answers, recommend
from core.i18n import t

use_page_language()
st.title(t("guide.title"))
st.markdown(t("guide.intro"))
st.page_link("concepts_page.py", label=t("guide.concepts_link"), icon="📖")

st.subheader(t("guide.questions_title"))
raw = guide_form.questionnaire()
volumes = guide_form.volumes_form()
with friendly_errors():
    answers = parse_answers(raw)
    result = recommend(answers, volumes, contestants=True)
if answers.to_dict() != parse_answers({}).to_dict():
    st.session_state["guide_decision"] = result.recommendation   # the guided path's last step

guide_result.recommendation(result)
guide_result.comparison(result)
guide_result.test_on_your_data(result, eval_page_ready=(Path(__file__).parent / "eval_page.py").is_file())
guide_result.rule_table(result)
