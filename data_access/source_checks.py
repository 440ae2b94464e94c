"""Bad rows in the source databases, counted for the data-quality panel (/data-quality).

The databases belong to other teams and will hold bad rows.  The KPI engine never
crashes on them and treats each kind in one documented way (docs/architecture.md, "Data model");
this module counts them so that nothing is dropped or altered silently.

Cheap and bounded: one aggregate per table over the last 24 hours (index range seeks on
the same columns the snapshot reads), one index seek for rows dated in the future, run
at most once a minute by the poller, each statement limited to a few seconds.  A check
that fails or times out is reported, never raised: the live snapshot goes out anyway.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, and_, case, func, inspect, or_, select, text

from wallboard.data_access.schema import agent_states, calls, complaints, import_runs, surveys
from wallboard.data_access.sources import Sources
from wallboard.data_access.sql_time import seconds_between
from wallboard.maths.kpi import AGENT_STATES

WINDOW = timedelta(hours=24)
REFRESH = timedelta(seconds=60)
FUTURE_SLACK = timedelta(seconds=60)  # clocks a minute apart are not "the future"
MAX_CALL_SECONDS = 4 * 3600  # a wait or talk longer than this lost its end event (a "40-hour call")
MAX_WRAP_UP_SECONDS = 3600
CHECK_TIMEOUT_SECONDS = 5
RECENT_IMPORTS = 10


def _limit(conn: Connection) -> object:
    """At most CHECK_TIMEOUT_SECONDS per statement here (PostgreSQL, MariaDB); returns what to restore."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SET LOCAL statement_timeout = {CHECK_TIMEOUT_SECONDS * 1000}"))  # ends with the transaction
    elif getattr(conn.dialect, "is_mariadb", False):
        before = conn.execute(text("SELECT @@SESSION.max_statement_time")).scalar()
        conn.execute(text(f"SET SESSION max_statement_time = {CHECK_TIMEOUT_SECONDS}"))
        return before
    return None


def _restore(conn: Connection, before: object) -> None:
    """MariaDB's limit is per session: the pooled connection gets the engine's own back."""
    if before is not None:
        conn.execute(text("SET SESSION max_statement_time = :v"), {"v": before})


def _count(cond) -> object:
    return func.sum(case((cond, 1), else_=0))


def _call_checks(now: datetime) -> dict[str, object]:
    c = calls.c
    future = now + FUTURE_SLACK
    talk = seconds_between(c.answered_at, c.ended_at)
    wait = case((c.answered_at.is_not(None), seconds_between(c.queued_at, c.answered_at)),
                else_=seconds_between(c.queued_at, c.ended_at))
    return {
        "missing_site": c.site.is_(None),
        "missing_skill_group": and_(c.queued_at.is_not(None), c.skill_group.is_(None)),
        # an outbound call (a call-back) is answered without a queue by nature
        "answered_without_queue": and_(c.answered_at.is_not(None), c.queued_at.is_(None), c.direction == "inbound"),
        "answered_without_agent": and_(c.answered_at.is_not(None), c.agent_id.is_(None)),
        "negative_interval": or_(c.queued_at < c.arrived_at, c.answered_at < c.queued_at, c.ended_at < c.answered_at,
                                 and_(c.answered_at.is_(None), c.ended_at < c.queued_at), c.wrap_up_seconds < 0),
        "future_time": or_(c.queued_at > future, c.answered_at > future, c.ended_at > future),
        "absurd_duration": or_(and_(c.ended_at.is_not(None), c.answered_at.is_not(None), talk > MAX_CALL_SECONDS),
                               and_(c.queued_at.is_not(None), wait > MAX_CALL_SECONDS),
                               c.wrap_up_seconds > MAX_WRAP_UP_SECONDS),
    }


def check_sources(sources: Sources, now: datetime) -> dict:
    """Counts of bad rows of the last 24 hours (and rows dated in the future), JSON-ready.

    `now` is naive UTC.  Returns {"checked_at", "check_seconds", "window_hours", "counts":
    {"<table>.<check>": rows}, "unknown_sites": {...}, "unknown_skill_groups": {...},
    "imports": [...], "errors": [...]}.
    """
    calls_engine, tickets_engine, config = sources.calls, sources.tickets, sources.config
    started = time.monotonic()
    counts: dict[str, int] = {}
    unknown_sites: dict[str, int] = defaultdict(int)
    unknown_groups: dict[str, int] = defaultdict(int)
    errors: list[str] = []
    sites = {s.id for s in config.sites}
    groups = {g.id for g in config.skill_groups}
    since, future = now - WINDOW, now + FUTURE_SLACK

    def note_site(site: str | None, n: int) -> None:
        if sites and site is not None and site not in sites:
            unknown_sites[site] += n

    def run(engine: Engine, label: str, fn) -> None:
        try:
            with engine.connect() as conn:
                before = _limit(conn)
                fn(conn)
                _restore(conn, before)
        except Exception as e:  # reported on the panel; the snapshot must still go out
            errors.append(f"{label}: {' '.join(str(getattr(e, 'orig', None) or e).split())[:200]}")

    def check_calls(conn: Connection) -> None:
        c = calls.c
        checks = _call_checks(now)
        stmt = (select(c.site, c.skill_group, func.count(), *[_count(cond) for cond in checks.values()])
                .where(c.arrived_at >= since, c.arrived_at <= future).group_by(c.site, c.skill_group))
        totals = dict.fromkeys(checks, 0)
        for site, group, n, *values in conn.execute(stmt):
            for name, v in zip(checks, values, strict=True):
                totals[name] += int(v or 0)
            note_site(site, int(n))
            if groups and group is not None and group not in groups:
                unknown_groups[group] += int(n)
        later = conn.execute(select(func.count()).select_from(calls).where(c.arrived_at > future)).scalar()
        totals["future_time"] += int(later or 0)
        # a "40-hour call" is seen when its end is written: ended in the window, arrived before it
        totals["absurd_duration"] += int(conn.execute(select(_count(checks["absurd_duration"])).where(
            c.ended_at >= since, c.ended_at <= future, c.arrived_at < since)).scalar() or 0)
        if not inspect(conn).get_pk_constraint("calls").get("constrained_columns"):  # a view or a copy
            totals["duplicate_id"] = int(conn.execute(
                select(func.count() - func.count(func.distinct(c.call_id))).where(c.arrived_at >= since)).scalar() or 0)
        counts.update({f"calls.{k}": v for k, v in totals.items()})

    def check_states(conn: Connection) -> None:
        s = agent_states.c
        stmt = (select(s.site, s.state, func.count()).where(s.started_at >= since)
                .group_by(s.site, s.state))
        bad_state = missing_site = future_rows = 0
        for site, state, n in conn.execute(stmt):
            note_site(site, int(n))
            bad_state += int(n) if state not in AGENT_STATES else 0
            missing_site += int(n) if site is None else 0
        future_rows = int(conn.execute(select(func.count()).where(s.started_at > future)).scalar() or 0)
        counts.update({"agent_states.unknown_state": bad_state, "agent_states.missing_site": missing_site,
                       "agent_states.future_time": future_rows})

    def check_tickets(conn: Connection) -> None:
        v = surveys.c
        bad_score, n_future = conn.execute(select(
            _count(or_(v.score.is_(None), v.score < 1, v.score > 5)), _count(v.submitted_at > future))
            .where(v.submitted_at >= since)).one()  # no upper bound: the future is included
        k = complaints.c
        open_future, open_disorder = conn.execute(select(
            _count(k.received_at > future),
            _count(or_(k.closed_at < k.received_at, k.registered_at < k.received_at)))
            .where(k.archived_at.is_(None))).one()
        counts.update({"surveys.score_out_of_range": int(bad_score or 0),
                       "surveys.future_time": int(n_future or 0),
                       "complaints.future_time": int(open_future or 0),
                       "complaints.negative_interval": int(open_disorder or 0)})

    def recent_imports(conn: Connection) -> None:
        if not inspect(conn).has_table("import_runs"):
            return
        r = import_runs.c
        rows = conn.execute(select(r.kind, r.file, r.finished_at, r.imported, r.updated, r.rejected, r.flagged)
                            .order_by(r.id.desc()).limit(RECENT_IMPORTS))
        imports.extend({"kind": kind, "file": os.path.basename(file), "finished_at": at.replace(tzinfo=UTC).isoformat(),
                        "imported": imported, "updated": updated, "rejected": rejected, "flagged": flagged}
                       for kind, file, at, imported, updated, rejected, flagged in rows)

    imports: list[dict] = []
    run(calls_engine, "calls", check_calls)
    run(calls_engine, "agent_states", check_states)
    run(tickets_engine, "surveys/complaints", check_tickets)
    run(calls_engine, "import_runs", recent_imports)
    return {"checked_at": now.replace(tzinfo=UTC).isoformat(), "check_seconds": round(time.monotonic() - started, 4),
            "window_hours": WINDOW.total_seconds() / 3600, "counts": counts,
            "unknown_sites": dict(unknown_sites), "unknown_skill_groups": dict(unknown_groups),
            "imports": imports, "errors": errors}
