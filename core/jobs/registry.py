"""The job registry: one small SQLite file (LAB_HOME/jobs.sqlite3) shared by every process.

Several processes read and write it at once (Streamlit, the CLI, each worker), so: WAL journal, a
30 s busy timeout, a fresh connection per call and short transactions. Starting a job from the
queue uses BEGIN IMMEDIATE (a compare-and-set), so two refresh() calls never start the same job.

Timestamps are Unix seconds (float, UTC). params and result are JSON objects; params never hold
secrets (create_job refuses obvious secret names; secrets reach a worker only through its env).
"""
from __future__ import annotations

import errno
import json
import re
import secrets as _secrets
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from core.paths import lab_home, storage_error, subdir

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, PAUSED, INTERRUPTED = (
    "queued", "running", "succeeded", "failed", "cancelled", "paused", "interrupted")
# interrupted: the worker went away with the lab (a restart, a reboot, a container stop), not by a
# fault of the run; it ends the run like failed does (nothing runs it any more) and Resume continues it.
TERMINAL = frozenset({SUCCEEDED, FAILED, CANCELLED, INTERRUPTED})
# Jobs that produce a model (the Training page's runs, the arena's contestants); "eval" jobs measure them.
TRAINING_BACKENDS = ("local", "openai", "azure")
# Any status that is not queued, paused or terminal counts as active (hosted backends may add their
# own, e.g. "validating_files"): an active job occupies its lane and should have a live worker.
RESUMABLE = frozenset({FAILED, CANCELLED, PAUSED, INTERRUPTED})

_SECRET_NAME = re.compile(r"(api[_-]?key|secret|password|authorization|bearer)", re.I)
_FIELDS = ("backend", "status", "lane", "params", "pid", "pid_created", "created_at", "queued_at",
           "started_at", "finished_at", "result", "error", "attempts")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    backend TEXT NOT NULL,
    status TEXT NOT NULL,
    lane TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    pid INTEGER,
    pid_created REAL,
    created_at REAL NOT NULL,
    queued_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    result TEXT NOT NULL DEFAULT '{}',
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_lane_status ON jobs(lane, status);
"""


def is_active(status: str) -> bool:
    return status not in TERMINAL and status not in (QUEUED, PAUSED)


@dataclass
class Job:
    id: str
    backend: str
    status: str
    lane: str
    params: dict = field(default_factory=dict)
    pid: int | None = None
    pid_created: float | None = None  # psutil create_time of pid: guards against pid reuse
    created_at: float = 0.0
    queued_at: float = 0.0  # queue order; resume() moves the job to the back
    started_at: float | None = None
    finished_at: float | None = None
    result: dict = field(default_factory=dict)
    error: str | None = None  # plain-language reason when failed
    attempts: int = 0  # how many times a worker was started (resume increments it)

    @property
    def run_dir(self) -> Path:
        return run_dir_for(self.id)

    @property
    def active(self) -> bool:
        return is_active(self.status)

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL

    @property
    def duration_s(self) -> float | None:
        if self.started_at is None:
            return None
        return (self.finished_at or time.time()) - self.started_at

    def to_dict(self) -> dict:
        data = {name: getattr(self, name) for name in ("id",) + _FIELDS}
        data["run_dir"] = str(self.run_dir)
        return data


def run_dir_for(job_id: str) -> Path:
    return subdir("runs") / job_id


def db_path() -> Path:
    return lab_home() / "jobs.sqlite3"


# sqlite's primary result codes (the low byte of sqlite_errorcode) that mean the disk, not the lab
_SQLITE_STORAGE = {13: errno.ENOSPC,   # SQLITE_FULL: database or disk is full
                   8: errno.EROFS,     # SQLITE_READONLY
                   14: errno.EACCES}   # SQLITE_CANTOPEN


@contextmanager
def connect(immediate: bool = False) -> Iterator[sqlite3.Connection]:
    """A short-lived connection in autocommit mode; `immediate` wraps the block in BEGIN IMMEDIATE
    (takes the write lock at once, so a read-check-write sequence is atomic across processes).
    A full disk or a registry that cannot be written is core.paths.storage_error (one clear line)."""
    path = db_path()
    try:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
            if immediate:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:  # sqlite may have rolled back itself (SQLITE_FULL)
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            else:
                yield conn
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        code = _SQLITE_STORAGE.get((getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF)
        if code is None:
            raise
        raise storage_error(OSError(code, str(exc)), path.parent) from None


def _row_to_job(row: sqlite3.Row) -> Job:
    data = dict(row)
    data["params"] = json.loads(data["params"] or "{}")
    data["result"] = json.loads(data["result"] or "{}")
    return Job(**data)


def _encode(name: str, value: Any) -> Any:
    if name in ("params", "result"):
        return json.dumps(value or {}, ensure_ascii=False, default=str)
    return value


def check_no_secrets(params: dict, where: str = "params") -> None:
    """Refuse keys that look like secrets anywhere in params (they would reach disk)."""
    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if _SECRET_NAME.search(str(key)):
                    raise ValueError(f"{where} must not contain secrets ({path}.{key}); "
                                     "pass them to runner.submit(env=...) instead")
                walk(inner, f"{path}.{key}")
        elif isinstance(value, (list, tuple)):
            for index, inner in enumerate(value):
                walk(inner, f"{path}[{index}]")
    walk(params, where)


def new_job_id(now: float | None = None) -> str:
    """Readable and sortable: run-YYYYMMDD-HHMM-xxxx (local time, 4 random hex digits)."""
    stamp = time.strftime("%Y%m%d-%H%M", time.localtime(now or time.time()))
    return f"run-{stamp}-{_secrets.token_hex(2)}"


def create_job(backend: str, params: dict | None = None, lane: str | None = None,
               status: str = QUEUED, job_id: str | None = None) -> Job:
    """Insert a new job (queued by default) and create its run directory."""
    from core.jobs.runner import BACKEND_MODULES  # the one table of backends (runner imports this module)

    if backend not in BACKEND_MODULES:
        raise ValueError(f"unknown backend {backend!r}; expected one of {tuple(BACKEND_MODULES)}")
    params = dict(params or {})
    check_no_secrets(params)
    now = time.time()
    for _ in range(20):
        candidate = job_id or new_job_id(now)
        lane_name = lane or default_lane(backend, candidate)
        try:
            with connect() as conn:
                conn.execute(
                    "INSERT INTO jobs (id, backend, status, lane, params, created_at, queued_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (candidate, backend, status, lane_name, _encode("params", params), now, now))
        except sqlite3.IntegrityError:
            if job_id:
                raise
            continue
        run_dir_for(candidate).mkdir(parents=True, exist_ok=True)
        return get_job(candidate)
    raise RuntimeError("could not allocate a job id")


def default_lane(backend: str, job_id: str) -> str:
    """Local jobs queue per device; each hosted job gets a lane of its own (the provider queues it,
    so it never waits behind local training or another hosted job)."""
    if backend == "local":
        return local_device_lane()
    return f"{backend}:{job_id}"


def local_device_lane() -> str:
    """'cuda:0' when a GPU is there, 'mps' on Apple, else 'cpu' (core.environment decides)."""
    from core.environment import device_info  # lazy: it imports torch, which only local jobs need

    device = device_info()["device"]
    return "cuda:0" if device == "cuda" else device


def get_job(job_id: str) -> Job | None:
    with connect() as conn:
        row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return _row_to_job(row) if row else None


def list_jobs(status: str | Iterable[str] | None = None, backend: str | Iterable[str] | None = None,
              lane: str | None = None, newest_first: bool = True, limit: int | None = None) -> list[Job]:
    """Jobs filtered by status and backend (one or several each) and lane. Queue order is oldest first."""
    where, args = [], []
    if status is not None:
        statuses = [status] if isinstance(status, str) else list(status)
        where.append(f"status IN ({','.join('?' * len(statuses))})")
        args.extend(statuses)
    if backend:
        backends = [backend] if isinstance(backend, str) else list(backend)
        where.append(f"backend IN ({','.join('?' * len(backends))})")
        args.extend(backends)
    if lane:
        where.append("lane = ?")
        args.append(lane)
    sql = "SELECT * FROM jobs"
    if where:
        sql += " WHERE " + " AND ".join(where)
    # Newest first for tables; oldest queued_at first is the queue order.
    sql += " ORDER BY created_at DESC, id DESC" if newest_first else " ORDER BY queued_at ASC, id ASC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    with connect() as conn:
        rows = conn.execute(sql, args).fetchall()
    return [_row_to_job(row) for row in rows]


def update_job(job_id: str, expect_status: str | Iterable[str] | None = None, **fields: Any) -> Job | None:
    """Set fields of one job. With expect_status, only if its status is (one of) that — a
    compare-and-set; returns None when the job was not in that status (nothing changed)."""
    unknown = set(fields) - set(_FIELDS)
    if unknown:
        raise ValueError(f"unknown job fields: {sorted(unknown)}")
    if "params" in fields:
        check_no_secrets(fields["params"] or {})
    if "result" in fields:
        check_no_secrets(fields["result"] or {}, "result")
    if fields:
        sets = ", ".join(f"{name} = ?" for name in fields)
        args = [_encode(name, value) for name, value in fields.items()]
        sql = f"UPDATE jobs SET {sets} WHERE id = ?"
        args.append(job_id)
        if expect_status is not None:
            expected = [expect_status] if isinstance(expect_status, str) else list(expect_status)
            sql += f" AND status IN ({','.join('?' * len(expected))})"
            args.extend(expected)
        with connect() as conn:
            changed = conn.execute(sql, args).rowcount
        if not changed:
            return None
    return get_job(job_id)


def merge_result(job_id: str, **values: Any) -> Job | None:
    """Add keys to a job's result without replacing the others (e.g. a hosted model name)."""
    check_no_secrets(values, "result")
    with connect(immediate=True) as conn:
        row = conn.execute("SELECT result FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            return None
        result = json.loads(row["result"] or "{}")
        result.update(values)
        conn.execute("UPDATE jobs SET result = ? WHERE id = ?", (_encode("result", result), job_id))
    return get_job(job_id)
