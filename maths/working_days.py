"""Working-day arithmetic for complaint deadlines.

Mainland Chinese hotlines follow the State Council calendar, where long holidays are paid for with
*make-up working days* on Saturdays or Sundays (e.g. Sat 2025-10-11).  A plain "Mon-Fri minus holidays"
rule would therefore put first-contact deadlines on the wrong day around every Golden Week, so working
days are taken from the ``holidays`` library, which knows both the holidays and the make-up days.

Only the standard library, ``zoneinfo`` and ``holidays`` are imported so that the deadline maths can be
tested and reused without Dash, SQLAlchemy or pandas.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = ["CalendarCorrections", "SiteCalendar", "add_working_days_end", "is_official_year", "is_working_day",
           "validate_region"]

#: Region strings meaning "no public holidays, Saturday and Sunday off".
WEEKENDS_ONLY = frozenset({"", "none"})
#: Years in which a region's library data is checked for make-up working days: a region that had some then
#: (mainland China) publishes a schedule each year, and a later year without one is not yet official.
MAKE_UP_PRACTICE_YEARS = range(2015, 2026)


@dataclass(frozen=True)
class CalendarCorrections:
    """An admin's corrections to a region's holiday library (`[calendars.<code>]`, CONTRACT section 9).

    The State Council publishes each year's schedule in November or December; until the library has it, the
    admin enters it here. They win over the library: `holidays` are days off, `working_days` are make-up
    working days, `not_holidays` are days the library wrongly lists as holidays (they follow the weekday rule).
    """

    holidays: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()
    not_holidays: frozenset[date] = frozenset()

    def years(self) -> set[int]:
        """Years this correction gives a schedule for (an entered year is official)."""
        return {d.year for d in self.holidays | self.working_days}


NO_CORRECTIONS = CalendarCorrections()


def _split_region(region: str) -> tuple[str, str | None] | None:
    """Parse ``"CC"`` / ``"CC-SUBDIV"``; ``None`` means weekends only."""
    region = region.strip()
    if region.lower() in WEEKENDS_ONLY:
        return None
    country, sep, subdiv = region.partition("-")
    return country.upper(), (subdiv if sep else None)


@lru_cache(maxsize=256)
def _holidays_for(region: str, year: int) -> holidays.HolidayBase | None:
    """One fully populated, non-expanding holiday object per (region, year).

    Building a ``holidays`` object is comparatively slow, and the wallboard asks the same question for
    hundreds of complaints per refresh, so the objects are cached.  ``expand=False`` keeps the cached
    object read-only (safe to share between request threads); a single year is enough because the
    library records each year's make-up days in that year's own data.
    """
    parsed = _split_region(region)
    if parsed is None:
        return None
    country, subdiv = parsed
    try:
        return holidays.country_holidays(country, subdiv=subdiv, years=year, expand=False)
    except (NotImplementedError, KeyError) as exc:
        raise ValueError(
            f"unknown holiday region {region!r}: expected a `holidays` country code such as 'CN' "
            f"or 'CC-SUBDIV' such as 'DE-BY', or '' / 'none' for weekends only ({exc})"
        ) from exc


def validate_region(region: str) -> None:
    """Raise ValueError now for an unknown region, rather than at the first deadline computed."""
    _holidays_for(region, date.today().year)


def is_working_day(day: date, region: str, corrections: CalendarCorrections = NO_CORRECTIONS) -> bool:
    """True if ``day`` is a working day in ``region``.

    Saturdays and Sundays are off unless the library (or the admin's correction) marks them as make-up
    working days; public holidays (including substituted days off) are off.
    """
    if day in corrections.working_days:
        return True
    if day in corrections.holidays:
        return False
    if day in corrections.not_holidays:
        return day.weekday() < 5
    calendar = _holidays_for(region, day.year)
    if calendar is None:
        return day.weekday() < 5
    return calendar.is_working_day(day)


def add_working_days_end(day: date, n: int, region: str, corrections: CalendarCorrections = NO_CORRECTIONS) -> date:
    """The date of the ``n``-th working day strictly after ``day`` (``n >= 1``).

    ``day`` itself never counts, whether or not it is a working day, so a complaint received on a holiday
    or a make-up Saturday is treated exactly like one received on an ordinary day.  The deadline is the
    end of the returned date (local midnight at the start of the following day).
    """
    if n < 1:
        raise ValueError(f"n must be >= 1 working day, got {n}")
    found = 0
    current = day
    while found < n:
        current += timedelta(days=1)
        if is_working_day(current, region, corrections):
            found += 1
    return current


@lru_cache(maxsize=64)
def _has_make_up_practice(region: str) -> bool:
    """Whether the region's schedule is published year by year with make-up working days (mainland China)."""
    if _split_region(region) is None:
        return False
    return any(_holidays_for(region, year).weekend_workdays for year in MAKE_UP_PRACTICE_YEARS)


def is_official_year(year: int, region: str, corrections: CalendarCorrections = NO_CORRECTIONS) -> bool:
    """Whether ``year``'s working days in ``region`` come from a published schedule.

    For a region whose schedule has make-up working days (mainland China), a year for which neither the
    library nor the admin's correction lists any is a guess from the fixed-date rules: deadlines in it may
    move once the State Council publishes. Other regions' rules are fixed: every year is official.
    """
    if not _has_make_up_practice(region) or year in corrections.years():
        return True
    return any(d.year == year for d in _holidays_for(region, year).weekend_workdays)


@dataclass(frozen=True)
class SiteCalendar:
    """Where a hotline site is: its time zone, its public-holiday calendar and whether it is remote.

    ``holiday_region`` is a ``holidays`` country code, optionally ``"CC-SUBDIV"``; ``""`` or ``"none"``
    means weekends only.  Both fields are validated on construction so a misconfigured site fails at
    start-up instead of mid-refresh.
    """

    timezone: str = "Asia/Shanghai"
    holiday_region: str = "CN"
    remote: bool = False
    corrections: CalendarCorrections = NO_CORRECTIONS

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc
        validate_region(self.holiday_region)

    @property
    def zone(self) -> ZoneInfo:
        """The site's time zone object (ZoneInfo instances are cached by the standard library)."""
        return ZoneInfo(self.timezone)
