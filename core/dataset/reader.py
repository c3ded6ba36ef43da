"""Stream a JSONL file line by line, keeping physical line numbers and byte offsets.

Never reads the file whole: one line is in memory at a time. The reader notes a UTF-8 byte order
mark (stripped from line 1), Windows CRLF endings (the "\r" is stripped) and blank lines, so the
checks can report them without failing on them. Decoding JSON is separate (decode_json) because it
is also where non-UTF-8 bytes show up.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson as _orjson  # pinned in requirements.txt: parses 2-3× faster; json stays the reference

BOM = b"\xef\xbb\xbf"
PROGRESS_EVERY = 4096  # lines between progress callbacks


class LineReader:
    """Iterate (line_number, byte_offset, payload) for every physical line of a file, or of the byte
    range [start, end) that begins at line `first_line` (ranges start right after a newline, so the
    parallel scan in inspector.py can give each worker its own part of the file).

    payload is the raw bytes without the line ending (and without the BOM on line 1). After (or
    during) iteration: bom, crlf_lines, first_crlf_line, n_lines (lines of the range), bytes_read.
    """

    def __init__(self, path: str | Path, progress: Callable[[float], None] | None = None,
                 start: int = 0, end: int | None = None, first_line: int = 1) -> None:
        self.path = Path(path)
        self.progress = progress
        self.size = os.path.getsize(self.path)
        self.start, self.end, self.first_line = start, self.size if end is None else end, first_line
        self.bom = False
        self.crlf_lines = 0
        self.first_crlf_line = 0
        self.n_lines = 0
        self.bytes_read = 0

    def __iter__(self) -> Iterator[tuple[int, int, bytes]]:
        span = max(1, self.end - self.start)
        progress = self.progress
        offset = self.start
        end = self.end
        number = self.first_line - 1
        with open(self.path, "rb") as handle:
            handle.seek(offset)
            for raw in handle:
                if offset >= end:
                    break
                number += 1
                start = offset
                offset += len(raw)
                if raw.endswith(b"\n"):
                    raw = raw[:-1]
                if raw.endswith(b"\r"):
                    raw = raw[:-1]
                    self.crlf_lines += 1
                    if not self.first_crlf_line:
                        self.first_crlf_line = number
                if start == 0 and raw.startswith(BOM):
                    self.bom = True
                    raw = raw[3:]
                    start += 3
                self.n_lines += 1
                self.bytes_read = offset - self.start
                if progress is not None and number % PROGRESS_EVERY == 0:
                    progress(min(1.0, self.bytes_read / span))
                yield number, start, raw
        if progress is not None:
            progress(1.0)


def line_ranges(path: str | Path, parts: int) -> list[tuple[int, int, int]]:
    """Split a file into `parts` byte ranges (start, end, first_line), each starting after a newline.

    Counting the newlines before each cut is a C-speed bytes.count over the file (~10 ms per 100 MB
    on one core), so each range knows its first physical line number without parsing."""
    size = os.path.getsize(path)
    cuts = [0]
    with open(path, "rb") as handle:
        for k in range(1, parts):
            handle.seek(max(cuts[-1], size * k // parts))
            handle.readline()  # move to the start of the next line
            cut = handle.tell()
            if cut >= size or cut <= cuts[-1]:
                break
            cuts.append(cut)
        cuts.append(size)
        ranges, line = [], 1
        handle.seek(0)
        for start, end in zip(cuts, cuts[1:]):
            ranges.append((start, end, line))
            remaining = end - start
            while remaining > 0:  # newlines of this range, in 8 MB blocks (never the whole file)
                block = handle.read(min(remaining, 8 << 20))
                line += block.count(b"\n")
                remaining -= len(block)
    return ranges


def sniff_binary(path: str | Path, sample: int = 65536) -> str | None:
    """"utf16" or "binary" when the file cannot be JSONL text, else None. JSON never holds a raw NUL
    byte (control characters must be escaped), so a NUL in the first 64 KB means UTF-16 (a BOM or
    every other byte zero) or a binary file: one clear message instead of a finding per line."""
    with open(path, "rb") as handle:
        head = handle.read(sample)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf16"
    if b"\x00" not in head:
        return None
    if len(head) >= 4 and (head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4) \
            and head.count(0) <= len(head) // 2 + 2:
        return "utf16"
    return "binary"


def is_blank(payload: bytes) -> bool:
    return not payload or payload.isspace()


# Python json's error messages -> catalogue keys (inspect.json_error.<key>), so they read in the
# page's language; an unlisted message keeps its English text (inspect.json_error.other).
JSON_ERRORS = {
    "Expecting value": "expecting_value",
    "Expecting ',' delimiter": "expecting_comma",
    "Expecting ':' delimiter": "expecting_colon",
    "Expecting property name enclosed in double quotes": "expecting_property",
    "Unterminated string starting at": "unterminated_string",
    "Invalid control character at": "control_character",
    "Invalid \\escape": "invalid_escape",
    "Invalid \\uXXXX escape": "invalid_unicode_escape",
    "Extra data": "extra_data",
    "nesting too deep": "too_deep",
}


def json_error_key(message: str) -> str:
    return "inspect.json_error." + JSON_ERRORS.get(message, "other")


def decode_json(payload: bytes) -> tuple[Any, tuple[str, int, str] | None]:
    """(value, None) or (None, (code, column, detail)) with code "non_utf8" (column = byte, detail
    the byte in hex) or "invalid_json" (column = character, 1-based; detail = Python json's English
    message, which json_error_key maps to a catalogue key). Semantics are Python json's: orjson is
    only the fast path, and anything it refuses is retried with json (NaN, integers over 64 bits...)."""
    try:
        return _orjson.loads(payload), None
    except _orjson.JSONDecodeError:
        pass
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, ("non_utf8", exc.start + 1, f"0x{payload[exc.start]:02x}")
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, ("invalid_json", exc.colno, exc.msg)
    except RecursionError:
        return None, ("invalid_json", 1, "nesting too deep")


def read_line_at(path: str | Path, offset: int) -> bytes:
    """The payload of the line starting at byte `offset` (for the example browser)."""
    with open(path, "rb") as handle:
        handle.seek(offset)
        raw = handle.readline()
    return raw.rstrip(b"\n").rstrip(b"\r")


def iter_examples(path: str | Path) -> Iterator[tuple[int, dict]]:
    """(line_number, example) for every line holding a JSON object; other lines are skipped
    silently (inspect_file reports them)."""
    for number, _offset, payload in LineReader(path):
        if is_blank(payload):
            continue
        value, problem = decode_json(payload)
        if problem is None and isinstance(value, dict):
            yield number, value
