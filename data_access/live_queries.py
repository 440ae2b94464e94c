"""Live figures (CONTRACT section 3, "live only"): the queue now and the agents now.

Every query is bounded by time (the last two days at most) so that its cost does not
grow with years of history in the call table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, func, select

from wallboard.data_access.schema import agent_states, agents, calls

LOOKBACK = timedelta(days=2)  # an agent state older than this is stale data
# A call "waiting" longer than this lost its exit event (a queue_log without ABANDON, an ACD
# restart): it is not shown as waiting, where it would pin the longest-wait tile for days.
QUEUE_LOOKBACK = timedelta(hours=4)
OCCUPANCY_WINDOW = timedelta(minutes=30)


@dataclass
class QueueNow:
    waiting: int = 0
    oldest_queued_at: datetime | None = None  # naive UTC


@dataclass
class AgentNow:
    agent_id: str
    agent_name: str | None
    site: str
    skill_group: str | None
    state: str
    reason: str | None
    since: datetime  # naive UTC


@dataclass
class StateSeconds:
    """Seconds spent per state in the occupancy window, for one site / skill group."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))


def queue_now(conn: Connection, now: datetime) -> dict[tuple[str, str | None], QueueNow]:
    """Calls waiting (queued, not answered, not ended) by (site, skill group)."""
    c = calls.c
    stmt = (select(c.site, c.skill_group, func.count(), func.min(c.queued_at))
            .where(c.ended_at.is_(None), c.queued_at >= now - QUEUE_LOOKBACK, c.queued_at <= now,
                   c.answered_at.is_(None), c.direction == "inbound")
            .group_by(c.site, c.skill_group))
    return {(site, group): QueueNow(int(n), oldest) for site, group, n, oldest in conn.execute(stmt)}


def waiting_calls(conn: Connection, now: datetime, site: str | None = None, limit: int = 200) -> list[dict]:
    """The waiting calls themselves, oldest first (for queue pages)."""
    c = calls.c
    stmt = (select(c.call_id, c.site, c.skill_group, c.queued_at)
            .where(c.ended_at.is_(None), c.queued_at >= now - QUEUE_LOOKBACK, c.queued_at <= now,
                   c.answered_at.is_(None), c.direction == "inbound")
            .order_by(c.queued_at).limit(limit))
    if site:
        stmt = stmt.where(c.site == site)
    return [dict(r._mapping) for r in conn.execute(stmt)]


def agents_now(conn: Connection, now: datetime) -> list[AgentNow]:
    """Each agent's latest state row (within the lookback), with its primary skill group."""
    s = agent_states.c
    latest = (select(s.agent_id, func.max(s.started_at).label("started_at"))
              .where(s.started_at >= now - LOOKBACK, s.started_at <= now)
              .group_by(s.agent_id).subquery())
    stmt = (select(s.agent_id, agents.c.agent_name, s.site, agents.c.skill_group, s.state, s.reason, s.started_at)
            .join(latest, and_(latest.c.agent_id == s.agent_id, latest.c.started_at == s.started_at))
            .outerjoin(agents, agents.c.agent_id == s.agent_id))
    return [AgentNow(*row) for row in conn.execute(stmt)]


def state_seconds(conn: Connection, now: datetime,
                  window: timedelta = OCCUPANCY_WINDOW) -> dict[tuple[str, str | None], StateSeconds]:
    """Seconds in each state during [now − window, now] by (site, skill group), for occupancy.

    A state lasts until the agent's next state row (or now); the row in force at the
    window's start counts from the window's start.
    """
    s = agent_states.c
    start = now - window
    columns = (s.agent_id, s.site, agents.c.skill_group, s.state, s.started_at)
    in_force = (select(s.agent_id, func.max(s.started_at).label("started_at"))
                .where(s.started_at >= now - LOOKBACK, s.started_at < start)
                .group_by(s.agent_id).subquery())
    before = conn.execute(
        select(*columns)
        .join(in_force, and_(in_force.c.agent_id == s.agent_id, in_force.c.started_at == s.started_at))
        .outerjoin(agents, agents.c.agent_id == s.agent_id)).all()
    during = conn.execute(
        select(*columns).outerjoin(agents, agents.c.agent_id == s.agent_id)
        .where(s.started_at >= start, s.started_at <= now)).all()
    rows = sorted(before + during, key=lambda r: (r[0], r[4]))
    out: dict[tuple[str, str | None], StateSeconds] = defaultdict(StateSeconds)
    for i, (agent_id, site, group, state, started) in enumerate(rows):
        following = rows[i + 1] if i + 1 < len(rows) else None
        ends = following[4] if following is not None and following[0] == agent_id else now
        overlap = (min(ends, now) - max(started, start)).total_seconds()
        if overlap > 0:
            out[(site, group)].seconds[state] += overlap
    return out
