"""What an inspection finds: Finding (one problem on one line) and InspectionReport (the whole file).

Line numbers are physical and 1-based (blank lines count), the way an editor shows them; line 0
means "the whole file" (too few examples, a format that needs converting), shown as "whole file".
Messages are rendered in the interface language when the report is made; `Finding.localized(lang)`
renders them again in another language from the stored parameters. A parameter named `<x>_key`
holds a catalogue key: it is rendered in that language and passed as `<x>` (a JSON parser message,
"double-encoded"...). group_findings() folds identical findings into one entry with their lines.
"""
from __future__ import annotations

import bisect
from array import array
from dataclasses import dataclass, field
from typing import Any

from core.dataset.reader import LineReader
from core.i18n import t

SEVERITIES = ("error", "warning", "info")


@dataclass
class Finding:
    line: int
    code: str
    severity: str  # "error" | "warning" | "info"
    message: str
    hint: str
    params: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def make(cls, line: int, code: str, severity: str, lang: str | None = None, **params: Any) -> "Finding":
        finding = cls(line, code, severity, "", "", params)
        finding.message, finding.hint = finding.texts(lang)
        return finding

    def texts(self, lang: str | None = None) -> tuple[str, str]:
        """(message, hint) in `lang`: catalogue keys inspect.finding.<code> / inspect.hint.<code>.

        Always formatted (the `_` parameter), so JSON examples written {{ }} in the catalogue
        come out as single braces even for findings without parameters."""
        params = {**self.params, "_": ""}
        for name, value in self.params.items():
            if name.endswith("_key"):
                params[name[:-4]] = t(value, lang, **params)
        return (t(f"inspect.finding.{self.code}", lang, **params),
                t(f"inspect.hint.{self.code}", lang, **params))

    def localized(self, lang: str | None) -> "Finding":
        message, hint = self.texts(lang)
        return Finding(self.line, self.code, self.severity, message, hint, self.params)

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "code": self.code, "severity": self.severity,
                "message": self.message, "hint": self.hint}


@dataclass
class InspectionReport:
    """Everything the page, the CLI and the cost calculator need, without holding the examples.

    Per-example arrays share one order (the file's): example_tokens[i] is the token count of the
    example on physical line example_lines[i], which starts at byte example_offsets[i].
    """
    path: str
    model: str
    format: str = "unknown"  # "chat" | "dpo" | "prompt_completion" | "unknown"
    n_lines: int = 0
    n_blank: int = 0
    n_examples: int = 0  # lines holding a JSON object (what OpenAI would count as examples)
    findings: list[Finding] = field(default_factory=list)
    findings_dropped: int = 0  # findings not stored because of max_findings (still in error_counts)
    error_counts: dict[str, int] = field(default_factory=dict)  # every severity, by code
    severity_counts: dict[str, int] = field(default_factory=lambda: {s: 0 for s in SEVERITIES})
    encoding: str = ""
    token_limit: int = 0
    tokens_total: int = 0
    trained_tokens_total: int = 0  # assistant tokens the model learns from (weight 0 excluded)
    billed_tokens_per_epoch: int = 0  # Σ min(token_limit, example tokens)
    epochs_auto: int = 0
    billed_tokens: int = 0  # epochs_auto × billed_tokens_per_epoch
    examples_over_limit: int = 0
    example_tokens: array = field(default_factory=lambda: array("I"))
    example_lines: array = field(default_factory=lambda: array("I"))
    example_offsets: array = field(default_factory=lambda: array("Q"))
    non_object_lines: array = field(default_factory=lambda: array("I"))  # not JSON objects (blank excluded)
    messages_per_example: dict[int, int] = field(default_factory=dict)
    role_counts: dict[str, int] = field(default_factory=dict)
    longest: list[tuple[int, int]] = field(default_factory=list)  # (tokens, line), longest first
    duplicate_groups: list[list[int]] = field(default_factory=list)  # line numbers, first one kept
    bom: bool = False
    crlf_lines: int = 0
    file_bytes: int = 0
    pii_checked: bool = True  # whether personal data was looked for
    pii_shared: list[int] = field(default_factory=list)  # hashes of values on many lines (not masked)

    @property
    def has_errors(self) -> bool:
        return self.severity_counts.get("error", 0) > 0

    @property
    def n_errors(self) -> int:
        return self.severity_counts.get("error", 0)

    @property
    def n_warnings(self) -> int:
        return self.severity_counts.get("warning", 0)

    def example_index(self, line: int) -> int | None:
        """Index into the per-example arrays of the example on physical `line` (None: not counted)."""
        i = bisect.bisect_left(self.example_lines, line)
        return i if i < len(self.example_lines) and self.example_lines[i] == line else None

    def line_offset(self, line: int) -> int:
        """Byte offset of a physical line: known for counted examples, else found by scanning."""
        index = self.example_index(line)
        if index is not None:
            return int(self.example_offsets[index])
        for number, offset, _payload in LineReader(self.path):
            if number == line:
                return offset
        return 0

    def lines_with(self, codes: set[str]) -> list[int]:
        """Physical lines that carry a finding with one of `codes` (line 0 excluded)."""
        return sorted({f.line for f in self.findings if f.code in codes and f.line > 0})

    def error_lines(self) -> list[int]:
        """Physical lines with at least one error: what blocks training (line 0 excluded)."""
        return sorted({f.line for f in self.findings if f.severity == "error" and f.line > 0})

    def localized(self, lang: str | None) -> list[Finding]:
        return [f.localized(lang) for f in self.findings]

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "model": self.model,
            "format": self.format,
            "n_lines": self.n_lines,
            "n_blank_lines": self.n_blank,
            "n_examples": self.n_examples,
            "has_errors": self.has_errors,
            "errors": [f.to_json() for f in self.findings],
            "findings_not_listed": self.findings_dropped,
            "error_counts": dict(sorted(self.error_counts.items())),
            "severity_counts": dict(self.severity_counts),
            "encoding": self.encoding,
            "token_limit": self.token_limit,
            "tokens_total": self.tokens_total,
            "trained_tokens_total": self.trained_tokens_total,
            "billed_tokens_per_epoch": self.billed_tokens_per_epoch,
            "epochs_auto": self.epochs_auto,
            "billed_tokens": self.billed_tokens,
            "examples_over_limit": self.examples_over_limit,
            "messages_per_example": {str(k): v for k, v in sorted(self.messages_per_example.items())},
            "role_counts": dict(sorted(self.role_counts.items())),
            "longest_examples": [{"line": line, "tokens": tokens} for tokens, line in self.longest],
            "duplicate_groups": self.duplicate_groups,
            "personal_data_checked": self.pii_checked,
            "token_count_method": "estimate",
        }


@dataclass
class FindingGroup:
    """Identical findings (same code, severity, message and fix) on several lines."""
    code: str
    severity: str
    message: str
    hint: str
    lines: list[int] = field(default_factory=list)  # ascending; 0 = the whole file

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "message": self.message, "hint": self.hint,
                "lines": self.lines}


def group_findings(findings: list[Finding], identical: bool = True) -> list[FindingGroup]:
    """Fold findings into groups, errors first, then warnings and notes, each by its first line.
    identical=False groups by code and severity only (the page lists each line's own message)."""
    groups: dict[tuple, FindingGroup] = {}
    for f in findings:
        key = (f.severity, f.code, f.message, f.hint) if identical else (f.severity, f.code)
        group = groups.get(key)
        if group is None:
            group = groups[key] = FindingGroup(f.code, f.severity, f.message, f.hint)
        if not group.lines or group.lines[-1] != f.line:
            group.lines.append(f.line)
    order = {s: i for i, s in enumerate(SEVERITIES)}
    for group in groups.values():
        group.lines.sort()
    return sorted(groups.values(), key=lambda g: (order.get(g.severity, 9), g.lines[0], g.code))


def line_ranges_text(lines: list[int], lang: str | None = None, limit: int = 12) -> str:
    """[0, 2, 3, 4, 9] -> "whole file, 2–4, 9" (at most `limit` ranges, then "…")."""
    parts: list[str] = []
    if lines and lines[0] == 0:
        parts.append(t("inspect.whole_file", lang))
    numbers = [n for n in lines if n > 0]
    start = prev = None
    spans: list[str] = []
    for n in numbers + [None]:
        if start is not None and (n is None or n != prev + 1):
            spans.append(str(start) if start == prev else f"{start}–{prev}")
            start = None
        if n is not None and start is None:
            start = n
        prev = n
    parts.extend(spans[:limit])
    if len(spans) > limit:
        parts.append("…")
    return ", ".join(parts)
