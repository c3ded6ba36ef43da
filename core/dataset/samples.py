"""The bundled sample datasets listed in assets/samples/manifest.json.

Each entry: file, lang, format, title_key, description_key (catalogue keys in inspect.json).
Entries whose file is missing are left out, so the page never offers a file that is not there.
"""
from __future__ import annotations

import json
from pathlib import Path

from core.paths import ASSETS

SAMPLES_DIR = ASSETS / "samples"
MANIFEST = SAMPLES_DIR / "manifest.json"


def load_manifest() -> list[dict]:
    with open(MANIFEST, encoding="utf-8") as handle:
        return json.load(handle)["samples"]


def list_samples(include_missing: bool = False) -> list[dict]:
    out = []
    for entry in load_manifest():
        path = SAMPLES_DIR / entry["file"]
        if path.is_file() or include_missing:
            out.append({**entry, "path": str(path)})
    return out


def sample_path(file: str) -> Path:
    return SAMPLES_DIR / Path(file).name
