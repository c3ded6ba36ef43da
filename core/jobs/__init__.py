"""The job engine: one process model for every training backend (see README.md here)."""
