"""core.atomic.save_pretrained: a Hugging Face folder appears whole or not at all."""
from __future__ import annotations

import pytest

from core.atomic import save_pretrained


class Broken:
    """A part whose save fails half-way (disk full, Ctrl+C): it has already written one file."""

    def save_pretrained(self, folder):
        (folder / "model.safetensors").write_bytes(b"half")
        raise OSError("disk full")


def test_a_failed_save_keeps_the_previous_folder_and_leaves_no_temp(tmp_path, embedded_model_path):
    from core.models import load_tokenizer

    tokenizer = load_tokenizer("embedded")
    target = save_pretrained(tmp_path / "model", tokenizer)
    saved = sorted(p.name for p in target.iterdir())
    assert "tokenizer_config.json" in saved
    with pytest.raises(OSError, match="disk full"):
        save_pretrained(target, tokenizer, Broken())
    assert sorted(p.name for p in target.iterdir()) == saved  # the previous, whole folder
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no temp folder left behind
