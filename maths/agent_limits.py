"""How long an agent may stay in a state before the floor should look: per state, and per not-ready reason.

A team lead reads the agent board for who is on break too long or stuck in wrap-up; a cell turns warn, then
alert, as its time in state passes the limits below (`[agent_limits.<state>]`, `[agent_limits.reasons.<reason>]`
in the config). The browser applies the same two numbers every second, so a cell changes level between polls.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: States an agent on shift can be in (CONTRACT section 2), in the board's order within a level.
BOARD_STATES = ("not_ready", "wrap_up", "on_call", "available")
LEVEL_RANK = {"alert": 0, "warn": 1, "ok": 2}


@dataclass(frozen=True)
class StateLimit:
    """Seconds in a state at which a cell warns and alerts (alert ≥ warn)."""

    warn: float
    alert: float


DEFAULT_STATE_LIMITS: dict[str, StateLimit] = {
    "not_ready": StateLimit(warn=600, alert=900),  # a break of 10 min is noticed, of 15 min acted on
    "wrap_up": StateLimit(warn=120, alert=180),  # after-call work longer than 2 min is the usual coaching point
    "on_call": StateLimit(warn=900, alert=1800),  # a 15-minute call may need a supervisor
}


@dataclass(frozen=True)
class AgentLimits:
    states: dict[str, StateLimit] = field(default_factory=lambda: dict(DEFAULT_STATE_LIMITS))
    reasons: dict[str, StateLimit] = field(default_factory=dict)  # not-ready reasons' own limits

    def limit_for(self, state: str, reason: str | None = None) -> StateLimit | None:
        """The limit of a state; a not-ready reason with its own limit uses that one."""
        if state == "not_ready" and reason and reason in self.reasons:
            return self.reasons[reason]
        return self.states.get(state)


def agent_level(seconds: float, limit: StateLimit | None) -> str:
    """ok / warn / alert of a time in state; a state without a limit is always ok."""
    if limit is None:
        return "ok"
    return "alert" if seconds >= limit.alert else "warn" if seconds >= limit.warn else "ok"


def board_order(seconds: float, state: str, limit: StateLimit | None) -> tuple:
    """Sort key of the agent board: problems first (alert, then warn), the furthest over its limit first, then by
    state and the longest in it."""
    lvl = agent_level(seconds, limit)
    over = seconds / limit.warn if limit and limit.warn > 0 else 0.0
    rank = BOARD_STATES.index(state) if state in BOARD_STATES else len(BOARD_STATES)
    return LEVEL_RANK[lvl], -over if lvl != "ok" else 0.0, rank, -seconds
