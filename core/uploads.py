"""Storing an uploaded file in a folder that many sessions share, without ever replacing someone's file.

A workshop runs one lab for a room: two people uploading "support.jsonl" must each keep their own
file. So a stored upload is addressed by its content as well as its name:
- the name is free: the file takes it;
- the name holds the same bytes (sha256): that file is reused, nothing is written twice;
- the name holds other bytes: the upload is kept beside it as "<stem>-<first 8 hex of sha256><suffix>",
  and the caller tells the user which name it got.
The final step is a hard link (os.link fails if the name exists), so two sessions racing for the same
name cannot both take it. The bytes are first written whole to a hidden ".<name>.<random>.part" file
through core.atomic (a full disk or an unwritable folder gives the usual one-line reason).

Names: clean_base() drops control characters (NUL included), folders ("../", "C:\\") and leading dots
before a store applies its own character rules; a name with nothing left is refused by the store.
"""
from __future__ import annotations

import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from core.atomic import atomic_write

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
HASH_CHARS = 8  # 8 hex = 32 bits: a clash needs ~65,000 different files under one name


@dataclass(frozen=True)
class Stored:
    path: Path  # where the upload now lives
    wanted: str  # the name asked for (after cleaning)
    reused: bool  # an identical file was already there: nothing new was written

    @property
    def renamed(self) -> bool:
        """True when another file held the wanted name, so this one got a hash-suffixed name."""
        return self.path.name != self.wanted


def clean_base(name: str) -> str:
    """The last path part of an uploaded name, without control characters or leading dots/spaces."""
    text = _CONTROL.sub("", str(name or "")).replace("\\", "/")
    return text.rsplit("/", 1)[-1].strip().lstrip(". ").strip()


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _same(path: Path, size: int, digest: str) -> bool:
    try:
        return path.stat().st_size == size and file_hash(path) == digest
    except FileNotFoundError:
        return False


def _claim(part: Path, target: Path) -> bool:
    """Give `part`'s bytes the name `target` only if that name is free. False when it is taken."""
    try:
        os.link(part, target)
        return True
    except FileExistsError:
        return False
    except OSError:  # a filesystem without hard links: reserve the name exclusively, then fill it
        try:
            os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            return False
        os.replace(part, target)
        return True


def publish(part: Path, target: Path, digest: str) -> Stored:
    """Move the finished file `part` to `target`, or reuse / keep beside what is there (see above)."""
    size = part.stat().st_size
    suffixed = target.with_name(f"{target.stem}-{digest[:HASH_CHARS]}{target.suffix}")
    full = target.with_name(f"{target.stem}-{digest}{target.suffix}")  # a clash of 8 hex: the whole hash
    for candidate in (target, suffixed, full):
        if _claim(part, candidate):
            return Stored(candidate, target.name, reused=False)
        if _same(candidate, size, digest):
            return Stored(candidate, target.name, reused=True)
    raise FileExistsError(full)  # only if a different file already bears this content's full hash


def store_chunks(chunks: Iterable[bytes], folder: Path, name: str) -> Stored:
    """Write the chunks (an upload read in steps) into `folder` under `name` as described above.
    An exception while iterating (a size limit, a read error) leaves nothing behind."""
    digest = hashlib.sha256()
    part = folder / f".{name}.{uuid.uuid4().hex[:8]}.part"
    with atomic_write(part, "wb") as out:
        for chunk in chunks:
            digest.update(chunk)
            out.write(chunk)
    try:
        return publish(part, folder / name, digest.hexdigest())
    finally:
        part.unlink(missing_ok=True)


def store_bytes(data: bytes, folder: Path, name: str) -> Stored:
    return store_chunks([data], folder, name)
