"""Dataset Inspector logic: read, check, count, convert, clean and split training files.

Public API (used by the inspector page, `python -m lab inspect`, and the costs / train / arena
pages): inspect_file, InspectionReport, Finding, group_findings, auto_epochs, token_limit, split_file,
clean_file, plan_clean, replace_line, iter_examples, csv_columns, csv_to_chat, prompt_completion_to_chat.
"""
from core.dataset.clean import CleanPlan, clean_file, droppable_codes, pii_lines, plan_clean, replace_line, split_file
from core.dataset.convert import csv_columns, csv_to_chat, prompt_completion_to_chat
from core.dataset.formats import detect_format
from core.dataset.inspector import DEFAULT_MODEL, MIN_EXAMPLES, inspect_file
from core.dataset.limits import auto_epochs, is_local, token_limit
from core.dataset.reader import iter_examples, read_line_at
from core.dataset.report import Finding, FindingGroup, InspectionReport, group_findings, line_ranges_text

__all__ = [
    "CleanPlan", "DEFAULT_MODEL", "Finding", "FindingGroup", "InspectionReport", "MIN_EXAMPLES", "auto_epochs",
    "clean_file", "csv_columns", "csv_to_chat", "detect_format", "droppable_codes", "group_findings",
    "inspect_file", "is_local", "iter_examples", "line_ranges_text", "pii_lines", "plan_clean",
    "prompt_completion_to_chat", "read_line_at", "replace_line", "split_file", "token_limit",
]
