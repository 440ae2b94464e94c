"""Open complaints from the tickets database, with their stage deadlines (CONTRACT section 4)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, or_, select

from wallboard.config import Config
from wallboard.data_access.kpi_queries import to_utc_naive
from wallboard.data_access.schema import COMPLAINT_TIMES, complaints
from wallboard.maths.deadlines import (
    Complaint,
    ComplaintDeadlines,
    ComplaintPolicy,
    SiteCalendar,
    stage_deadlines,
)


def site_calendar(config: Config, site: str) -> SiteCalendar:
    s = config.site(site)
    return SiteCalendar(timezone=s.timezone, holiday_region=s.holidays, remote=s.remote,
                        corrections=config.calendar(s.holidays))


def _complaint(m) -> Complaint:
    times = {k: (m[k].replace(tzinfo=UTC) if m[k] is not None else None) for k in COMPLAINT_TIMES}
    return Complaint(complaint_id=m["complaint_id"], site=m["site"], severity=m["severity"] or "",
                     category=m["category"] or "", **times)


def open_complaints(engine: Engine, config: Config, at: datetime, site: str | None = None,
                    policy: ComplaintPolicy | None = None) -> list[ComplaintDeadlines]:
    """Every complaint received by `at` and not archived by then, soonest next deadline first."""
    c = complaints.c
    at_utc = to_utc_naive(at)
    stmt = select(complaints).where(c.received_at <= at_utc, or_(c.archived_at.is_(None), c.archived_at > at_utc))
    if site:
        stmt = stmt.where(c.site == site)
    policy = policy or config.complaint_policy
    calendars: dict[str, SiteCalendar] = {}
    out = []
    with engine.connect() as conn:
        for row in conn.execute(stmt):
            if row.site not in calendars:
                calendars[row.site] = site_calendar(config, row.site)
            out.append(stage_deadlines(_complaint(row._mapping), calendars[row.site], at, policy))
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(out, key=lambda d: (d.next_due_at or far, d.complaint.complaint_id))


def complaints_json(board: list[ComplaintDeadlines], at: datetime) -> dict:
    """The contract's `wallboard complaints --format json` object."""
    def iso(dt: datetime | None) -> str | None:
        return dt.isoformat() if dt else None

    return {"at": at.isoformat(), "complaints": [{
        "complaint_id": d.complaint.complaint_id, "site": d.complaint.site, "severity": d.complaint.severity,
        "category": d.complaint.category, "next_due_at": iso(d.next_due_at), "next_stage": d.next_stage,
        "stages": [{"stage": s.stage, "due_at": iso(s.due_at), "done_at": iso(s.done_at),
                    "remaining_seconds": None if s.remaining_seconds is None else round(s.remaining_seconds, 3),
                    "status": s.status, "provisional": s.provisional} for s in d.stages]} for d in board]}


def received_between(engine: Engine, start: datetime, end: datetime, site: str | None = None) -> list[Complaint]:
    """Complaints received in [start, end] (aware times), archived or not."""
    c = complaints.c
    stmt = select(complaints).where(c.received_at >= to_utc_naive(start), c.received_at <= to_utc_naive(end))
    if site:
        stmt = stmt.where(c.site == site)
    with engine.connect() as conn:
        return [_complaint(row._mapping) for row in conn.execute(stmt)]


def complaints_received(engine: Engine, lo: datetime, hi: datetime) -> list[dict]:
    """Complaints received in [lo, hi), counted by site, severity and category."""
    c = complaints.c
    stmt = (select(c.site, c.severity, c.category, func.count())
            .where(c.received_at >= to_utc_naive(lo), c.received_at < to_utc_naive(hi))
            .group_by(c.site, c.severity, c.category))
    with engine.connect() as conn:
        return [{"site": r[0], "severity": r[1], "category": r[2], "n": int(r[3])} for r in conn.execute(stmt)]
