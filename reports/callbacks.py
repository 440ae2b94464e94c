"""The call-back worklist as the `/callbacks` page reads it: once per poll for every screen, then filtered per request.

The list of every site is computed through `Services.cached` under a key of today's local dates (a new day starts
a new list at once), at most every poll interval (at least 2 s): the database answers one pair of statements per
interval and cache, however many screens are open (data_access/callbacks.py). Pages keep only the rows the asking
account may see.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from wallboard.data_access.callbacks import Callback, Worklist, callback_worklist
from wallboard.data_access.kpi_report import zone_plan
from wallboard.data_access.sources import Sources
from wallboard.reports.first_views import Figure

MIN_SECONDS = 2


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def worklist_figure(sources: Sources, now: datetime | None = None) -> Figure:
    """The whole centre's list, keyed by each zone's local date, kept about one poll interval."""
    now = now or _utcnow()
    zones = sorted({zone for zone, _, _ in zone_plan(sources.config, None, None)})
    days = ",".join(f"{z}={now.replace(tzinfo=UTC).astimezone(ZoneInfo(z)).date().isoformat()}" for z in zones)
    seconds = max(MIN_SECONDS, round(sources.config.poll_seconds))

    def compute() -> Worklist:
        with sources.calls.connect() as conn:
            return callback_worklist(conn, sources.config, _utcnow())
    return Figure(f"callbacks:{days}", seconds, compute)


def filter_rows(worklist: Worklist, visible: Callable[[str], bool], site: str | None = None,
                skill_group: str | None = None) -> tuple[list[Callback], int]:
    """(the rows of the sites `visible(site)` admits, narrowed to a site and a skill group; the abandons without a
    caller_id of the same scope), in the list's order (oldest first)."""
    seen: dict[str, bool] = {}

    def keep(s: str, g: str | None) -> bool:
        if (site is not None and s != site) or (skill_group is not None and g != skill_group):
            return False
        if s not in seen:  # asked once per site, not once per row
            seen[s] = visible(s)
        return seen[s]

    rows = [r for r in worklist.rows if keep(r.site, r.skill_group)]
    anonymous = sum(n for (s, g), n in worklist.anonymous.items() if keep(s, g))
    return rows, anonymous
