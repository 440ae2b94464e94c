"""Erlang C staffing maths for the wallboard (standard library only).

Erlang C models an M/M/N queue: Poisson arrivals, exponential handle times, N agents and callers who
never abandon. It is the industry baseline for "how many agents do we need for 80/20?".

The textbook formula uses ``A**N / N!``, which overflows floats beyond roughly 170 agents. Instead we
compute Erlang B with the recursion ``B(n) = A*B(n-1) / (n + A*B(n-1))``, whose terms stay in [0, 1]
and whose rounding errors do not grow, then convert: ``C = N*B / (N - A*(1 - B))``. This stays finite
and accurate for tens of thousands of agents.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

__all__ = [
    "DEFAULT_AHT_SECONDS",
    "StaffingResult",
    "average_speed_of_answer",
    "erlang_c_probability_wait",
    "required_agents",
    "service_level",
]

DEFAULT_AHT_SECONDS = 300.0  # the handle time assumed before any call of the period has ended


@dataclass(frozen=True)
class StaffingResult:
    """Outcome of a staffing calculation for one interval, at the recommended head count."""

    required_agents: int
    service_level: float  # fraction 0..1 answered within threshold with that many agents
    asa_seconds: float  # average speed of answer (mean wait of all calls, Erlang C)
    occupancy: float  # traffic / agents
    probability_wait: float  # Erlang C probability that a call waits


# --------------------------------------------------------------------------- validation helpers


def _check_agents(agents: int) -> int:
    # operator.index accepts int-likes (e.g. numpy integers) but rejects floats, which would be a bug.
    n = operator.index(agents)
    if n < 0:
        raise ValueError(f"agents must be >= 0, got {agents}")
    return n


def _check_non_negative(name: str, value: float) -> float:
    # `not (value >= 0)` also rejects NaN.
    if not (value >= 0) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return float(value)


def _check_positive(name: str, value: float) -> float:
    if not (value > 0) or not math.isfinite(value):
        raise ValueError(f"{name} must be > 0, got {value}")
    return float(value)


def _check_target(target: float) -> float:
    if target == 1:
        raise ValueError(
            "target must be < 1, got 1: a 100% service level is unreachable in Erlang C "
            "(some calls always wait with positive probability)"
        )
    if not (0 < target < 1):
        raise ValueError(f"target must be strictly between 0 and 1, got {target}")
    return float(target)


# --------------------------------------------------------------------------- core maths


def _erlang_b_step(n: int, traffic: float, b_prev: float) -> float:
    """One step of the Erlang B recursion: B(n) from B(n-1)."""
    ab = traffic * b_prev
    return ab / (n + ab)


def _erlang_b(agents: int, traffic: float) -> float:
    """Erlang B blocking probability by forward recursion (O(agents), overflow-free)."""
    b = 1.0
    for n in range(1, agents + 1):
        b = _erlang_b_step(n, traffic, b)
    return b


def _c_from_b(agents: int, traffic: float, b: float) -> float:
    """Convert Erlang B to Erlang C for a stable queue (agents > traffic)."""
    c = agents * b / (agents - traffic * (1.0 - b))
    return min(1.0, max(0.0, c))


def _sl_from_c(agents: int, traffic: float, c: float, aht: float, threshold: float) -> float:
    sl = 1.0 - c * math.exp(-(agents - traffic) * threshold / aht)
    return min(1.0, max(0.0, sl))


def erlang_c_probability_wait(agents: int, traffic_erlangs: float) -> float:
    """Probability that an arriving call has to queue, given ``agents`` and offered traffic in Erlangs.

    Returns 1.0 when ``agents <= traffic_erlangs``: the queue grows without bound, so every call waits.
    """
    n = _check_agents(agents)
    a = _check_non_negative("traffic_erlangs", traffic_erlangs)
    if n <= a:
        return 1.0
    return _c_from_b(n, a, _erlang_b(n, a))


def service_level(agents: int, traffic_erlangs: float, aht_seconds: float, threshold_seconds: float) -> float:
    """Fraction of calls answered within ``threshold_seconds`` (e.g. the "80" in 80/20).

    Uses SL = 1 - C * exp(-(N - A) * T / AHT). Returns 0.0 for an unstable queue (agents <= traffic).
    """
    n = _check_agents(agents)
    a = _check_non_negative("traffic_erlangs", traffic_erlangs)
    aht = _check_positive("aht_seconds", aht_seconds)
    t = _check_non_negative("threshold_seconds", threshold_seconds)
    if n <= a:
        return 0.0
    return _sl_from_c(n, a, _c_from_b(n, a, _erlang_b(n, a)), aht, t)


def average_speed_of_answer(agents: int, traffic_erlangs: float, aht_seconds: float) -> float:
    """Mean wait in seconds over all calls (including those answered at once): ASA = C * AHT / (N - A).

    Returns ``math.inf`` for an unstable queue (agents <= traffic).
    """
    n = _check_agents(agents)
    a = _check_non_negative("traffic_erlangs", traffic_erlangs)
    aht = _check_positive("aht_seconds", aht_seconds)
    if n <= a:
        return math.inf
    return _c_from_b(n, a, _erlang_b(n, a)) * aht / (n - a)


def required_agents(
    calls: float, interval_seconds: float, aht_seconds: float, threshold_seconds: float, target: float
) -> StaffingResult:
    """Fewest agents whose Erlang C service level meets ``target`` for one interval's forecast.

    Traffic A = calls * AHT / interval. SL rises monotonically with N, so we walk N upward from
    floor(A) + 1, carrying the Erlang B recursion forward: the whole search is O(N) float operations.
    """
    calls_f = _check_non_negative("calls", calls)
    interval = _check_positive("interval_seconds", interval_seconds)
    aht = _check_positive("aht_seconds", aht_seconds)
    t = _check_non_negative("threshold_seconds", threshold_seconds)
    goal = _check_target(target)

    if calls_f == 0:
        return StaffingResult(
            required_agents=0, service_level=1.0, asa_seconds=0.0, occupancy=0.0, probability_wait=0.0
        )

    a = calls_f * aht / interval
    if not math.isfinite(a):
        raise ValueError(f"traffic calls * aht_seconds / interval_seconds must be finite, got {a}")

    # Erlang B up to the last unstable head count, floor(A) (all N <= A give SL = 0).
    start = math.floor(a) + 1
    b = _erlang_b(start - 1, a)
    n = start - 1
    while True:
        n += 1
        b = _erlang_b_step(n, a, b)
        c = _c_from_b(n, a, b)
        sl = _sl_from_c(n, a, c, aht, t)
        if sl >= goal:
            return StaffingResult(
                required_agents=n,
                service_level=sl,
                asa_seconds=c * aht / (n - a),
                occupancy=a / n,
                probability_wait=c,
            )
