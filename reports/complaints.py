"""Complaint figures over a period: how often each stage of the manual's policy was done on time."""

from __future__ import annotations

from datetime import datetime, timedelta

from wallboard.data_access.complaints import received_between, site_calendar
from wallboard.data_access.sources import Sources
from wallboard.maths.deadlines import STAGES, stage_deadlines

LONGEST_CASE = timedelta(days=60)  # longer than any stage can take under the manual's policy


def stage_on_time(sources: Sources, at: datetime, days: float = 28,
                  site: str | None = None) -> dict[str, dict[str, int]]:
    """Per stage, how many were done on time (met) or late (missed) in the last `days` days.

    A stage counts in the window of its completion; complaints received up to LONGEST_CASE
    before the window are read.
    """
    config = sources.config
    start = at - timedelta(days=days)
    out: dict[str, dict[str, int]] = {s: {"met": 0, "missed": 0} for s in STAGES}
    for complaint in received_between(sources.tickets, start - LONGEST_CASE, at, site):
        d = stage_deadlines(complaint, site_calendar(config, complaint.site), at, config.complaint_policy)
        for s in d.stages:
            if s.done_at is not None and s.done_at >= start and s.status in ("met", "missed"):
                out[s.stage][s.status] += 1
    return out
