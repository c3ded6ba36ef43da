"""Reusable UI pieces: Streamlit widgets, Plotly figures, the Gradio arena Blocks."""
