"""The append-only event log of a run: LAB_HOME/runs/<id>/events.jsonl, one JSON object a line.

Every event has "time" (Unix seconds) and "kind":
- "log":    {"message": str, "level": "info"|"warning"|"error"}
- "metric": any of step, total_steps, epoch, train_loss, eval_loss, learning_rate, tokens_per_s,
            eta_s (hosted also: train_accuracy, valid_accuracy, full_valid_loss)
- "status": {"status": str, "error"?: str}

Writers open-append-write-close each line with one os.write on an O_APPEND descriptor, so lines from
several processes never interleave and a reader sees at most one partial line at the end, which
it leaves for the next read (offset-based, like `tail -f`). Pages re-read from their last offset.
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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)  # one write on O_APPEND: the whole line lands at the end, atomically
    finally:
        os.close(fd)
    return event


def read_events(run_dir: str | Path, offset: int = 0) -> tuple[list[dict], int]:
    """Events after byte `offset`, and the offset to continue from. A trailing line without its
    newline (a write in progress) is not consumed; lines that are not valid JSON are skipped."""
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
    for raw in chunk[: end + 1].splitlines():
        if not raw.strip():
            continue
        try:
            event = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if isinstance(event, dict):
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
