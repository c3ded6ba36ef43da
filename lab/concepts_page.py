"""Key concepts (tokens, LoRA/PEFT, quantization, training curves, RAG), each explained in a few
sentences and shown with this machine's real numbers."""
import streamlit as st

from components import guide_concepts
from components.shell import friendly_errors, use_page_language
from core.i18n import t

use_page_language()
st.title(t("concepts.title"))
st.markdown(t("concepts.intro"))
st.markdown(" · ".join(f"[{t(f'concepts.{s}_title')}](#{s})" for s in guide_concepts.SECTIONS))

for section in guide_concepts.SECTIONS:
    with friendly_errors(stop=False):
        getattr(guide_concepts, section)()
st.page_link("guide_page.py", label=t("concepts.guide_link"), icon="🧭")
