"""Evaluation: measured evidence for base vs fine-tuned vs RAG (issue 10). See run.py."""
