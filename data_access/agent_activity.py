"""What agents did over a period: their state spans (timelines, logged-in time) and their surveys.

Bounded by the period asked for (plus the state in force at its start, looked up at
most `LOOKBACK` earlier), so the cost never grows with years of history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, func, select

from wallboard.data_access.kpi_queries import Scope
from wallboard.data_access.live_queries import LOOKBACK
from wallboard.data_access.schema import agent_states, agents, surveys
from wallboard.maths.kpi import StateTime


@dataclass(frozen=True)
class StateSpan:
    """One state of one agent, clipped to the period asked for (naive UTC)."""

    agent_id: str
    state: str
    reason: str | None
    start: datetime
    end: datetime
    site: str | None = None
    skill_group: str | None = None  # the agent's primary group (agents table)

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def _agent_filter(sites: Sequence[str] | None, exclude_sites: Sequence[str] | None, skill_group: str | None,
                  agent_id: str | None) -> list:
    s = agent_states.c
    where = []
    if agent_id is not None:
        where.append(s.agent_id == agent_id)
    if sites is not None:
        where.append(s.site.in_(list(sites)))
    if exclude_sites:
        where.append(s.site.not_in(list(exclude_sites)))
    if skill_group is not None:
        where.append(s.agent_id.in_(select(agents.c.agent_id).where(agents.c.skill_group == skill_group)))
    return where


def state_spans(conn: Connection, start: datetime, end: datetime, *, site: str | None = None,
                skill_group: str | None = None, agent_id: str | None = None,
                sites: Sequence[str] | None = None, exclude_sites: Sequence[str] | None = None) -> list[StateSpan]:
    """Every state span overlapping [start, end), per agent in time order; a span lasts until the next row.

    The state in force at `start` counts from `start`; the last span ends at `end`. A span
    never lasts longer than LOOKBACK (a state unchanged for days is stale data): so spans
    of [a, c) are exactly those of [a, b) and [b, c), which the history aggregates rely on.
    Skill group = the agent's primary group in the `agents` table.
    """
    s = agent_states.c
    where = _agent_filter([site] if site is not None else sites, exclude_sites, skill_group, agent_id)
    in_force = (select(s.agent_id, func.max(s.started_at).label("started_at"))
                .where(s.started_at >= start - LOOKBACK, s.started_at < start, *where)
                .group_by(s.agent_id).subquery())
    columns = (s.agent_id, s.state, s.reason, s.started_at, s.site, agents.c.skill_group)
    before = conn.execute(select(*columns).join(
        in_force, and_(in_force.c.agent_id == s.agent_id, in_force.c.started_at == s.started_at))
        .outerjoin(agents, agents.c.agent_id == s.agent_id)).all()
    during = conn.execute(select(*columns).outerjoin(agents, agents.c.agent_id == s.agent_id)
                          .where(s.started_at >= start, s.started_at < end, *where)).all()
    rows = sorted(before + during, key=lambda r: (r[0], r[3]))
    spans = []
    for i, (agent, state, reason, started, site_id, group) in enumerate(rows):
        following = rows[i + 1] if i + 1 < len(rows) and rows[i + 1][0] == agent else None
        stop = min(following[3] if following else end, end, started + LOOKBACK)  # older: stale, not a state
        begin = max(started, start)
        if stop > begin:
            spans.append(StateSpan(agent, state, reason, begin, stop, site_id, group))
    return spans


def state_time(conn: Connection, scope: Scope, group_by: Sequence[str] = (),
               bin_seconds: int | None = None) -> list[tuple[tuple, int | None, StateTime]]:
    """Agent seconds in each state but logged_out over the scope, shaped as `call_counts`' rows: per group
    (`site`, `skill_group`, `agent`, `state`, `reason`) and per bin of `bin_seconds` of UTC epoch time.

    What the history aggregates of agent time sum (intervals.py); logged-out time is not kept (a night of
    thousands of logged-out agents would be most of the rows and no figure reads it)."""
    totals: dict[tuple, float] = defaultdict(float)
    epoch = datetime(1970, 1, 1)
    for span in state_spans(conn, scope.start, scope.end, skill_group=scope.skill_group, agent_id=scope.agent_id,
                            sites=scope.sites, exclude_sites=scope.exclude_sites):
        if span.state == "logged_out":
            continue
        values = {"site": span.site, "skill_group": span.skill_group, "agent": span.agent_id, "state": span.state,
                  "reason": span.reason}
        key = tuple(values[g] for g in group_by)
        if not bin_seconds:
            totals[(key, None)] += span.seconds
            continue
        a, b = (span.start - epoch).total_seconds(), (span.end - epoch).total_seconds()
        for index in range(int(a // bin_seconds), int(-(-b // bin_seconds))):
            lo, hi = max(a, index * bin_seconds), min(b, (index + 1) * bin_seconds)
            if hi > lo:
                totals[(key, index)] += hi - lo
    return [(key, index, StateTime(seconds)) for (key, index), seconds in totals.items()]


def recent_surveys(conn: Connection, start: datetime, end: datetime, *, site: str | None = None,
                   skill_group: str | None = None, agent_id: str | None = None, limit: int = 20) -> list[dict]:
    """The latest surveys of the period (newest first), with their comments."""
    v = surveys.c
    stmt = (select(v.survey_id, v.call_id, v.site, v.skill_group, v.agent_id, v.submitted_at, v.score,
                   v.survey_type, v.comment)
            .where(v.submitted_at >= start, v.submitted_at < end)
            .order_by(v.submitted_at.desc()).limit(limit))
    for column, value in ((v.site, site), (v.skill_group, skill_group), (v.agent_id, agent_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    return [dict(r._mapping) for r in conn.execute(stmt)]


def agent_profile(conn: Connection, agent_id: str) -> dict | None:
    """The agent's name, site and primary skill group (None for an unknown agent)."""
    a = agents.c
    row = conn.execute(select(a.agent_id, a.agent_name, a.site, a.skill_group).where(a.agent_id == agent_id)).first()
    if row is not None:
        return dict(row._mapping)
    s = agent_states.c  # an agent seen in the state log only
    row = conn.execute(select(s.agent_id, s.site).where(s.agent_id == agent_id)
                       .order_by(s.started_at.desc()).limit(1)).first()
    return None if row is None else {"agent_id": row[0], "agent_name": row[0], "site": row[1], "skill_group": None}


def team_members(conn: Connection, site: str, skill_group: str | None) -> list[str]:
    """Agents of a site with the same primary skill group (an agent's team)."""
    a = agents.c
    stmt = select(a.agent_id).where(a.site == site)
    stmt = stmt.where(a.skill_group == skill_group) if skill_group is not None else stmt.where(a.skill_group.is_(None))
    return [r[0] for r in conn.execute(stmt)]
