"""Adding call counts: every field summed (the longest wait: the larger, None meaning no wait)."""

from __future__ import annotations

from dataclasses import fields

from wallboard.maths.kpi import CallCounts, StateTime, SurveyCounts


def test_kpi_add001_every_field_is_added():
    names = [f.name for f in fields(CallCounts)]
    a = CallCounts(**{n: i + 1 for i, n in enumerate(names)})
    b = CallCounts(**{n: 100 * (i + 1) for i, n in enumerate(names)})
    total = a + b
    for i, n in enumerate(names):
        expected = 100 * (i + 1) if n == "max_wait" else 101 * (i + 1)
        assert getattr(total, n) == expected, n
    assert (CallCounts() + CallCounts(max_wait=3.0)).max_wait == 3.0
    assert (CallCounts(max_wait=4.0) + CallCounts()).max_wait == 4.0 and (CallCounts() + CallCounts()).max_wait is None
    assert SurveyCounts(1, 5.0, 1) + SurveyCounts(2, 7.0, 0) == SurveyCounts(3, 12.0, 1)
    assert StateTime(1.5) + StateTime(2.0) == StateTime(3.5)
