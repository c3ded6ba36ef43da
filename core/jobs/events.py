"""The append-only event log of a run: LAB_HOME/runs/<id>/events.jsonl, one JSON object a line.

Every event has "time" (Unix seconds) and "kind":
- "log":    {"message": str, "level": "info"|"warning"|"error"}
- "metric": any of step, total_steps, epoch, train_loss, eval_loss, learning_rate, tokens_per_s,
            eta_s (hosted also: train_accuracy, valid_accuracy, full_valid_loss)
- "status": {"status": str, "error"?: str}

Writers open-append-write-close each line with one os.write on an O_APPEND descriptor, so lines from
several processes never interleave and a reader sees at most one partial line at the end, which
it leaves for the next read (offset-based, like `tail -f`). Pages re-read from their last offset.

A line cut short for good (a writer killed mid-write, a full disk) is followed by the next writer's
line on the same row: the reader keeps the whole event that starts after the cut, skips the broken
part and reports it as a warning "log" event (kind "log", "skipped_line": line number), so the run
monitor says what was lost instead of silently showing less.
"""
from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Any

EVENTS_FILE = "events.jsonl"
KINDS = ("log", "metric", "status")
METRIC_FIELDS = ("step", "total_steps", "epoch", "train_loss", "eval_loss", "learning_rate",
                 "tokens_per_s", "eta_s", "train_accuracy", "valid_accuracy", "full_valid_loss")


def events_path(run_dir: str | Path) -> Path:
    return Path(run_dir) / EVENTS_FILE


def _clean(value: Any) -> Any:
    """JSON has no NaN/inf: write them as null so every reader can parse the line."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def append_event(run_dir: str | Path, kind: str, **fields: Any) -> dict:
    """Append one event line and return the event. Never raises on a bad value: it is stringified."""
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}; expected one of {KINDS}")
    event = {"time": round(time.time(), 3), "kind": kind}
    event.update({key: _clean(value) for key, value in fields.items()})
    line = (json.dumps(event, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    path = events_path(run_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            written = os.write(fd, line)  # one write on O_APPEND: the whole line lands at the end, atomically
            while written < len(line):  # a short write (nearly full disk): finish the line
                written += os.write(fd, line[written:])
        finally:
            os.close(fd)
    except OSError as exc:
        from core.paths import DISK_FULL, storage_error

        if exc.errno in DISK_FULL:
            raise storage_error(exc, path.parent) from None
        raise
    return event


_EVENT_START = b'{"time": '  # how append_event's json.dumps begins every line


def _parse_line(raw: bytes) -> tuple[dict | None, bool]:
    """(event, damaged): a whole event, or the last whole event after a cut-off start."""
    try:
        event = json.loads(raw)
        return (event, False) if isinstance(event, dict) else (None, True)
    except (json.JSONDecodeError, UnicodeDecodeError):
        pass
    start = raw.rfind(_EVENT_START)
    if start > 0:
        try:
            event = json.loads(raw[start:])
            if isinstance(event, dict):
                return event, True
        except (json.JSONDecodeError, UnicodeDecodeError):
            pass
    return None, True


def _skipped_note(path: Path, offset: int, line_no: int, when: float | None) -> dict:
    """The warning event standing for a damaged line (1-based line number in the file)."""
    from core.i18n import t

    first = 1
    if offset:  # rare (a damaged line): count the lines before this read's start
        try:
            with open(path, "rb") as handle:
                first += handle.read(offset).count(b"\n")
        except OSError:
            pass
    number = first + line_no
    return {"time": when or 0.0, "kind": "log", "level": "warning", "skipped_line": number,
            "message": t("common.events_line_skipped", line=number, file=str(path))}


def read_events(run_dir: str | Path, offset: int = 0) -> tuple[list[dict], int]:
    """Events after byte `offset`, and the offset to continue from. A trailing line without its
    newline (a write in progress) is not consumed; a damaged line is skipped (keeping a whole event
    glued after it) and stands in the list as a warning "log" event with its line number."""
    path = events_path(run_dir)
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            chunk = handle.read()
    except FileNotFoundError:
        return [], offset
    end = chunk.rfind(b"\n")
    if end < 0:
        return [], offset
    events = []
    for line_no, raw in enumerate(chunk[: end + 1].split(b"\n")[:-1]):
        if not raw.strip():
            continue
        event, damaged = _parse_line(raw)
        if damaged:
            when = event.get("time") if event else (events[-1].get("time") if events else None)
            events.append(_skipped_note(path, offset, line_no, when))
        if event is not None:
            events.append(event)
    return events, offset + end + 1


def read_all(run_dir: str | Path) -> list[dict]:
    return read_events(run_dir, 0)[0]


class EventReader:
    """Keeps the offset between calls: `reader.poll()` returns only the new events, and
    `reader.events` all of them so far (what a live monitor needs)."""

    def __init__(self, run_dir: str | Path) -> None:
        self.run_dir = Path(run_dir)
        self.offset = 0
        self.events: list[dict] = []

    def poll(self) -> list[dict]:
        new, self.offset = read_events(self.run_dir, self.offset)
        self.events.extend(new)
        return new


def metrics(events: list[dict]) -> list[dict]:
    return [event for event in events if event.get("kind") == "metric"]


def summarize(events: list[dict]) -> dict:
    """The latest value of each metric field (train and eval losses tracked separately), plus the
    last log message and status: what the jobs table and `lab jobs` show."""
    summary: dict[str, Any] = {}
    for event in events:
        kind = event.get("kind")
        if kind == "metric":
            for name in METRIC_FIELDS:
                if event.get(name) is not None:
                    summary[name] = event[name]
            if event.get("train_loss") is not None and "first_train_loss" not in summary:
                summary["first_train_loss"] = event["train_loss"]
        elif kind == "log":
            summary["last_log"] = event.get("message")
        elif kind == "status":
            summary["last_status"] = event.get("status")
    return summary
