"""inspect_file: one streaming pass over a JSONL file -> InspectionReport.

The pass reads a line, parses it, runs the checks of the file's format, and hands batches of
examples to the token counter, which counts batch N on worker threads while this thread parses
batch N+1. Only compact statistics stay in memory (see stats.py), so memory does not grow with
the file beyond a few bytes per example.
"""
from __future__ import annotations

import json
from array import array
from collections import Counter, deque
from pathlib import Path
from typing import Any, Callable

from core.dataset.checks import CHECKERS
from core.dataset.formats import detect_format, shape_of
from core.dataset.limits import auto_epochs, token_limit
from core.dataset.reader import LineReader, decode_json
from core.dataset.report import Finding, InspectionReport
from core.dataset.stats import StatsCollector
from core.dataset.tokens import make_counter
from core.errors import InputError
from core.i18n import current_language, normalize

try:
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None

DEFAULT_MODEL = "gpt-4o-mini-2024-07-18"
BATCH = 512  # examples per counting batch (~1 MB of text; 2,048 cost ~30 MB more peak memory, no speed)
MIN_EXAMPLES = 10  # OpenAI refuses fewer
RECOMMENDED_EXAMPLES = 50  # where gains usually start to show
JSON_TYPES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}


def _canonical_hash(value: dict) -> int:
    """Same examples hash the same, whatever their key order or spacing."""
    if _orjson is not None:
        try:
            return hash(_orjson.dumps(value, option=_orjson.OPT_SORT_KEYS))
        except (TypeError, _orjson.JSONEncodeError):
            pass
    return hash(json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")))


class _Findings:
    """Collects findings (up to max_findings) and counts all of them, by code and by severity."""

    def __init__(self, lang: str, max_findings: int | None) -> None:
        self.lang = lang
        self.max = max_findings
        self.items: list[Finding] = []
        self.by_code: Counter[str] = Counter()
        self.by_severity: Counter[str] = Counter({"error": 0, "warning": 0, "info": 0})
        self.dropped = 0
        self.line = 0

    def add(self, line: int, code: str, severity: str, **params: Any) -> None:
        self.by_code[code] += 1
        self.by_severity[severity] += 1
        if self.max is None or len(self.items) < self.max:
            self.items.append(Finding.make(line, code, severity, self.lang, **params))
        else:
            self.dropped += 1

    def __call__(self, code: str, severity: str, **params: Any) -> None:
        """The `emit` the checks call: a finding on the current line."""
        self.add(self.line, code, severity, **params)


def _check_path(path: Path) -> None:
    if not path.exists():
        raise InputError("inspect.error.not_found", "inspect.error.not_found_hint", path=str(path))
    if not path.is_file():
        raise InputError("inspect.error.not_a_file", "inspect.error.not_found_hint", path=str(path))
    if path.suffix.lower() == ".csv":
        raise InputError("inspect.error.csv", "inspect.error.csv_hint", path=str(path))


def inspect_file(path: str | Path, model: str = DEFAULT_MODEL, lang: str | None = None,
                 progress: Callable[[float], None] | None = None,
                 max_findings: int | None = None) -> InspectionReport:
    """Check a JSONL training file and count its tokens for `model`.

    model: an OpenAI model name (tiktoken, the cookbook's estimate) or "local" / "embedded" / a local
    model folder (that tokenizer and chat template). progress: called with the fraction of bytes read.
    max_findings: keep at most this many findings in the list (counts always cover all of them).
    """
    path = Path(path)
    model = model or DEFAULT_MODEL
    _check_path(path)
    lang = normalize(lang) if lang else current_language()
    try:
        file_format = detect_format(path)
        counter = make_counter(model)
        limit = token_limit(model)
    except OSError as exc:
        raise InputError("inspect.error.unreadable", "inspect.error.unreadable_hint",
                         path=str(path), reason=exc.strerror or str(exc)) from exc
    report = InspectionReport(path=str(path), model=str(model), format=file_format,
                              encoding=counter.label, token_limit=limit)
    findings = _Findings(lang, max_findings)
    stats = StatsCollector(limit)
    checker = CHECKERS[file_format]
    expected = None if file_format == "unknown" else file_format
    reader = LineReader(path, progress)
    n_examples = n_blank = 0
    non_objects = array("I")
    batch: list = []
    pending: deque = deque()

    def collect(item) -> None:
        done, handle = item
        for parts, (total, trained) in zip(done, counter.result(handle)):
            stats.add(parts.line, parts.offset, parts.roles, total, trained)
            if total > limit:
                findings.add(parts.line, "too_many_tokens", "warning", tokens=total, limit=limit)

    try:
        for number, offset, payload in reader:
            if not payload or payload.isspace():  # isspace: no copy of the line, unlike strip()
                n_blank += 1
                findings.add(number, "blank_line", "info")
                continue
            value, problem = decode_json(payload)
            if problem is not None:
                code, column, detail = problem
                findings.add(number, code, "error", column=column, detail=detail)
                non_objects.append(number)
                continue
            if not isinstance(value, dict):
                findings.add(number, "data_type", "error", what=JSON_TYPES.get(type(value), "value"))
                non_objects.append(number)
                continue
            n_examples += 1
            stats.add_hash(_canonical_hash(value), number)
            shape = shape_of(value)
            if expected is not None and shape not in (expected, "unknown"):
                findings.add(number, "format_mismatch", "error", found=shape, expected=expected)
                continue
            findings.line = number
            parts = checker(value, findings)
            if parts is None:
                continue
            parts.line, parts.offset = number, offset
            batch.append(parts)
            if len(batch) >= BATCH:
                pending.append((batch, counter.submit(batch)))
                batch = []
                if len(pending) > 1:
                    collect(pending.popleft())
        if batch:
            pending.append((batch, counter.submit(batch)))
        while pending:
            collect(pending.popleft())
    except OSError as exc:
        raise InputError("inspect.error.unreadable", "inspect.error.unreadable_hint",
                         path=str(path), reason=exc.strerror or str(exc)) from exc
    finally:
        counter.close()

    groups = stats.duplicate_groups()
    for group in groups:
        for line in group[1:]:
            findings.add(line, "duplicate_example", "warning", first=group[0], copies=len(group))
    if reader.bom:
        findings.add(1, "bom", "info")
    if reader.crlf_lines:
        findings.add(reader.first_crlf_line, "crlf", "info", count=reader.crlf_lines)
    if file_format == "prompt_completion":
        findings.add(0, "prompt_completion_format", "error", count=n_examples)
    if n_examples < MIN_EXAMPLES:
        findings.add(0, "too_few_examples", "error", count=n_examples, minimum=MIN_EXAMPLES)
    elif n_examples < RECOMMENDED_EXAMPLES:
        findings.add(0, "too_few_examples", "warning", count=n_examples, minimum=RECOMMENDED_EXAMPLES)
    findings.items.sort(key=lambda f: f.line)  # stable: a line's findings keep their order

    report.n_lines = reader.n_lines
    report.n_blank = n_blank
    report.n_examples = n_examples
    report.file_bytes = reader.size
    report.bom = reader.bom
    report.crlf_lines = reader.crlf_lines
    report.findings = findings.items
    report.findings_dropped = findings.dropped
    report.error_counts = dict(findings.by_code)
    report.severity_counts = dict(findings.by_severity)
    report.tokens_total = stats.tokens_total
    report.trained_tokens_total = stats.trained_total
    report.billed_tokens_per_epoch = stats.billed_per_epoch
    report.epochs_auto = auto_epochs(n_examples)
    report.billed_tokens = report.epochs_auto * stats.billed_per_epoch
    report.examples_over_limit = stats.over_limit
    report.example_tokens = stats.tokens
    report.example_lines = stats.lines
    report.example_offsets = stats.offsets
    report.non_object_lines = non_objects
    report.messages_per_example = dict(stats.messages_per_example)
    report.role_counts = dict(stats.roles)
    report.longest = stats.longest()
    report.duplicate_groups = groups
    return report
