"""Hand-worked checks of complaint deadlines and working-day arithmetic.

Every expected value is worked out by hand in a comment next to the assertion.  Relevant calendar facts:

* CN 2026: no public holidays in March; 2026-03-07/08 and 03-14/15 are ordinary weekends.
* CN 2025 National Day / Mid-Autumn: 10-01..10-08 off (10-04/05 weekend, 10-06 Mid-Autumn, 10-07 and 10-08
  substituted days off); make-up working days Sun 2025-09-28 and Sat 2025-10-11.
* DE 2026: Good Friday 04-03, Easter Monday 04-06; Epiphany 01-06 only in some states (e.g. BY).
  EU DST starts Sun 2026-03-29 02:00 CET -> 03:00 CEST and ends Sun 2026-10-25 03:00 CEST -> 02:00 CET.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from wallboard.maths.deadlines import (
    Complaint,
    ComplaintDeadlines,
    ComplaintPolicy,
    SiteCalendar,
    StageDeadline,
    is_open,
    stage_deadlines,
)
from wallboard.maths.working_days import add_working_days_end, is_working_day

CN = SiteCalendar()
BERLIN = SiteCalendar(timezone="Europe/Berlin", holiday_region="DE")


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def complaint(received: str, **done: str) -> Complaint:
    return Complaint(
        complaint_id="C-1",
        site="SH",
        severity="high",
        category="billing",
        received_at=dt(received),
        **{k: dt(v) for k, v in done.items()},
    )


def get(result: ComplaintDeadlines, name: str) -> StageDeadline:
    (found,) = [s for s in result.stages if s.stage == name]
    return found


def names(result: ComplaintDeadlines) -> list[str]:
    return [s.stage for s in result.stages]


# --------------------------------------------------------------------------- working days


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 10, 11), True),  # Saturday, make-up working day for National Day
        (date(2025, 9, 28), True),  # Sunday, make-up working day
        (date(2025, 10, 4), False),  # Saturday inside the Golden Week
        (date(2025, 10, 8), False),  # Wednesday, substituted day off
        (date(2025, 10, 10), True),  # ordinary Friday after the holiday
        (date(2026, 3, 7), False),  # ordinary Saturday
        (date(2026, 3, 2), True),  # ordinary Monday
    ],
)
def test_is_working_day_cn(day: date, expected: bool) -> None:
    assert is_working_day(day, "CN") is expected


def test_weekends_only_region() -> None:
    # "" / "none": 2025-10-01 (a CN holiday, a Wednesday) is a working day; Saturday 10-11 is not.
    for region in ("", "none", "NONE"):
        assert is_working_day(date(2025, 10, 1), region) is True
        assert is_working_day(date(2025, 10, 11), region) is False
    # Thu 2026-03-05 + 3 weekday-only days: Fri 06, Mon 09, Tue 10.
    assert add_working_days_end(date(2026, 3, 5), 3, "") == date(2026, 3, 10)


def test_subdivision_region() -> None:
    # Epiphany (Tue 2026-01-06) is a holiday in Bavaria but not nationwide.
    assert is_working_day(date(2026, 1, 6), "DE") is True
    assert is_working_day(date(2026, 1, 6), "DE-BY") is False


def test_add_working_days_end_national_day_eve() -> None:
    # After Tue 2025-09-30: 10-01..10-08 off, then Thu 10-09 (1), Fri 10-10 (2), Sat 10-11 make-up (3).
    assert add_working_days_end(date(2025, 9, 30), 3, "CN") == date(2025, 10, 11)
    # The start day never counts, even if it is a working day: after Mon 2026-03-02 -> Tue 03.
    assert add_working_days_end(date(2026, 3, 2), 1, "CN") == date(2026, 3, 3)


def test_add_working_days_rejects_non_positive_n() -> None:
    with pytest.raises(ValueError, match="n must be >= 1"):
        add_working_days_end(date(2026, 3, 2), 0, "CN")


@pytest.mark.parametrize("region", ["XX", "ZZ-01", "DE-XX"])
def test_unknown_region_raises(region: str) -> None:
    with pytest.raises(ValueError, match="unknown holiday region"):
        is_working_day(date(2026, 3, 2), region)
    with pytest.raises(ValueError, match="unknown holiday region"):
        SiteCalendar(holiday_region=region)


def test_unknown_timezone_raises() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        SiteCalendar(timezone="Asia/Atlantis")


# --------------------------------------------------------------------------- the contract's check


def test_contract_example() -> None:
    # Received Mon 2026-03-02 10:00 +08, looked at Tue 03-03 12:00 +08, nothing done.
    result = stage_deadlines(complaint("2026-03-02T10:00:00+08:00"), CN, dt("2026-03-03T12:00+08:00"))
    assert names(result) == ["hand_over", "register", "first_contact", "close", "archive"]

    # hand_over: 10:00 + 12 h = 03-02 22:00; at is 14 h later -> overdue, remaining -14*3600 = -50400.
    hand_over = get(result, "hand_over")
    assert hand_over.due_at.isoformat() == "2026-03-02T22:00:00+08:00"
    assert (hand_over.status, hand_over.remaining_seconds) == ("overdue", -50400)

    # register: not handed over -> received + 24 h = 03-03 10:00; at is 2 h later -> overdue, -7200.
    register = get(result, "register")
    assert register.due_at.isoformat() == "2026-03-03T10:00:00+08:00"
    assert (register.status, register.remaining_seconds) == ("overdue", -7200)

    # first_contact: working days after Mon 03-02 are Tue 03, Wed 04, Thu 05 -> end of Thu = 03-06 00:00.
    # remaining = 03-06 00:00 - 03-03 12:00 = 2 d 12 h = 60 h = 216000 s; allowed = 86 h, 25 % = 21.5 h.
    first = get(result, "first_contact")
    assert first.due_at.isoformat() == "2026-03-06T00:00:00+08:00"
    assert (first.status, first.remaining_seconds) == ("open", 216000)

    # close: not registered -> received + 7 days = 03-09 10:00; remaining 5 d 22 h = 142 h = 511200 s.
    close = get(result, "close")
    assert close.due_at.isoformat() == "2026-03-09T10:00:00+08:00"
    assert (close.status, close.remaining_seconds) == ("open", 511200)

    # archive: not closed -> no due time yet.
    assert get(result, "archive") == StageDeadline("archive", None, None, None, "open")

    # Earliest outstanding due time is hand_over's 03-02 22:00.
    assert result.next_stage == "hand_over"
    assert result.next_due_at.isoformat() == "2026-03-02T22:00:00+08:00"


# --------------------------------------------------------------------------- first contact, working days


@pytest.mark.parametrize(
    ("received", "expected_due"),
    [
        # Thu 2026-03-05: Fri 06 (1), [Sat 07, Sun 08 off], Mon 09 (2), Tue 10 (3) -> end of Tue.
        ("2026-03-05T15:30:00+08:00", "2026-03-11T00:00:00+08:00"),
        # Fri 2026-03-06: Mon 09, Tue 10, Wed 11 -> end of Wed.
        ("2026-03-06T09:00:00+08:00", "2026-03-12T00:00:00+08:00"),
        # Tue 2025-09-30, eve of National Day: Thu 10-09, Fri 10-10, Sat 10-11 (make-up) -> end of Sat.
        ("2025-09-30T18:00:00+08:00", "2025-10-12T00:00:00+08:00"),
        # Thu 2025-10-02, a public holiday: counting starts after it, same three days as above.
        ("2025-10-02T09:00:00+08:00", "2025-10-12T00:00:00+08:00"),
        # Sat 2025-10-11, a make-up working day: [Sun 12 off], Mon 13, Tue 14, Wed 15 -> end of Wed.
        ("2025-10-11T10:00:00+08:00", "2025-10-16T00:00:00+08:00"),
        # Sun 2025-09-28, a make-up working day: Mon 29, Tue 30, [10-01..10-08 off], Thu 10-09.
        ("2025-09-28T10:00:00+08:00", "2025-10-10T00:00:00+08:00"),
        # 2026-03-01 17:30 UTC is already Mon 03-02 01:30 in Shanghai: the *local* date counts
        # (Tue, Wed, Thu -> 03-06), not the UTC Sunday (which would give Mon, Tue, Wed -> 03-05).
        ("2026-03-01T17:30:00+00:00", "2026-03-06T00:00:00+08:00"),
    ],
)
def test_first_contact_due(received: str, expected_due: str) -> None:
    result = stage_deadlines(complaint(received), CN, dt(received))
    assert get(result, "first_contact").due_at.isoformat() == expected_due


# --------------------------------------------------------------------------- met / missed / overdue / ...


def _progress() -> Complaint:
    # Received Mon 2026-03-02 10:00; handed over 21:00 (1 h early); registered Tue 03-03 23:00.
    return complaint(
        "2026-03-02T10:00:00+08:00",
        handed_over_at="2026-03-02T21:00:00+08:00",
        registered_at="2026-03-03T23:00:00+08:00",
    )


def test_met_missed_and_due_soon() -> None:
    result = stage_deadlines(_progress(), CN, dt("2026-03-05T20:00:00+08:00"))

    # hand_over due 03-02 22:00, done 21:00 -> met; remaining is None once done.
    hand_over = get(result, "hand_over")
    assert hand_over == StageDeadline(
        "hand_over", dt("2026-03-02T22:00:00+08:00"), dt("2026-03-02T21:00:00+08:00"), None, "met"
    )

    # register due = handed over 03-02 21:00 + 24 h = 03-03 21:00; done 23:00 -> missed.
    register = get(result, "register")
    assert register.due_at.isoformat() == "2026-03-03T21:00:00+08:00"
    assert register.done_at.isoformat() == "2026-03-03T23:00:00+08:00"
    assert (register.status, register.remaining_seconds) == ("missed", None)

    # first_contact due 03-06 00:00; remaining 4 h = 14400 s; allowed 86 h, 25 % = 21.5 h -> due_soon.
    first = get(result, "first_contact")
    assert (first.status, first.remaining_seconds) == ("due_soon", 14400)

    # close due = registered 03-03 23:00 + 7 days = 03-10 23:00; remaining 5 d 3 h = 123 h = 442800 s;
    # 25 % of 168 h = 42 h -> open.
    close = get(result, "close")
    assert close.due_at.isoformat() == "2026-03-10T23:00:00+08:00"
    assert (close.status, close.remaining_seconds) == ("open", 442800)

    assert result.next_stage == "first_contact"
    assert result.next_due_at.isoformat() == "2026-03-06T00:00:00+08:00"


def test_done_exactly_at_due_is_met() -> None:
    # hand_over due 22:00 and done 22:00 -> met (done_at <= due_at).
    c = complaint("2026-03-02T10:00:00+08:00", handed_over_at="2026-03-02T22:00:00+08:00")
    assert get(stage_deadlines(c, CN, dt("2026-03-03T00:00+08:00")), "hand_over").status == "met"


@pytest.mark.parametrize(
    ("at", "status", "remaining"),
    [
        # first_contact due 03-06 00:00, allowed 86 h, 25 % = 21.5 h, i.e. due_soon from 03-05 02:30 on.
        ("2026-03-05T02:30:00+08:00", "open", 77400),  # exactly 21.5 h left: not strictly below
        ("2026-03-05T02:30:01+08:00", "due_soon", 77399),
        ("2026-03-06T00:00:00+08:00", "due_soon", 0),  # at the due time: not yet overdue
        ("2026-03-06T00:00:01+08:00", "overdue", -1),
    ],
)
def test_first_contact_status_over_time(at: str, status: str, remaining: float) -> None:
    first = get(stage_deadlines(_progress(), CN, dt(at)), "first_contact")
    assert (first.status, first.remaining_seconds) == (status, remaining)


@pytest.mark.parametrize(
    ("at", "status", "remaining"),
    [
        # hand_over: 12 h allowed, 25 % = 3 h; due 22:00 so due_soon starts strictly after 19:00.
        ("2026-03-02T19:00:00+08:00", "open", 10800),
        ("2026-03-02T19:00:01+08:00", "due_soon", 10799),
    ],
)
def test_due_soon_boundary(at: str, status: str, remaining: float) -> None:
    hand_over = get(stage_deadlines(complaint("2026-03-02T10:00:00+08:00"), CN, dt(at)), "hand_over")
    assert (hand_over.status, hand_over.remaining_seconds) == (status, remaining)


def test_due_soon_fraction_is_configurable() -> None:
    # With 50 %: 6 h of hand_over's 12 h; at 16:00 exactly 6 h are left -> open; a second later due_soon.
    policy = ComplaintPolicy(due_soon_fraction=0.5)
    c = complaint("2026-03-02T10:00:00+08:00")
    assert get(stage_deadlines(c, CN, dt("2026-03-02T16:00:00+08:00"), policy), "hand_over").status == "open"
    at = dt("2026-03-02T16:00:01+08:00")
    assert get(stage_deadlines(c, CN, at, policy), "hand_over").status == "due_soon"


def test_custom_policy_lengths() -> None:
    # hand_over 6 h -> 16:00; first contact 1 working day after Mon 03-02 -> end of Tue = 03-04 00:00.
    policy = ComplaintPolicy(hand_over_hours=6, first_contact_working_days=1)
    result = stage_deadlines(complaint("2026-03-02T10:00:00+08:00"), CN, dt("2026-03-02T11:00+08:00"), policy)
    assert get(result, "hand_over").due_at.isoformat() == "2026-03-02T16:00:00+08:00"
    assert get(result, "first_contact").due_at.isoformat() == "2026-03-04T00:00:00+08:00"


@pytest.mark.parametrize(
    "kwargs", [{"first_contact_working_days": 0}, {"due_soon_fraction": 1.5}, {"refund_hours": -1}]
)
def test_invalid_policy(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ComplaintPolicy(**kwargs)


# --------------------------------------------------------------------------- `at` before a done timestamp


def test_at_before_done_timestamps_counts_as_not_done() -> None:
    # At 03-02 20:00 the hand-over (21:00) and registration (03-03 23:00) have not happened yet.
    result = stage_deadlines(_progress(), CN, dt("2026-03-02T20:00:00+08:00"))

    # hand_over: due 22:00, 2 h = 7200 s left < 3 h (25 % of 12 h) -> due_soon, done_at None.
    hand_over = get(result, "hand_over")
    assert (hand_over.done_at, hand_over.status, hand_over.remaining_seconds) == (None, "due_soon", 7200)

    # register falls back to received + 24 h = 03-03 10:00 (14 h = 50400 s left, > 6 h) -> open.
    register = get(result, "register")
    assert register.due_at.isoformat() == "2026-03-03T10:00:00+08:00"
    assert (register.done_at, register.status, register.remaining_seconds) == (None, "open", 50400)

    # close falls back to received + 7 days = 03-09 10:00.
    assert get(result, "close").due_at.isoformat() == "2026-03-09T10:00:00+08:00"


def test_register_base_known_but_registration_later() -> None:
    # At 03-03 16:00: handed over (03-02 21:00) is known, registered (23:00) not yet.
    # register due 03-03 21:00, 5 h = 18000 s left < 6 h (25 % of 24 h) -> due_soon.
    register = get(stage_deadlines(_progress(), CN, dt("2026-03-03T16:00:00+08:00")), "register")
    assert (register.status, register.remaining_seconds) == ("due_soon", 18000)


def test_reopened_close_after_at_is_not_done() -> None:
    # closed_at after `at` (e.g. the complaint was closed later, or reopened and re-closed):
    # close is still outstanding and archive has no due time yet.
    c = replace(_progress(), closed_at=dt("2026-03-09T12:00:00+08:00"))
    result = stage_deadlines(c, CN, dt("2026-03-09T11:00:00+08:00"))
    close = get(result, "close")
    # close due 03-10 23:00, remaining 1 d 12 h = 36 h = 129600 s; 25 % of 168 h = 42 h -> due_soon.
    assert (close.done_at, close.status, close.remaining_seconds) == (None, "due_soon", 129600)
    assert get(result, "archive") == StageDeadline("archive", None, None, None, "open")


# --------------------------------------------------------------------------- refund


def test_refund_not_requested_is_omitted() -> None:
    result = stage_deadlines(complaint("2026-03-02T10:00:00+08:00"), CN, dt("2026-03-03T12:00+08:00"))
    assert "refund" not in names(result)
    # A completion without a request does not conjure the stage up either.
    c = complaint("2026-03-02T10:00:00+08:00", refund_completed_at="2026-03-03T09:00:00+08:00")
    assert "refund" not in names(stage_deadlines(c, CN, dt("2026-03-03T12:00+08:00")))


@pytest.mark.parametrize(
    ("completed", "at", "status", "remaining"),
    [
        # requested 03-03 09:00 + 48 h = due 03-05 09:00
        ("2026-03-05T08:00:00+08:00", "2026-03-06T00:00:00+08:00", "met", None),
        ("2026-03-05T10:00:00+08:00", "2026-03-06T00:00:00+08:00", "missed", None),
        (None, "2026-03-05T10:00:00+08:00", "overdue", -3600),  # 1 h past due
        (None, "2026-03-04T21:00:00+08:00", "open", 43200),  # 12 h left = 25 % of 48 h exactly
        (None, "2026-03-04T22:00:00+08:00", "due_soon", 39600),  # 11 h left
    ],
)
def test_refund_requested(completed: str | None, at: str, status: str, remaining: float | None) -> None:
    done = {"refund_completed_at": completed} if completed else {}
    c = complaint("2026-03-02T10:00:00+08:00", refund_requested_at="2026-03-03T09:00:00+08:00", **done)
    result = stage_deadlines(c, CN, dt(at))
    assert names(result) == ["hand_over", "register", "first_contact", "close", "refund", "archive"]
    refund = get(result, "refund")
    assert refund.due_at.isoformat() == "2026-03-05T09:00:00+08:00"
    assert (refund.status, refund.remaining_seconds) == (status, remaining)


def test_refund_requested_after_at_is_omitted() -> None:
    c = complaint("2026-03-02T10:00:00+08:00", refund_requested_at="2026-03-03T09:00:00+08:00")
    assert "refund" not in names(stage_deadlines(c, CN, dt("2026-03-03T08:59:59+08:00")))


# --------------------------------------------------------------------------- archive and is_open


def _closed(**extra: str) -> Complaint:
    return replace(
        _progress(), closed_at=dt("2026-03-06T15:00:00+08:00"), **{k: dt(v) for k, v in extra.items()}
    )


def test_archive_after_close() -> None:
    # closed 03-06 15:00 + 24 h = archive due 03-07 15:00; at 03-07 10:00 -> 5 h = 18000 s < 6 h -> due_soon.
    result = stage_deadlines(_closed(), CN, dt("2026-03-07T10:00:00+08:00"))
    archive = get(result, "archive")
    assert archive.due_at.isoformat() == "2026-03-07T15:00:00+08:00"
    assert (archive.status, archive.remaining_seconds) == ("due_soon", 18000)
    # close: due 03-10 23:00, done 03-06 15:00 -> met.
    assert get(result, "close").status == "met"
    # Outstanding: first_contact (due 03-06 00:00, overdue) is earlier than archive (03-07 15:00).
    assert result.next_stage == "first_contact"


@pytest.mark.parametrize(
    ("archived", "status"),
    [("2026-03-07T14:00:00+08:00", "met"), ("2026-03-07T16:00:00+08:00", "missed")],
)
def test_archive_met_or_missed(archived: str, status: str) -> None:
    c = _closed(archived_at=archived, first_contact_at="2026-03-04T10:00:00+08:00")
    result = stage_deadlines(c, CN, dt("2026-03-08T00:00:00+08:00"))
    assert get(result, "archive").status == status
    # Every stage is done -> nothing next.
    assert (result.next_stage, result.next_due_at) == (None, None)


def test_archive_without_recorded_close() -> None:
    # Archived but never closed: done with no due time, which cannot have been missed.
    c = complaint("2026-03-02T10:00:00+08:00", archived_at="2026-03-03T10:00:00+08:00")
    archive = get(stage_deadlines(c, CN, dt("2026-03-04T00:00+08:00")), "archive")
    assert (archive.due_at, archive.status, archive.remaining_seconds) == (None, "met", None)


def test_is_open() -> None:
    c = _closed(archived_at="2026-03-07T14:00:00+08:00")
    assert is_open(c, dt("2026-03-02T09:59:59+08:00")) is False  # not received yet
    assert is_open(c, dt("2026-03-02T10:00:00+08:00")) is True  # received
    assert is_open(c, dt("2026-03-07T12:00:00+08:00")) is True  # closed but not archived yet
    assert is_open(c, dt("2026-03-07T14:00:00+08:00")) is False  # archived
    # Same instant given in UTC: 06:00Z = 14:00 +08.
    assert is_open(c, dt("2026-03-07T05:59:59+00:00")) is True
    assert is_open(c, dt("2026-03-07T06:00:00+00:00")) is False


# --------------------------------------------------------------------------- remote site


def test_remote_site_gets_fourteen_days() -> None:
    # registered 03-02 11:30: local site +7 days = 03-09 11:30, remote +14 days = 03-16 11:30.
    c = complaint("2026-03-02T10:00:00+08:00", registered_at="2026-03-02T11:30:00+08:00")
    at = dt("2026-03-03T00:00+08:00")
    local = get(stage_deadlines(c, CN, at), "close")
    remote = get(stage_deadlines(c, SiteCalendar(remote=True), at), "close")
    assert local.due_at.isoformat() == "2026-03-09T11:30:00+08:00"
    assert remote.due_at.isoformat() == "2026-03-16T11:30:00+08:00"


# --------------------------------------------------------------------------- another time zone, DST


def test_berlin_across_spring_dst_change() -> None:
    # Received Sat 2026-03-28 20:00 CET (+01), given in UTC as 19:00Z; DST starts 03-29 02:00 -> 03:00.
    c = complaint("2026-03-28T19:00:00+00:00")
    result = stage_deadlines(c, BERLIN, dt("2026-03-29T00:00:00+00:00"))  # = 01:00 CET, before the switch

    # hand_over: 19:00Z + 12 h = 03-29 07:00Z = 09:00 CEST (absolute hours, wall clock shows 13 h later).
    assert get(result, "hand_over").due_at.isoformat() == "2026-03-29T09:00:00+02:00"

    # register: 19:00Z + 24 h = 03-29 19:00Z = 21:00 CEST.  remaining = 19 h = 68400 s (true elapsed time,
    # not the 20 h the wall clocks suggest); 19 h > 6 h -> open.
    register = get(result, "register")
    assert register.due_at.isoformat() == "2026-03-29T21:00:00+02:00"
    assert (register.status, register.remaining_seconds) == ("open", 68400)

    # first_contact: after Sat 03-28 -> [Sun 29], Mon 30, Tue 31, Wed 04-01 -> 04-02 00:00 CEST.
    assert get(result, "first_contact").due_at.isoformat() == "2026-04-02T00:00:00+02:00"

    # close: 7 local days keep the wall-clock hour: 04-04 20:00 CEST (only 167 h of elapsed time).
    assert get(result, "close").due_at.isoformat() == "2026-04-04T20:00:00+02:00"

    # Returned in the site's zone.
    assert str(result.next_due_at.tzinfo) == "Europe/Berlin"


@pytest.mark.parametrize(
    ("at", "status", "remaining"),
    [
        # close allowed = 167 h (DST ate an hour), 25 % = 41.75 h = 150300 s.  Due 04-04 18:00Z, minus
        # 41 h 45 m = 04-03 00:15Z.  With a wrong 168 h allowance 41.75 h would already be "due_soon".
        ("2026-04-03T00:15:00+00:00", "open", 150300),
        ("2026-04-03T00:15:01+00:00", "due_soon", 150299),
    ],
)
def test_berlin_due_soon_uses_elapsed_allowance(at: str, status: str, remaining: float) -> None:
    close = get(stage_deadlines(complaint("2026-03-28T19:00:00+00:00"), BERLIN, dt(at)), "close")
    assert (close.status, close.remaining_seconds) == (status, remaining)


def test_berlin_easter_working_days() -> None:
    # Received Wed 2026-04-01: Thu 02 (1), [Good Fri 03, Sat, Sun, Easter Mon 06], Tue 07 (2), Wed 08 (3).
    c = complaint("2026-04-01T11:00:00+02:00")
    result = stage_deadlines(c, BERLIN, dt("2026-04-01T12:00:00+02:00"))
    assert get(result, "first_contact").due_at.isoformat() == "2026-04-09T00:00:00+02:00"


@pytest.mark.parametrize(
    ("received", "expected_close"),
    [
        # Autumn: Sat 10-24 09:00 CEST + 7 local days = Sat 10-31 09:00 CET (169 h elapsed).
        ("2026-10-24T09:00:00+02:00", "2026-10-31T09:00:00+01:00"),
        # Spring gap: Sun 03-22 02:30 CET + 7 days = 03-29 02:30, which does not exist -> 03:30 CEST.
        ("2026-03-22T02:30:00+01:00", "2026-03-29T03:30:00+02:00"),
    ],
)
def test_berlin_close_keeps_wall_clock(received: str, expected_close: str) -> None:
    result = stage_deadlines(complaint(received), BERLIN, dt(received))
    assert get(result, "close").due_at.isoformat() == expected_close


# --------------------------------------------------------------------------- input validation


def test_naive_datetimes_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        complaint("2026-03-02T10:00:00")
    with pytest.raises(ValueError, match="timezone-aware"):
        stage_deadlines(complaint("2026-03-02T10:00:00+08:00"), CN, datetime(2026, 3, 3, 12))
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(complaint("2026-03-02T10:00:00+08:00"), datetime(2026, 3, 3, 12))
