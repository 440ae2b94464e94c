"""The live snapshot: every wall figure for every site and skill group, computed once per poll.

`live_snapshot` is what the poller (live/poller.py) stores; screens read it through
`SnapshotReader` (live/reader.py), never by parsing its keys.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from wallboard.config import Config
from wallboard.data_access.complaints import open_complaints
from wallboard.data_access.engines import replica_lag_seconds
from wallboard.data_access.intervals import history_call_counts, history_survey_counts
from wallboard.data_access.kpi_queries import Scope, bin_start, call_counts, to_utc_naive
from wallboard.data_access.kpi_report import zone_plan
from wallboard.data_access.live_queries import AgentNow, agent_timeline, queue_now, talking_calls, waiting_calls
from wallboard.data_access.source_checks import REFRESH, check_sources
from wallboard.data_access.sources import Sources
from wallboard.live.poller import PARTS
from wallboard.maths.deadlines import ComplaintDeadlines
from wallboard.maths.erlang_c import DEFAULT_AHT_SECONDS, required_agents
from wallboard.maths.intraday import SLOTS, slot_index
from wallboard.maths.kpi import CallCounts, SurveyCounts, call_figures, occupancy, service_level, survey_figures

log = logging.getLogger(__name__)
INTERVAL = timedelta(minutes=30)
ALL = "all"
WAITING_LIMIT = 500  # waiting calls listed individually (the counts are always complete)


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _local_midnight(now: datetime, zone: str) -> datetime:
    """The start of today in a zone, for naive-UTC `now`."""
    return now.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).replace(hour=0, minute=0, second=0, microsecond=0)


SITE = "site:"  # a site's scope key is SITE + id; a skill group's at one site is its key + "|" + SITE + id
REGION = "region:"
LAYOUT = "layout:"
INTRADAY = "intraday:"  # the part of a scope's intraday series is INTRADAY + its scope key
GROUP = "group:"


def scope_key(site: str | None, region: str | None = None, layout: str | None = None) -> str:
    """The snapshot's key of a scope: "all", "site:<id>" for one site, "region:<id>" for one region's sites or
    "layout:<name>" for the sites and skill groups of a wall layout (read through live/reader.py)."""
    return (f"{LAYOUT}{layout}" if layout else f"{SITE}{site}" if site else f"{REGION}{region}" if region
            else ALL)


def _scope_keys(site: str, region_of: dict[str, str]) -> tuple[str, ...]:
    """The scopes whose figures a site's counts add to: all sites, its region (if any), itself."""
    region = region_of.get(site)
    return (ALL, scope_key(None, region), scope_key(site)) if region else (ALL, scope_key(site))


def scopes_of(config: Config) -> Callable[[str, str | None], tuple[str, ...]]:
    """The scopes a site's skill group adds to: all sites, its region, the site, and every layout that shows it
    (remembered per pair: asked for every row of a poll; only the layouts naming the site, or none, are looked at)."""
    known: dict[tuple[str, str | None], tuple[str, ...]] = {}
    by_site: dict[str, list] = defaultdict(list)
    everywhere = []
    for layout in config.layouts.values():
        for site in layout.sites:
            by_site[site].append(layout)
        if not layout.sites:
            everywhere.append(layout)

    def keys(site: str, group: str | None) -> tuple[str, ...]:
        if (site, group) not in known:
            known[(site, group)] = (*_scope_keys(site, config.region_of),
                                    *(scope_key(None, layout=layout.id) for layout in (*by_site.get(site, ()),
                                                                                        *everywhere)
                                      if layout.covers(site, group)))
        return known[(site, group)]
    return keys


def group_scope_key(skill_group: str | None, site: str | None = None) -> str:
    """The key of a skill group's tiles (in the "group_scopes" part): all its sites, or one."""
    return f"{GROUP}{skill_group or ''}" + (f"|{SITE}{site}" if site else "")


def group_sites_prefix(skill_group: str) -> str:
    """The common start of a skill group's per-site keys: the site id follows it."""
    return f"{group_scope_key(skill_group)}|{SITE}"


def compute_snapshot(sources: Sources,
                     now: datetime | None = None, memo: dict | None = None) -> dict:
    """All live figures as a JSON-ready dict: tiles per scope ("all", "site:<id>") and per skill group.

    `memo` (kept by the poller between polls) lets slow-moving parts be read less often.
    """
    calls_engine, tickets_engine, config = sources.calls, sources.tickets, sources.config
    now = now or _utcnow()
    today: dict[tuple, CallCounts] = defaultdict(CallCounts)
    surveys_today: dict[tuple, SurveyCounts] = defaultdict(SurveyCounts)
    agent_today: dict[str, CallCounts] = defaultdict(CallCounts)
    agent_surveys: dict[str, SurveyCounts] = defaultdict(SurveyCounts)
    # one pass per zone, grouped down to the agent: the site / skill-group totals are its sums
    by_agent = ("site", "skill_group", "agent")
    with calls_engine.connect() as conn:
        for zone, include, exclude in zone_plan(config, None, None):
            scope = Scope(start=to_utc_naive(_local_midnight(now, zone)), end=now + timedelta(seconds=1), sites=include,
                          exclude_sites=exclude)
            for (site, group, agent), _, counts in history_call_counts(conn, config, scope, by_agent, None,
                                                                       sources.intervals, memo):
                today[(site, group)] += counts
                if agent is not None:
                    agent_today[agent] += counts
            with tickets_engine.connect() as tconn:
                for (site, group, agent), _, counts in history_survey_counts(tconn, scope, by_agent, None,
                                                                             sources.survey_intervals, memo):
                    surveys_today[(site, group)] += counts
                    if agent is not None:
                        agent_surveys[agent] += counts
        recent = {key: counts for key, _, counts in call_counts(
            conn, config, Scope(start=now - INTERVAL, end=now + timedelta(seconds=1)), ("site", "skill_group"))}
        intervals = _intervals(conn, sources, now, memo)
        queues = queue_now(conn, now)
        timeline = agent_timeline(conn, now, memo)
        talking = talking_calls(conn, now)
        agent_rows = timeline.agents_now(now)
        states = timeline.state_seconds(now)
        waiting = waiting_calls(conn, now, limit=WAITING_LIMIT)

    groups = set(today) | set(recent) | set(queues) | set(surveys_today) | {
        (a.site, a.skill_group) for a in agent_rows}
    agg: dict[str, dict[str, Any]] = defaultdict(lambda: {
        "today": CallCounts(), "recent": CallCounts(), "surveys": SurveyCounts(), "waiting": 0,
        "oldest": None, "agents": defaultdict(int), "busy": 0.0, "idle": 0.0, "required": 0})
    per_group: dict[str, list[dict]] = defaultdict(list)
    agent_counts: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for a in agent_rows:
        agent_counts[(a.site, a.skill_group)][a.state] += 1
    keys_of = scopes_of(config)
    for key in sorted(groups, key=lambda k: (k[0] or "", k[1] or "")):
        site, group = key
        settings = config.settings_for(group)
        t, r = today.get(key, CallCounts()), recent.get(key, CallCounts())
        q = queues.get(key)
        secs = states[key].seconds if key in states else {}
        aht = t.handle_sum / t.ended_answered if t.ended_answered else DEFAULT_AHT_SECONDS
        arrivals = r.offered + (q.waiting if q else 0)
        staffing = required_agents(arrivals, INTERVAL.total_seconds(), aht, settings.threshold_seconds,
                                   settings.target) if arrivals else None
        need = staffing.required_agents if staffing else 0
        for scope in (*keys_of(site, group), group_scope_key(group), group_scope_key(group, site)):
            a = agg[scope]
            a["today"] += t
            a["recent"] += r
            a["surveys"] += surveys_today.get(key, SurveyCounts())
            if q:
                a["waiting"] += q.waiting
                a["oldest"] = q.oldest_queued_at if a["oldest"] is None else min(a["oldest"], q.oldest_queued_at)
            for state, n in agent_counts[key].items():
                a["agents"][state] += n
            a["busy"] += secs.get("on_call", 0) + secs.get("wrap_up", 0)
            a["idle"] += secs.get("available", 0)
            a["required"] += need
        logged_in = sum(n for s, n in agent_counts[key].items() if s != "logged_out")
        per_group[scope_key(site)].append(_group_row(site, group, t, r, q, logged_in, need, settings.formula))
    for site_scope, rows in list(per_group.items()):
        for scope in [] if site_scope == ALL else _scope_keys(site_scope.removeprefix(SITE), config.region_of)[:-1]:
            per_group[scope].extend(rows)

    group_scopes = {scope: _tiles(agg.pop(scope), now, config.settings_for(_group_of(scope)).formula)
                    for scope in [k for k in agg if k.startswith(GROUP)]}
    scopes = {scope: _tiles(a, now, config.default_settings.formula) for scope, a in agg.items()}
    for scope in (ALL, *(scope_key(None, layout=name) for name in config.layouts)):  # a wall with no calls yet
        if scope not in scopes:
            scopes[scope] = _tiles(agg[scope], now, config.default_settings.formula)
    board = open_complaints(tickets_engine, config, now.replace(tzinfo=UTC))
    for scope, counts in _complaint_counts(board, config).items():
        scopes.setdefault(scope, _tiles(agg[scope], now, config.default_settings.formula)).update(counts)
    for tiles in scopes.values():
        tiles.setdefault("complaints_due_soon", 0)
        tiles.setdefault("complaints_overdue", 0)
    return {
        "computed_at": now.replace(tzinfo=UTC).isoformat(),
        "scopes": scopes,
        "skill_groups": dict(per_group),
        "sites": sorted({k[0] for k in groups if k[0]}),
        "data_quality": {"flagged_calls_today": agg[ALL]["today"].flagged},
        "complaints": [_complaint_row(d, config.region_of) for d in board],
        # parts read only by the drill-down pages, stored apart so that the wall never unpickles them
        PARTS: {
            # each scope's intraday series apart: a wall reads its own scope's (at 600 sites, half the snapshot)
            **{f"{INTRADAY}{scope}": {"computed_at": now.replace(tzinfo=UTC).isoformat(), "series": series}
               for scope, series in intervals.items()},
            "agents": _agent_rows(agent_rows, agent_today, agent_surveys, talking, now),
            "group_scopes": group_scopes,
            "waiting": [{**w, "queued_at": w["queued_at"].replace(tzinfo=UTC).isoformat()} for w in waiting],
        },
    }


QUARTER = 900


INTERVALS_REFRESH = timedelta(seconds=60)  # the intraday chart needs no 5-second freshness


def _intervals(conn, sources: Sources, now: datetime, memo: dict | None = None) -> dict[str, dict[str, list]]:
    """Today's half-hours against the same weekday last week: offered and service level per scope.

    Counted on UTC bins of 15 minutes (exact for every zone offset) and merged into local
    half-hours.  With a `memo` (the poller's), last week's series is read once a day and
    today's at most once a minute.
    """
    config = sources.config
    if memo is not None and "intervals" in memo:
        at, result = memo["intervals"]
        if now - at < INTERVALS_REFRESH and at.date() == now.date():
            return result
    series: dict[str, dict[tuple[str, int], CallCounts]] = {"today": {}, "last_week": {}}
    for zone, include, exclude in zone_plan(config, None, None):
        midnight = _local_midnight(now, zone)
        plan_key = (zone, tuple(include or ()), tuple(exclude or ()))
        for name, start, end, valid in (
                ("today", midnight, now.replace(tzinfo=UTC), now - INTERVALS_REFRESH),
                ("last_week", midnight - timedelta(days=7), midnight - timedelta(days=6), None)):
            key = (name, plan_key, midnight.date())
            cached = memo.get(key) if memo is not None else None
            if cached is None or (valid is not None and cached[0] < valid):
                scope = Scope(start=to_utc_naive(start), end=to_utc_naive(end), sites=include, exclude_sites=exclude)
                by = ("site", "skill_group") if any(x.skill_groups for x in config.layouts.values()) else ("site",)
                rows = history_call_counts(conn, config, scope, by, QUARTER, sources.intervals)
                cached = (now, _half_hours(rows, ZoneInfo(zone), scopes_of(config)))
                if memo is not None:
                    for old in [k for k in memo if k[0] == name and k[1] == plan_key and k[2] != midnight.date()]:
                        del memo[old]
                    memo[key] = cached
            for slot_key, c in cached[1].items():
                series[name][slot_key] = series[name].get(slot_key, CallCounts()) + c
    formula = config.default_settings.formula
    out: dict[str, dict[str, list]] = {}
    for name, slots in series.items():
        for (scope, slot), c in slots.items():
            entry = out.setdefault(scope, {f"{s}_{m}": [None] * len(SLOTS) for s in ("today", "last_week")
                                           for m in ("offered", "service_level")})
            entry[f"{name}_offered"][slot] = c.offered
            entry[f"{name}_service_level"][slot] = service_level(c, formula)
    if memo is not None:
        memo["intervals"] = (now, out)
    return out


def _half_hours(rows, tz: ZoneInfo, keys_of: Callable[[str, str | None], tuple[str, ...]],
                ) -> dict[tuple[str, int], CallCounts]:
    """(site[, skill group], UTC bin) counts → (scope, local half-hour) counts; sums as plain integers for speed."""
    fields_ = ("offered", "answered", "short_abandoned", "answered_within_threshold", "abandoned_within_threshold")
    sums: dict[tuple[str, int], list[int]] = {}
    slot_of: dict[int, int] = {}
    for (site, *group), b, c in rows:
        if b not in slot_of:
            local = bin_start(b, QUARTER).astimezone(tz)
            slot_of[b] = slot_index(local.hour, local.minute)
        values = (c.offered, c.answered, c.short_abandoned, c.answered_within_threshold, c.abandoned_within_threshold)
        for scope in keys_of(site, group[0] if group else None):
            acc = sums.setdefault((scope, slot_of[b]), [0] * len(fields_))
            for i, v in enumerate(values):
                acc[i] += v
    return {k: CallCounts(**dict(zip(fields_, v, strict=True))) for k, v in sums.items()}


def _complaint_counts(board: list[ComplaintDeadlines], config: Config) -> dict[str, dict[str, int]]:
    """Complaints with a stage overdue / due soon, per scope (a complaint counts once per status); a layout's are
    those of its sites (a complaint has no skill group)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"complaints_due_soon": 0, "complaints_overdue": 0})
    for d in board:
        statuses = {s.status for s in d.stages}
        for scope in _complaint_scopes(d.complaint.site, config):
            counts[scope]["complaints_overdue"] += "overdue" in statuses
            counts[scope]["complaints_due_soon"] += "due_soon" in statuses
    return counts


def _complaint_scopes(site: str, config: Config) -> tuple[str, ...]:
    return (*_scope_keys(site, config.region_of),
            *(scope_key(None, layout=name) for name, layout in config.layouts.items()
              if not layout.sites or site in layout.sites))


def _complaint_row(d: ComplaintDeadlines, region_of: dict[str, str]) -> dict:
    """One open complaint for the screens: the worst stage status first decides its colour."""
    def iso(dt):
        return dt.isoformat() if dt else None
    statuses = [s.status for s in d.stages]
    worst = next((s for s in ("overdue", "due_soon", "missed", "open", "met") if s in statuses), "open")
    c = d.complaint
    return {"complaint_id": c.complaint_id, "site": c.site, "region": region_of.get(c.site), "severity": c.severity,
            "category": c.category,
            "received_at": iso(c.received_at.astimezone(d.stages[0].due_at.tzinfo)),  # the site's zone
            "next_stage": d.next_stage, "next_due_at": iso(d.next_due_at),
            "status": worst,
            "stages": [{"stage": s.stage, "due_at": iso(s.due_at), "done_at": iso(s.done_at), "status": s.status,
                        "provisional": s.provisional} for s in d.stages]}


def _group_row(site: str, group: str | None, today: CallCounts, recent: CallCounts, q, logged_in: int,
               required: int, formula: str) -> dict:
    f = call_figures(today, formula)
    return {"site": site, "skill_group": group, "waiting": q.waiting if q else 0,
            "oldest_queued_at": q.oldest_queued_at.replace(tzinfo=UTC).isoformat() if q else None,
            "service_level": f["service_level"], "service_level_30m": call_figures(recent, formula)["service_level"],
            "offered": today.offered, "asa": f["asa_seconds"], "abandon_rate": f["abandon_rate"],
            "agents_logged_in": logged_in, "required_agents": required}


def _group_of(scope: str) -> str | None:
    return scope.split("|")[0].removeprefix(GROUP) or None


def _agent_rows(agent_rows: list[AgentNow], today: dict[str, CallCounts], surveys: dict[str, SurveyCounts],
                talking: dict[str, datetime], now: datetime) -> list[dict]:
    """Each agent now, with today's figures from the KPI engine's counts (all of its calls, every group), and when
    the call it is on was answered (`call_since`, on a call only)."""
    rows = []
    for a in sorted(agent_rows, key=lambda a: (a.site, a.agent_id)):
        f = call_figures(today.get(a.agent_id, CallCounts()))
        csat = survey_figures(surveys.get(a.agent_id, SurveyCounts()))
        rows.append({"agent_id": a.agent_id, "agent_name": a.agent_name or a.agent_id, "site": a.site,
                     "skill_group": a.skill_group, "state": a.state, "reason": a.reason,
                     "since": a.since.replace(tzinfo=UTC).isoformat(),
                     "call_since": talking[a.agent_id].replace(tzinfo=UTC).isoformat()
                     if a.state == "on_call" and a.agent_id in talking else None,
                     "state_seconds": max(0.0, (now - a.since).total_seconds()),
                     "handled": f["answered"], "aht_seconds": f["aht_seconds"], "talk_seconds": f["talk_seconds_avg"],
                     "asa_seconds": f["asa_seconds"], "csat": csat["csat_mean"], "surveys": csat["surveys"]})
    return rows


def _tiles(a: dict[str, Any], now: datetime, formula: str) -> dict:
    today = call_figures(a["today"], formula)
    recent = call_figures(a["recent"], formula)
    csat = survey_figures(a["surveys"])
    agents = a["agents"]
    oldest = a["oldest"]
    return {
        "service_level": today["service_level"],
        "service_level_30m": recent["service_level"],
        "formula": formula,
        "offered": today["offered"],
        "answered": today["answered"],
        "calls_waiting": a["waiting"],
        "longest_wait": max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        "oldest_queued_at": oldest.replace(tzinfo=UTC).isoformat() if oldest else None,
        "asa": today["asa_seconds"],
        "abandon_rate": today["abandon_rate"],
        "connection_rate": today["connection_rate"],
        "aht": today["aht_seconds"],
        "agents_available": agents.get("available", 0),
        "agents_on_call": agents.get("on_call", 0),
        "agents_wrap_up": agents.get("wrap_up", 0),
        "agents_not_ready": agents.get("not_ready", 0),
        "agents_logged_in": sum(n for s, n in agents.items() if s != "logged_out"),
        "occupancy": occupancy(a["busy"], a["idle"]),
        "required_agents": a["required"],
        "csat": csat["csat_mean"],
        "csat_top2": csat["csat_top2"],
        "surveys": csat["surveys"],
    }


def live_queues(sources: Sources, now: datetime | None = None) -> dict:
    """Calls waiting and the oldest of them per scope (all, region, site), read alone: one grouped query, what the
    poller re-reads every `live_seconds` between two full polls ({"at", "scopes": {scope key: figures}})."""
    now = now or _utcnow()
    with sources.calls.connect() as conn:
        queues = queue_now(conn, now)
    waiting: dict[str, int] = defaultdict(int)
    oldest: dict[str, datetime] = {}
    keys_of = scopes_of(sources.config)
    for (site, group), q in queues.items():
        for scope in keys_of(site, group):
            waiting[scope] += q.waiting
            oldest[scope] = min(oldest.get(scope, q.oldest_queued_at), q.oldest_queued_at)
    return {"at": now.replace(tzinfo=UTC).isoformat(),
            "scopes": {scope: {"calls_waiting": waiting[scope], "oldest_queued_at":
                               oldest[scope].replace(tzinfo=UTC).isoformat() if scope in oldest else None}
                       for scope in {ALL, *waiting}}}


def live_snapshot(sources: Sources, memo: dict) -> dict:
    """The poller's snapshot plus what the wall needs to be honest about its sources.

    * `data_quality`: the counts of bad source rows (refreshed once a minute);
    * `replica_lag_seconds`: when a database is a lagging replica, `computed_at` is moved
      back by the lag, so the snapshot's age, the freshness indicator and /healthz show it;
    * `poller_pid`: which worker computed it.
    """
    calls_engine, tickets_engine = sources.calls, sources.tickets
    snapshot = compute_snapshot(sources, memo=memo)
    computed = datetime.fromisoformat(snapshot["computed_at"])
    lags = [replica_lag_seconds(calls_engine)]
    if tickets_engine is not calls_engine:
        lags.append(replica_lag_seconds(tickets_engine))
    lag = max((x for x in lags if x is not None), default=None)
    snapshot["polled_at"] = snapshot["computed_at"]
    snapshot["replica_lag_seconds"] = lag
    if lag:
        snapshot["computed_at"] = (computed - timedelta(seconds=lag)).isoformat()
    at, quality = memo.get("data_quality", (None, None))
    if at is None or computed - at >= REFRESH:
        quality = check_sources(sources, computed.replace(tzinfo=None))
        memo["data_quality"] = (computed, quality)
    snapshot["data_quality"] = {**snapshot.get("data_quality", {}), **quality}
    snapshot["poller_pid"] = os.getpid()
    return snapshot
