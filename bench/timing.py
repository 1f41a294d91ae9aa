"""Shared by the bench scripts: how long a call takes, as percentiles."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def percentiles(fn: Callable[[], object], repeat: int = 20, *,
                then: Callable[[], object] | None = None) -> tuple[float, float]:
    """(p50, p95) of ``repeat`` calls, in milliseconds; ``then`` runs after each, untimed
    (e.g. waiting for the work a step left to a worker)."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
        if then is not None:
            then()
    samples.sort()
    return statistics.median(samples), samples[round(0.95 * (len(samples) - 1))]


def summary(samples: list[float]) -> tuple[float, float]:
    """(p50, p95) of samples already taken, in their unit."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[round(0.95 * (len(ordered) - 1))]
