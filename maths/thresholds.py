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
