"""Where the lab keeps its state: one folder, LAB_HOME, that an environment variable moves.

Tests point LAB_HOME at a temporary folder; the model cache can be shared between homes through
LAB_MODEL_CACHE so that every test does not dequantize the embedded model again.

A state folder that cannot be created or written (permissions, a read-only mount, a file in the way,
a full disk) is a problem the user fixes, not a crash: storage_error() turns the OSError into one
UnavailableError naming the folder and the fix, which every edge shows as one line.
"""
from __future__ import annotations

import errno
import os
from pathlib import Path

from core.errors import UnavailableError

REPO_ROOT = Path(__file__).resolve().parent.parent
ASSETS = REPO_ROOT / "assets"

DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})
# errno -> catalogue key of a short reason ("permission denied", "read-only"...), in the user's language
_REASONS = {errno.EACCES: "common.storage_reason_permission", errno.EPERM: "common.storage_reason_permission",
            errno.EROFS: "common.storage_reason_readonly", errno.ENOTDIR: "common.storage_reason_not_folder",
            errno.EEXIST: "common.storage_reason_not_folder", errno.ENOENT: "common.storage_reason_cannot_create"}


def storage_error(exc: OSError, folder: str | Path) -> UnavailableError:
    """The user-facing form of an OSError met while writing under `folder`: disk full, or a folder
    the lab cannot write (with the reason). One line: what, where, how to fix."""
    from core.i18n import t

    if exc.errno in DISK_FULL:
        return UnavailableError("common.disk_full", "common.disk_full_hint", folder=str(folder))
    key = _REASONS.get(exc.errno)
    reason = t(key) if key else (exc.strerror or type(exc).__name__)
    return UnavailableError("common.folder_unwritable", "common.folder_unwritable_hint",
                            folder=str(folder), reason=reason)


def _ensure_dir(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # PermissionError, FileExistsError (a file in the way), read-only, full
        raise storage_error(exc, path) from None
    return path


def lab_home() -> Path:
    """The lab's state folder (created on first use). Default: ~/.fine-tuning-lab."""
    home = Path(os.environ.get("LAB_HOME") or Path.home() / ".fine-tuning-lab").expanduser()
    return _ensure_dir(home)


def check_lab_home() -> Path:
    """LAB_HOME exists and takes a write (a 4 KiB probe, flushed to disk, then removed): what the CLI,
    `lab serve` and the pages check once at start, so a bad folder is one clear line, not a traceback
    later in the middle of some save."""
    home = lab_home()
    probe = home / f".write-probe-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, b"\0" * 4096)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise storage_error(exc, home) from None
    finally:
        try:
            probe.unlink()
        except OSError:
            pass
    return home


def subdir(name: str) -> Path:
    """A named folder under LAB_HOME (runs, datasets, rag, ...), created on demand."""
    return _ensure_dir(lab_home() / name)


def temp_dir(name: str = "tmp") -> Path:
    """Scratch space under LAB_HOME (LAB_HOME/tmp, or a named folder for one program's temporary
    files, e.g. Gradio's): every file the lab writes stays under LAB_HOME, none in the system /tmp."""
    return subdir(name)


def model_cache_dir() -> Path:
    """Converted models (safetensors). LAB_MODEL_CACHE overrides, else LAB_HOME/models."""
    override = os.environ.get("LAB_MODEL_CACHE")
    return _ensure_dir(Path(override).expanduser() if override else lab_home() / "models")


def tiktoken_cache_dir() -> Path:
    """Seeded BPE files for tiktoken. Shared like the model cache: it never changes."""
    override = os.environ.get("LAB_TIKTOKEN_CACHE")
    return _ensure_dir(Path(override).expanduser() if override else lab_home() / "tiktoken")
