"""How sure a satisfaction figure is: 95 % intervals and a low-sample rule, so a meeting does not chase noise.

Pure arithmetic on counts (no Dash, no SQLAlchemy): the KPI engine supplies n, the sum of
scores and the top-2-box count; the spread of scores comes with the sum of their squares.
"""

from __future__ import annotations

import math

Z95 = 1.959963984540054  # two-sided 95 % normal quantile
LOW_SAMPLE = 30  # fewer responses than this: shown, but marked as too few to act on


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval of a proportion (e.g. top-2-box); None without responses.

    Unlike p ± z·√(p(1−p)/n) it stays inside 0..1 and is honest at p = 0 or 1 and small n.
    """
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be within 0..n, got {successes} of {n}")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def mean_interval(n: int, total: float, total_sq: float, z: float = Z95) -> tuple[float, float] | None:
    """Normal-approximation interval of a mean score from n, Σx and Σx²; None below two responses."""
    if n < 2:
        return None
    mean = total / n
    variance = max(0.0, (total_sq - n * mean * mean) / (n - 1))
    half = z * math.sqrt(variance / n)
    return mean - half, mean + half


def two_proportion_z(s1: int, n1: int, s2: int, n2: int) -> float | None:
    """z statistic of the difference p1 − p2 (pooled); None when either side is empty or p is 0 or 1."""
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (s1 + s2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return None if se == 0 else (s1 / n1 - s2 / n2) / se


def is_low_sample(n: int, minimum: int = LOW_SAMPLE) -> bool:
    """Too few responses to read a change from (the page and the report mark these)."""
    return n < minimum
