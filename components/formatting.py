"""How figures are written on screen: one place for units, decimals and missing values."""

from __future__ import annotations

from datetime import UTC, datetime

MISSING = "—"


def percent(value: float | None, decimals: int = 1) -> str:
    """87.5%; exactly 100 % without decimals (it fits a wall tile, where "100.0%" would not)."""
    if value is None:
        return MISSING
    return "100%" if value >= 1 else f"{100 * value:.{decimals}f}%"


def seconds(value: float | None) -> str:
    """12s under a minute, m:ss above, h:mm:ss above an hour."""
    if value is None:
        return MISSING
    total = max(0, int(round(value)))
    if total < 60:
        return f"{total}s"
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def countdown(value: float | None) -> str:
    """Time left to a deadline, as the browser ticks it: "-04:54:27" under a day, "3d 07h" above.

    Written by the server when a list is rendered, then ticked by assets/wallboard/live.js.
    """
    if value is None:
        return MISSING
    sign = "-" if value < 0 else ""
    total = abs(int(round(value)))
    days, rest = divmod(total, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    return f"{sign}{days}d {h:02d}h" if days else f"{sign}{h:02d}:{m:02d}:{s:02d}"


def seconds_since(iso: str | None, now: datetime | None = None) -> float | None:
    if not iso:
        return None
    return ((now or datetime.now(UTC)) - datetime.fromisoformat(iso)).total_seconds()


def count(value: float | None) -> str:
    return MISSING if value is None else f"{int(value):,}"


def score(value: float | None) -> str:
    return MISSING if value is None else f"{value:.2f}"


FORMATS = {"percent": percent, "seconds": seconds, "count": count, "score": score}


def format_value(value: float | None, kind: str) -> str:
    return FORMATS[kind](value)
