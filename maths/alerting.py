"""When an alert rule speaks: the life of one rule in one scope, poll after poll (CONTRACT section 8).

A rule is *active* while its tile is at (or beyond) the rule's level. It fires once it has been active for
`for_seconds` without a break, reminds every `repeat_seconds` while it lasts, and recovers once it has been
clear for `recover_seconds` without a break. Both holds are the hysteresis: a value flapping around its
threshold neither fires (each visit is shorter than `for_seconds`) nor recovers and re-fires (each dip is
shorter than `recover_seconds`), so a floor lead gets one message, not one per flap.

Pure: times in, state and event out; the caller keeps the state (alerts/ stores it in the app database).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time

FIRE, REMIND, RECOVER = "fire", "remind", "recover"
LEVELS = ("warn", "alert")


@dataclass(frozen=True)
class Condition:
    """What is remembered of one rule in one scope between polls."""

    since: datetime | None = None  # when this episode became active
    firing: bool = False
    clear_since: datetime | None = None  # while firing: when it was last seen clear (None = active)
    reminded_at: datetime | None = None  # while firing: the last fire or reminder


def reaches(level: str, rule_level: str) -> bool:
    """A tile at `level` (ok / warn / alert) reaches a rule's level: "warn" rules also count alerts."""
    return LEVELS.index(rule_level) <= LEVELS.index(level) if level in LEVELS else False


def step(state: Condition, active: bool, now: datetime, for_seconds: float, recover_seconds: float,
         repeat_seconds: float | None) -> tuple[Condition, str | None]:
    """The next state and the event (FIRE, REMIND, RECOVER or None) after seeing the rule (in)active at `now`."""
    if not state.firing:
        if not active:
            return Condition(), None
        since = state.since or now
        if (now - since).total_seconds() >= for_seconds:
            return Condition(since=since, firing=True, reminded_at=now), FIRE
        return Condition(since=since), None
    if active:
        state = replace(state, clear_since=None)
        if repeat_seconds and (now - state.reminded_at).total_seconds() >= repeat_seconds:
            return replace(state, reminded_at=now), REMIND
        return state, None
    clear_since = state.clear_since or now
    if (now - clear_since).total_seconds() >= recover_seconds:
        return Condition(), RECOVER
    return replace(state, clear_since=clear_since), None


def parse_quiet_hours(text: str) -> tuple[time, time]:
    """"22:00-07:00" -> (22:00, 07:00); ValueError for anything else."""
    start, sep, end = text.partition("-")
    if not sep:
        raise ValueError(f"expected HH:MM-HH:MM, got {text!r}")
    try:
        return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    except ValueError:
        raise ValueError(f"expected HH:MM-HH:MM, got {text!r}") from None


def in_quiet_hours(local: time, quiet: tuple[time, time] | None) -> bool:
    """Whether a local time of day lies in the quiet hours (which may run over midnight); start inclusive."""
    if quiet is None:
        return False
    start, end = quiet
    if start <= end:
        return start <= local < end
    return local >= start or local < end
