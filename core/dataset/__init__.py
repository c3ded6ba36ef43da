"""Dataset Inspector logic: read, check, count, convert, clean and split training files.

Public API (used by the inspector page, `python -m lab inspect`, and the costs / train / arena
pages): inspect_file, InspectionReport, Finding, auto_epochs, token_limit, split_file, clean_file,
plan_clean, iter_examples, csv_columns, csv_to_chat, prompt_completion_to_chat.
"""
from core.dataset.clean import CleanPlan, clean_file, droppable_codes, plan_clean, split_file
from core.dataset.convert import csv_columns, csv_to_chat, prompt_completion_to_chat
from core.dataset.formats import detect_format
from core.dataset.inspector import DEFAULT_MODEL, inspect_file
from core.dataset.limits import auto_epochs, is_local, token_limit
from core.dataset.reader import iter_examples, read_line_at
from core.dataset.report import Finding, InspectionReport

__all__ = [
    "CleanPlan", "DEFAULT_MODEL", "Finding", "InspectionReport", "auto_epochs", "clean_file",
    "csv_columns", "csv_to_chat", "detect_format", "droppable_codes", "inspect_file", "is_local",
    "iter_examples", "plan_clean", "prompt_completion_to_chat", "read_line_at", "split_file",
    "token_limit",
]
