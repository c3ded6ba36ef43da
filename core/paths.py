"""Where the lab keeps its state: one folder, LAB_HOME, that an environment variable moves.

Tests point LAB_HOME at a temporary folder; the model cache can be shared between homes through
LAB_MODEL_CACHE so that every test does not dequantize the embedded model again.
"""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ASSETS = REPO_ROOT / "assets"


def lab_home() -> Path:
    """The lab's state folder (created on first use). Default: ~/.fine-tuning-lab."""
    home = Path(os.environ.get("LAB_HOME") or Path.home() / ".fine-tuning-lab").expanduser()
    home.mkdir(parents=True, exist_ok=True)
    return home


def subdir(name: str) -> Path:
    """A named folder under LAB_HOME (runs, datasets, rag, ...), created on demand."""
    path = lab_home() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def model_cache_dir() -> Path:
    """Converted models (safetensors). LAB_MODEL_CACHE overrides, else LAB_HOME/models."""
    override = os.environ.get("LAB_MODEL_CACHE")
    path = Path(override).expanduser() if override else lab_home() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def tiktoken_cache_dir() -> Path:
    """Seeded BPE files for tiktoken. Shared like the model cache: it never changes."""
    override = os.environ.get("LAB_TIKTOKEN_CACHE")
    path = Path(override).expanduser() if override else lab_home() / "tiktoken"
    path.mkdir(parents=True, exist_ok=True)
    return path
