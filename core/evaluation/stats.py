"""Statistics a careful reader asks for, all from scipy: bootstrap CIs, paired tests, Wilson CIs.

Inputs are plain float arrays of per-example scores (NaN = the metric did not apply to that
example; those examples are left out, pairwise for paired statistics). Seeds are fixed so a
report recomputed from the same predictions gives the same intervals.
"""
from __future__ import annotations

import math
import warnings
from typing import Sequence

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
N_RESAMPLES = 2000  # bootstrap resamples: the CI's endpoints move by < 1% of its width between seeds
SEED = 0
TIE_TOLERANCE = 1e-9  # two scores closer than this are a tie


def _clean(values: Sequence[float | None]) -> np.ndarray:
    arr = np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)
    return arr[~np.isnan(arr)]


def _bootstrap_ci(sample: np.ndarray) -> tuple[float | None, float | None]:
    """95% BCa bootstrap CI of the mean; percentile when BCa is undefined (e.g. heavy ties);
    a point interval when every value is the same; None when there are fewer than 2 values."""
    if sample.size < 2:
        return None, None
    if np.all(sample == sample[0]):
        return float(sample[0]), float(sample[0])
    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # BCa's degenerate-distribution warning: we fall back
            res = stats.bootstrap((sample,), np.mean, confidence_level=CONFIDENCE, n_resamples=N_RESAMPLES,
                                  method=method, vectorized=True, rng=np.random.default_rng(SEED))
        low, high = res.confidence_interval
        if np.isfinite(low) and np.isfinite(high):
            return float(low), float(high)
    return None, None


def mean_ci(values: Sequence[float | None]) -> dict:
    """{"mean", "ci_low", "ci_high", "n"} of the values that apply (None/NaN left out)."""
    sample = _clean(values)
    if sample.size == 0:
        return {"mean": None, "ci_low": None, "ci_high": None, "n": 0}
    low, high = _bootstrap_ci(sample)
    return {"mean": float(sample.mean()), "ci_low": low, "ci_high": high, "n": int(sample.size)}


def _paired(a: Sequence[float | None], b: Sequence[float | None]) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([np.nan if v is None else float(v) for v in a], dtype=np.float64)
    y = np.array([np.nan if v is None else float(v) for v in b], dtype=np.float64)
    keep = ~(np.isnan(x) | np.isnan(y))
    return x[keep], y[keep]


def _mean_diff(x, y, axis=-1):
    return np.mean(y - x, axis=axis)


def paired_comparison(a: Sequence[float | None], b: Sequence[float | None],
                      lower_is_better: bool = False) -> dict:
    """b − a over the examples both have: the mean difference with a paired bootstrap CI (resampling
    examples, i.e. the CI of the mean of the differences), a paired permutation test's two-sided
    p-value (swapping a and b within examples; exact when 2^n <= N_RESAMPLES), the sign test's
    p-value (scipy.stats.binomtest on wins vs losses), and wins/ties/losses counted for b."""
    x, y = _paired(a, b)
    n = int(x.size)
    diff = y - x
    better = -diff if lower_is_better else diff
    wins = int(np.sum(better > TIE_TOLERANCE))
    losses = int(np.sum(better < -TIE_TOLERANCE))
    ties = n - wins - losses
    out = {"n": n, "delta": float(diff.mean()) if n else None, "ci_low": None, "ci_high": None,
           "p_value": None, "sign_p_value": None, "wins": wins, "ties": ties, "losses": losses}
    if n == 0:
        return out
    out["ci_low"], out["ci_high"] = _bootstrap_ci(diff)
    if np.all(np.abs(diff) <= TIE_TOLERANCE):
        out["p_value"] = 1.0  # identical scores: no evidence of any difference
    elif n >= 2:
        res = stats.permutation_test((x, y), _mean_diff, permutation_type="samples", vectorized=True,
                                     n_resamples=N_RESAMPLES, alternative="two-sided",
                                     rng=np.random.default_rng(SEED))
        out["p_value"] = float(min(1.0, res.pvalue))
    if wins + losses > 0:
        out["sign_p_value"] = float(stats.binomtest(wins, wins + losses, 0.5).pvalue)
    return out


def wilson(successes: int, trials: int) -> dict:
    """Win rate with its 95% Wilson interval (scipy's binomtest proportion_ci)."""
    if trials <= 0:
        return {"rate": None, "ci_low": None, "ci_high": None, "n": 0}
    ci = stats.binomtest(int(successes), int(trials)).proportion_ci(confidence_level=CONFIDENCE, method="wilson")
    return {"rate": successes / trials, "ci_low": float(ci.low), "ci_high": float(ci.high), "n": int(trials)}


def detectable_difference(diffs_sd: float | None, n: int, power: float = 0.8) -> float | None:
    """Smallest mean difference a paired test at alpha 0.05 would detect with `power`, for paired
    differences with this standard deviation: (z_0.975 + z_power) × sd / sqrt(n). Normal
    approximation: a rough scale for the reader, not a guarantee."""
    if diffs_sd is None or not math.isfinite(diffs_sd) or n < 2:
        return None
    z = stats.norm.ppf(1 - (1 - CONFIDENCE) / 2) + stats.norm.ppf(power)
    return float(z * diffs_sd / math.sqrt(n))


def paired_sd(a: Sequence[float | None], b: Sequence[float | None]) -> float | None:
    """Sample standard deviation of the paired differences (ddof=1)."""
    x, y = _paired(a, b)
    if x.size < 2:
        return None
    return float(np.std(y - x, ddof=1))
