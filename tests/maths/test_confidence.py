"""Confidence bands for satisfaction figures, against published and hand-computed values."""

from __future__ import annotations

import math

import pytest

from wallboard.maths.confidence import (
    LOW_SAMPLE,
    is_low_sample,
    mean_interval,
    two_proportion_z,
    wilson_interval,
)


@pytest.mark.parametrize("successes, n, low, high", [
    (81, 263, 0.2553, 0.3662),   # Newcombe (1998), Stat. Med. 17:857, table I, method 3
    (15, 148, 0.0624, 0.1605),   # ibid.
    (0, 20, 0.0, 0.1611),        # ibid.
    (1, 29, 0.0061, 0.1718),     # ibid.
])
def test_conf001_wilson_matches_published_values(successes, n, low, high):
    lo, hi = wilson_interval(successes, n)
    assert lo == pytest.approx(low, abs=1e-4) and hi == pytest.approx(high, abs=1e-4)


def test_conf002_wilson_edges():
    """No responses: no band; all satisfied: the band still reaches below 1 and stays in 0..1."""
    assert wilson_interval(0, 0) is None
    lo, hi = wilson_interval(10, 10)
    assert hi == pytest.approx(1.0) and lo == pytest.approx(0.7225, abs=1e-4)  # 10 / (10 + 1.96²)
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


def test_conf003_wilson_narrows_with_n():
    widths = [wilson_interval(round(0.9 * n), n) for n in (10, 100, 1000)]
    spans = [hi - lo for lo, hi in widths]
    assert spans[0] > spans[1] > spans[2]


def test_conf004_mean_interval_by_hand():
    # scores 1 and 5: mean 3, sample variance 8, standard error √(8/2) = 2
    lo, hi = mean_interval(2, 6, 26)
    assert lo == pytest.approx(3 - 1.959964 * 2, abs=1e-5) and hi == pytest.approx(3 + 1.959964 * 2, abs=1e-5)
    # scores 4, 4, 5, 5: mean 4.5, variance 1/3, standard error √(1/12)
    lo, hi = mean_interval(4, 18, 82)
    assert (hi - lo) / 2 == pytest.approx(1.959964 * math.sqrt(1 / 12), abs=1e-6)
    assert mean_interval(1, 5, 25) is None and mean_interval(0, 0, 0) is None
    assert mean_interval(3, 12, 48) == (4.0, 4.0)  # all the same score: no spread


def test_conf005_two_proportion_z_by_hand():
    # 45/100 vs 30/100: pooled 0.375, se = √(0.375·0.625·0.02) = 0.0684653
    assert two_proportion_z(45, 100, 30, 100) == pytest.approx(0.15 / 0.0684653, abs=1e-4)
    assert two_proportion_z(30, 100, 45, 100) == pytest.approx(-2.19089, abs=1e-4)
    assert two_proportion_z(5, 5, 7, 7) is None and two_proportion_z(1, 0, 1, 2) is None


def test_conf006_low_sample_rule():
    assert LOW_SAMPLE == 30
    assert is_low_sample(29) and not is_low_sample(30) and is_low_sample(0)
