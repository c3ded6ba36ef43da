"""Shared fixtures. Every test gets its own LAB_HOME (the simonw/llm habit); the converted embedded
model and the seeded tiktoken files are shared across tests through LAB_MODEL_CACHE and
LAB_TIKTOKEN_CACHE, prepared once per machine (the README's commands prepare them too).
"""
from __future__ import annotations

import os
import tempfile
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Share the converted model and tiktoken files with the lab's own home (./lab.sh prepared them there),
# so tests never convert the embedded model a second time.
_DEFAULT_HOME = Path(os.environ.get("LAB_HOME") or Path.home() / ".fine-tuning-lab").expanduser()
os.environ.setdefault("LAB_MODEL_CACHE", str(_DEFAULT_HOME / "models"))
os.environ.setdefault("LAB_TIKTOKEN_CACHE", str(_DEFAULT_HOME / "tiktoken"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("LAB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("GRADIO_TEMP_DIR", str(Path(tempfile.gettempdir()) / "lab-tests-gradio"))
os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")


@pytest.fixture(autouse=True)
def lab_home(tmp_path, monkeypatch):
    """A fresh LAB_HOME for every test; nothing leaks between tests or into the user's home."""
    home = tmp_path / "lab-home"
    home.mkdir()
    monkeypatch.setenv("LAB_HOME", str(home))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("AZURE_OPENAI_API_KEY", raising=False)
    from core.i18n import set_language

    set_language("en")
    return home


@pytest.fixture(scope="session")
def embedded_model_path() -> Path:
    """The embedded model converted to safetensors (once per machine, ~40 s the first time)."""
    from core.models import prepare_embedded

    return prepare_embedded()


@pytest.fixture(scope="session")
def embedded_model(embedded_model_path):
    """(model, tokenizer) of SmolLM2-135M-Instruct, loaded once per test session. Do not train it
    in place: wrap it with peft and unload, or load your own copy with core.models.load_model()."""
    from core.models import load_model

    return load_model("embedded")
