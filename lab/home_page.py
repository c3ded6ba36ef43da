"""Placeholder home page (rewritten in the foundation issue)."""
import streamlit as st

st.title("Fine-Tuning Lab")
