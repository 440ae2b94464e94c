"""Holiday calendars an admin corrects ([calendars.<code>], CONTRACT section 9) and years without an official schedule.

Hand-worked on 2027, whose State Council schedule `holidays` 0.109 does not have: Wednesday 2027-02-17 + 3 working
days is Monday 02-22 by the weekday rule (Thu 18, Fri 19, Mon 22); with Saturday 02-20 entered as a make-up working
day it is Saturday 02-20; with Thursday 02-18 entered as a holiday it is Tuesday 02-23.
"""

from __future__ import annotations

from datetime import date, datetime

from wallboard.maths.deadlines import Complaint, SiteCalendar, stage_deadlines
from wallboard.maths.working_days import CalendarCorrections, add_working_days_end, is_official_year, is_working_day

MAKE_UP = CalendarCorrections(working_days=frozenset({date(2027, 2, 20)}))


def test_cal001_corrections_win_over_the_library():
    assert add_working_days_end(date(2027, 2, 17), 3, "CN") == date(2027, 2, 22)
    assert add_working_days_end(date(2027, 2, 17), 3, "CN", MAKE_UP) == date(2027, 2, 20)
    assert add_working_days_end(date(2027, 2, 17), 3, "CN", CalendarCorrections(
        holidays=frozenset({date(2027, 2, 18)}))) == date(2027, 2, 23)
    # a day the library lists as a holiday, corrected: Monday 2027-02-08 becomes a working day
    assert not is_working_day(date(2027, 2, 8), "CN")
    assert is_working_day(date(2027, 2, 8), "CN", CalendarCorrections(not_holidays=frozenset({date(2027, 2, 8)})))
    # ... but a weekend day stays off unless entered as a make-up working day
    assert not is_working_day(date(2027, 2, 6), "CN", CalendarCorrections(not_holidays=frozenset({date(2027, 2, 6)})))


def test_cal002_official_years():
    assert is_official_year(2025, "CN") and is_official_year(2026, "CN")  # the library lists their make-up days
    assert not is_official_year(2027, "CN")  # not published when holidays 0.109 was released
    assert is_official_year(2027, "CN", MAKE_UP)  # the admin entered it
    assert is_official_year(2027, "DE") and is_official_year(2027, "none")  # fixed rules, no make-up days


def test_cal003_deadline_moves_and_is_marked_provisional_until_entered():
    received = datetime.fromisoformat("2027-02-17T10:00:00+08:00")
    c = Complaint(complaint_id="BJ-2027-02-01", site="BJ", severity="II", category="x", received_at=received)
    at = datetime.fromisoformat("2027-02-17T12:00:00+08:00")
    plain = {s.stage: s for s in stage_deadlines(c, SiteCalendar(), at).stages}
    fixed = {s.stage: s for s in stage_deadlines(c, SiteCalendar(corrections=MAKE_UP), at).stages}
    assert plain["first_contact"].due_at.isoformat() == "2027-02-23T00:00:00+08:00"
    assert plain["first_contact"].provisional
    assert fixed["first_contact"].due_at.isoformat() == "2027-02-21T00:00:00+08:00"
    assert not fixed["first_contact"].provisional
    assert not plain["hand_over"].provisional  # hours, not working days
    now = datetime.fromisoformat("2026-03-02T10:00:00+08:00")
    c2026 = Complaint(complaint_id="BJ-2026-03-01", site="BJ", severity="II", category="x", received_at=now)
    assert not {s.stage: s for s in stage_deadlines(c2026, SiteCalendar(), now).stages}["first_contact"].provisional
