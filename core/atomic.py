"""Write files so a crash never leaves half of one: write a sibling temp file, then rename.

A full disk (ENOSPC, EDQUOT) or a folder the lab may not write becomes core.paths.storage_error: one
UnavailableError naming the folder and the fix, raised after the temp file is gone, so the target is
either the previous version or absent, never half of the new one.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator

from core.paths import DISK_FULL, storage_error


def _temp_in(folder: Path, name: str, make):
    """mkdir + the temp sibling; a folder that cannot be written is the user's to fix."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return make(prefix=f".{name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise storage_error(exc, folder) from None


@contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Yield a file handle; the target appears only if the block finishes without error."""
    path = Path(path)
    fd, tmp = _temp_in(path.parent, path.name, tempfile.mkstemp)
    try:
        kwargs = {} if "b" in mode else {"encoding": encoding, "newline": ""}
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        # Only a full disk is converted here: any other OSError of the block (say, reading the source
        # of a copy) is not about the target folder and keeps its own meaning.
        if isinstance(exc, OSError) and exc.errno in DISK_FULL:
            raise storage_error(exc, path.parent) from None
        raise


def write_text(path: str | Path, text: str) -> None:
    with atomic_write(path) as handle:
        handle.write(text)


def write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_write(path, "wb") as handle:
        handle.write(data)


def copy_file(source: str | Path, target: str | Path) -> Path:
    """Copy a file (streamed, any size) so the copy appears whole or not at all."""
    with open(source, "rb") as src, atomic_write(target, "wb") as dst:
        shutil.copyfileobj(src, dst, 1024 * 1024)
    return Path(target)


def save_pretrained(target: str | Path, *parts: Any) -> Path:
    """Save Hugging Face objects (a model, its tokenizer, a peft adapter...) into one folder that
    appears whole or not at all: each part's save_pretrained writes into a sibling temp folder, which
    then replaces target. A crash mid-save leaves the previous folder (or none), never half of one."""
    target = Path(target)
    tmp = Path(_temp_in(target.parent, target.name, tempfile.mkdtemp))
    old = target.with_name(f".{target.name}.old")
    try:
        for part in parts:
            part.save_pretrained(tmp)
        if target.exists():  # swap by two renames; the old folder is put back if the second fails
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
        try:
            os.replace(tmp, target)
        except OSError:
            if old.exists() and not target.exists():
                os.replace(old, target)
            raise
    except OSError as exc:
        if exc.errno in DISK_FULL:
            raise storage_error(exc, target.parent) from None
        raise
    finally:
        for leftover in (tmp, old):
            if leftover.exists():
                shutil.rmtree(leftover, ignore_errors=True)
    return target
