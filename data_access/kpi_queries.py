"""The KPI engine's SQL: calls and surveys aggregated into additive counts.

Every figure on every screen and in every export comes from `call_counts` and
`survey_counts`; rates are computed from the counts by `wallboard.maths.kpi`.
The database does the heavy lifting (rows → a handful of groups); when figures are
wanted by local day or hour, it groups by UTC bins of one hour (15 minutes for zones
with half-hour offsets) which Python then labels with the local day or hour: exact
across DST changes and the same SQL on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, case, func, literal, literal_column, or_, select
from sqlalchemy.sql.expression import ColumnElement

from wallboard.config import Config
from wallboard.data_access.schema import calls, surveys
from wallboard.data_access.sql_time import seconds_between, time_bin
from wallboard.maths.kpi import CallCounts, ServiceLevelSettings, SurveyCounts

GROUP_COLUMNS = {"site": "site", "skill_group": "skill_group", "agent": "agent_id"}


@dataclass(frozen=True)
class Scope:
    """Which rows: a UTC half-open period and optional site / skill-group / agent filters."""

    start: datetime  # naive UTC, inclusive
    end: datetime  # naive UTC, exclusive
    sites: Sequence[str] | None = None
    exclude_sites: Sequence[str] | None = None
    skill_group: str | None = None
    agent_id: str | None = None


def to_utc_naive(moment: datetime) -> datetime:
    """Aware datetime → the naive UTC value stored in the database."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def bin_start(index: int, width: int) -> datetime:
    """The aware UTC start of the bin `time_bin` numbered `index` (bins of `width` seconds since 1970)."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=index * width)


def bin_seconds_for(tz: str, start: datetime, end: datetime) -> int:
    """3600 when the zone's UTC offset stays a whole hour over the period, else 900."""
    zone = ZoneInfo(tz)
    moment = start.replace(tzinfo=UTC)
    stop = end.replace(tzinfo=UTC)
    while True:
        offset = moment.astimezone(zone).utcoffset() or timedelta(0)
        if offset.total_seconds() % 3600:
            return 900
        if moment >= stop:
            return 3600
        moment = min(moment + timedelta(hours=6), stop)


def _per_group(config: Config, attribute: str) -> ColumnElement:
    """A per-row setting (threshold or short-abandon seconds) chosen by the call's skill group."""
    default = getattr(config.default_settings, attribute)
    overrides = {g.id: getattr(g.settings, attribute) for g in config.skill_groups
                 if getattr(g.settings, attribute) != default}
    if not overrides:
        return literal(default)
    return case(overrides, value=calls.c.skill_group, else_=literal(default))


def _clamped(expr: ColumnElement) -> ColumnElement:
    """Negative intervals (clocks that disagree) count as 0, as the contract says."""
    return case((expr < 0, 0), else_=expr)


def _scope_filter(scope: Scope, site_col, group_col, agent_col) -> list:
    where = []
    if scope.sites is not None:
        where.append(site_col.in_(list(scope.sites)))
    if scope.exclude_sites:
        where.append(site_col.not_in(list(scope.exclude_sites)))
    if scope.skill_group is not None:
        where.append(group_col == scope.skill_group)
    if scope.agent_id is not None:
        where.append(agent_col == scope.agent_id)
    return where


def call_counts(conn: Connection, config: Config, scope: Scope, group_by: Sequence[str] = (),
                bin_seconds: int | None = None) -> list[tuple[tuple, int | None, CallCounts]]:
    """Aggregate inbound calls of the scope: one `CallCounts` per group (and UTC bin).

    A call belongs to the period of its `queued_at` (an IVR-only call: `arrived_at`).
    Returns `(group values, bin index or None, counts)` rows.
    """
    c = calls.c
    queued = c.queued_at.is_not(None)
    answered = and_(queued, c.answered_at.is_not(None))
    abandoned = and_(queued, c.answered_at.is_(None), c.ended_at.is_not(None))
    offered = or_(answered, abandoned)
    wait = _clamped(case((c.answered_at.is_not(None), seconds_between(c.queued_at, c.answered_at)),
                         else_=seconds_between(c.queued_at, c.ended_at)))
    threshold = _per_group(config, "threshold_seconds")
    short_limit = _per_group(config, "short_abandon_seconds")
    ended_answered = and_(answered, c.ended_at.is_not(None))
    talk = _clamped(seconds_between(c.answered_at, c.ended_at))
    wrap = func.coalesce(_clamped(c.wrap_up_seconds), 0)

    def count(cond) -> ColumnElement:
        return func.sum(case((cond, 1), else_=0))

    measures = [
        count(offered), count(answered), count(abandoned),
        count(and_(abandoned, wait < short_limit)),
        count(and_(answered, wait <= threshold)),
        count(and_(abandoned, wait <= threshold)),
        func.sum(case((answered, wait), else_=0)),
        func.max(case((offered, wait), else_=None)),
        count(ended_answered),
        func.sum(case((ended_answered, talk), else_=0)),
        func.sum(case((ended_answered, talk + wrap), else_=0)),
        count(and_(answered, c.transferred == 1)),
        count(c.queued_at.is_(None)),
        count(c.quality_flags != 0),
    ]
    groups = [getattr(c, GROUP_COLUMNS[g]) for g in group_by]
    if bin_seconds:
        period_ts = case((queued, c.queued_at), else_=c.arrived_at)
        groups.append(time_bin(period_ts, literal_column(str(int(bin_seconds)))))
    in_period = or_(and_(c.queued_at >= scope.start, c.queued_at < scope.end),
                    and_(c.queued_at.is_(None), c.arrived_at >= scope.start, c.arrived_at < scope.end))
    stmt = (select(*groups, *measures)
            .where(in_period, c.direction == "inbound",
                   *_scope_filter(scope, c.site, c.skill_group, c.agent_id))
            .group_by(*groups))
    out = []
    n = len(group_by)
    for row in conn.execute(stmt):
        key = tuple(row[:n])
        b = int(row[n]) if bin_seconds else None
        m = row[n + (1 if bin_seconds else 0):]
        out.append((key, b, CallCounts(
            offered=int(m[0] or 0), answered=int(m[1] or 0), abandoned=int(m[2] or 0),
            short_abandoned=int(m[3] or 0), answered_within_threshold=int(m[4] or 0),
            abandoned_within_threshold=int(m[5] or 0), answered_wait_sum=float(m[6] or 0),
            max_wait=None if m[7] is None else float(m[7]), ended_answered=int(m[8] or 0),
            talk_sum=float(m[9] or 0), handle_sum=float(m[10] or 0), transferred=int(m[11] or 0),
            ivr_only=int(m[12] or 0), flagged=int(m[13] or 0))))
    return out


def survey_counts(conn: Connection, scope: Scope, group_by: Sequence[str] = (),
                  bin_seconds: int | None = None) -> list[tuple[tuple, int | None, SurveyCounts]]:
    """Aggregate surveys submitted in the scope's period (same shape as `call_counts`)."""
    s = surveys.c
    groups = [getattr(s, GROUP_COLUMNS[g]) for g in group_by]
    if bin_seconds:
        groups.append(time_bin(s.submitted_at, literal_column(str(int(bin_seconds)))))
    stmt = (select(*groups, func.count(), func.sum(s.score), func.sum(case((s.score >= 4, 1), else_=0)))
            .where(s.submitted_at >= scope.start, s.submitted_at < scope.end,
                   s.score >= 1, s.score <= 5,  # a score outside 1..5 is bad source data: left out (data-quality panel)
                   *_scope_filter(scope, s.site, s.skill_group, s.agent_id))
            .group_by(*groups))
    n = len(group_by)
    out = []
    for row in conn.execute(stmt):
        b = int(row[n]) if bin_seconds else None
        m = row[n + (1 if bin_seconds else 0):]
        out.append((tuple(row[:n]), b, SurveyCounts(int(m[0] or 0), float(m[1] or 0), int(m[2] or 0))))
    return out


def settings_for_key(config: Config, by: str, key: str | None, skill_group: str | None) -> ServiceLevelSettings:
    """The settings a row is measured with: its own skill group's, else the filter's, else the default."""
    if by == "skill_group" and key:
        return config.settings_for(key)
    return config.settings_for(skill_group)
