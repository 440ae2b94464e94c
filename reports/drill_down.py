"""The figures of the drill-down pages (site, skill group, agent), all from the one KPI engine.

Period figures are `kpi_report` rows — the very rows `wallboard kpi` prints for the same
filter and period; live figures come from the poller's snapshot. What is added here is
only arrangement (same weekday last week, the 4-week average) and staffing by hour.
"""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from wallboard.data_access import agent_activity
from wallboard.data_access.agent_activity import recent_surveys, state_spans, team_members
from wallboard.data_access.intervals import GRID, bin_time, history_state_time
from wallboard.data_access.kpi_queries import Scope, to_utc_naive
from wallboard.data_access.kpi_report import Period, kpi_report
from wallboard.data_access.sources import Sources
from wallboard.maths.erlang_c import DEFAULT_AHT_SECONDS, required_agents
from wallboard.reports.periods import scope_zone

HOURS = [f"{h:02d}" for h in range(24)]
TREND_DAYS = 30  # the agent page's trend and survey window
SURVEYS_SHOWN = 15
PROFILE_METRICS = ("offered", "answered", "service_level", "asa_seconds", "abandon_rate")


def period_rows(sources: Sources, start: date, end: date, by: str, *,
                site: str | None = None, skill_group: str | None = None, agent_id: str | None = None) -> list[dict]:
    """`wallboard kpi --from start --to end --by … [--site] [--skill-group]` rows ([start, end) local dates)."""
    return kpi_report(sources, Period(start), Period(end), by=by, site=site,
                      skill_group=skill_group, agent_id=agent_id)["rows"]


def _by_hour(rows: list[dict]) -> dict[str, dict]:
    return {r["key"][-2:]: r for r in rows}


def weekday_profile(sources: Sources, day: date, *, site: str | None = None,
                    skill_group: str | None = None, agent_id: str | None = None, weeks: int = 4) -> dict:
    """A day by local hour against the same weekday last week and the mean of the last `weeks` same weekdays.

    The mean of an hour is over the past weekdays that had calls at all (a day before the
    history starts, or a closed holiday, would only drag it down); an hour without calls on such
    a day counts 0 towards its volumes and nothing towards its rates.
    """
    def hours_of(d: date) -> dict[str, dict]:
        return _by_hour(period_rows(sources, d, d + timedelta(days=1), "hour", site=site,
                                    skill_group=skill_group, agent_id=agent_id))

    past = [hours_of(day - timedelta(days=7 * w)) for w in range(1, weeks + 1)]
    open_days = [p for p in past if any(r["offered"] or r["ivr_only"] for r in p.values())]
    average: dict[str, dict] = {}
    for h in HOURS:
        entry = {}
        for metric in PROFILE_METRICS:
            if metric in ("offered", "answered"):
                values = [p.get(h, {}).get(metric) or 0 for p in open_days]
            else:
                values = [p[h][metric] for p in open_days if h in p and p[h][metric] is not None]
            entry[metric] = statistics.fmean(values) if values else None
        average[h] = entry
    return {"day": day.isoformat(), "today": hours_of(day), "last_week": past[0], "average": average}


def logged_in_by_hour(seconds_by_bin: dict[int, float], day: date, zone: str) -> dict[str, float]:
    """Mean number of agents logged in (any state but logged_out) in each local hour of a day, from agent-seconds
    per 15-minute interval (every zone's local hours are unions of them)."""
    tz = ZoneInfo(zone)
    out = dict.fromkeys(HOURS, 0.0)
    for index, seconds in seconds_by_bin.items():
        moment = bin_time(index).replace(tzinfo=UTC).astimezone(tz)
        if moment.date() == day:
            out[f"{moment.hour:02d}"] += seconds / 3600
    return out


def staffing_by_hour(sources: Sources, day: date, skill_group: str,
                     site: str | None = None) -> list[dict]:
    """Per local hour: the KPI row, the agents Erlang C needed for the calls offered, the agents logged in.

    Required agents use the hour's own AHT (the day's when the hour has no ended call) and
    the skill group's threshold and target.
    """
    calls, config = sources.calls, sources.config
    zone = scope_zone(config, site)
    rows = _by_hour(period_rows(sources, day, day + timedelta(days=1), "hour", site=site,
                                skill_group=skill_group))
    day_row = period_rows(sources, day, day + timedelta(days=1), "none", site=site,
                          skill_group=skill_group)[0]
    tz = ZoneInfo(zone)
    lo = to_utc_naive(datetime.combine(day, time(0), tzinfo=tz))
    hi = to_utc_naive(datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz))
    scope = Scope(start=lo, end=hi, sites=None if site is None else [site], skill_group=skill_group)
    with calls.connect() as conn:  # the day's agent time, from the aggregates where they are built
        busy = history_state_time(conn, scope, (), GRID, sources.state_intervals)
    logged_in = logged_in_by_hour({b: t.seconds for _, b, t in busy}, day, zone)
    settings = config.settings_for(skill_group)
    out = []
    for h in HOURS:
        row = rows.get(h, {})
        offered = row.get("offered") or 0
        aht = row.get("aht_seconds") or day_row["aht_seconds"] or DEFAULT_AHT_SECONDS
        need = required_agents(offered, 3600, aht, settings.threshold_seconds, settings.target).required_agents \
            if offered else 0
        out.append({"hour": h, "offered": offered, "service_level": row.get("service_level"),
                    "asa_seconds": row.get("asa_seconds"), "abandoned": row.get("abandoned") or 0,
                    "abandon_rate": row.get("abandon_rate"), "required_agents": need,
                    "logged_in": round(logged_in[h], 2)})
    return out


def team_figures(sources: Sources, day: date, agent_id: str, site: str,
                 skill_group: str | None) -> dict:
    """The agent's row of `kpi --by agent --site S` for a day, and the median of its team's rows.

    The team is the site's agents with the same primary skill group who handled a call that day.
    """
    calls = sources.calls
    rows = {r["key"]: r for r in period_rows(sources, day, day + timedelta(days=1), "agent",
                                             site=site)}
    with calls.connect() as conn:
        members = set(team_members(conn, site, skill_group)) | {agent_id}
    team = [rows[m] for m in members if m in rows and rows[m]["answered"]]

    def median(metric: str) -> float | None:
        values = [r[metric] for r in team if r[metric] is not None]
        return statistics.median(values) if values else None

    return {"agent": rows.get(agent_id), "team_size": len(team),
            "median": {m: median(m) for m in ("aht_seconds", "talk_seconds_avg", "answered", "asa_seconds",
                                              "csat_mean")}}


def agent_profile(sources: Sources, agent_id: str) -> dict | None:
    """The agent's name, site and primary skill group (None for an id the data has never shown)."""
    with sources.calls.connect() as conn:
        return agent_activity.agent_profile(conn, agent_id)


def agent_day(sources: Sources, agent_id: str, site: str, skill_group: str | None, day: date) -> dict:
    """Everything the agent page draws for one day (cached as one value): the KPI engine's rows, the state log
    and the surveys, JSON-ready."""
    tz = ZoneInfo(sources.config.site_timezone(site))
    lo = to_utc_naive(datetime.combine(day, time(0), tzinfo=tz))
    hi = to_utc_naive(datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz))
    now = datetime.now(UTC).replace(tzinfo=None)
    with sources.calls.connect() as conn:
        spans = state_spans(conn, lo, min(hi, now), agent_id=agent_id)
    with sources.tickets.connect() as conn:
        surveys = recent_surveys(conn, hi - timedelta(days=TREND_DAYS), hi, agent_id=agent_id, limit=SURVEYS_SHOWN)
    return {
        "team": team_figures(sources, day, agent_id, site, skill_group),
        "spans": [{"state": s.state, "reason": s.reason, "start": s.start.replace(tzinfo=UTC).isoformat(),
                   "end": s.end.replace(tzinfo=UTC).isoformat()} for s in spans],
        "hours": period_rows(sources, day, day + timedelta(days=1), "hour", site=site, agent_id=agent_id),
        "trend": period_rows(sources, day - timedelta(days=TREND_DAYS - 1), day + timedelta(days=1), "day",
                             site=site, agent_id=agent_id),
        "surveys": surveys,
    }
