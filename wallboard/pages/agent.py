"""`/agent/<agent_id>` (`?day=` for a past day) — one agent's day: state timeline, calls by hour,
handle and talk time against the team median, surveys and comments, the last 30 days."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dash
from dash import Input, Output, State, dcc, html

from wallboard.auth import can_see_agents, require_agents
from wallboard.components.drill_down import (
    create_agent_trend_figure,
    create_calls_by_hour_figure,
    create_crumbs,
    create_forbidden,
    create_graph,
    create_not_found,
    create_survey_list,
    create_team_tiles,
    create_timeline_figure,
)
from wallboard.components.formatting import seconds
from wallboard.components.timers import page_timers, register_drill_navigation, register_poll_gate
from wallboard.data_access.agent_activity import agent_profile, recent_surveys, state_spans
from wallboard.data_access.drill_down import local_today, period_rows, team_figures
from wallboard.data_access.kpi_queries import to_utc_naive
from wallboard.i18n import resolve, t
from wallboard.query import parse_day, valid_id
from wallboard.services import request_theme, services

dash.register_page(__name__, path_template="/agent/<agent_id>", name="agent", title="Agent")

PARAMS = "agent-params"
TICK = "agent-tick"
POLL = "agent-poll-request"
SERVED = "agent-poll-served"
STATE = "agent-state"
DAY = "agent-day"
DAY_BASE = "agent-day-base"
NAV_SINK = "agent-nav-sink"
HISTORY_SECONDS = 60
TREND_DAYS = 30
SURVEYS_SHOWN = 15


def layout(agent_id: str | None = None, lang: str | None = None, day: str | None = None, **_query) -> html.Div:
    svc = services()
    cfg = svc.config
    lang = resolve(lang, cfg.language)
    profile = None
    if valid_id(agent_id):
        profile = svc.cached(f"agent:{agent_id}:profile", HISTORY_SECONDS,
                            lambda: _profile(agent_id)) or None
    if profile is None:
        return create_not_found(lang, t("drill.unknown_agent", lang, id=agent_id or ""))
    site, group = profile["site"], profile["skill_group"]
    if not can_see_agents(site):  # personal performance data: this site's managers and admins only
        return create_forbidden(lang)
    zone = cfg.site_timezone(site)
    theme = request_theme("/agent/")
    today = local_today(cfg, site)
    chosen = parse_day(day, today)
    figures = svc.cached(f"agent:{agent_id}:{chosen}", HISTORY_SECONDS, lambda: _day_figures(agent_id, site, group,
                                                                                           chosen, zone))
    crumbs = [(t("all_sites", lang), f"/?lang={lang}"), (cfg.site(site).label(lang), f"/site/{site}?lang={lang}")]
    if group:
        crumbs.append((cfg.skill_group(group).label(lang), f"/skill/{group}?site={site}&lang={lang}"))
    crumbs.append((profile["agent_name"] or agent_id, None))
    return html.Div(className="doc agent-page", **{"data-agent": agent_id}, children=[
        dcc.Store(id=PARAMS, data={"agent": agent_id, "lang": lang}), dcc.Store(id=NAV_SINK),
        dcc.Store(id=DAY_BASE, data=f"/agent/{agent_id}?lang={lang}"),
        *page_timers(TICK, POLL, SERVED, cfg.poll_seconds),
        create_crumbs(crumbs),
        html.Div(className="doc-head", children=[
            html.H1([profile["agent_name"] or agent_id, html.Span(f" · {agent_id}", className="muted")]),
            html.Div(id=STATE, className="agent-state", children=_state(agent_id, lang)),
            html.Div(className="controls", children=[
                html.Label(t("drill.day", lang), htmlFor=DAY),
                dcc.Input(id=DAY, type="date", value=chosen.isoformat(), max=today.isoformat(), debounce=True,
                          className="form-control date-input"),
            ]),
        ]),
        html.Div(className="tiles", children=create_team_tiles(figures["team"], lang)),
        html.P(t("drill.team_size", lang, n=figures["team"]["team_size"]), className="muted"),
        html.Section(className="card-panel", children=[
            html.H2(t("drill.timeline_title", lang, day=chosen.isoformat())),
            create_graph("agent-timeline", create_timeline_figure(figures["spans"], zone, theme, lang))]),
        html.Div(className="doc-grid-2", children=[
            html.Section(className="card-panel", children=[
                html.H2(t("drill.by_hour_title", lang, day=chosen.isoformat())),
                create_graph("agent-hours", create_calls_by_hour_figure(figures["hours"], theme, lang))]),
            html.Section(className="card-panel", children=[
                html.H2(t("drill.trend_title", lang)),
                create_graph("agent-trend", create_agent_trend_figure(figures["trend"], theme, lang))]),
        ]),
        html.Section(className="card-panel", children=[
            html.H2(t("drill.surveys_title", lang)), create_survey_list(figures["surveys"], lang, zone)]),
    ])


def _profile(agent_id: str) -> dict | bool:
    with services().calls_engine.connect() as conn:
        return agent_profile(conn, agent_id) or False  # False: cached as "unknown" too


def _day_figures(agent_id: str, site: str, group: str | None, day, zone: str) -> dict:
    """Everything the page draws for one day (cached as one value): all from the KPI engine or the state log."""
    svc = services()
    engines = (svc.calls_engine, svc.tickets_engine, svc.config)
    tz = ZoneInfo(zone)
    lo = to_utc_naive(datetime.combine(day, time(0), tzinfo=tz))
    hi = to_utc_naive(datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz))
    now = datetime.now(UTC).replace(tzinfo=None)
    with svc.calls_engine.connect() as conn:
        spans = state_spans(conn, lo, min(hi, now), agent_id=agent_id)
    with svc.tickets_engine.connect() as conn:
        surveys = recent_surveys(conn, hi - timedelta(days=TREND_DAYS), hi, agent_id=agent_id, limit=SURVEYS_SHOWN)
    return {
        "team": team_figures(*engines, day, agent_id, site, group),
        "spans": [{"state": s.state, "reason": s.reason, "start": s.start.replace(tzinfo=UTC).isoformat(),
                   "end": s.end.replace(tzinfo=UTC).isoformat()} for s in spans],
        "hours": period_rows(*engines, day, day + timedelta(days=1), "hour", site=site, agent_id=agent_id),
        "trend": period_rows(*engines, day - timedelta(days=TREND_DAYS - 1), day + timedelta(days=1), "day",
                             site=site, agent_id=agent_id),
        "surveys": surveys,
    }


def _state(agent_id: str, lang: str) -> list:
    row = next((r for r in services().snapshot_part("agents", []) if r["agent_id"] == agent_id), None)
    if row is not None:
        require_agents(row["site"])
    if row is None:
        return [html.Span(t("state.logged_out", lang), className="state-chip", **{"data-state": "logged_out"})]
    since = datetime.fromisoformat(row["since"]).astimezone(ZoneInfo(services().config.site_timezone(row["site"])))
    return [html.Span(t(f"state.{row['state']}", lang), className="state-chip", **{"data-state": row["state"]}),
            html.Span(row["reason"] or "", className="muted"),
            html.Span(f"{t('drill.since', lang, time=since.strftime('%H:%M:%S'))} · {seconds(row['state_seconds'])}",
                      className="muted")]


@dash.callback(Output(STATE, "children"), Output(SERVED, "data"), Input(POLL, "data"), State(PARAMS, "data"),
               prevent_initial_call=True)
def refresh_agent(request: dict, params: dict) -> tuple:
    """The agent's state now, from the cached snapshot."""
    return _state(params["agent"], params["lang"]), {"seq": request["seq"]}


register_drill_navigation(NAV_SINK, day=(DAY, DAY_BASE))
register_poll_gate(TICK, POLL, SERVED)
