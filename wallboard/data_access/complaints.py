"""Open complaints from the tickets database, with their stage deadlines (CONTRACT section 4)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, or_, select

from wallboard.config import Config
from wallboard.data_access.kpi_queries import to_utc_naive
from wallboard.data_access.schema import COMPLAINT_TIMES, complaints
from wallboard.maths.deadlines import Complaint, ComplaintDeadlines, ComplaintPolicy, SiteCalendar, stage_deadlines


def site_calendar(config: Config, site: str) -> SiteCalendar:
    s = config.site(site)
    return SiteCalendar(timezone=s.timezone, holiday_region=s.holidays, remote=s.remote)


def open_complaints(engine: Engine, config: Config, at: datetime, site: str | None = None,
                    policy: ComplaintPolicy | None = None) -> list[ComplaintDeadlines]:
    """Every complaint received by `at` and not archived by then, soonest next deadline first."""
    c = complaints.c
    at_utc = to_utc_naive(at)
    stmt = select(complaints).where(c.received_at <= at_utc, or_(c.archived_at.is_(None), c.archived_at > at_utc))
    if site:
        stmt = stmt.where(c.site == site)
    policy = policy or ComplaintPolicy()
    calendars: dict[str, SiteCalendar] = {}
    out = []
    with engine.connect() as conn:
        for row in conn.execute(stmt):
            m = row._mapping
            times = {k: (m[k].replace(tzinfo=UTC) if m[k] is not None else None) for k in COMPLAINT_TIMES}
            complaint = Complaint(complaint_id=m["complaint_id"], site=m["site"], severity=m["severity"] or "",
                                  category=m["category"] or "", **times)
            if m["site"] not in calendars:
                calendars[m["site"]] = site_calendar(config, m["site"])
            out.append(stage_deadlines(complaint, calendars[m["site"]], at, policy))
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
                    "status": s.status} for s in d.stages]} for d in board]}
