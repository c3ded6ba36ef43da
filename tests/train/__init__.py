"""Helpers shared by tests/test_train_*.py."""
