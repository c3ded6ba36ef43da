"""Files the lab keeps for the user under LAB_HOME/datasets: uploads, conversions, cleaned copies.

Uploads are copied in chunks (never read whole) and atomically, with a progress callback, and
stored through core.uploads: the folder is shared by every session, so a name that already holds
different bytes is never replaced (the upload is kept beside it under a hash-suffixed name) and the
same bytes uploaded twice are one file.
"""
from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from core.errors import InputError
from core.paths import subdir
from core.uploads import Stored, clean_base, file_hash, publish, store_chunks

MAX_UPLOAD_MB = 200  # the page's limit (also server.maxUploadSize in `python -m lab serve`)
CHUNK = 4 * 1024 * 1024  # bytes copied per step (progress updates this often)
ALLOWED_SUFFIXES = (".jsonl", ".csv", ".json", ".txt")


def datasets_dir() -> Path:
    return subdir("datasets")


def safe_name(name: str, default: str = "dataset.jsonl") -> str:
    """A file name without folders, control characters or odd characters:
    'my data (1).jsonl' -> 'my_data_1.jsonl', '../a\\x00b.jsonl' -> 'ab.jsonl'."""
    base = clean_base(name)
    if not base:
        return default
    odd = lambda part: re.sub(r"[^A-Za-z0-9._-]+", "_", part)  # noqa: E731
    stem = odd(Path(base).stem).strip("._")[:120] or "dataset"  # '数据.jsonl' -> 'dataset.jsonl'
    return stem + odd(Path(base).suffix)


def derived_path(source: str | Path, suffix: str, extension: str = ".jsonl") -> Path:
    """LAB_HOME/datasets/<stem><suffix><extension>, e.g. support_en_clean.jsonl."""
    return datasets_dir() / safe_name(f"{Path(source).stem}{suffix}{extension}")


def derive(source: str | Path, suffix: str, write: Callable[[Path], dict]) -> dict:
    """Run a writer of a derived file (clean_file, csv_to_chat, ...: write(out_path) -> summary with
    "path") on a private staging path, then publish it as <stem><suffix>.jsonl like an upload: a
    session never replaces the cleaned or converted copy another session made. Returns the summary
    with its final "path"."""
    target = derived_path(source, suffix)
    part = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        summary = write(part)
        return {**summary, "path": str(publish(part, target, file_hash(part)).path)}
    finally:
        part.unlink(missing_ok=True)


def derive_split(source: str | Path, split: Callable[[Path], tuple[Path, ...]]) -> list[Path]:
    """split(folder) writes <stem>_train.jsonl / <stem>_val.jsonl into a private folder; each is then
    published into LAB_HOME/datasets as derive() does."""
    staging = datasets_dir() / f".split-{uuid.uuid4().hex[:8]}"
    try:
        return [publish(path, datasets_dir() / path.name, file_hash(path)).path for path in split(staging)]
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def save_upload(source: BinaryIO, name: str, size: int | None = None,
                progress: Callable[[float], None] | None = None,
                max_bytes: int = MAX_UPLOAD_MB * 1024 * 1024) -> Path:
    """Copy an uploaded file to LAB_HOME/datasets in CHUNK-sized steps; see store_upload."""
    return store_upload(source, name, size, progress, max_bytes).path


def store_upload(source: BinaryIO, name: str, size: int | None = None,
                 progress: Callable[[float], None] | None = None,
                 max_bytes: int = MAX_UPLOAD_MB * 1024 * 1024) -> Stored:
    """Copy an uploaded file to LAB_HOME/datasets/<safe name> (or <stem>-<hash>.<ext> when another
    file holds that name); .renamed / .reused tell the page what to say."""
    filename = safe_name(name, default="")
    if Path(filename).suffix.lower() not in ALLOWED_SUFFIXES:
        raise InputError("inspect.error.upload_type", "inspect.error.upload_type_hint",
                         name=filename or clean_base(name) or "?")
    if size is not None and size > max_bytes:
        raise InputError("inspect.error.too_big", "inspect.error.too_big_hint",
                         size_mb=round(size / 1024 / 1024, 1), limit_mb=max_bytes // (1024 * 1024))

    def chunks() -> Iterator[bytes]:
        copied = 0
        while chunk := source.read(CHUNK):
            copied += len(chunk)
            if copied > max_bytes:  # the size was not known up front: stop, and nothing is kept
                raise InputError("inspect.error.too_big", "inspect.error.too_big_hint",
                                 size_mb=round(copied / 1024 / 1024, 1), limit_mb=max_bytes // (1024 * 1024))
            yield chunk
            if progress is not None and size:
                progress(min(1.0, copied / size))

    stored = store_chunks(chunks(), datasets_dir(), filename)
    if progress is not None:
        progress(1.0)
    return stored


def copy_to_datasets(path: str | Path, name: str | None = None) -> Path:
    """Copy a file (a bundled sample) into LAB_HOME/datasets so the next pages find it there."""
    path = Path(path)
    with open(path, "rb") as source:
        return save_upload(source, name or path.name, size=path.stat().st_size,
                           max_bytes=max(path.stat().st_size, 1))
