"""Content-quality checks: a message dominated by one repeated phrase, an example far longer than
the file's typical one, and system prompts that differ where one dominates.

The repetition test is built to cost almost nothing on normal text: it probes a 16-character window
in the middle of a long message (one str.find, C speed) and only looks further when the window
occurs again. A phrase that fills over half of the message is found by every such probe.
"""
from __future__ import annotations

import numpy as np

MIN_CHARS = 200  # shorter messages are not checked for repetition
PROBE = 16  # characters of the window
MIN_REPEATS = 5
DOMINANT_SHARE = 0.5  # the repeated phrase fills at least half of the message
OUTLIER_FACTOR = 8  # an example this many times the median length...
OUTLIER_MIN_TOKENS = 1_000  # ...and at least this long is an outlier
OUTLIER_MIN_EXAMPLES = 20  # below this, the median says little
SYSTEM_DOMINANT_SHARE = 0.6  # one system prompt covers at least 60% of the examples
SNIPPET = 60  # characters of a system prompt quoted in a finding
NO_SYSTEM = 0  # the system-prompt hash of an example without one


def repeated_phrase(text: str) -> tuple[str, int] | None:
    """(phrase, times) when one phrase, repeated at least MIN_REPEATS times, fills at least half of
    `text`; else None. Probes the middle, then the quarters (a long intro or outro can hide one)."""
    n = len(text)
    if n < MIN_CHARS:
        return None
    for position in (n // 2, n // 4, 3 * n // 4):
        probe = text[position:position + PROBE]
        if text.count(probe) < MIN_REPEATS:  # normal text: one C-speed scan and done
            continue
        first = text.find(probe)
        period = text.find(probe, first + 1) - first
        while first > 0 and text[first - 1] == text[first - 1 + period]:  # back to where the loop starts
            first -= 1
        phrase = text[first:first + period]
        times = text.count(phrase)
        if times >= MIN_REPEATS and times * len(phrase) >= DOMINANT_SHARE * n and any(c.isalnum() for c in phrase):
            return phrase, times
    return None


def length_outliers(tokens: np.ndarray) -> tuple[np.ndarray, int]:
    """(indices of outlier examples, median tokens). tokens: uint32[n_examples]."""
    if tokens.size < OUTLIER_MIN_EXAMPLES:
        return np.zeros(0, dtype=np.int64), 0
    median = int(np.median(tokens))
    threshold = max(OUTLIER_FACTOR * max(median, 1), OUTLIER_MIN_TOKENS)
    return np.flatnonzero(tokens >= threshold), median


def system_prompt_variants(hashes: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray] | None:
    """When one system prompt dominates but others exist: (dominant hash, variant hashes, their
    counts, per-example variant index); else None. hashes: int64[n_examples], NO_SYSTEM for none."""
    if hashes.size < 2:
        return None
    values, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    if values.size < 2 or (values.size == 2 and NO_SYSTEM in values and counts[values != NO_SYSTEM].sum() == 0):
        return None
    if np.all(values == NO_SYSTEM):
        return None
    top = int(np.argmax(counts))
    if values[top] == NO_SYSTEM or counts[top] < SYSTEM_DOMINANT_SHARE * hashes.size:
        return None
    return int(values[top]), values, counts, inverse
