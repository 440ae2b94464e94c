"""KPI formulas (CONTRACT section 3): figures from additive counts.

The database aggregates calls into `CallCounts` (sums and counts only, so that counts of
15-minute bins, sites or skill groups can be added up exactly); every rate shown anywhere
is computed from them here, once.
"""

from __future__ import annotations

from dataclasses import dataclass

FORMULAS = ("abandons_against", "ignore_abandons", "abandons_in_favour")
AGENT_STATES = ("available", "on_call", "wrap_up", "not_ready", "logged_out")  # CONTRACT section 2, agent_states


@dataclass(frozen=True)
class ServiceLevelSettings:
    """How a skill group's service level is measured (contract defaults)."""

    threshold_seconds: float = 20
    target: float = 0.8
    formula: str = "abandons_against"
    short_abandon_seconds: float = 5


@dataclass(frozen=True)
class CallCounts:
    """Additive aggregates of a set of calls; `+` merges two sets."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    answered_within_threshold: int = 0
    abandoned_within_threshold: int = 0
    answered_wait_sum: float = 0.0
    max_wait: float | None = None
    ended_answered: int = 0
    talk_sum: float = 0.0
    handle_sum: float = 0.0
    transferred: int = 0
    ivr_only: int = 0
    flagged: int = 0

    def __add__(self, other: CallCounts) -> CallCounts:
        # Field by field, spelled out: a 600-site poll adds tens of thousands of these (a generic getattr loop
        # was a third of its time). tests/maths/test_kpi_counts.py checks that every field is added.
        a, b = self.max_wait, other.max_wait
        return CallCounts(
            self.offered + other.offered, self.answered + other.answered, self.abandoned + other.abandoned,
            self.short_abandoned + other.short_abandoned,
            self.answered_within_threshold + other.answered_within_threshold,
            self.abandoned_within_threshold + other.abandoned_within_threshold,
            self.answered_wait_sum + other.answered_wait_sum, b if a is None else a if b is None else max(a, b),
            self.ended_answered + other.ended_answered, self.talk_sum + other.talk_sum,
            self.handle_sum + other.handle_sum, self.transferred + other.transferred, self.ivr_only + other.ivr_only,
            self.flagged + other.flagged)


@dataclass(frozen=True)
class SurveyCounts:
    surveys: int = 0
    score_sum: float = 0.0
    top2: int = 0

    def __add__(self, other: SurveyCounts) -> SurveyCounts:
        return SurveyCounts(self.surveys + other.surveys, self.score_sum + other.score_sum, self.top2 + other.top2)


@dataclass(frozen=True)
class StateTime:
    """Agent seconds in one state (and not-ready reason): additive like the call counts."""

    seconds: float = 0.0

    def __add__(self, other: StateTime) -> StateTime:
        return StateTime(self.seconds + other.seconds)


def ratio(numerator: float, denominator: float) -> float | None:
    """A rate, or None where the denominator is 0 (never a division error on an empty period)."""
    return numerator / denominator if denominator else None


def service_level(c: CallCounts, formula: str = "abandons_against") -> float | None:
    """Share of calls answered in time, by one of the three industry formulas."""
    if formula == "abandons_against":
        return ratio(c.answered_within_threshold, c.offered - c.short_abandoned)
    if formula == "ignore_abandons":
        return ratio(c.answered_within_threshold, c.answered)
    if formula == "abandons_in_favour":
        return ratio(c.answered_within_threshold + c.abandoned_within_threshold - c.short_abandoned,
                     c.offered - c.short_abandoned)
    raise ValueError(f"unknown service-level formula {formula!r}; expected one of {', '.join(FORMULAS)}")


def call_figures(c: CallCounts, formula: str = "abandons_against") -> dict[str, float | int | None]:
    """The contract's per-row call figures, in the contract's order."""
    return {
        "offered": c.offered,
        "answered": c.answered,
        "abandoned": c.abandoned,
        "short_abandoned": c.short_abandoned,
        "answered_within_threshold": c.answered_within_threshold,
        "service_level": service_level(c, formula),
        "abandon_rate": ratio(c.abandoned - c.short_abandoned, c.offered - c.short_abandoned),
        "connection_rate": ratio(c.answered, c.offered),
        "asa_seconds": ratio(c.answered_wait_sum, c.answered),
        "max_wait_seconds": c.max_wait,
        "talk_seconds_avg": ratio(c.talk_sum, c.ended_answered),
        "aht_seconds": ratio(c.handle_sum, c.ended_answered),
        "transfer_rate": ratio(c.transferred, c.answered),
        "ivr_only": c.ivr_only,
    }


def survey_figures(s: SurveyCounts) -> dict[str, float | int | None]:
    return {"surveys": s.surveys, "csat_mean": ratio(s.score_sum, s.surveys), "csat_top2": ratio(s.top2, s.surveys)}


def occupancy(busy_seconds: float, available_seconds: float) -> float | None:
    """(on call + wrap-up) / (on call + wrap-up + available) over a window."""
    return ratio(busy_seconds, busy_seconds + available_seconds)
