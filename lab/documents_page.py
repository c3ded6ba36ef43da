"""Placeholder until its issue lands (replaced by the page owner)."""
import streamlit as st

st.info("…")
