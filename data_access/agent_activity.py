"""What agents did over a period: their state spans (timelines, logged-in time) and their surveys.

Bounded by the period asked for (plus the state in force at its start, looked up at
most `LOOKBACK` earlier), so the cost never grows with years of history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, func, select

from wallboard.data_access.live_queries import LOOKBACK
from wallboard.data_access.schema import agent_states, agents, surveys


@dataclass(frozen=True)
class StateSpan:
    """One state of one agent, clipped to the period asked for (naive UTC)."""

    agent_id: str
    state: str
    reason: str | None
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def _agent_filter(site: str | None, skill_group: str | None, agent_id: str | None) -> list:
    s = agent_states.c
    where = []
    if agent_id is not None:
        where.append(s.agent_id == agent_id)
    if site is not None:
        where.append(s.site == site)
    if skill_group is not None:
        where.append(s.agent_id.in_(select(agents.c.agent_id).where(agents.c.skill_group == skill_group)))
    return where


def state_spans(conn: Connection, start: datetime, end: datetime, *, site: str | None = None,
                skill_group: str | None = None, agent_id: str | None = None) -> list[StateSpan]:
    """Every state span overlapping [start, end), per agent in time order; a span lasts until the next row.

    The state in force at `start` counts from `start`; the last span ends at `end` (or
    at the last row, whichever is later, never beyond `end`). Skill group = the agent's
    primary group in the `agents` table.
    """
    s = agent_states.c
    where = _agent_filter(site, skill_group, agent_id)
    in_force = (select(s.agent_id, func.max(s.started_at).label("started_at"))
                .where(s.started_at >= start - LOOKBACK, s.started_at < start, *where)
                .group_by(s.agent_id).subquery())
    columns = (s.agent_id, s.state, s.reason, s.started_at)
    before = conn.execute(select(*columns).join(
        in_force, and_(in_force.c.agent_id == s.agent_id, in_force.c.started_at == s.started_at))).all()
    during = conn.execute(select(*columns).where(s.started_at >= start, s.started_at < end, *where)).all()
    rows = sorted(before + during, key=lambda r: (r[0], r[3]))
    spans = []
    for i, (agent, state, reason, started) in enumerate(rows):
        following = rows[i + 1] if i + 1 < len(rows) and rows[i + 1][0] == agent else None
        stop = min(following[3] if following else end, end)
        begin = max(started, start)
        if stop > begin:
            spans.append(StateSpan(agent, state, reason, begin, stop))
    return spans


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
