"""core.atomic.save_pretrained: a Hugging Face folder (model + tokenizer + ...) appears whole or not at all.

The parts here are minimal objects with the `save_pretrained(folder)` method the helper calls, so the
test stays free of a transformers import (core/models.py and core/training/export.py save real models with it)."""
from __future__ import annotations

import json

import pytest

from core.atomic import save_pretrained


class Part:
    def __init__(self, name: str, value: int) -> None:
        self.name, self.value = name, value

    def save_pretrained(self, folder):
        (folder / self.name).write_text(json.dumps({"value": self.value}))


class Broken:
    """A part whose save fails half-way (disk full, Ctrl+C): it has already written one file."""

    def save_pretrained(self, folder):
        (folder / "model.safetensors").write_bytes(b"half")
        raise OSError("disk full")


def test_a_failed_save_keeps_the_previous_folder_and_leaves_no_temp(tmp_path):
    target = save_pretrained(tmp_path / "out" / "model", Part("config.json", 1), Part("tokenizer.json", 1))
    assert sorted(p.name for p in target.iterdir()) == ["config.json", "tokenizer.json"]
    with pytest.raises(OSError, match="disk full"):
        save_pretrained(target, Part("config.json", 2), Broken())
    assert sorted(p.name for p in target.iterdir()) == ["config.json", "tokenizer.json"]  # the previous folder
    assert json.loads((target / "config.json").read_text())["value"] == 1
    assert [p.name for p in target.parent.iterdir()] == ["model"]  # no temp folder left behind
    save_pretrained(target, Part("config.json", 3))
    assert [p.name for p in target.iterdir()] == ["config.json"]  # replaced whole, not merged
