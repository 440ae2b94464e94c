"""The calendar of the reports: ISO weeks, their Mondays and labels, and "today" in a view's zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from wallboard.config import Config

WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")
YEARS = range(2000, 3000)  # a review, its neighbours and its 4 weeks before stay far inside what dates can hold


def parse_week(text: str | None) -> date:
    """The Monday of an ISO week written `YYYY-Www`; ValueError says what is wrong."""
    m = WEEK_PATTERN.match(text or "")
    if not m:
        raise ValueError(f"not an ISO week (YYYY-Www): {text!r}")
    if int(m[1]) not in YEARS:
        raise ValueError(f"year out of range ({YEARS.start}-{YEARS.stop - 1}): {text!r}")
    try:
        return date.fromisocalendar(int(m[1]), int(m[2]), 1)
    except ValueError:
        raise ValueError(f"no such ISO week: {text!r}") from None


def week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def scope_zone(config: Config, site: str | None = None, timezone: str | None = None) -> str:
    """The zone whose days and hours a view shows: the one asked for, else the site's, else the configured default."""
    return timezone or (config.site_timezone(site) if site else config.timezone)


def local_today(config: Config, site: str | None = None, timezone: str | None = None,
                now: datetime | None = None) -> date:
    """Today's date in a view's zone (see `scope_zone`)."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(scope_zone(config, site, timezone))).date()
