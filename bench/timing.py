"""Shared by the bench scripts: how long a call takes, as percentiles."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def percentiles(fn: Callable[[], object], repeat: int = 20) -> tuple[float, float]:
    """(p50, p95) of ``repeat`` calls, in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[round(0.95 * (len(samples) - 1))]


def summary(samples: list[float]) -> tuple[float, float]:
    """(p50, p95) of samples already taken, in their unit."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[round(0.95 * (len(ordered) - 1))]
