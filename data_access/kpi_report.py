"""The KPI engine's period figures (`wallboard kpi`, history pages, exports).

Periods are local: a date means local midnight in `--timezone`, else in each site's
configured zone.  Sites are grouped by zone and each zone is queried with its own
exact UTC bounds, so "today" is never the wrong today (a classic peer complaint).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from wallboard.config import Config
from wallboard.data_access.intervals import history_call_counts, history_survey_counts
from wallboard.data_access.kpi_queries import (
    Scope,
    bin_seconds_for,
    bin_start,
    settings_for_key,
    to_utc_naive,
)
from wallboard.data_access.sources import Sources
from wallboard.maths.kpi import CallCounts, SurveyCounts, call_figures, survey_figures

BY_CHOICES = ("none", "day", "hour", "site", "skill_group", "agent")
ROW_FIELDS = ("key", "offered", "answered", "abandoned", "short_abandoned", "answered_within_threshold",
              "service_level", "abandon_rate", "connection_rate", "asa_seconds", "max_wait_seconds",
              "talk_seconds_avg", "aht_seconds", "transfer_rate", "ivr_only", "surveys", "csat_mean", "csat_top2")


@dataclass(frozen=True)
class Period:
    """A local period bound: either an absolute instant or a local date/time (zone decided later)."""

    value: datetime | date

    @classmethod
    def parse(cls, text: str) -> Period:
        """ISO date or date-time; raises ValueError with the offending text."""
        try:
            if len(text) == 10:
                return cls(date.fromisoformat(text))
            return cls(datetime.fromisoformat(text))
        except ValueError:
            raise ValueError(f"not an ISO 8601 date or time: {text!r}") from None

    def in_zone(self, tz: str) -> datetime:
        v = self.value
        if isinstance(v, datetime):
            return v if v.tzinfo else v.replace(tzinfo=ZoneInfo(tz))
        return datetime.combine(v, time(0), tzinfo=ZoneInfo(tz))


def _round(value: float | int | None) -> float | int | None:
    """Six decimals: enough for any rate, free of float noise in files."""
    return round(value, 6) if isinstance(value, float) else value


def zone_plan(config: Config, timezone: str | None,
              site: str | None) -> list[tuple[str, list[str] | None, list[str] | None]]:
    """[(zone, sites to include or None, sites to exclude or None)] covering every site once.

    Unconfigured sites (discovered in the data) are in the default zone's query.
    """
    if timezone:
        return [(timezone, [site] if site else None, None)]
    if site:
        return [(config.site_timezone(site), [site], None)]
    by_zone: dict[str, list[str]] = defaultdict(list)
    for s in config.sites:
        by_zone[s.timezone].append(s.id)
    others = [s for zone, ids in by_zone.items() if zone != config.timezone for s in ids]
    plan: list[tuple[str, list[str] | None, list[str] | None]] = [(config.timezone, None, others or None)]
    plan += [(zone, ids, None) for zone, ids in by_zone.items() if zone != config.timezone]
    return plan


def kpi_report(sources: Sources, start: Period, end: Period,
               by: str = "none", site: str | None = None, skill_group: str | None = None,
               timezone: str | None = None, agent_id: str | None = None, surveys_only: bool = False) -> dict:
    """The contract's `wallboard kpi` object: {from, to, timezone, by, settings, rows}.

    `surveys_only`: rows of the key and the survey figures alone, without reading a call (the satisfaction pages'
    rows: the same survey figures at a fraction of the cost).
    """
    calls_engine, tickets_engine, config = sources.calls, sources.tickets, sources.config
    if by not in BY_CHOICES:
        raise ValueError(f"--by must be one of {', '.join(BY_CHOICES)}, got {by!r}")
    plan = zone_plan(config, timezone, site)
    calls_by_key: dict[str, CallCounts] = defaultdict(CallCounts)
    surveys_by_key: dict[str, SurveyCounts] = defaultdict(SurveyCounts)
    group_by = (by,) if by in ("site", "skill_group", "agent") else ()
    bounds = []
    for zone, include, exclude in plan:
        lo, hi = start.in_zone(zone), end.in_zone(zone)
        bounds.append((zone, lo, hi))
        scope = Scope(start=to_utc_naive(lo), end=to_utc_naive(hi), sites=include, exclude_sites=exclude,
                      skill_group=skill_group, agent_id=agent_id)
        width = bin_seconds_for(zone, scope.start, scope.end) if by in ("day", "hour") else None
        label = _labeller(by, zone, width)
        labels = by if by in ("day", "hour") else None
        if not surveys_only:
            with calls_engine.connect() as conn:
                for key, b, counts in history_call_counts(conn, config, scope, group_by, width, sources.intervals,
                                                          zone=zone, labels=labels):
                    calls_by_key[label(key, b)] += counts
        with tickets_engine.connect() as conn:
            for key, b, counts in history_survey_counts(conn, scope, group_by, width, sources.survey_intervals,
                                                        zone=zone, labels=labels):
                surveys_by_key[label(key, b)] += counts
    keys = sorted(set(calls_by_key) | set(surveys_by_key), key=lambda k: (k is None, k or ""))
    if by == "none" and not keys:
        keys = ["all"]
    rows = []
    for key in keys:
        if surveys_only:
            rows.append({"key": key, **{f: _round(v) for f, v in survey_figures(surveys_by_key[key]).items()}})
            continue
        settings = settings_for_key(config, by, key, skill_group)
        figures = {"key": key, **call_figures(calls_by_key[key], settings.formula),
                   **survey_figures(surveys_by_key[key])}
        rows.append({f: _round(figures[f]) for f in ROW_FIELDS})
    zone_name = timezone or (bounds[0][0] if len(bounds) == 1 else "per-site")
    effective = config.settings_for(skill_group)
    return {
        "from": bounds[0][1].isoformat(), "to": bounds[0][2].isoformat(), "timezone": zone_name, "by": by,
        "settings": {**asdict(effective),
                     "skill_groups": {g.id: asdict(g.settings) for g in config.skill_groups}},
        "rows": rows,
        "data_quality": {"flagged_calls": sum(c.flagged for c in calls_by_key.values())},
    }


def _labeller(by: str, zone: str, width: int | None):
    """Maps (group values, UTC bin) to the row key of the contract."""
    if by == "none":
        return lambda key, b: "all"
    if by in ("day", "hour"):
        fmt = "%Y-%m-%d" if by == "day" else "%Y-%m-%dT%H"
        zone_info = ZoneInfo(zone)

        def label(key, b):
            return bin_start(b, width).astimezone(zone_info).strftime(fmt)
        return label
    return lambda key, b: key[0]
