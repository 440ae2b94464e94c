"""The alert rule's life, poll by poll: hand-worked timelines of fire, remind, recover and the flapping they ignore."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wallboard.maths.alerting import (
    FIRE,
    RECOVER,
    REMIND,
    Condition,
    in_quiet_hours,
    parse_quiet_hours,
    reaches,
    step,
)

T0 = datetime(2026, 12, 5, 9, 0, 0)


def run(actives: list[bool], poll: float = 5, for_s: float = 10, recover_s: float = 10,
        repeat_s: float | None = 30) -> list[tuple[float, str]]:
    """(seconds after T0, event) of a rule seen active / inactive at each poll."""
    state, out = Condition(), []
    for i, active in enumerate(actives):
        state, event = step(state, active, T0 + timedelta(seconds=i * poll), for_s, recover_s, repeat_s)
        if event:
            out.append((i * poll, event))
    return out


def test_alr001_fires_once_after_for_seconds_then_reminds_then_recovers():
    # active from 0 s: fires at 10 s (held 10 s), reminds at 40 s and 70 s, clear from 75 s, recovers at 85 s
    events = run([True] * 15 + [False] * 4)
    assert events == [(10, FIRE), (40, REMIND), (70, REMIND), (85, RECOVER)]


def test_alr002_flapping_below_for_seconds_never_fires():
    assert run([True, False] * 20) == []
    assert run([True, True, False] * 10) == []  # 5 s active each time, for_seconds 10


def test_alr003_flapping_while_firing_neither_recovers_nor_refires():
    # fires at 10 s; then clear for 5 s at a time (recover_seconds 10): one episode, reminders on schedule
    events = run([True] * 3 + [False, True] * 10, repeat_s=None)
    assert events == [(10, FIRE)]


def test_alr004_no_reminders_when_repeat_is_off_and_a_new_episode_fires_again():
    # active 0-15 s (fires at 10), clear 20-30 s (recovers at 30), active again from 35 s (fires at 45)
    events = run([True] * 4 + [False] * 3 + [True] * 4, repeat_s=None)
    assert events == [(10, FIRE), (30, RECOVER), (45, FIRE)]


def test_alr005_reaches_counts_alerts_for_warn_rules():
    assert reaches("alert", "warn") and reaches("warn", "warn") and not reaches("ok", "warn")
    assert reaches("alert", "alert") and not reaches("warn", "alert") and not reaches("unknown", "alert")


def test_alr006_quiet_hours_over_midnight_and_within_a_day():
    night = parse_quiet_hours("22:00-07:00")
    assert in_quiet_hours(time(22, 0), night) and in_quiet_hours(time(3, 0), night)
    assert not in_quiet_hours(time(7, 0), night) and not in_quiet_hours(time(12, 0), night)
    lunch = parse_quiet_hours("12:00-13:30")
    assert in_quiet_hours(time(12, 59), lunch) and not in_quiet_hours(time(13, 30), lunch)
    assert not in_quiet_hours(time(3, 0), None)
    for bad in ("22:00", "25:00-07:00", "evening"):
        with pytest.raises(ValueError):
            parse_quiet_hours(bad)


@given(st.lists(st.booleans(), max_size=80))
def test_alr007_events_alternate_fire_recover_and_reminders_only_while_firing(actives):
    """Whatever the sequence: FIRE and RECOVER alternate, starting with FIRE; REMIND only between them."""
    firing = False
    for _, event in run(actives):
        if event == FIRE:
            assert not firing
            firing = True
        elif event == RECOVER:
            assert firing
            firing = False
        else:
            assert event == REMIND and firing
