"""How fast this machine trains LoRA, measured rather than guessed.

A few real training steps (peft LoRA r=16 on every linear layer, AdamW, with the trainer's own fused
LoRA layers and loss from core/training) of a model loaded with core.models.load_model, on random
token batches: the first step is a warm-up (allocations, kernel
selection) and is not timed. The result feeds the cost calculator's local estimate and the training
launcher's time/memory estimate, and is cached in LAB_HOME/calibration.json per (model, device, seq_len)
so pages do not re-measure on every run. About 5-15 s on 2 CPU cores for the embedded 135M model.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
from pathlib import Path

import psutil

from core.environment import device_info

from core.atomic import write_text
from core.errors import InputError
from core.models import display_name, is_embedded
from core.paths import lab_home

CACHE_NAME = "calibration.json"
LORA_RANK = 16
BATCH_SIZE = 1          # sequences per step: 1 × 256 tokens per step by default (~2-3 s on 2 cores)
TIME_BUDGET_S = 20.0    # stop early (after ≥1 timed step) on a slow or busy machine
MAX_SEQ_LEN = 8192
MAX_STEPS = 50


def cache_path() -> Path:
    return lab_home() / CACHE_NAME


def _model_key(model: str | None) -> str:
    return display_name("embedded" if is_embedded(model) else model)


def _read_cache() -> dict:
    path = cache_path()
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}   # a damaged cache is only a lost measurement: measure again
    return data if isinstance(data, dict) else {}


def _entry_key(model: str, device: str, seq_len: int) -> str:
    return f"{model}|{device}|{seq_len}"


def cached_calibration(model: str | None = "embedded", device: str | None = None,
                       seq_len: int | None = None) -> dict | None:
    """The latest measurement for model on this machine's device (any seq_len unless given)."""
    name = _model_key(model)
    device = device or device_info()["device"]
    entries = [e for e in _read_cache().values()
               if isinstance(e, dict) and e.get("model") == name and e.get("device") == device
               and (seq_len is None or e.get("seq_len") == seq_len)]
    if not entries:
        return None
    return max(entries, key=lambda e: str(e.get("measured_at", "")))


class _PeakRss:
    """Samples this process's resident memory every 20 ms while training steps run (CPU peak)."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self.peak = self._process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)


def recommended_threads() -> int:
    """CPU threads for LoRA training on this machine right now: every core, except when the machine
    is already oversubscribed (1-minute load average above the core count). There, OpenMP threads
    spin-waiting for each other are descheduled and one step can take 10-30x longer with 2 threads
    than with 1 (measured on the lab's shared 2-core machine at load 6-8), so use 1."""
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not available on Windows
        return cores
    return 1 if cores > 1 and load > cores else cores


def _check(seq_len: int, steps: int) -> None:
    if isinstance(seq_len, bool) or not isinstance(seq_len, int) or not 8 <= seq_len <= MAX_SEQ_LEN:
        raise InputError("costs.error_calibration_seq_len", low=8, high=MAX_SEQ_LEN, value=seq_len)
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise InputError("costs.error_calibration_steps", low=1, high=MAX_STEPS, value=steps)


def calibrate(model: str = "embedded", seq_len: int = 256, steps: int = 3, batch_size: int = BATCH_SIZE,
              progress=None, use_cache: bool = False, time_budget_s: float = TIME_BUDGET_S,
              threads: int | None = None) -> dict:
    """Measure LoRA training throughput: {"tokens_per_s", "peak_memory_mb", "device", "model",
    "seq_len", "measured_at", ...}. progress(fraction) is called after each step when given.

    tokens_per_s = batch_size × seq_len × steps / (time of the timed steps); the spread of single
    steps (tokens_per_s_min/max) tells the cost calculator how steady the machine was.
    peak_memory_mb: CUDA = peak allocated by torch; CPU = peak resident memory of this process
    while training (what a fresh trainer process needs, give or take the interpreter).
    """
    _check(seq_len, steps)
    device = device_info()["device"]
    if use_cache:
        hit = cached_calibration(model, device, seq_len)
        if hit:
            return hit

    import torch  # lazy: seconds to import; pages read the cache without it

    previous_threads = torch.get_num_threads()
    if threads is None and device == "cpu":
        threads = recommended_threads()
    if threads:
        torch.set_num_threads(int(threads))
    try:
        return _measure(model, seq_len, steps, batch_size, progress, time_budget_s, device)
    finally:
        torch.set_num_threads(previous_threads)


def _measure(model: str, seq_len: int, steps: int, batch_size: int, progress, time_budget_s: float,
             device: str) -> dict:
    import torch  # lazy: torch and peft load only to measure
    from peft import LoraConfig, get_peft_model

    from core.models import load_model
    from core.training.fast_lora import fuse_lora_layers
    from core.training.loss import selective_loss

    loaded, _tokenizer = load_model(model, device=None if device == "cpu" else device)
    lora = LoraConfig(r=LORA_RANK, lora_alpha=2 * LORA_RANK, lora_dropout=0.0, target_modules="all-linear",
                      task_type="CAUSAL_LM")
    peft_model = get_peft_model(loaded, lora)
    fuse_lora_layers(peft_model)  # measure what the trainer runs
    peft_model.train()
    trainable = [p for p in peft_model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=1e-4)
    vocab = int(peft_model.config.vocab_size)
    generator = torch.Generator().manual_seed(0)
    batches = [torch.randint(0, vocab, (batch_size, seq_len), generator=generator) for _ in range(steps + 1)]
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()

    def step(batch) -> None:
        batch = batch.to(peft_model.device)
        loss, _ = selective_loss(peft_model, {"input_ids": batch, "labels": batch})
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if device == "cuda":
            torch.cuda.synchronize()

    durations: list[float] = []
    began = time.perf_counter()
    with _PeakRss() as rss:
        step(batches[0])                                   # warm-up, not timed
        if progress:
            progress(1 / (steps + 1))
        for index, batch in enumerate(batches[1:], start=2):
            start = time.perf_counter()
            step(batch)
            durations.append(time.perf_counter() - start)
            if progress:
                progress(index / (steps + 1))
            if time.perf_counter() - began > time_budget_s:
                break
    peak_mb = (torch.cuda.max_memory_allocated() if device == "cuda" else rss.peak) / 2**20
    tokens_per_step = batch_size * seq_len
    result = {
        "tokens_per_s": tokens_per_step * len(durations) / sum(durations),
        "tokens_per_s_min": tokens_per_step / max(durations),
        "tokens_per_s_max": tokens_per_step / min(durations),
        "peak_memory_mb": round(peak_mb, 1),
        "device": device,
        "model": _model_key(model),
        "parameters": sum(p.numel() for p in peft_model.parameters()),
        "trainable_parameters": sum(p.numel() for p in trainable),
        "seq_len": seq_len,
        "batch_size": batch_size,
        "steps": len(durations),
        "lora_rank": LORA_RANK,
        "threads": torch.get_num_threads(),
        "measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    del peft_model, loaded, optimizer
    cache = _read_cache()
    cache[_entry_key(result["model"], device, seq_len)] = result
    write_text(cache_path(), json.dumps(cache, indent=2, sort_keys=True))
    return result
