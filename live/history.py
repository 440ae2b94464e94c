"""The history keeper: keeps the 15-minute aggregates (calls, surveys, agent time) current, in one process of all.

Each pass (a lease in the app database picks the process):
* extends the covered range to the newest settled interval (older than SETTLE: calls in it are over);
* recomputes the last RECENT of covered intervals from raw rows and writes only what differs — a call answered
  after its interval closed, a re-import that corrected a row, a deleted or re-imported day;
* builds older history backwards, a budget of time per pass, until the first call is covered;
* every ten minutes, checks one older day against its raw rows (rotating back through the history) and repairs it:
  a change that bypassed the importers is found, counted on /data-quality and fixed, never silently wrong.

The calls and tickets databases are only read; everything is written to the app database (intervals.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select

from wallboard.data_access.intervals import GRID, Intervals, bin_time, to_bin
from wallboard.data_access.leases import DatabaseLease
from wallboard.data_access.schema import agent_states, calls, surveys
from wallboard.data_access.sources import Sources
from wallboard.live.periodic import Periodic

log = logging.getLogger(__name__)
SETTLE = timedelta(hours=1)  # younger intervals are read from raw rows: their calls may still be waiting or talking
RECENT = timedelta(hours=3)  # recomputed every pass (late answers, corrections of the last hours)
CHECK_EVERY = 600.0  # seconds between two checks of an older day (back through the history, newest first)
BUILD_BUDGET = 5.0  # seconds of back-filling per pass, so that a first start does not hold the lease for long
DAY_BINS = 86400 // GRID
STATUS_KEY = "wallboard:history-status"


def first_call_bin(sources: Sources) -> int | None:
    """The interval of the first call (queued, or arrived for an IVR-only call), or None without calls."""
    with sources.calls.connect() as conn:
        moments = [conn.execute(select(func.min(column))).scalar() for column in (calls.c.queued_at,
                                                                                  calls.c.arrived_at)]
    moments = [m for m in moments if m is not None]
    return to_bin(min(moments)) if moments else None


def first_survey_bin(sources: Sources) -> int | None:
    with sources.tickets.connect() as conn:
        first = conn.execute(select(func.min(surveys.c.submitted_at))).scalar()
    return to_bin(first) if first is not None else None


def first_state_bin(sources: Sources) -> int | None:
    with sources.calls.connect() as conn:
        first = conn.execute(select(func.min(agent_states.c.started_at))).scalar()
    return to_bin(first) if first is not None else None


def kinds(sources: Sources) -> list[tuple[Intervals, Engine, Callable[[Sources], int | None]]]:
    """(aggregates, the database they sum, where its history starts) of each kind kept."""
    out = []
    if sources.intervals is not None:
        out.append((sources.intervals, sources.calls, first_call_bin))
    if sources.survey_intervals is not None:
        out.append((sources.survey_intervals, sources.tickets, first_survey_bin))
    if sources.state_intervals is not None:
        out.append((sources.state_intervals, sources.calls, first_state_bin))
    return out


def catch_up(sources: Sources, now: datetime | None = None, budget: float | None = None,
             progress=None) -> dict:
    """One pass over every kind (see the module's doc); `budget` None builds all missing history now."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    started = time.monotonic()
    status: dict = {"rows_written": 0, "intervals_changed": 0}
    for intervals, engine, first_of in kinds(sources):
        remaining = None if budget is None else max(0.0, budget - (time.monotonic() - started))
        done = _catch_up_one(sources, intervals, engine, first_of, now, remaining, progress)
        status["rows_written"] += done.pop("rows_written")
        status["intervals_changed"] += done.pop("intervals_changed")
        status.update(done if intervals is sources.intervals else {f"{intervals.kind}_{k}": v for k, v in done.items()})
    return status


def _catch_up_one(sources: Sources, intervals: Intervals, engine: Engine, first_of, now: datetime,
                  budget: float | None, progress) -> dict:
    target = to_bin(now - SETTLE)
    started = time.monotonic()
    written = changed = 0
    span = intervals.covered()
    first = first_of(sources)
    with engine.connect() as conn:
        if span is None or span.end < target:
            lo = span.end if span else max(target - DAY_BINS, first if first is not None else target)
            if lo < target:
                written += intervals.build(conn, sources.config, lo, target)
        span = intervals.covered()
        if span:
            recent_lo = max(span.first, span.end - int(RECENT.total_seconds() // GRID))
            changed += intervals.replace(conn, sources.config, recent_lo, span.end)
        while span and first is not None and span.first > first:
            if budget is not None and time.monotonic() - started > budget:
                break
            lo = max(first, span.first - DAY_BINS)
            written += intervals.build(conn, sources.config, lo, span.first)
            if progress:
                progress(span.end - lo, span.end - first)
            span = intervals.covered()
    return {"covered_from": _iso(bin_time(span.first)) if span else None,
            "covered_to": _iso(bin_time(span.end)) if span else None,
            "rows_written": written, "intervals_changed": changed}


def _iso(naive_utc: datetime) -> str:
    return naive_utc.replace(tzinfo=UTC).isoformat()


def check_day(sources: Sources, day_start_bin: int) -> int:
    """Recompute one day of covered intervals of every kind from raw rows; returns how many interval rows disagreed
    (and are now repaired)."""
    repaired = 0
    for intervals, engine, _ in kinds(sources):
        with engine.connect() as conn:
            repaired += intervals.replace(conn, sources.config, day_start_bin, day_start_bin + DAY_BINS)
    return repaired


class HistoryKeeper:
    """The keeper's thread: a pass every `interval` seconds while this process holds the lease."""

    def __init__(self, sources: Sources, app, cache, interval: float = 60.0) -> None:
        self.sources, self.cache, self.interval = sources, cache, interval
        self.lease = DatabaseLease(app, "history", ttl_seconds=max(120.0, 3 * interval))
        self._thread = Periodic(self.tick, interval, "wallboard-history", min_wait=1.0)
        self._next_check = 0.0
        self._check_cursor: int | None = None

    def tick(self) -> dict | None:
        """One pass if this process holds the lease; its status (also in the cache, for /data-quality)."""
        status = dict(self.cache.get(STATUS_KEY) or {})
        started = time.monotonic()
        try:
            if not self.lease.acquire():
                return None
            status.update(catch_up(self.sources, budget=BUILD_BUDGET))
            if time.monotonic() >= self._next_check:
                status.update(self._check(status.get("repaired_total", 0)))
                self._next_check = time.monotonic() + CHECK_EVERY
            status.update(last_pass=datetime.now(UTC).isoformat(), pass_seconds=round(time.monotonic() - started, 3),
                          last_error=None)
        except Exception as e:  # a database away: the readers fall back to raw rows outside the covered range
            status.update(last_error=" ".join(str(getattr(e, "orig", None) or e).split())[:300])
            log.warning("history aggregates: %s", status["last_error"])
        self.cache.set(STATUS_KEY, status, timeout=0)
        return status

    def _check(self, repaired_before: int) -> dict:
        """The next older day back from the recent window (wrapping to the newest at the start of the history)."""
        span = self.sources.intervals.covered()
        if span is None:
            return {}
        newest = span.end - int(RECENT.total_seconds() // GRID)
        cursor = self._check_cursor if self._check_cursor is not None else newest
        cursor -= DAY_BINS
        if cursor < span.first:
            cursor = newest - DAY_BINS
        self._check_cursor = cursor
        if cursor < span.first:
            return {}
        repaired = check_day(self.sources, cursor)
        if repaired:
            log.warning("history aggregates of %s disagreed with the raw rows in %d intervals: repaired",
                        bin_time(cursor).date(), repaired)
        return {"last_check_day": bin_time(cursor).date().isoformat(), "last_check_repaired": repaired,
                "repaired_total": int(repaired_before) + repaired}

    def start(self) -> HistoryKeeper:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._thread.stop(timeout=30)
