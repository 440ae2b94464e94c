"""Two survey queries the KPI engine does not make: the spread of scores (Σ score², for a mean's confidence
band) by any grouping including survey type, and the latest comments."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, case, func, literal_column, select

from wallboard.data_access.kpi_queries import Scope, bin_seconds_for, bin_start, to_utc_naive
from wallboard.data_access.kpi_report import Period, zone_plan
from wallboard.data_access.schema import surveys
from wallboard.data_access.sources import Sources
from wallboard.data_access.sql_time import time_bin

SURVEY_GROUPS = {"site": "site", "skill_group": "skill_group", "agent": "agent_id", "survey_type": "survey_type"}


@dataclass(frozen=True)
class ScoreStats:
    """n, Σ score, Σ score² and the top-2-box count of a set of surveys."""

    n: int = 0
    total: float = 0.0
    total_sq: float = 0.0
    top2: int = 0

    def __add__(self, other: ScoreStats) -> ScoreStats:
        return ScoreStats(self.n + other.n, self.total + other.total, self.total_sq + other.total_sq,
                          self.top2 + other.top2)


def score_stats(sources: Sources, start: Period, end: Period, by: str | None = None,
                by_day: bool = False, site: str | None = None, timezone: str | None = None) -> dict:
    """Surveys of a local period as `ScoreStats` keyed by (group value or None, local day or None).

    The engine's own zone plan and scope, so n, Σ and top-2 equal `kpi_report`'s; `by` may also
    be `survey_type`, which the engine does not group by.
    """
    tickets_engine, config = sources.tickets, sources.config
    s = surveys.c
    out: dict[tuple, ScoreStats] = defaultdict(ScoreStats)
    for zone, include, exclude in zone_plan(config, timezone, site):
        lo, hi = start.in_zone(zone), end.in_zone(zone)
        scope = Scope(start=to_utc_naive(lo), end=to_utc_naive(hi), sites=include, exclude_sites=exclude)
        groups = [getattr(s, SURVEY_GROUPS[by])] if by else []
        width = bin_seconds_for(zone, scope.start, scope.end) if by_day else None
        if width:
            groups.append(time_bin(s.submitted_at, literal_column(str(width))))
        where = [s.submitted_at >= scope.start, s.submitted_at < scope.end]
        if include is not None:
            where.append(s.site.in_(include))
        if exclude:
            where.append(s.site.not_in(exclude))
        stmt = (select(*groups, func.count(), func.sum(s.score), func.sum(s.score * s.score),
                       func.sum(case((s.score >= 4, 1), else_=0))).where(and_(*where)).group_by(*groups))
        zone_info = ZoneInfo(zone)
        with tickets_engine.connect() as conn:
            for row in conn.execute(stmt):
                g = row[0] if by else None
                day = bin_start(int(row[len(groups) - 1]), width).astimezone(zone_info).strftime("%Y-%m-%d") \
                    if width else None
                m = row[len(groups):]
                out[(g, day)] += ScoreStats(int(m[0] or 0), float(m[1] or 0), float(m[2] or 0), int(m[3] or 0))
    return dict(out)


def latest_comments(tickets_engine: Engine, limit: int = 25, site: str | None = None,
                    before: datetime | None = None) -> list[dict]:
    """The newest surveys with a comment (time as naive UTC, as stored)."""
    s = surveys.c
    stmt = select(s.submitted_at, s.site, s.skill_group, s.agent_id, s.survey_type, s.score, s.comment).where(
        s.comment.is_not(None), s.comment != "")
    if site:
        stmt = stmt.where(s.site == site)
    if before is not None:
        stmt = stmt.where(s.submitted_at < to_utc_naive(before))
    stmt = stmt.order_by(s.submitted_at.desc()).limit(limit)
    with tickets_engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]
