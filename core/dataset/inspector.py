"""inspect_file: a JSONL file -> InspectionReport, in one streaming pass (parallel for big files).

Big files are cut into byte ranges at line starts (reader.line_ranges), 8 per process. Forked worker
processes and the calling process take the next range from a shared counter until none is left, so
a process that the scheduler slows down (a busy machine) scans less of the file instead of holding
up the end; the calling process also reports progress. The scans are merged in file order, then
the file-level checks run on the merged statistics: duplicates, length outliers, system prompts,
personal data repeated on many lines, too few examples.

Why processes: parsing and checking are Python code that holds the GIL, so tokenizer threads only
overlapped tokenizing with them and cost CPU in switching (bench file of 50,000 examples on 2 cores:
10.6 s of CPU with two threads, 6.2 s with none). Forked workers share the loaded tokenizer and need
no imports; each counts with no threads. Elsewhere than Linux (no safe fork) the scan is sequential.
On a busy machine the second process gets a core only part of the time (the scheduler shares the
cores between all runnable processes), so what holds on any machine is the CPU saved per example;
bench/bench_inspect.py prints both ratios.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Callable

import numpy as np

from core.dataset.formats import detect_format
from core.dataset.limits import auto_epochs, is_local, token_limit
from core.dataset.pii import KINDS
from core.dataset.quality import NO_SYSTEM, length_outliers, system_prompt_variants
from core.dataset.reader import line_ranges, sniff_binary
from core.dataset.report import InspectionReport
from core.dataset.scan import RangeScan, ScanJob, scan_ranges
from core.dataset.tokens import make_counter
from core.errors import InputError
from core.i18n import current_language, normalize

DEFAULT_MODEL = "gpt-4o-mini-2024-07-18"
MIN_EXAMPLES = 10  # OpenAI refuses fewer
RECOMMENDED_EXAMPLES = 50  # where gains usually start to show
PARALLEL_MIN_BYTES = 8 << 20  # below ~4,000 examples, starting a worker costs more than it saves
MAX_WORKERS = 4
RANGES_PER_PROCESS = 8  # ranges taken in turn: the last one ends at most 1/8 of a share after the others
MIN_RANGE_BYTES = 2 << 20
SHARED_PII_LINES = 3  # a value on this many lines is the organisation's own contact, not a customer's


def default_workers(size: int, model: str) -> int:
    """Processes for a file of `size` bytes: one per core (up to 4) for big files where fork is safe."""
    if size < PARALLEL_MIN_BYTES or sys.platform != "linux" or is_local(model):
        return 1  # local tokenizers (Hugging Face, Rust threads) must not be forked
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(MAX_WORKERS, cores))


def _check_path(path: Path) -> None:
    if not path.exists():
        raise InputError("inspect.error.not_found", "inspect.error.not_found_hint", path=str(path))
    if not path.is_file():
        raise InputError("inspect.error.not_a_file", "inspect.error.not_found_hint", path=str(path))
    if path.suffix.lower() == ".csv":
        raise InputError("inspect.error.csv", "inspect.error.csv_hint", path=str(path))


_inherited_tickets = None  # in a forked worker: the shared range counter (set by _init_worker)


def _init_worker(tickets) -> None:
    global _inherited_tickets
    _inherited_tickets = tickets


def _next_from(tickets, total: int) -> Callable[[], int | None]:
    """take() for scan_ranges: the next range index from a shared counter, None once all are taken."""
    def take() -> int | None:
        with tickets.get_lock():
            index = tickets.value
            tickets.value += 1
        return index if index < total else None
    return take


def _worker(job: ScanJob, ranges: list[tuple[int, int, int]]) -> list[tuple[int, RangeScan]]:
    return scan_ranges(job, ranges, _next_from(_inherited_tickets, len(ranges)))


def _run_scans(job: ScanJob, ranges: list[tuple[int, int, int]], processes: int,
               progress: Callable[[float], None] | None) -> list[RangeScan]:
    """The scans of every range, in file order. With several processes, each takes the next range
    when done with its own (a shared counter), so a process the scheduler slows down does less of
    the file instead of holding up the end; this process takes ranges too, and reports progress."""
    if processes <= 1 or len(ranges) == 1:
        order = iter(range(len(ranges)))
        return [scan for _, scan in scan_ranges(job, ranges, lambda: next(order, None), progress)]
    context = multiprocessing.get_context("fork")
    tickets = context.Value("l", 0)
    done: dict[int, RangeScan] = {}
    with ProcessPoolExecutor(processes - 1, mp_context=context, initializer=_init_worker,
                             initargs=(tickets,)) as pool:
        futures = [pool.submit(_worker, job, ranges) for _ in range(processes - 1)]
        done.update(scan_ranges(job, ranges, _next_from(tickets, len(ranges)), progress))
        for future in futures:
            try:
                done.update(future.result())
            except BrokenProcessPool:  # a worker died (out of memory?): its ranges are scanned below
                pass
    missing = [index for index in range(len(ranges)) if index not in done]
    order = iter(missing)
    done.update(scan_ranges(job, ranges, lambda: next(order, None)))
    return [done[index] for index in range(len(ranges))]


def _merge(scans: list[RangeScan]) -> RangeScan:
    total = scans[0]
    for scan in scans[1:]:
        total.findings.merge(scan.findings)
        total.stats.merge(scan.stats)
        total.n_lines += scan.n_lines
        total.n_blank += scan.n_blank
        total.n_examples += scan.n_examples
        total.first_crlf_line = total.first_crlf_line or scan.first_crlf_line
        total.crlf_lines += scan.crlf_lines
        total.non_objects.extend(scan.non_objects)
        for digest, snippet in scan.system_snippets.items():
            total.system_snippets.setdefault(digest, snippet)
        total.pii_lines.extend(scan.pii_lines)
        total.pii_kinds.extend(scan.pii_kinds)
        total.pii_values.extend(scan.pii_values)
        for digest, text in scan.pii_previews.items():
            total.pii_previews.setdefault(digest, text)
    return total


def _system_prompt_findings(scan: RangeScan) -> None:
    """One warning per example whose system prompt is not the one most examples use."""
    hashes = np.frombuffer(scan.stats.system_hashes, dtype=np.int64)
    found = system_prompt_variants(hashes)
    if found is None:
        return
    dominant, values, counts, inverse = found
    lines = np.frombuffer(scan.stats.lines, dtype=np.uint32)
    main_index = int(np.flatnonzero(values == dominant)[0])
    common = {"main": scan.system_snippets.get(dominant, "…"), "main_count": int(counts[main_index]),
              "total": int(hashes.size)}
    for i in np.flatnonzero(inverse != main_index):
        variant = int(inverse[i])
        digest = int(values[variant])
        text = {"snippet_key": "inspect.system_prompt_none"} if digest == NO_SYSTEM else \
            {"snippet": scan.system_snippets.get(digest, "…")}
        scan.findings.add(int(lines[i]), "inconsistent_system_prompt", "warning", count=int(counts[variant]),
                          **text, **common)


def _pii_findings(scan: RangeScan) -> list[int]:
    """Per line and kind, one warning with the count and a masked sample. Values found on
    SHARED_PII_LINES lines or more are the organisation's own (a support number): one note for
    them. Returns the hashes of those shared values (the cleaned file does not mask them)."""
    if not len(scan.pii_lines):
        return []
    lines_of: dict[int, set[int]] = defaultdict(set)
    for line, digest in zip(scan.pii_lines, scan.pii_values):
        lines_of[digest].add(line)
    shared = {digest for digest, lines in lines_of.items() if len(lines) >= SHARED_PII_LINES}
    per_line: dict[tuple[int, int], list[int]] = {}
    for line, kind, digest in zip(scan.pii_lines, scan.pii_kinds, scan.pii_values):
        if digest not in shared:
            per_line.setdefault((line, kind), []).append(digest)
    for (line, kind), digests in sorted(per_line.items()):
        scan.findings.add(line, f"pii_{KINDS[kind]}", "warning", count=len(digests),
                          sample=scan.pii_previews.get(digests[0], "…"))
    if shared:
        top = max(shared, key=lambda d: len(lines_of[d]))
        scan.findings.add(0, "pii_shared", "info", values=len(shared), sample=scan.pii_previews.get(top, "…"),
                          lines=len(lines_of[top]), minimum=SHARED_PII_LINES)
    return sorted(shared)


def _file_findings(scan: RangeScan, file_format: str, groups: list[list[int]]) -> None:
    findings, stats = scan.findings, scan.stats
    tokens = np.frombuffer(stats.tokens, dtype=np.uint32)
    outliers, median = length_outliers(tokens)
    for i in outliers:
        findings.add(int(stats.lines[i]), "length_outlier", "warning", tokens=int(tokens[i]),
                     times=round(float(tokens[i]) / max(median, 1), 1), median=median)
    for group in groups:
        for line in group[1:]:
            findings.add(line, "duplicate_example", "warning", first=group[0], copies=len(group))
    if scan.bom:
        findings.add(1, "bom", "info")
    if scan.crlf_lines:
        findings.add(scan.first_crlf_line, "crlf", "info", count=scan.crlf_lines)
    if file_format == "prompt_completion":
        findings.add(0, "prompt_completion_format", "error", count=scan.n_examples)
    if scan.n_examples < MIN_EXAMPLES:
        findings.add(0, "too_few_examples", "error", count=scan.n_examples, minimum=MIN_EXAMPLES)
    elif scan.n_examples < RECOMMENDED_EXAMPLES:
        findings.add(0, "too_few_examples", "warning", count=scan.n_examples, minimum=RECOMMENDED_EXAMPLES)


def inspect_file(path: str | Path, model: str = DEFAULT_MODEL, lang: str | None = None,
                 progress: Callable[[float], None] | None = None, max_findings: int | None = None,
                 pii: bool = True, workers: int | None = None) -> InspectionReport:
    """Check a JSONL training file and count its tokens for `model`.

    model: an OpenAI model name (tiktoken, the cookbook's estimate) or "local" / "embedded" / a local
    model folder (that tokenizer and chat template). progress: called with the fraction read.
    max_findings: keep at most this many findings in the list (counts always cover all of them).
    pii: look for personal data. workers: processes (default: default_workers).
    """
    path = Path(path)
    model = model or DEFAULT_MODEL
    _check_path(path)
    lang = normalize(lang) if lang else current_language()
    try:
        kind = sniff_binary(path)
        if kind is not None:
            raise InputError(f"inspect.error.{kind}", f"inspect.error.{kind}_hint", path=path.name)
        file_format = detect_format(path)
        label = make_counter(model).label
        limit = token_limit(model)
        size = path.stat().st_size
        processes = max(1, workers if workers is not None else default_workers(size, model))
        parts = 1 if processes == 1 else min(processes * RANGES_PER_PROCESS, max(processes, size // MIN_RANGE_BYTES))
        ranges = line_ranges(path, parts) if size else [(0, 0, 1)]
        job = ScanJob(str(path), file_format, model, limit, lang, max_findings, pii)
        scan = _merge(_run_scans(job, ranges, processes, progress))
    except OSError as exc:
        raise InputError("inspect.error.unreadable", "inspect.error.unreadable_hint",
                         path=str(path), reason=exc.strerror or str(exc)) from exc
    _system_prompt_findings(scan)
    shared_pii = _pii_findings(scan) if pii else []
    groups = scan.stats.duplicate_groups()
    _file_findings(scan, file_format, groups)
    findings, stats = scan.findings, scan.stats
    findings.items.sort(key=lambda f: f.line)  # stable: a line's findings keep their order

    report = InspectionReport(path=str(path), model=str(model), format=file_format, encoding=label, token_limit=limit)
    report.n_lines = scan.n_lines
    report.n_blank = scan.n_blank
    report.n_examples = scan.n_examples
    report.file_bytes = size
    report.bom = scan.bom
    report.crlf_lines = scan.crlf_lines
    report.findings = findings.items
    report.findings_dropped = findings.dropped
    report.error_counts = dict(findings.by_code)
    report.severity_counts = dict(findings.by_severity)
    report.tokens_total = stats.tokens_total
    report.trained_tokens_total = stats.trained_total
    report.billed_tokens_per_epoch = stats.billed_per_epoch
    report.epochs_auto = auto_epochs(scan.n_examples)
    report.billed_tokens = report.epochs_auto * stats.billed_per_epoch
    report.examples_over_limit = stats.over_limit
    report.example_tokens = stats.tokens
    report.example_lines = stats.lines
    report.example_offsets = stats.offsets
    report.non_object_lines = scan.non_objects
    report.messages_per_example = dict(stats.messages_per_example)
    report.role_counts = dict(stats.roles)
    report.longest = stats.longest()
    report.duplicate_groups = groups
    report.pii_checked = pii
    report.pii_shared = shared_pii
    return report
