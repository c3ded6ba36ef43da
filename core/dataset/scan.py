"""One streaming pass over a byte range of a JSONL file -> RangeScan (compact, picklable).

inspector.py runs one scan per range, in parallel processes for big files, and merges them. A scan
reads a line, parses it, runs the checks of the file's format, scans message texts for personal
data, and counts tokens in batches. Only compact statistics stay in memory (stats.py): a few bytes
per example, whatever the size of the file.
"""
from __future__ import annotations

from array import array
from collections import Counter
from typing import Any, Callable

import orjson

from core.dataset.checks import CHECKERS
from core.dataset.formats import shape_of
from core.dataset.pii import KINDS, find_pii, preview
from core.dataset.quality import NO_SYSTEM, SNIPPET
from core.dataset.reader import LineReader, decode_json, json_error_key
from core.dataset.report import Finding
from core.dataset.stats import StatsCollector
from core.dataset.tokens import make_counter

BATCH = 512  # examples per counting batch (~1 MB of text)
JSON_TYPES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}
SNIPPETS_MAX = 5_000  # distinct system prompts quoted (beyond: "…")
PREVIEWS_MAX = 10_000  # distinct personal-data values previewed
SHARED_CACHE_MAX = 4_096
DIGITS = b"0123456789"  # shared strings (system prompts, tools) already scanned for personal data


class Findings:
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

    def merge(self, other: "Findings") -> None:
        self.by_code.update(other.by_code)
        self.by_severity.update(other.by_severity)
        room = len(other.items) if self.max is None else max(0, self.max - len(self.items))
        self.items.extend(other.items[:room])
        self.dropped += other.dropped + max(0, len(other.items) - room)


class RangeScan:
    """What one range contributes: findings, statistics, and what file-level checks need."""

    def __init__(self, lang: str, max_findings: int | None, limit: int) -> None:
        self.findings = Findings(lang, max_findings)
        self.stats = StatsCollector(limit)
        self.n_lines = self.n_blank = self.n_examples = 0
        self.bom = False
        self.crlf_lines = self.first_crlf_line = 0
        self.non_objects = array("I")
        self.system_snippets: dict[int, str] = {}  # system-prompt hash -> its first SNIPPET characters
        self.pii_lines, self.pii_kinds, self.pii_values = array("I"), array("B"), array("q")
        self.pii_previews: dict[int, str] = {}


def _canonical_hash(value: dict) -> int:
    """Same examples hash the same, whatever their key order or spacing. (hash() is per process:
    parallel scans are forked, so they share the interpreter's hash secret.)"""
    try:
        return hash(orjson.dumps(value, option=orjson.OPT_SORT_KEYS))
    except (TypeError, orjson.JSONEncodeError):  # integers beyond 64 bits, NaN: Python's json takes them
        import json

        return hash(json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")))


def scan_range(path: str, file_format: str, model: str, limit: int, lang: str, max_findings: int | None,
               pii: bool, start: int = 0, end: int | None = None, first_line: int = 1,
               progress: Callable[[float], None] | None = None) -> RangeScan:
    """Scan [start, end) of `path` (whole lines, starting at physical line `first_line`); `limit` is
    the model's maximum tokens per example."""
    counter = make_counter(model)
    out = RangeScan(lang, max_findings, limit)
    return _scan(out, counter, path, file_format, pii, LineReader(path, progress, start, end, first_line))


def _scan(out: RangeScan, counter, path: str, file_format: str, pii: bool, reader: LineReader) -> RangeScan:
    findings, stats = out.findings, out.stats
    limit = stats.limit
    checker = CHECKERS[file_format]
    expected = None if file_format == "unknown" else file_format
    snippets = out.system_snippets
    shared_pii: dict[str, list[tuple[str, str]]] = {}
    batch: list = []
    kind_index = {kind: i for i, kind in enumerate(KINDS)}

    def collect(item) -> None:
        done, handle = item
        for parts, (total, trained) in zip(done, counter.result(handle)):
            system = NO_SYSTEM if parts.system is None else (hash(parts.system) or 1)
            stats.add(parts.line, parts.offset, parts.roles, total, trained, system)
            if total > limit:
                findings.add(parts.line, "too_many_tokens", "warning", tokens=total, limit=limit)

    def record(number: int, kind: str, value: str) -> None:
        digest = hash(value)
        out.pii_lines.append(number)
        out.pii_kinds.append(kind_index[kind])
        out.pii_values.append(digest)
        if digest not in out.pii_previews and len(out.pii_previews) < PREVIEWS_MAX:
            out.pii_previews[digest] = preview(kind, value)

    def personal_data(parts, number: int, numbers: bool) -> None:
        for text in parts.shared:  # system prompts and tools repeat: scan each once, record on every line
            found = shared_pii.get(text)
            if found is None:
                if len(shared_pii) >= SHARED_CACHE_MAX:
                    shared_pii.clear()
                found = shared_pii[text] = [(kind, text[a:b]) for kind, a, b in find_pii(text)]
            for kind, value in found:
                record(number, kind, value)
        text = "\n".join(parts.strings + parts.trained)  # one scan per example: no pattern crosses a line break
        for kind, a, b in find_pii(text, numbers):
            record(number, kind, text[a:b])

    try:
        for number, offset, payload in reader:
            if not payload or payload.isspace():  # isspace: no copy of the line, unlike strip()
                out.n_blank += 1
                findings.add(number, "blank_line", "info")
                continue
            value, problem = decode_json(payload)
            if problem is not None:
                code, column, detail = problem
                if code == "invalid_json":
                    findings.add(number, code, "error", column=column, detail=detail, detail_key=json_error_key(detail))
                else:
                    findings.add(number, code, "error", column=column, detail=detail)
                out.non_objects.append(number)
                continue
            if not isinstance(value, dict):
                findings.add(number, "data_type", "error", what=JSON_TYPES.get(type(value), "value"))
                out.non_objects.append(number)
                continue
            out.n_examples += 1
            stats.add_hash(_canonical_hash(value), number)
            shape = shape_of(value)
            if expected is not None and shape not in (expected, "unknown"):
                findings.add(number, "format_mismatch", "error", found=shape, expected=expected)
                continue
            findings.line = number
            parts = checker(value, findings)
            if parts is None:
                continue
            if pii:  # numbers need 8 digits: count the line's digits at C speed first
                personal_data(parts, number, len(payload) - len(payload.translate(None, DIGITS)) >= 8)
            if parts.system is not None and len(snippets) < SNIPPETS_MAX:
                snippets.setdefault(hash(parts.system) or 1, parts.system[:SNIPPET])
            parts.line, parts.offset = number, offset
            batch.append(parts)
            if len(batch) >= BATCH:
                collect((batch, counter.submit(batch)))
                batch = []
        if batch:
            collect((batch, counter.submit(batch)))
    finally:
        counter.close()
    out.n_lines = reader.n_lines
    out.bom = reader.bom
    out.crlf_lines, out.first_crlf_line = reader.crlf_lines, reader.first_crlf_line
    return out
