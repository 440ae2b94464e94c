"""Complaint-handling deadlines and their status at a given moment.

The wallboard shows, for every open complaint, which stage is due next and whether any stage is overdue.
Everything is computed as of an explicit time ``at`` (never "now" implicitly), and any timestamp later
than ``at`` is treated as not having happened yet, so historical ``--at`` queries reproduce exactly what
the board would have shown at that moment (including complaints later reopened or re-closed).

Time arithmetic rules (chosen where the contract was silent):

* All comparisons and subtractions are done in UTC.  Python compares/subtracts two datetimes that share a
  ``tzinfo`` by wall-clock time, which is wrong by an hour across a DST change.
* "N hours" deadlines are absolute elapsed time: a 24 h deadline across a DST change ends at a different
  wall-clock hour.
* "N calendar days" deadlines are wall-clock local days: the local date moves by N and the local time of
  day is kept, so a DST change does not shift the hour.  A wall time that falls in a spring-forward gap
  moves forward by the gap; an ambiguous fall-back time keeps the fold of the start timestamp.
* "End of the N-th working day" is local midnight at the start of the following day, in the site's zone.
* Returned datetimes are in the site's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from wallboard.maths.working_days import SiteCalendar, add_working_days_end, is_official_year

__all__ = [
    "SEVERITIES",
    "STAGES",
    "Complaint",
    "ComplaintDeadlines",
    "ComplaintPolicy",
    "SiteCalendar",
    "StageDeadline",
    "is_open",
    "stage_deadlines",
]

#: Stage names in display order.
SEVERITIES: tuple[str, ...] = ("I", "II", "III", "IV", "V")  # CONTRACT section 2, complaints.severity
STAGES: tuple[str, ...] = ("hand_over", "register", "first_contact", "close", "refund", "archive")

MET = "met"
MISSED = "missed"
OVERDUE = "overdue"
DUE_SOON = "due_soon"
OPEN = "open"


@dataclass(frozen=True)
class ComplaintPolicy:
    """Deadline lengths; defaults are the contract's, overridable per deployment."""

    hand_over_hours: float = 12
    register_hours: float = 24
    first_contact_working_days: int = 3
    close_days_local: int = 7
    close_days_remote: int = 14
    refund_hours: float = 48
    archive_hours: float = 24
    due_soon_fraction: float = 0.25

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) < 0:
                raise ValueError(f"{f.name} must not be negative")
        if self.first_contact_working_days < 1:
            raise ValueError("first_contact_working_days must be at least 1")
        if self.due_soon_fraction > 1:
            raise ValueError("due_soon_fraction must be between 0 and 1")


@dataclass(frozen=True)
class Complaint:
    """One complaint's milestone timestamps; all must be timezone-aware (or None)."""

    complaint_id: str
    site: str
    severity: str
    category: str
    received_at: datetime
    handed_over_at: datetime | None = None
    registered_at: datetime | None = None
    first_contact_at: datetime | None = None
    refund_requested_at: datetime | None = None
    refund_completed_at: datetime | None = None
    closed_at: datetime | None = None
    archived_at: datetime | None = None

    def __post_init__(self) -> None:
        # A naive timestamp would silently be read as the server's local time; refuse it instead.
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, datetime) and value.utcoffset() is None:
                raise ValueError(f"complaint {self.complaint_id!r}: {f.name} must be timezone-aware")


@dataclass(frozen=True)
class StageDeadline:
    """One stage as of ``at``: ``done_at``/``remaining_seconds`` are None when not done / once done."""

    stage: str
    due_at: datetime | None
    done_at: datetime | None
    remaining_seconds: float | None
    status: str
    provisional: bool = False  # due from a calendar year without an official schedule (may move)


@dataclass(frozen=True)
class ComplaintDeadlines:
    """All applicable stages of one complaint plus the earliest-due stage still outstanding."""

    complaint: Complaint
    stages: tuple[StageDeadline, ...]
    next_stage: str | None
    next_due_at: datetime | None


def _utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


def _known(dt: datetime | None, at_utc: datetime) -> datetime | None:
    """``dt`` (in UTC) if it had happened by ``at``, else None."""
    if dt is None:
        return None
    dt = _utc(dt)
    return dt if dt <= at_utc else None


def _add_local_days(start: datetime, days: int, zone: ZoneInfo) -> datetime:
    """Same local wall-clock time ``days`` local dates later, returned in UTC."""
    local = start.astimezone(zone)
    moved = local.replace(tzinfo=None) + timedelta(days=days)
    return moved.replace(tzinfo=zone, fold=local.fold).astimezone(UTC)


def _end_of_nth_working_day(start: datetime, n: int, calendar: SiteCalendar) -> tuple[datetime, bool]:
    """Local midnight ending the ``n``-th working day after ``start``'s local date, in UTC, and whether it is
    provisional (a day counted lies in a year without an official schedule)."""
    return _working_day_end(start.astimezone(calendar.zone).date(), n, calendar)


@lru_cache(maxsize=4096)
def _working_day_end(first: date, n: int, calendar: SiteCalendar) -> tuple[datetime, bool]:
    """Per received day and calendar, once: a week's review counts thousands of complaints of a few days."""
    zone = calendar.zone
    last = add_working_days_end(first, n, calendar.holiday_region, calendar.corrections)
    provisional = not all(is_official_year(year, calendar.holiday_region, calendar.corrections)
                          for year in range(first.year, last.year + 1))
    return datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC), provisional


def _stage(
    name: str,
    start: datetime | None,
    due: datetime | None,
    done: datetime | None,
    at_utc: datetime,
    zone: ZoneInfo,
    policy: ComplaintPolicy,
) -> StageDeadline:
    """Classify one stage; every datetime argument is UTC, the result is in the site zone."""
    local_due = due.astimezone(zone) if due is not None else None
    if done is not None:
        # Done with no due time (archived without a recorded close) cannot have missed anything.
        status = MISSED if due is not None and done > due else MET
        return StageDeadline(name, local_due, done.astimezone(zone), None, status)
    if due is None or start is None:
        return StageDeadline(name, None, None, None, OPEN)
    remaining = (due - at_utc).total_seconds()
    allowed = (due - start).total_seconds()
    if remaining < 0:
        status = OVERDUE
    elif remaining < policy.due_soon_fraction * allowed:
        status = DUE_SOON
    else:
        status = OPEN
    return StageDeadline(name, local_due, None, remaining, status)


def stage_deadlines(
    c: Complaint, calendar: SiteCalendar, at: datetime, policy: ComplaintPolicy = ComplaintPolicy()
) -> ComplaintDeadlines:
    """Every applicable stage of ``c`` with its due time and status as seen at ``at``.

    Timestamps after ``at`` count as not done.  Deadlines that depend on an optional earlier milestone
    (register after hand-over, close after registration) fall back to ``received_at`` until that milestone
    is known, which is what the board could know at ``at``.  The refund stage is omitted unless a refund
    had been requested by ``at``; the archive stage has no due time until the complaint is closed.
    """
    if at.utcoffset() is None:
        raise ValueError("`at` must be timezone-aware")
    at_utc = _utc(at)
    zone = calendar.zone
    received = _utc(c.received_at)
    handed_over = _known(c.handed_over_at, at_utc)
    registered = _known(c.registered_at, at_utc)
    closed = _known(c.closed_at, at_utc)
    refund_requested = _known(c.refund_requested_at, at_utc)

    def stage(
        name: str, start: datetime | None, due: datetime | None, done: datetime | None
    ) -> StageDeadline:
        return _stage(name, start, due, _known(done, at_utc), at_utc, zone, policy)

    register_start = handed_over or received
    close_start = registered or received
    close_days = policy.close_days_remote if calendar.remote else policy.close_days_local
    hand_over_due = received + timedelta(hours=policy.hand_over_hours)
    register_due = register_start + timedelta(hours=policy.register_hours)
    first_contact_due, provisional = _end_of_nth_working_day(received, policy.first_contact_working_days, calendar)
    close_due = _add_local_days(close_start, close_days, zone)
    stages = [
        stage("hand_over", received, hand_over_due, c.handed_over_at),
        stage("register", register_start, register_due, c.registered_at),
        replace(stage("first_contact", received, first_contact_due, c.first_contact_at), provisional=provisional),
        stage("close", close_start, close_due, c.closed_at),
    ]
    if refund_requested is not None:
        refund_due = refund_requested + timedelta(hours=policy.refund_hours)
        stages.append(stage("refund", refund_requested, refund_due, c.refund_completed_at))
    archive_due = closed + timedelta(hours=policy.archive_hours) if closed is not None else None
    stages.append(stage("archive", closed, archive_due, c.archived_at))

    pending = [(_utc(s.due_at), s) for s in stages if s.done_at is None and s.due_at is not None]
    # min() keeps the first of equal due times, i.e. the earlier stage in STAGES order.
    nxt = min(pending, key=lambda pair: pair[0], default=(None, None))[1]
    return ComplaintDeadlines(
        complaint=c,
        stages=tuple(stages),
        next_stage=nxt.stage if nxt else None,
        next_due_at=nxt.due_at if nxt else None,
    )


def is_open(c: Complaint, at: datetime) -> bool:
    """Open at ``at``: already received and not yet archived (an archive after ``at`` has not happened)."""
    if at.utcoffset() is None:
        raise ValueError("`at` must be timezone-aware")
    at_utc = _utc(at)
    return _utc(c.received_at) <= at_utc and _known(c.archived_at, at_utc) is None
