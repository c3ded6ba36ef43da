"""Fine-Tuning Lab logic. Nothing in core/ imports Streamlit or Gradio."""
