"""`/agent/<agent_id>` (`?day=` for a past day) — one agent's day: state timeline, calls by hour,
handle and talk time against the team median, surveys and comments, the last 30 days."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dash
from dash import Input, Output, State, dcc, html

from wallboard.auth.web import can_see_agents, can_view_page, require_agents, require_page
from wallboard.components.drill_figures import (
    create_agent_trend_figure,
    create_calls_by_hour_figure,
    create_graph,
    create_timeline_figure,
)
from wallboard.components.drill_tables import create_survey_list
from wallboard.components.formatting import seconds
from wallboard.components.navigation import create_crumbs, create_forbidden, create_not_found, site_crumbs
from wallboard.components.scope_tiles import create_team_tiles
from wallboard.components.timers import page_timers, register_drill_navigation, register_poll_gate
from wallboard.i18n import resolve, t
from wallboard.live.services import services
from wallboard.reports.drill_down import agent_day, agent_profile
from wallboard.reports.periods import local_today
from wallboard.routes import request_theme
from wallboard.urls import AGENT_PATH, SKILL_PATH, parse_day, url, valid_id

dash.register_page(__name__, path_template=AGENT_PATH, name="agent", title="Agent", order=6,
                   id_prefix="agent-", theme="light", roles=("manager", "admin"), scope="agent")

PARAMS = "agent-params"
TICK = "agent-tick"
POLL = "agent-poll-request"
SERVED = "agent-poll-served"
STATE = "agent-state"
DAY = "agent-day"
DAY_BASE = "agent-day-base"
NAV_SINK = "agent-nav-sink"
HISTORY_SECONDS = 60


def layout(agent_id: str | None = None, lang: str | None = None, day: str | None = None, **_query) -> html.Div:
    svc = services()
    cfg = svc.config
    lang = resolve(lang, cfg.language)
    profile = None
    if valid_id(agent_id):
        profile = svc.cached(f"agent:{agent_id}:profile", HISTORY_SECONDS,
                            lambda: agent_profile(svc.sources, agent_id) or False) or None  # False: "unknown" cached
    if profile is None:
        return create_not_found(lang, t("drill.unknown_agent", lang, id=agent_id or ""))
    site, group = profile["site"], profile["skill_group"]
    if not can_see_agents(site) or not can_view_page(url(AGENT_PATH, agent_id=agent_id)):
        return create_forbidden(lang)  # personal performance data: this site's managers and admins only
    zone = cfg.site_timezone(site)
    theme = request_theme("/agent/")
    today = local_today(cfg, site=site)
    chosen = parse_day(day, today)
    figures = svc.cached(f"agent:{agent_id}:{chosen}", HISTORY_SECONDS,
                         lambda: agent_day(svc.sources, agent_id, site, group, chosen))
    crumbs = site_crumbs(cfg, site, lang)
    if group:
        crumbs.append((cfg.skill_group(group).label(lang), url(SKILL_PATH, skill_group=group, site=site, lang=lang)))
    crumbs.append((profile["agent_name"] or agent_id, None))
    return html.Div(className="doc agent-page", **{"data-agent": agent_id}, children=[
        dcc.Store(id=PARAMS, data={"agent": agent_id, "lang": lang}), dcc.Store(id=NAV_SINK),
        dcc.Store(id=DAY_BASE, data=url(AGENT_PATH, agent_id=agent_id, lang=lang)),
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


def _state(agent_id: str, lang: str) -> list:
    row = services().reader().agent(agent_id)
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
    require_page(url(AGENT_PATH, agent_id=params["agent"]))
    return _state(params["agent"], params["lang"]), {"seq": request["seq"]}


register_drill_navigation(NAV_SINK, day=(DAY, DAY_BASE))
register_poll_gate(TICK, POLL, SERVED)
