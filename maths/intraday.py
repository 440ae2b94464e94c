"""The intraday chart's half-hour slots of a local day, shared by the snapshot that fills them and the chart."""

from __future__ import annotations

SLOT_MINUTES = 30
SLOTS = [f"{h:02d}:{m:02d}" for h in range(24) for m in range(0, 60, SLOT_MINUTES)]


def slot_index(hour: int, minute: int) -> int:
    """The slot of a local wall-clock time (09:47 → the 09:30 slot, index 19)."""
    return (hour * 60 + minute) // SLOT_MINUTES
