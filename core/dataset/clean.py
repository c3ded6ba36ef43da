"""A cleaned copy of a dataset, and a seeded train/validation split.

Nothing changes silently: plan_clean says which lines go and why before clean_file writes, and the
summary says the same afterwards. Every cleaned file also gets three harmless fixes, listed in the
plan: the BOM is removed, CRLF endings become LF, blank lines are removed. On request, personal data
is masked ("[EMAIL]", "[CPF]"...) on the lines where the inspector found it; replace_line writes a
copy with one line fixed by hand (cleaning never repairs a line, it only leaves it out). Files are written
atomically (core.atomic), so an interrupted run never leaves half a file.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from core.atomic import atomic_write
from core.dataset.pii import mask_pii
from core.dataset.reader import LineReader, decode_json, is_blank
from core.dataset.report import InspectionReport
from core.errors import InputError

# Fixed in every cleaned file (not a choice), or about the whole file (nothing to drop).
AUTO_FIXED = frozenset({"bom", "crlf", "blank_line"})
FILE_LEVEL = frozenset({"too_few_examples", "prompt_completion_format", "pii_shared"})
PII_CODES = frozenset({"pii_email", "pii_phone", "pii_cpf", "pii_cnpj", "pii_card"})


@dataclass
class CleanPlan:
    drop_lines: list[int] = field(default_factory=list)
    by_code: dict[str, int] = field(default_factory=dict)  # code -> lines dropped for it
    bom: bool = False
    crlf_lines: int = 0
    blank_lines: int = 0
    kept_examples: int = 0


def droppable_codes(report: InspectionReport) -> dict[str, int]:
    """Codes the user may drop lines for -> how many lines carry them."""
    lines: dict[str, set[int]] = {}
    for finding in report.findings:
        if finding.line > 0 and finding.code not in AUTO_FIXED | FILE_LEVEL:
            lines.setdefault(finding.code, set()).add(finding.line)
    return {code: len(found) for code, found in sorted(lines.items())}


def plan_clean(report: InspectionReport, drop_codes: set[str] | frozenset[str] = frozenset(),
               drop_lines: set[int] | frozenset[int] = frozenset()) -> CleanPlan:
    """What clean_file will do with these choices."""
    dropped: set[int] = set(int(x) for x in drop_lines if int(x) > 0)
    by_code: dict[str, set[int]] = {}
    for finding in report.findings:
        if finding.code in drop_codes and finding.line > 0 and finding.code not in AUTO_FIXED:
            by_code.setdefault(finding.code, set()).add(finding.line)
            dropped.add(finding.line)
    not_examples = set(report.non_object_lines)
    kept = report.n_examples - len(dropped - not_examples)
    return CleanPlan(sorted(dropped), {code: len(lines) for code, lines in sorted(by_code.items())},
                     report.bom, report.crlf_lines, report.n_blank, max(0, kept))


def _mask_example(value, keep: set[int]):
    """Every string inside a JSON value with its personal data masked (values in `keep`, by hash, stay)."""
    if isinstance(value, str):
        return mask_pii(value, keep)
    if isinstance(value, list):
        return [_mask_example(item, keep) for item in value]
    if isinstance(value, dict):
        return {key: _mask_example(item, keep) for key, item in value.items()}
    return value


def pii_lines(report: InspectionReport) -> list[int]:
    """Lines where personal data was found (what mask_pii=True rewrites)."""
    return report.lines_with(PII_CODES)


def clean_file(path: str | Path, out_path: str | Path, drop_codes: set[str] | frozenset[str] = frozenset(),
               report: InspectionReport | None = None, drop_lines: set[int] | frozenset[int] = frozenset(),
               model: str | None = None, mask_pii: bool = False) -> dict:
    """Write `out_path`: `path` without the lines that carry one of `drop_codes` (or are listed in
    drop_lines), BOM/CRLF/blank lines fixed, personal data masked when mask_pii. Returns a summary.

    Without a report (or with one whose findings list was capped, or that did not look for personal
    data when masking is asked) the file is inspected first. Masked lines are re-serialized JSON
    (same content, compact spacing); every other line is copied byte for byte.
    """
    from core.dataset.inspector import DEFAULT_MODEL, inspect_file

    path, out_path = Path(path), Path(out_path)
    if path.resolve() == out_path.resolve():
        raise InputError("inspect.error.same_output", "inspect.error.same_output_hint", path=str(path))
    if report is None or report.findings_dropped or (mask_pii and not report.pii_checked):
        report = inspect_file(path, model or (report.model if report else DEFAULT_MODEL))
    plan = plan_clean(report, set(drop_codes), set(drop_lines))
    drop = set(plan.drop_lines)
    to_mask = set(pii_lines(report)) if mask_pii else set()
    keep = set(report.pii_shared)
    kept = blank = masked = 0
    reader = LineReader(path)
    with atomic_write(out_path, "wb") as out:
        for number, _offset, payload in reader:
            if is_blank(payload):
                blank += 1
                continue
            if number in drop:
                continue
            if number in to_mask:
                value, problem = decode_json(payload)
                if problem is None:
                    payload = json.dumps(_mask_example(value, keep), ensure_ascii=False).encode("utf-8")
                    masked += 1
            out.write(payload + b"\n")
            kept += 1
    return {"path": str(out_path), "kept_lines": kept, "dropped_lines": len(drop), "masked_lines": masked,
            "dropped_by_code": plan.by_code, "dropped_line_numbers": plan.drop_lines[:1000],
            "bom_removed": reader.bom, "crlf_fixed": reader.crlf_lines, "blank_removed": blank}


def split_file(path: str | Path, out_dir: str | Path, val_fraction: float = 0.1,
               seed: int = 42) -> tuple[Path, Path]:
    """Split the JSON-object lines of `path` into <stem>_train.jsonl and <stem>_val.jsonl.

    The validation lines are a seeded random sample (random.Random(seed).sample), so the same seed
    gives the same split; both files keep the original order. Lines that are not JSON objects are
    left out (inspect the file first to see them). Two passes over the file, O(validation size) memory.
    """
    path, out_dir = Path(path), Path(out_dir)
    if not 0 < float(val_fraction) < 1:
        raise InputError("inspect.error.split_fraction", "inspect.error.split_fraction_hint", value=val_fraction)

    def object_lines():
        for number, _offset, payload in LineReader(path):
            if not is_blank(payload):
                value, problem = decode_json(payload)
                if problem is None and isinstance(value, dict):
                    yield payload

    n = sum(1 for _ in object_lines())
    if n < 2:
        raise InputError("inspect.error.split_too_small", "inspect.error.split_too_small_hint", count=n)
    n_val = min(n - 1, max(1, round(n * float(val_fraction))))
    chosen = set(random.Random(int(seed)).sample(range(n), n_val))
    stem = path.stem
    train_path, val_path = out_dir / f"{stem}_train.jsonl", out_dir / f"{stem}_val.jsonl"
    with atomic_write(train_path, "wb") as train, atomic_write(val_path, "wb") as val:
        for index, payload in enumerate(object_lines()):
            (val if index in chosen else train).write(payload + b"\n")
    return train_path, val_path


def replace_line(path: str | Path, line: int, payload: str, out_path: str | Path) -> Path:
    """Write `out_path`: `path` with physical line `line` replaced by `payload` (one JSON object, on one
    line). The fix is checked before anything is written. out_path may be path itself (the lab's own
    copy): the new file is written beside it and then takes its place, atomically."""
    path, out_path = Path(path), Path(out_path)
    data = " ".join(payload.splitlines()).strip().encode("utf-8")
    value, problem = decode_json(data)
    if problem is not None or not isinstance(value, dict):
        detail = problem[2] if problem else "not an object"
        raise InputError("inspect.error.fix_invalid", "inspect.error.fix_invalid_hint", detail=detail)
    found = False
    with atomic_write(out_path, "wb") as out:  # an error inside discards the partial file
        for number, _offset, raw in LineReader(path):
            if number == line:
                raw, found = data, True
            out.write(raw + b"\n")
        if not found:
            raise InputError("inspect.error.fix_line", "inspect.error.fix_line_hint", line=line)
    return out_path
