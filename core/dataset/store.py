"""Files the lab keeps for the user under LAB_HOME/datasets: uploads, conversions, cleaned copies.

Uploads are copied in chunks (never read whole) and atomically, with a progress callback.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import BinaryIO, Callable

from core.atomic import atomic_write
from core.errors import InputError
from core.paths import subdir

MAX_UPLOAD_MB = 200  # the page's limit (also server.maxUploadSize in `python -m lab serve`)
CHUNK = 4 * 1024 * 1024  # bytes copied per step (progress updates this often)
ALLOWED_SUFFIXES = (".jsonl", ".csv", ".json", ".txt")


def datasets_dir() -> Path:
    return subdir("datasets")


def safe_name(name: str, default: str = "dataset.jsonl") -> str:
    """A file name without folders or odd characters: 'my data (1).jsonl' -> 'my_data_1_.jsonl'."""
    base = Path(str(name).replace("\\", "/")).name.strip()
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip("._")
    return base[:120] or default


def derived_path(source: str | Path, suffix: str, extension: str = ".jsonl") -> Path:
    """LAB_HOME/datasets/<stem><suffix><extension>, e.g. support_en_clean.jsonl."""
    return datasets_dir() / safe_name(f"{Path(source).stem}{suffix}{extension}")


def save_upload(source: BinaryIO, name: str, size: int | None = None,
                progress: Callable[[float], None] | None = None,
                max_bytes: int = MAX_UPLOAD_MB * 1024 * 1024) -> Path:
    """Copy an uploaded file to LAB_HOME/datasets/<safe name> in CHUNK-sized steps."""
    filename = safe_name(name)
    if Path(filename).suffix.lower() not in ALLOWED_SUFFIXES:
        raise InputError("inspect.error.upload_type", "inspect.error.upload_type_hint", name=filename)
    if size is not None and size > max_bytes:
        raise InputError("inspect.error.too_big", "inspect.error.too_big_hint",
                         size_mb=round(size / 1024 / 1024, 1), limit_mb=max_bytes // (1024 * 1024))
    target = datasets_dir() / filename
    copied = 0
    with atomic_write(target, "wb") as out:
        while True:
            chunk = source.read(CHUNK)
            if not chunk:
                break
            copied += len(chunk)
            if copied > max_bytes:  # the size was not known up front: stop, and nothing is kept
                raise InputError("inspect.error.too_big", "inspect.error.too_big_hint",
                                 size_mb=round(copied / 1024 / 1024, 1), limit_mb=max_bytes // (1024 * 1024))
            out.write(chunk)
            if progress is not None and size:
                progress(min(1.0, copied / size))
    if progress is not None:
        progress(1.0)
    return target


def copy_to_datasets(path: str | Path, name: str | None = None) -> Path:
    """Copy a file (a bundled sample) into LAB_HOME/datasets so the next pages find it there."""
    path = Path(path)
    with open(path, "rb") as source:
        return save_upload(source, name or path.name, size=path.stat().st_size,
                           max_bytes=max(path.stat().st_size, 1))
