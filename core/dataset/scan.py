"""One streaming pass over a byte range of a JSONL file -> RangeScan (compact, picklable).

inspector.py cuts a file into ranges that one or more processes take in turn (scan_ranges) and
merges the scans in file order. A scan reads a line, parses it, runs the checks of the file's
format, scans message texts for personal data, and counts the example's tokens. Only compact
statistics stay in memory (stats.py): a few bytes per example, whatever the size of the file.
"""
from __future__ import annotations

import re
from array import array
from collections import Counter
from typing import Any, Callable, NamedTuple

import orjson

from core.dataset.checks import CHECKERS
from core.dataset.formats import shape_of
from core.dataset.pii import KINDS, find_pii, preview
from core.dataset.quality import NO_SYSTEM, SNIPPET
from core.dataset.reader import LineReader, decode_json, json_error_key
from core.dataset.report import Finding
from core.dataset.stats import StatsCollector
from core.dataset.tokens import make_counter

JSON_TYPES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}
SNIPPETS_MAX = 5_000  # distinct system prompts quoted (beyond: "…")
PREVIEWS_MAX = 10_000  # distinct personal-data values previewed
SHARED_CACHE_MAX = 4_096  # shared strings (system prompts, tools) already scanned for personal data
DIGITS = b"0123456789"
# pii.RUN (8 digits or more, at most 2 of " .()/+-" between two) over classes of a line's bytes: "0" for
# an ASCII digit or any byte of a non-ASCII character (it may be another script's digit), "." for a
# separator, "x" for anything else. A line without such a run holds no number for pii's patterns.
NUMBER_CLASSES = bytes(ord("0") if chr(b).isdigit() or b >= 0x80 else ord(".") if chr(b) in " .()/+-" else ord("x")
                       for b in range(256))
NUMBER_RUN = re.compile(rb"0(?:\.{0,2}0){7,}")


def may_hold_number(payload: bytes) -> bool:
    """Whether pii's number patterns must run on this JSON line's texts: 8 ASCII digits or more (as
    ever), and a run pii.RUN could match somewhere in the line's bytes (C-speed translate + a regex
    with a literal first byte: ~3x cheaper than RUN on the decoded text). Escapes (\\uXXXX, \\/)
    hide characters from the bytes: such lines are always scanned."""
    if len(payload) - len(payload.translate(None, DIGITS)) < 8:
        return False
    if b"\\u" in payload or b"\\/" in payload:
        return True
    return NUMBER_RUN.search(payload.translate(NUMBER_CLASSES)) is not None


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


class ScanJob(NamedTuple):
    """What every range of one inspection shares (picklable: worker processes receive it)."""
    path: str
    file_format: str
    model: str
    limit: int  # the model's maximum tokens per example
    lang: str
    max_findings: int | None
    pii: bool


def scan_ranges(job: ScanJob, ranges: list[tuple[int, int, int]], take: Callable[[], int | None],
                progress: Callable[[float], None] | None = None) -> list[tuple[int, RangeScan]]:
    """Scan ranges (start, end, first_line) of job.path until take() says none is left (None), with
    one token counter for all of them (its cache of system prompts and names carries over).
    Returns (range index, scan) pairs. progress: the fraction of the file handed out so far."""
    counter = make_counter(job.model)
    done = []
    while (index := take()) is not None:
        start, end, first_line = ranges[index]
        report = None if progress is None else \
            (lambda fraction, index=index: progress(min(1.0, (index + fraction) / len(ranges))))
        reader = LineReader(job.path, report, start, end, first_line)
        done.append((index, _scan(RangeScan(job.lang, job.max_findings, job.limit), counter, job, reader)))
    return done


def _scan(out: RangeScan, counter, job: ScanJob, reader: LineReader) -> RangeScan:
    findings, stats = out.findings, out.stats
    limit = stats.limit
    checker = CHECKERS[job.file_format]
    expected = None if job.file_format == "unknown" else job.file_format
    pii = job.pii
    snippets = out.system_snippets
    shared_pii: dict[str, list[tuple[str, str]]] = {}
    kind_index = {kind: i for i, kind in enumerate(KINDS)}
    count = counter.count

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
        if pii:
            personal_data(parts, number, may_hold_number(payload))
        system = NO_SYSTEM
        if parts.system is not None:
            system = hash(parts.system) or 1
            if len(snippets) < SNIPPETS_MAX:
                snippets.setdefault(system, parts.system[:SNIPPET])
        total, trained = count(parts)
        stats.add(number, offset, parts.roles, total, trained, system)
        if total > limit:
            findings.add(number, "too_many_tokens", "warning", tokens=total, limit=limit)
    out.n_lines = reader.n_lines
    out.bom = reader.bom
    out.crlf_lines, out.first_crlf_line = reader.crlf_lines, reader.first_crlf_line
    return out
