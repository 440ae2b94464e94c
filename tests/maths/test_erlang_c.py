"""Tests for wallboard.maths.erlang_c.

Expected values come from two independent sources:

* published worked examples (rounded figures as printed), and
* reference implementations in this file that do NOT share the module's Erlang B recursion:
  an exact ``fractions.Fraction`` evaluation of the textbook factorial formula (small N), and a
  50-digit ``decimal`` evaluation of the truncated Poisson series (large N, where floats overflow).
"""

from __future__ import annotations

import math
import time
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wallboard.maths.erlang_c import (
    StaffingResult,
    average_speed_of_answer,
    erlang_c_probability_wait,
    required_agents,
    service_level,
)

# --------------------------------------------------------------------------- reference implementations


def ref_c_exact(agents: int, traffic: Fraction) -> Fraction:
    """Textbook Erlang C with exact rationals: (A^N/N! * N/(N-A)) / (sum_{k<N} A^k/k! + that)."""
    assert agents > traffic
    top = traffic**agents / math.factorial(agents) * Fraction(agents) / (agents - traffic)
    bottom = sum(traffic**k / math.factorial(k) for k in range(agents)) + top
    return top / bottom


def ref_c_decimal(agents: int, traffic: Fraction, digits: int = 50) -> Decimal:
    """Erlang C from the Poisson series in high-precision decimals (no overflow at any size)."""
    with localcontext() as ctx:
        ctx.prec = digits
        a = Decimal(traffic.numerator) / Decimal(traffic.denominator)
        term = Decimal(1)
        total = Decimal(0)
        for k in range(agents):
            total += term
            term = term * a / (k + 1)
        top = term * agents / (agents - a)
        return top / (total + top)


def ref_sl(c: Fraction | Decimal, agents: int, traffic: Fraction, aht: int, threshold: int) -> float:
    with localcontext() as ctx:
        ctx.prec = 50
        cd = c if isinstance(c, Decimal) else Decimal(c.numerator) / Decimal(c.denominator)
        expo = -(agents - traffic) * threshold / aht
        e = (Decimal(expo.numerator) / Decimal(expo.denominator)).exp()
        return float(1 - cd * e)


def ref_asa(c: Fraction, agents: int, traffic: Fraction, aht: int) -> float:
    return float(c * aht / (agents - traffic))


def traffic_of(calls: int, interval: int, aht: int) -> Fraction:
    return Fraction(calls * aht, interval)


# --------------------------------------------------------------------------- published examples


def test_call_centre_helper_made_simple_example() -> None:
    """Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked Example".

    100 calls per 30 min, AHT 180 s, 80 % in 20 s -> A = 10 Erlangs; 13 agents just miss
    (SL ~79.6 %), 14 agents give P(wait) ~17.4 %, SL ~88.8 %, ASA ~7.8 s.
    """
    result = required_agents(
        calls=100, interval_seconds=1800, aht_seconds=180, threshold_seconds=20, target=0.8
    )
    assert result.required_agents == 14
    assert result.probability_wait == pytest.approx(0.1741, abs=1e-4)
    assert result.service_level == pytest.approx(0.8884, abs=1e-4)
    assert result.asa_seconds == pytest.approx(7.84, abs=0.01)
    assert result.occupancy == pytest.approx(10 / 14)
    assert service_level(13, 10.0, 180, 20) == pytest.approx(0.7956, abs=1e-4)
    assert service_level(13, 10.0, 180, 20) < 0.8
    assert erlang_c_probability_wait(11, 10.0) == pytest.approx(0.6821, abs=1e-4)


def test_westbay_erlang_c_example() -> None:
    """Westbay Engineers' Erlang-C walk-through: 360 calls / 30 min, 4 min calls, 55 agents, 15 s target.

    A = 48 Erlangs, occupancy 0.873, E_C ~0.2387, ASA ~8.2 s, service level ~84.6 %.
    """
    a = 360 * 240 / 1800
    assert a == 48
    assert erlang_c_probability_wait(55, a) == pytest.approx(0.2387, abs=1e-4)
    assert average_speed_of_answer(55, a, 240) == pytest.approx(8.18, abs=0.01)
    assert service_level(55, a, 240, 15) == pytest.approx(0.8459, abs=1e-4)
    # 55 is exactly the 80/15 staffing: 54 agents give ~79.3 %.
    result = required_agents(
        calls=360, interval_seconds=1800, aht_seconds=240, threshold_seconds=15, target=0.8
    )
    assert result.required_agents == 55
    assert result.occupancy == pytest.approx(48 / 55)


def test_ten_erlangs_short_calls() -> None:
    """A = 10 Erlangs from 200 calls x 90 s / 1800 s, 80/20: 12 agents ~71.2 %, 13 agents ~85.4 %."""
    result = required_agents(
        calls=200, interval_seconds=1800, aht_seconds=90, threshold_seconds=20, target=0.8
    )
    a = traffic_of(200, 1800, 90)
    c13 = ref_c_exact(13, a)
    assert result.required_agents == 13
    assert result.service_level == pytest.approx(ref_sl(c13, 13, a, 90, 20), rel=1e-12)
    assert result.service_level == pytest.approx(0.8535, abs=1e-4)
    assert service_level(12, 10.0, 90, 20) == pytest.approx(0.7119, abs=1e-4)


# --------------------------------------------------------------------------- against exact reference

EXACT_CASES = [
    # (calls, interval, aht, threshold, agents)
    (100, 1800, 180, 20, 11),
    (100, 1800, 180, 20, 14),
    (200, 1800, 90, 20, 13),
    (360, 1800, 240, 15, 49),
    (360, 1800, 240, 15, 55),
    (7, 900, 300, 30, 3),  # A = 7/3, non-integer
    (1, 1800, 60, 20, 1),  # tiny traffic
    (123, 1800, 437, 45, 35),  # A = 29.86...
    (1200, 1800, 200, 20, 140),  # A = 133.3, N near the factorial-safe limit
    (1300, 1800, 200, 10, 150),
]


@pytest.mark.parametrize(("calls", "interval", "aht", "threshold", "agents"), EXACT_CASES)
def test_matches_exact_factorial_formula(
    calls: int, interval: int, aht: int, threshold: int, agents: int
) -> None:
    a_exact = traffic_of(calls, interval, aht)
    a = float(a_exact)
    c = ref_c_exact(agents, a_exact)
    assert erlang_c_probability_wait(agents, a) == pytest.approx(float(c), rel=1e-11)
    assert service_level(agents, a, aht, threshold) == pytest.approx(
        ref_sl(c, agents, a_exact, aht, threshold), rel=1e-11
    )
    assert average_speed_of_answer(agents, a, aht) == pytest.approx(
        ref_asa(c, agents, a_exact, aht), rel=1e-11
    )


@settings(max_examples=60, deadline=None)
@given(
    calls=st.integers(min_value=1, max_value=600),
    interval=st.sampled_from([1800, 3600]),
    aht=st.integers(min_value=10, max_value=360),  # A <= 120, so N <= 150 stays factorial-friendly
    threshold=st.integers(min_value=0, max_value=120),
    extra=st.integers(min_value=0, max_value=30),
)
def test_hypothesis_matches_exact_formula(
    calls: int, interval: int, aht: int, threshold: int, extra: int
) -> None:
    a_exact = traffic_of(calls, interval, aht)
    agents = math.floor(a_exact) + 1 + extra
    a = float(a_exact)
    c = ref_c_exact(agents, a_exact)
    assert erlang_c_probability_wait(agents, a) == pytest.approx(float(c), rel=1e-10)
    assert service_level(agents, a, aht, threshold) == pytest.approx(
        ref_sl(c, agents, a_exact, aht, threshold), rel=1e-10, abs=1e-13
    )


@pytest.mark.parametrize(
    ("calls", "interval", "aht", "threshold", "target"),
    [
        (100, 1800, 180, 20, 0.8),
        (200, 1800, 90, 20, 0.8),
        (360, 1800, 240, 15, 0.8),
        (360, 1800, 240, 20, 0.9),
        (50, 1800, 300, 60, 0.95),
        (3, 1800, 600, 20, 0.5),
        (900, 3600, 420, 30, 0.7),
    ],
)
def test_required_agents_minimal_against_exact(
    calls: int, interval: int, aht: int, threshold: int, target: float
) -> None:
    """Recompute the answer by brute force with the exact reference; N meets target, N - 1 does not."""
    a_exact = traffic_of(calls, interval, aht)
    n = math.floor(a_exact) + 1
    while ref_sl(ref_c_exact(n, a_exact), n, a_exact, aht, threshold) < target:
        n += 1
    result = required_agents(calls, interval, aht, threshold, target)
    assert result.required_agents == n
    assert result.service_level >= target
    prev = n - 1
    if prev > a_exact:
        assert service_level(prev, float(a_exact), aht, threshold) < target


# --------------------------------------------------------------------------- large-scale stability


def test_stability_2000_agents_10000_calls() -> None:
    calls, interval, aht, threshold, target = 10_000, 1800, 300, 20, 0.8
    a_exact = traffic_of(calls, interval, aht)
    a = float(a_exact)
    assert a == pytest.approx(1666.6667, abs=1e-4)

    sl_2000 = service_level(2000, a, aht, threshold)
    assert math.isfinite(sl_2000) and sl_2000 >= target
    assert erlang_c_probability_wait(2000, a) == pytest.approx(float(ref_c_decimal(2000, a_exact)), rel=1e-9)

    result = required_agents(calls, interval, aht, threshold, target)
    for value in (result.service_level, result.asa_seconds, result.occupancy, result.probability_wait):
        assert math.isfinite(value)
    assert a < result.required_agents <= 2000
    assert result.service_level >= target
    assert service_level(result.required_agents - 1, a, aht, threshold) < target

    c = ref_c_decimal(result.required_agents, a_exact)
    assert result.probability_wait == pytest.approx(float(c), rel=1e-9)
    assert result.service_level == pytest.approx(
        ref_sl(c, result.required_agents, a_exact, aht, threshold), rel=1e-9
    )


def test_stability_fifty_thousand_erlangs() -> None:
    calls, interval, aht, threshold, target = 300_000, 1800, 300, 20, 0.8  # A = 50,000
    a_exact = traffic_of(calls, interval, aht)
    started = time.perf_counter()
    result = required_agents(calls, interval, aht, threshold, target)
    assert time.perf_counter() - started < 5.0
    n = result.required_agents
    assert 50_000 < n < 51_000
    assert all(
        math.isfinite(v)
        for v in (result.service_level, result.asa_seconds, result.occupancy, result.probability_wait)
    )
    assert result.service_level >= target
    assert service_level(n - 1, 50_000.0, aht, threshold) < target
    c = ref_c_decimal(n, a_exact)
    assert 0.0 < result.probability_wait < 1.0
    assert result.probability_wait == pytest.approx(float(c), rel=1e-8)


# --------------------------------------------------------------------------- properties


@settings(max_examples=100, deadline=None)
@given(
    traffic=st.floats(min_value=0.01, max_value=3000, allow_nan=False, allow_infinity=False),
    aht=st.floats(min_value=5, max_value=1200),
    threshold=st.floats(min_value=0, max_value=300),
    extra=st.integers(min_value=0, max_value=60),
)
def test_service_level_monotone_in_agents(traffic: float, aht: float, threshold: float, extra: int) -> None:
    n = math.floor(traffic) + 1 + extra
    sl_n, sl_next = service_level(n, traffic, aht, threshold), service_level(n + 1, traffic, aht, threshold)
    assert 0.0 <= sl_n <= sl_next <= 1.0
    assert erlang_c_probability_wait(n + 1, traffic) <= erlang_c_probability_wait(n, traffic)
    assert average_speed_of_answer(n + 1, traffic, aht) <= average_speed_of_answer(n, traffic, aht)
    # Below stability, service level is zero, so it can never exceed a stable value.
    assert service_level(math.floor(traffic), traffic, aht, threshold) == 0.0


@settings(max_examples=100, deadline=None)
@given(
    calls=st.floats(min_value=0.1, max_value=5000),
    aht=st.floats(min_value=5, max_value=900),
    threshold=st.floats(min_value=0, max_value=120),
    target=st.floats(min_value=0.01, max_value=0.99),
)
def test_required_agents_is_minimal(calls: float, aht: float, threshold: float, target: float) -> None:
    result = required_agents(calls, 1800, aht, threshold, target)
    a = calls * aht / 1800
    n = result.required_agents
    assert n > a
    assert result.service_level >= target
    assert result.service_level == pytest.approx(service_level(n, a, aht, threshold), rel=1e-12)
    assert result.probability_wait == pytest.approx(erlang_c_probability_wait(n, a), rel=1e-12)
    assert result.asa_seconds == pytest.approx(average_speed_of_answer(n, a, aht), rel=1e-12)
    assert result.occupancy == pytest.approx(a / n)
    assert service_level(n - 1, a, aht, threshold) < target


def test_zero_threshold_is_one_minus_probability_wait() -> None:
    assert service_level(14, 10.0, 180, 0) == pytest.approx(1 - erlang_c_probability_wait(14, 10.0))


def test_higher_target_needs_at_least_as_many_agents() -> None:
    counts = [required_agents(360, 1800, 240, 20, t).required_agents for t in (0.5, 0.8, 0.9, 0.99, 0.999)]
    assert counts == sorted(counts)
    assert counts[0] < counts[-1]


# --------------------------------------------------------------------------- boundaries and edge cases


@pytest.mark.parametrize(
    ("agents", "traffic"), [(10, 10.0), (9, 10.0), (0, 0.0), (0, 3.5), (3, 3.5), (1, 1.0)]
)
def test_unstable_queue(agents: int, traffic: float) -> None:
    assert erlang_c_probability_wait(agents, traffic) == 1.0
    assert service_level(agents, traffic, 180, 20) == 0.0
    assert average_speed_of_answer(agents, traffic, 180) == math.inf


def test_just_above_traffic_is_stable_and_finite() -> None:
    pw = erlang_c_probability_wait(11, 10.999)
    assert 0.99 < pw < 1.0
    assert math.isfinite(average_speed_of_answer(11, 10.999, 180))
    assert 0.0 < service_level(11, 10.999, 180, 20) < 0.01


def test_zero_traffic_with_agents_never_waits() -> None:
    assert erlang_c_probability_wait(1, 0.0) == 0.0
    assert service_level(1, 0.0, 180, 20) == 1.0
    assert average_speed_of_answer(1, 0.0, 180) == 0.0


def test_zero_calls() -> None:
    assert required_agents(0, 1800, 180, 20, 0.8) == StaffingResult(
        required_agents=0, service_level=1.0, asa_seconds=0.0, occupancy=0.0, probability_wait=0.0
    )


def test_staffing_result_is_frozen() -> None:
    result = required_agents(100, 1800, 180, 20, 0.8)
    with pytest.raises(AttributeError):
        result.required_agents = 1  # type: ignore[misc]


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"calls": -1}, "calls"),
        ({"calls": math.nan}, "calls"),
        ({"interval_seconds": 0}, "interval_seconds"),
        ({"interval_seconds": -1800}, "interval_seconds"),
        ({"aht_seconds": 0}, "aht_seconds"),
        ({"aht_seconds": -5}, "aht_seconds"),
        ({"threshold_seconds": -1}, "threshold_seconds"),
        ({"target": 0}, "target"),
        ({"target": -0.5}, "target"),
        ({"target": 1.0}, "target"),
        ({"target": 1.5}, "target"),
        ({"target": math.nan}, "target"),
    ],
)
def test_required_agents_validation(kwargs: dict[str, float], name: str) -> None:
    args = {
        "calls": 100,
        "interval_seconds": 1800,
        "aht_seconds": 180,
        "threshold_seconds": 20,
        "target": 0.8,
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        required_agents(**args)


def test_validation_message_is_clear() -> None:
    with pytest.raises(ValueError, match=r"^aht_seconds must be > 0, got 0$"):
        required_agents(100, 1800, 0, 20, 0.8)
    with pytest.raises(ValueError, match="unreachable"):
        required_agents(100, 1800, 180, 20, 1.0)


def test_validation_applies_even_with_zero_calls() -> None:
    with pytest.raises(ValueError, match="target"):
        required_agents(0, 1800, 180, 20, 1.0)


def test_low_level_validation() -> None:
    with pytest.raises(ValueError, match="agents"):
        erlang_c_probability_wait(-1, 5.0)
    with pytest.raises(ValueError, match="traffic_erlangs"):
        erlang_c_probability_wait(5, -0.1)
    with pytest.raises(ValueError, match="aht_seconds"):
        service_level(5, 1.0, 0, 20)
    with pytest.raises(ValueError, match="threshold_seconds"):
        service_level(5, 1.0, 180, -1)
    with pytest.raises(ValueError, match="aht_seconds"):
        average_speed_of_answer(5, 1.0, -180)
    with pytest.raises(TypeError):
        erlang_c_probability_wait(5.5, 1.0)  # type: ignore[arg-type]
