"""Page-local timers: a page's live callbacks are driven by its own intervals, so they stop
when the page is left (no callbacks into components that are gone)."""

from __future__ import annotations

from dash import dcc


def page_timers(poll_id: str, tick_id: str, poll_seconds: float) -> list[dcc.Interval]:
    """A poll of the snapshot every poll interval and a one-second tick for clientside countdowns."""
    return [dcc.Interval(id=poll_id, interval=int(poll_seconds * 1000)), dcc.Interval(id=tick_id, interval=1000)]
