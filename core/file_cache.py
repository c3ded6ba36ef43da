"""Work over a file done once per version of that file, shared by every session of the server.

Why: with a room of attendees on one machine, eight browser sessions opening the same sample made
eight identical passes over it (and each rerun of a new session another). A result is keyed by the
file's identity, (resolved path, size in bytes, mtime in ns), plus the other arguments, so a changed
file is a new key and never a stale hit. `progress` is left out of the key: it only reports.

Nothing leaks between sessions: a key names one file on disk that the caller could already read
(uploads are stored under their content hash, core/uploads.py), and results are read-only.
cachetools gives the bounded LRU and the stampede guard: a second session asking for a key that is
being computed waits for that result instead of computing it again.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from cachetools import LRUCache, cached
from cachetools.keys import hashkey

F = TypeVar("F", bound=Callable)
UNKEYED = ("progress", "workers")  # how a result is reported or computed, not what it is


def file_stamp(path: str | Path) -> tuple[str, int, int]:
    """(resolved path, size, mtime_ns): what makes two reads of a file the same read."""
    path = Path(path)
    stat = path.stat()
    return str(path.resolve()), stat.st_size, stat.st_mtime_ns


def by_file(maxsize: int = 16) -> Callable[[F], F]:
    """Memoize `func(path, *args, **kwargs)` per file version (and arguments), at most `maxsize`
    results; `func.cache_info()` counts hits and misses, `func.cache_clear()` empties it.

    A path that cannot be stat'ed is not cached: the call goes through and raises its own error."""
    def decorate(func: F) -> F:
        def key(path, *args, **kwargs):
            kept = {name: value for name, value in kwargs.items() if name not in UNKEYED}
            try:
                stamp = file_stamp(path)
            except OSError:
                stamp = ("unreadable", str(path), threading.get_ident())  # never shared, never a hit twice
            return hashkey(stamp, *args, **kept)

        return cached(LRUCache(maxsize), key=key, condition=threading.Condition(), info=True)(func)

    return decorate
