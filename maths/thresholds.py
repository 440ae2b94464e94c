"""Tile levels: ok / warn / alert from a value and a configured rule."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ThresholdRule:
    """`warn` and `alert` are the values at which the level changes.

    With `higher_is_better` a value below `warn` warns and below `alert` alerts
    (service level); otherwise above `warn` warns and above `alert` alerts (waiting calls).
    """

    warn: float
    alert: float
    higher_is_better: bool


def level(value: float | None, rule: ThresholdRule | None) -> str:
    """The level of a value; a missing value or rule is `ok` (nothing to alarm about)."""
    if value is None or rule is None:
        return "ok"
    if rule.higher_is_better:
        return "alert" if value < rule.alert else "warn" if value < rule.warn else "ok"
    return "alert" if value > rule.alert else "warn" if value > rule.warn else "ok"


#: The wall's tiles (CONTRACT section 5), in the order the wall shows them; alert rules name one of these.
WALL_TILES: tuple[str, ...] = (
    "service_level", "calls_waiting", "longest_wait", "asa", "abandon_rate", "connection_rate",
    "agents_available", "agents_on_call", "agents_wrap_up", "agents_not_ready", "required_agents", "csat",
    "complaints_due_soon", "complaints_overdue")
