"""Live figures (CONTRACT section 3, "live only"): the queue now and the agents now.

Every query is bounded by time (the last two days at most) so that its cost does not
grow with years of history in the call table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, func, or_, select

from wallboard.data_access.schema import agent_states, agents, calls

LOOKBACK = timedelta(days=2)  # an agent state older than this is stale data
# A call "waiting" longer than this lost its exit event (a queue_log without ABANDON, an ACD
# restart): it is not shown as waiting, where it would pin the longest-wait tile for days.
QUEUE_LOOKBACK = timedelta(hours=4)
OCCUPANCY_WINDOW = timedelta(minutes=30)
Row = tuple  # a state row: (agent_id, agent_name, site, skill_group, state, reason, started_at)


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


def talking_calls(conn: Connection, now: datetime) -> dict[str, datetime]:
    """When each agent's current call was answered (answered, not ended), for the agent board's call timer: an
    inbound call by its queue entry, an outbound one (a call-back: no queue) by its start."""
    c = calls.c
    recent = or_(c.queued_at >= now - QUEUE_LOOKBACK, and_(c.queued_at.is_(None), c.arrived_at >= now - QUEUE_LOOKBACK))
    stmt = (select(c.agent_id, func.max(c.answered_at))
            .where(c.ended_at.is_(None), recent, c.answered_at <= now, c.agent_id.is_not(None))
            .group_by(c.agent_id))
    return {agent: answered for agent, answered in conn.execute(stmt)}


FULL_READ_EVERY = timedelta(minutes=5)  # a deleted or rewritten older state row shows within this
LATE_ROWS = timedelta(minutes=2)  # a state row committed up to this late is still caught by the next poll


@dataclass
class AgentTimeline:
    """Each agent's state rows from the one in force at the occupancy window's start to now, kept by the poller
    between polls: a poll reads only the rows since the last one (a few), never every agent's latest row again
    (a group-by over two days of state rows: most of a 600-site poll). Read whole every FULL_READ_EVERY."""

    rows: dict[str, list[Row]]  # per agent, oldest first: (agent_id, name, site, skill_group, state, reason, at)
    read_to: datetime
    full_at: datetime

    def agents_now(self, now: datetime) -> list[AgentNow]:
        """Each agent's latest state row at `now` (within the lookback), with its primary skill group."""
        out = []
        for rows in self.rows.values():
            current = [r for r in rows if r[6] <= now]
            if current and current[-1][6] >= now - LOOKBACK:
                out.append(AgentNow(*current[-1]))
        return out

    def state_seconds(self, now: datetime,
                      window: timedelta = OCCUPANCY_WINDOW) -> dict[tuple[str, str | None], StateSeconds]:
        """Seconds in each state during [now − window, now] by (site, skill group), for occupancy.

        A state lasts until the agent's next state row (or now); the row in force at the
        window's start counts from the window's start.
        """
        start = now - window
        out: dict[tuple[str, str | None], StateSeconds] = defaultdict(StateSeconds)
        for rows in self.rows.values():
            rows = [r for r in rows if now - LOOKBACK <= r[6] <= now]
            for i, (_, _, site, group, state, _, started) in enumerate(rows):
                ends = rows[i + 1][6] if i + 1 < len(rows) else now
                overlap = (min(ends, now) - max(started, start)).total_seconds()
                if overlap > 0:
                    out[(site, group)].seconds[state] += overlap
        return out


def agent_timeline(conn: Connection, now: datetime, memo: dict | None = None,
                   window: timedelta = OCCUPANCY_WINDOW) -> AgentTimeline:
    """The agents' state rows for `agents_now` and `state_seconds` (see AgentTimeline); `memo` is the poller's."""
    s = agent_states.c
    columns = (s.agent_id, agents.c.agent_name, s.site, agents.c.skill_group, s.state, s.reason, s.started_at)
    start = now - window
    kept = memo.get("agent_timeline") if memo is not None else None
    if kept is None or now - kept.full_at >= FULL_READ_EVERY or now < kept.read_to:
        in_force = (select(s.agent_id, func.max(s.started_at).label("started_at"))
                    .where(s.started_at >= now - LOOKBACK, s.started_at < start)
                    .group_by(s.agent_id).subquery())
        before = conn.execute(
            select(*columns)
            .join(in_force, and_(in_force.c.agent_id == s.agent_id, in_force.c.started_at == s.started_at))
            .outerjoin(agents, agents.c.agent_id == s.agent_id)).all()
        during = conn.execute(select(*columns).outerjoin(agents, agents.c.agent_id == s.agent_id)
                              .where(s.started_at >= start, s.started_at <= now)).all()
        rows: dict[str, list] = defaultdict(list)
        for row in sorted(before + during, key=lambda r: r[6]):
            rows[row[0]].append(tuple(row))
        timeline = AgentTimeline(dict(rows), now, now)
    else:
        fresh = conn.execute(select(*columns).outerjoin(agents, agents.c.agent_id == s.agent_id)
                             .where(s.started_at > kept.read_to - LATE_ROWS, s.started_at <= now)).all()
        rows = kept.rows  # the poller's own: updated in place
        for row in fresh:
            by_time = {r[6]: r for r in rows.get(row[0], [])}
            by_time[row[6]] = tuple(row)  # a row seen again replaces itself (it may have been rewritten)
            rows[row[0]] = [by_time[t] for t in sorted(by_time)]
        for agent, agent_rows in rows.items():  # keep the row in force at the window's start and what follows
            if len(agent_rows) > 1 and agent_rows[1][6] <= start:
                rows[agent] = agent_rows[max(i for i, r in enumerate(agent_rows) if r[6] <= start):]
        timeline = AgentTimeline(rows, now, kept.full_at)
    if memo is not None:
        memo["agent_timeline"] = timeline
    return timeline


def agents_now(conn: Connection, now: datetime) -> list[AgentNow]:
    """Each agent's latest state row (within the lookback), with its primary skill group."""
    return agent_timeline(conn, now).agents_now(now)


def state_seconds(conn: Connection, now: datetime,
                  window: timedelta = OCCUPANCY_WINDOW) -> dict[tuple[str, str | None], StateSeconds]:
    """Seconds in each state during [now − window, now] by (site, skill group), for occupancy."""
    return agent_timeline(conn, now, window=window).state_seconds(now, window)
