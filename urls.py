"""The app's URLs: one builder for every link, and the query-string options of the pages, validated.

Shareable URLs carry the view (`?from=2026-11-01&to=2026-11-08&by=day`, `?day=2026-11-30`);
`url()` builds them (ids quoted, the query urlencoded) and the parsers below read them
once, so that no page builds a link or a period from raw text; a bad value falls back to
the default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote, urlencode

MAX_DAYS = {"day": 400, "hour": 31}
PLACEHOLDER = re.compile(r"<(\w+)>")  # the longest period a page draws at each resolution
ID = re.compile(r"[\w.\-@:+ ]{1,64}")


def url(path: str, **params: object) -> str:
    """A link of the app: `<name>` parts of `path` filled from `params` (quoted), the other params as the query,
    in the order given (urlencoded; None and "" left out).

    `url("/site/<site_id>", site_id="BJ", lang="en", by="day")` → "/site/BJ?lang=en&by=day".
    """
    def fill(m: re.Match) -> str:
        return quote(str(params.pop(m[1])), safe="")

    path = PLACEHOLDER.sub(fill, path)
    query = urlencode({k: v for k, v in params.items() if v is not None and v != ""}, safe="/,")
    return f"{path}?{query}" if query else path


WALL_PATH = "/"
COMPLAINTS_PATH = "/complaints"
SITE_PATH = "/site/<site_id>"
SKILL_PATH = "/skill/<skill_group>"
AGENT_PATH = "/agent/<agent_id>"
WEEKLY_PATH = "/weekly"
SATISFACTION_PATH = "/satisfaction"
DATA_QUALITY_PATH = "/data-quality"
ALERTS_PATH = "/alerts"
LAYOUTS_PATH = "/layouts"
CALLBACKS_PATH = "/callbacks"
QUEUE_STREAM_PATH = "/_wallboard/queues"  # a wall's calls waiting, pushed (Server-Sent Events; not a page)


def parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text and len(text) == 10 else None
    except ValueError:
        return None


def parse_day(text: str | None, today: date) -> date:
    """`?day=`: a date no later than today, else today."""
    day = parse_date(text)
    return day if day is not None and day <= today else today


@dataclass(frozen=True)
class PeriodView:
    start: date  # inclusive
    end: date  # exclusive, as `wallboard kpi --to`
    by: str  # "day" or "hour"

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def params(self) -> dict[str, str]:
        """The view as `url()` parameters."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "by": self.by}

    def query(self) -> str:
        return urlencode(self.params())


def parse_period(start: str | None, end: str | None, by: str | None, today: date,
                 default_days: int = 7) -> PeriodView:
    """`?from=&to=&by=`: the last `default_days` days by day unless the URL names a valid period."""
    resolution = by if by in MAX_DAYS else "day"
    lo, hi = parse_date(start), parse_date(end)
    if lo is None or hi is None or hi <= lo:
        hi = today + timedelta(days=1)
        lo = hi - timedelta(days=default_days if resolution == "day" else 1)
    if (hi - lo).days > MAX_DAYS[resolution]:
        lo = hi - timedelta(days=MAX_DAYS[resolution])
    return PeriodView(lo, hi, resolution)


def valid_id(text: str | None) -> bool:
    """A site, skill-group or agent id as the importers accept them (no control characters, ≤ 64)."""
    return bool(text) and ID.fullmatch(text) is not None
