"""Fine-Tuning Lab: the Streamlit app (app.py + one module per page) and the CLI (python -m lab)."""
