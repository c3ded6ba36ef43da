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

try:  # orjson (a gradio dependency) parses 2-3× faster; json stays the reference for semantics.
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised only where gradio is absent
    _orjson = None

BOM = b"\xef\xbb\xbf"
PROGRESS_EVERY = 4096  # lines between progress callbacks


class LineReader:
    """Iterate (line_number, byte_offset, payload) for every physical line of a file.

    payload is the raw bytes without the line ending (and without the BOM on line 1). After (or
    during) iteration: bom, crlf_lines, first_crlf_line, n_lines, bytes_read.
    """

    def __init__(self, path: str | Path, progress: Callable[[float], None] | None = None) -> None:
        self.path = Path(path)
        self.progress = progress
        self.size = os.path.getsize(self.path)
        self.bom = False
        self.crlf_lines = 0
        self.first_crlf_line = 0
        self.n_lines = 0
        self.bytes_read = 0

    def __iter__(self) -> Iterator[tuple[int, int, bytes]]:
        size = self.size or 1
        progress = self.progress
        offset = 0
        number = 0
        with open(self.path, "rb") as handle:
            for raw in handle:
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
                if number == 1 and raw.startswith(BOM):
                    self.bom = True
                    raw = raw[3:]
                    start += 3
                self.n_lines = number
                self.bytes_read = offset
                if progress is not None and number % PROGRESS_EVERY == 0:
                    progress(min(1.0, offset / size))
                yield number, start, raw
        if progress is not None:
            progress(1.0)


def is_blank(payload: bytes) -> bool:
    return not payload or payload.isspace()


def decode_json(payload: bytes) -> tuple[Any, tuple[str, int, str] | None]:
    """(value, None) or (None, (code, column, detail)) with code "non_utf8" (column = byte) or
    "invalid_json" (column = character, 1-based). Semantics are Python json's: orjson is only the
    fast path, and anything it refuses is retried with json (NaN, integers over 64 bits...)."""
    if _orjson is not None:
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
