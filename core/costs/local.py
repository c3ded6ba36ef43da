"""Training on one's own or rented hardware: tokens/s (measured here, or a GPU table scaled by model
size), hours with an honest range, and USD of rent plus electricity.

This machine's LoRA speed has one source for the Cost Calculator and the Training Launcher's
estimate: core.calibration's measurement (a few real training steps, cached in LAB_HOME), else a
0.3 s matmul micro-benchmark: a LoRA step costs ~4 x params FLOPs per token (forward 2N + backward
through frozen weights 2N, no weight gradients), at about 55% of the matmul rate.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from core.calibration import cached_calibration, calibrate
from core.costs.inputs import parse_amount
from core.errors import InputError
from core.models import resolve_model
from core.pricing import gpu_table

EFFICIENCY = 0.55  # useful / matmul FLOP/s of the lab trainer on CPU (bench/bench_train.py: 58-66%)

@dataclass(frozen=True)
class GpuPreset:
    key: str
    label: str
    usd_per_hour: float
    tokens_per_s: float               # at reference_params_b
    watts: float
    memory_gb: float | None
    price_source: str
    reference_params_b: float


def gpu_presets() -> dict[str, GpuPreset]:
    """The data file's GPU table, validated (a broken entry is a clear error, not a NaN)."""
    table = gpu_table()
    ref = float(table.get("reference_params_b") or 0.5)
    presets = {}
    for key, entry in (table.get("presets") or {}).items():
        try:
            presets[key] = GpuPreset(key=key, label=str(entry["label"]),
                                     usd_per_hour=parse_amount(entry["usd_per_hour"], "usd_per_hour"),
                                     tokens_per_s=parse_amount(entry["tokens_per_s"], "tokens_per_s"),
                                     watts=parse_amount(entry["watts"], "watts"),
                                     memory_gb=entry.get("memory_gb"),
                                     price_source=str(entry.get("price_source") or ""), reference_params_b=ref)
        except (KeyError, TypeError, InputError) as exc:
            raise InputError("costs.error_pricing_file", "costs.error_pricing_file_hint", path="assets/pricing.yaml",
                             where=f"gpus.presets.{key}", reason=str(exc)) from None
    return presets


def cpu_defaults() -> dict:
    """The CPU entry: reference model size (the calibrated embedded model), watts, kWh price."""
    table = gpu_table()
    cpu = table.get("cpu") or {}
    return {"reference_params_b": float(cpu.get("reference_params_b") or 0.135),
            "watts": float(cpu.get("watts") or 65), "usd_per_hour": float(cpu.get("usd_per_hour") or 0.0),
            "usd_per_kwh": float(table.get("electricity_usd_per_kwh") or 0.15)}


def scaled_tokens_per_s(reference_tokens_per_s: Any, reference_params_b: float, params_b: Any) -> float:
    """Throughput for another model size: compute per token grows with parameters, so tokens/s
    falls in proportion (a first-order rule; the range shown covers its error)."""
    ref = parse_amount(reference_tokens_per_s, "tokens_per_s")
    size = parse_amount(params_b, "params_b")
    return ref * reference_params_b / size


# Time ranges (× the central estimate). A table value is derived, not measured: ×0.5-×2.
# A measurement on this machine is tighter, but random-token batches skip padding, real lengths
# differ and a shared machine varies: at least ×0.75-×1.5, wider if the measured steps spread more.
TABLE_RANGE = (0.5, 2.0)
MEASURED_RANGE = (0.75, 1.5)


def measured_range(calibration: dict | None) -> tuple[float, float]:
    """×low-×high from a calibration's step spread, never narrower than MEASURED_RANGE."""
    low, high = MEASURED_RANGE
    if calibration:
        mean = calibration.get("tokens_per_s") or 0
        fastest = calibration.get("tokens_per_s_max") or mean
        slowest = calibration.get("tokens_per_s_min") or mean
        if mean and fastest and slowest:
            low = min(low, mean / fastest)     # faster steps -> less time
            high = max(high, mean / slowest)
    return (low, high)


@dataclass(frozen=True)
class LocalEstimate:
    """Hours and USD to train locally. *_low/*_high use the time range (× factors)."""

    tokens: int
    tokens_per_s: float
    hours: float
    hours_low: float
    hours_high: float
    rent_usd: float
    energy_kwh: float
    electricity_usd: float
    total_usd: float
    total_low: float
    total_high: float
    range_factors: tuple[float, float]


def local_training_estimate(tokens: Any, tokens_per_s: Any, usd_per_hour: Any = 0.0, watts: Any = 0.0,
                            usd_per_kwh: Any = 0.0, range_factors: tuple[float, float] = TABLE_RANGE
                            ) -> LocalEstimate:
    """hours = tokens / tokens_per_s / 3600; USD = hours × $/h + hours × watts / 1000 × $/kWh.
    Rented GPUs: $/h includes power (set $/kWh to 0). Own hardware: $/h = 0, electricity counts."""
    n = parse_amount(tokens, "tokens")
    speed = parse_amount(tokens_per_s, "tokens_per_s")
    rate = parse_amount(usd_per_hour, "usd_per_hour")
    power = parse_amount(watts, "watts")
    kwh_price = parse_amount(usd_per_kwh, "usd_per_kwh")
    low, high = range_factors
    hours = n / speed / 3600.0

    def total(h: float) -> float:  # USD: rent + kWh × price, kWh = h × W / 1000
        return h * rate + h * power / 1000.0 * kwh_price

    kwh = hours * power / 1000.0
    return LocalEstimate(tokens=int(n), tokens_per_s=speed, hours=hours, hours_low=hours * low,
                         hours_high=hours * high, rent_usd=hours * rate, energy_kwh=kwh,
                         electricity_usd=kwh * kwh_price, total_usd=total(hours), total_low=total(hours * low),
                         total_high=total(hours * high), range_factors=(low, high))


# ------------------------------------------------------------------ this machine's speed
@lru_cache(maxsize=4)
def matmul_flops(size: int = 512, repeats: int = 6) -> float:
    """FLOP/s of a float32 matmul on this machine (all threads torch uses)."""
    import torch  # lazy: the Cost Calculator page must not load torch to draw

    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b  # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * size**3 * repeats / max(1e-9, time.perf_counter() - start)


@lru_cache(maxsize=8)
def param_count(model: str) -> int:
    """Parameters from config.json without loading weights (embedded: 135M)."""
    try:
        config = json.loads((Path(resolve_model(model)) / "config.json").read_text())
    except (OSError, ValueError, InputError):
        return 135_000_000
    hidden, layers = config.get("hidden_size", 576), config.get("num_hidden_layers", 30)
    inter, vocab = config.get("intermediate_size", 4 * hidden), config.get("vocab_size", 49152)
    heads, kv = config.get("num_attention_heads", 9), config.get("num_key_value_heads", 3)
    head_dim = config.get("head_dim", hidden // heads)
    attn = hidden * head_dim * (2 * heads + 2 * kv)  # q, o full; k, v grouped
    return layers * (attn + 3 * hidden * inter) + vocab * hidden


def training_speed(model: str, seq_len: int, measure: bool = True) -> tuple[float, str, dict | None]:
    """(tokens/s, "calibration" | "matmul", the calibration) of LoRA training on this machine.
    measure=True runs a short calibration when none is cached (5-15 s); False only reads the cache."""
    calibration = None
    try:
        calibration = (calibrate(model=model, seq_len=seq_len, steps=3, use_cache=True) if measure
                       else cached_calibration(model, seq_len=seq_len))
    except Exception:  # noqa: BLE001 - a failed measurement falls back to the matmul estimate
        calibration = None
    if calibration and calibration.get("tokens_per_s"):
        return float(calibration["tokens_per_s"]), "calibration", calibration
    return matmul_flops() * EFFICIENCY / (4 * param_count(model)), "matmul", None
