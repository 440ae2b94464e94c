"""The call-back worklist (`/callbacks`): today's abandoned callers nobody has reached since.

CONTRACT section 3: an abandon is an inbound call with `queued_at`, no `answered_at` and an `ended_at`; its wait
is ended_at − queued_at (never below 0); one shorter than its skill group's `short_abandon_seconds` is a short
abandon and no call-back candidate. "Today" is each site's local day, by `queued_at` (as the KPI engine files an
abandon). Per caller_id the list keeps the latest candidate abandon of today and counts every abandon of that
caller today (`attempts`, short ones included: each was a try that reached the queue). The caller leaves the list
as soon as any call with the same caller_id arrived after that abandon's `arrived_at` and is not itself an abandon
— an inbound call answered, waiting, talking or served by the IVR — or is an outbound call (`caller_id` = the
number dialled), at whatever site. An abandon without a caller_id cannot be called back: it is counted, not listed.

Two statements, both bounded by time and answered from the existing indexes, whatever the history kept:
1. today's abandons (a range of `ix_calls_queued_arrived`);
2. per abandoning caller, the latest later call that resolves them (a range of `ix_calls_arrived` from the
   earliest of those abandons' arrivals, restricted to the callers of statement 1 by a semi-join).
At 600 sites (~100,000 calls and ~5,000 abandons a day) both take tens of milliseconds (docs/callbacks.md);
the page computes the list once per poll for all its screens (reports/callbacks.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from wallboard.config import Config
from wallboard.data_access.kpi_report import zone_plan
from wallboard.data_access.schema import calls


@dataclass(frozen=True)
class Callback:
    """One caller to call back: their latest abandon of today that was not a short one."""

    caller_id: str
    site: str
    skill_group: str | None
    call_id: str
    arrived_at: datetime  # naive UTC, as stored
    abandoned_at: datetime  # naive UTC: when the caller hung up (the abandon's ended_at)
    wait_seconds: float  # ended_at − queued_at, never below 0
    attempts: int  # abandons of this caller today, at any site, short ones included


@dataclass(frozen=True)
class Worklist:
    """The whole centre's list (every site): pages filter it per request by what the caller may see."""

    computed_at: datetime  # naive UTC
    rows: tuple[Callback, ...] = ()  # oldest abandon first
    # candidate abandons without a caller_id, by (site, skill group): counted, since they cannot be listed
    anonymous: dict[tuple[str, str | None], int] = field(default_factory=dict)


def local_day(now: datetime, zone: str) -> tuple[datetime, datetime]:
    """[start, end) of the local day of naive-UTC `now` in `zone`, as naive UTC (a DST day may be 23 or 25 h)."""
    tz = ZoneInfo(zone)
    midnight = now.replace(tzinfo=UTC).astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    following = midnight + timedelta(days=1)  # wall-clock arithmetic: the next local midnight
    return (midnight.astimezone(UTC).replace(tzinfo=None), following.astimezone(UTC).replace(tzinfo=None))


def _today(config: Config, now: datetime) -> tuple[ColumnElement, datetime, datetime]:
    """The condition "queued today, in its site's local day", and the outer bounds of every zone's day."""
    c = calls.c
    parts, starts, ends = [], [], []
    for zone, include, exclude in zone_plan(config, None, None):
        start, end = local_day(now, zone)
        starts.append(start)
        ends.append(end)
        cond = [c.queued_at >= start, c.queued_at < end]
        if include is not None:
            cond.append(c.site.in_(include))
        if exclude is not None:
            cond.append(c.site.not_in(exclude))
        parts.append(and_(*cond))
    return or_(*parts), min(starts), max(ends)


def _abandoned(config: Config, now: datetime) -> ColumnElement:
    """Inbound abandons queued today (short ones included: the short-abandon time is per group, applied later)."""
    c = calls.c
    today, lo, hi = _today(config, now)
    # the outer range lets every backend seek ix_calls_queued_arrived; `today` refines it per zone
    return and_(c.queued_at >= lo, c.queued_at < hi, today, c.direction == "inbound",
                c.answered_at.is_(None), c.ended_at.is_not(None))


def _resolving() -> ColumnElement:
    """A call that reaches the caller: any outbound call, or an inbound one that is not an abandon."""
    c = calls.c
    return or_(c.direction == "outbound", c.answered_at.is_not(None), c.ended_at.is_(None), c.queued_at.is_(None))


def callback_worklist(conn: Connection, config: Config, now: datetime) -> Worklist:
    """Today's call-back list of every site at naive-UTC `now`."""
    c = calls.c
    abandoned = _abandoned(config, now)
    rows = conn.execute(select(c.call_id, c.site, c.skill_group, c.caller_id, c.arrived_at, c.queued_at,
                               c.ended_at).where(abandoned)).all()
    attempts: Counter[str] = Counter()
    latest: dict[str, Callback] = {}
    anonymous: Counter[tuple[str, str | None]] = Counter()
    short_limit: dict[str | None, float] = {}
    for call_id, site, group, caller, arrived, queued, ended in rows:
        caller = caller if caller and caller.strip() else None
        if caller:
            attempts[caller] += 1
        wait = max(0.0, (ended - queued).total_seconds())
        if group not in short_limit:
            short_limit[group] = config.settings_for(group).short_abandon_seconds
        if wait < short_limit[group]:
            continue  # a short abandon: the caller hung up at once (0 = off: never short)
        if not caller:
            anonymous[(site, group)] += 1
            continue
        best = latest.get(caller)
        if best is None or (arrived, call_id) > (best.arrived_at, best.call_id):
            latest[caller] = Callback(caller, site, group, call_id, arrived, ended, wait, 0)
    if latest:
        lo = min(cb.arrived_at for cb in latest.values())
        callers = select(c.caller_id).where(abandoned, c.caller_id.is_not(None))
        reached = dict(conn.execute(
            select(c.caller_id, func.max(c.arrived_at))
            .where(c.arrived_at > lo, c.caller_id.in_(callers), _resolving())
            .group_by(c.caller_id)).all())
        for caller in list(latest):
            last = reached.get(caller)
            if last is not None and last > latest[caller].arrived_at:
                del latest[caller]
    listed = sorted(latest.values(), key=lambda cb: (cb.abandoned_at, cb.caller_id))
    return Worklist(computed_at=now,
                    rows=tuple(Callback(cb.caller_id, cb.site, cb.skill_group, cb.call_id, cb.arrived_at,
                                        cb.abandoned_at, cb.wait_seconds, attempts[cb.caller_id]) for cb in listed),
                    anonymous=dict(anonymous))
