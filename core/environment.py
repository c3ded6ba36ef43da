"""What this machine offers the lab: the facts the Home page's environment panel shows.

Keys are reported as present or absent, never their values.
"""
from __future__ import annotations

import os
import platform

from core.models import EMBEDDED_MODEL, embedded_ready, is_online, prepare_embedded
from core.paths import lab_home
from core.secrets import get_secret
from core.tokenizers import seed_tiktoken_cache


def device_info() -> dict:
    """The best training device: cuda (with name and memory), mps, or cpu (with core count)."""
    import torch

    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        return {"device": "cuda", "name": props.name, "count": torch.cuda.device_count(),
                "memory_gb": round(props.total_memory / 1024**3, 1)}
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return {"device": "mps", "name": "Apple MPS", "count": 1, "memory_gb": None}
    return {"device": "cpu", "name": platform.processor() or platform.machine(),
            "count": os.cpu_count() or 1, "memory_gb": None}


def environment_report(check_online: bool = True) -> dict:
    device = device_info()
    return {
        "lab_home": str(lab_home()),
        "device": device["device"],
        "device_name": device["name"],
        "device_count": device["count"],
        "gpu_memory_gb": device["memory_gb"],
        "openai_key_present": get_secret("OPENAI_API_KEY") is not None,
        "azure_key_present": get_secret("AZURE_OPENAI_API_KEY") is not None,
        "embedded_model": EMBEDDED_MODEL,
        "embedded_model_ready": embedded_ready(),
        "online": is_online() if check_online else None,
    }


def prepare_offline_defaults() -> dict:
    """Seed tiktoken and convert the embedded model once. Safe to run again (does nothing)."""
    return {"tiktoken_cache": str(seed_tiktoken_cache()), "embedded_model": str(prepare_embedded())}
