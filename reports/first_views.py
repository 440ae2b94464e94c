"""The figures that managers open first, each as (cache key, how old it may be shown, how to compute it).

The pages show them through `Services.figure`; the warmer (live/warm.py, started by the app factory) computes the
default views' figures ahead of their expiry, so a first visit to the site page, satisfaction, the weekly review
or the complaint board never waits for a 600-site computation. One definition of each key serves both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from wallboard.data_access.sources import Sources
from wallboard.reports.complaints import stage_on_time
from wallboard.reports.drill_down import period_rows
from wallboard.reports.periods import local_today, monday, parse_week, week_label
from wallboard.reports.satisfaction import DEFAULT_WEEKS, satisfaction
from wallboard.reports.weekly_review import weekly_review
from wallboard.urls import PeriodView, parse_period

PERIOD_SECONDS = 60  # period figures: recomputed at most once a minute per view, whatever the screens
SATISFACTION_SECONDS = 300  # surveys trickle in: the trends at most every 5 minutes per view
ON_TIME_SECONDS = 300  # the 4-week on-time rates move slowly
WEEK_CURRENT_SECONDS, WEEK_PAST_SECONDS = 300, 3600  # a finished week changes only with late imports


@dataclass(frozen=True)
class Figure:
    key: str
    seconds: int
    compute: Callable[[], Any]


def site_comparison(sources: Sources, view: PeriodView) -> Figure:
    """Every site's `wallboard kpi --by site` row for a period (the site page's comparison)."""
    return Figure(f"sites:{view.query()}", PERIOD_SECONDS,
                  lambda: period_rows(sources, view.start, view.end, "site"))


def satisfaction_figures(sources: Sources, site: str | None, weeks: int, today: date) -> Figure:
    return Figure(f"satisfaction:{site}:{weeks}:{today.isoformat()}", SATISFACTION_SECONDS,
                  lambda: satisfaction(sources, weeks=weeks, site=site, today=today))


def default_week(today: date) -> str:
    """The last complete ISO week: what a Friday meeting reviews."""
    return week_label(monday(today) - timedelta(days=7))


def weekly_figures(sources: Sources, week: str, today: date) -> Figure:
    """The review of `week`: kept 5 minutes while the week runs, an hour once it is over."""
    current = parse_week(week) + timedelta(days=7) > today
    return Figure(f"weekly:{week}", WEEK_CURRENT_SECONDS if current else WEEK_PAST_SECONDS,
                  lambda: weekly_review(sources, week))


def on_time(sources: Sources, site: str | None, at: datetime) -> Figure:
    return Figure(f"on-time:{site}", ON_TIME_SECONDS, lambda: stage_on_time(sources, at, site=site))


def first_views(sources: Sources) -> list[Figure]:
    """What a manager sees first on each laptop page, for all sites (a site's own figures are small and quick):
    the comparison of every site over the default period (for each local 'today' of the sites), satisfaction over
    the default weeks, the last complete week's review and the complaint stages' on-time rates."""
    config = sources.config
    today = local_today(config)
    days = sorted({local_today(config, site=s.id) for s in config.sites} | {today})
    return [*(site_comparison(sources, parse_period(None, None, None, day)) for day in days),
            satisfaction_figures(sources, None, DEFAULT_WEEKS, today),
            weekly_figures(sources, default_week(today), today),
            on_time(sources, None, datetime.now(UTC))]
