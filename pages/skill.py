"""`/skill/<skill_group>` (`?site=` for one site, `?day=` for a past day) — a queue for a manager:
the calls waiting now, service level, ASA and abandons by hour, staffing by hour, the agents who serve it."""

from __future__ import annotations

import dash
from dash import ALL, ClientsideFunction, Input, Output, State, dcc, html

from wallboard.auth.web import can_see_agents, can_view_page, page_scope, require_page, require_site
from wallboard.components.agent_grid import agent_grid_columns, agent_grid_rows
from wallboard.components.data_grid import create_grid
from wallboard.components.drill_figures import create_graph, create_interval_figure, create_staffing_figure
from wallboard.components.drill_tables import create_staffing_table, create_waiting_table
from wallboard.components.navigation import create_crumbs, create_forbidden, create_not_found, site_crumbs
from wallboard.components.scope_tiles import create_scope_tiles
from wallboard.components.timers import page_timers, register_drill_navigation, register_poll_gate
from wallboard.i18n import resolve, t
from wallboard.live.services import services
from wallboard.reports.drill_down import staffing_by_hour
from wallboard.reports.periods import local_today
from wallboard.routes import request_theme
from wallboard.urls import AGENT_PATH, SKILL_PATH, parse_day, url

dash.register_page(__name__, path_template=SKILL_PATH, name="skill", title="Skill group", order=5,
                   id_prefix="skill-", theme="light", roles=("kiosk", "manager", "admin"), scope="skill_group")

PARAMS = "skill-params"
TICK = "skill-tick"
POLL = "skill-poll-request"
SERVED = "skill-poll-served"
TILES = "skill-tiles"
QUEUE = "skill-queue"
AGENTS = "skill-agents"
DAY = "skill-day"
DAY_BASE = "skill-day-base"
ROW_LINK = "skill-row-link"
NAV_SINK = "skill-nav-sink"
WAIT = "skill-wait"  # pattern-matching type of the ticking waits
HISTORY_SECONDS = 60
GROUP_TILES = ("service_level", "calls_waiting", "longest_wait", "asa", "abandon_rate", "connection_rate",
               "agents_available", "agents_on_call", "required_agents")


def known_group(group: str | None) -> bool:
    svc = services()
    return bool(group) and group in svc.known_skill_groups()


def layout(skill_group: str | None = None, site: str | None = None, lang: str | None = None,
           day: str | None = None, **_query) -> html.Div:
    svc = services()
    cfg = svc.config
    lang = resolve(lang, cfg.language)
    if not known_group(skill_group):
        return create_not_found(lang, t("drill.unknown_group", lang, id=skill_group or ""))
    site = site if site in svc.known_sites() else None
    site, allowed = page_scope(site)
    if not allowed or not can_view_page(url(SKILL_PATH, skill_group=skill_group)):
        return create_forbidden(lang)
    theme = request_theme("/skill/")
    today = local_today(cfg, site=site)
    chosen = parse_day(day, today)
    rows = svc.cached(f"staffing:{skill_group}:{site}:{chosen}", HISTORY_SECONDS, lambda: staffing_by_hour(
        svc.sources, chosen, skill_group, site=site))
    group_name = cfg.skill_group(skill_group).label(lang)
    crumbs = site_crumbs(cfg, site, lang)
    crumbs.append((group_name, None))
    return html.Div(className="doc skill-page", **{"data-skill-group": skill_group}, children=[
        dcc.Store(id=PARAMS, data={"group": skill_group, "site": site, "lang": lang}),
        dcc.Store(id=ROW_LINK, data=url("/agent/{id}", lang=lang)), dcc.Store(id=NAV_SINK),
        dcc.Store(id=DAY_BASE, data=url(SKILL_PATH, skill_group=skill_group, site=site, lang=lang)),
        *page_timers(TICK, POLL, SERVED, cfg.poll_seconds),
        create_crumbs(crumbs),
        html.Div(className="doc-head", children=[
            html.H1([group_name, html.Span(f" · {cfg.site(site).label(lang) if site else t('all_sites', lang)}",
                                           className="muted")]),
            html.Div(className="controls", children=[
                html.Label(t("drill.day", lang), htmlFor=DAY),
                dcc.Input(id=DAY, type="date", value=chosen.isoformat(), max=today.isoformat(), debounce=True,
                          className="form-control date-input"),
            ]),
        ]),
        html.Div(id=TILES, className="tiles", children=_tiles(skill_group, site, lang)),
        html.Div(className="doc-grid-2", children=[
            html.Section(className="card-panel", children=[
                html.H2(t("drill.queue_title", lang)), html.Div(id=QUEUE, children=_queue(skill_group, site, lang))]),
            html.Section(className="card-panel", children=[
                html.H2(t("drill.intervals_title", lang, day=chosen.isoformat())),
                create_graph("skill-intervals", create_interval_figure(rows, theme, lang))]),
        ]),
        html.Div(className="doc-grid-2", children=[
            html.Section(className="card-panel", children=[
                html.H2(t("drill.staffing_title", lang, day=chosen.isoformat())),
                create_graph("skill-staffing", create_staffing_figure(rows, theme, lang))]),
            html.Section(className="card-panel", children=[
                html.H2(t("drill.serving_title", lang)),
                create_grid(AGENTS, agent_grid_columns(lang, with_group=False), _agents(skill_group, site, lang),
                            height="300px", row_id="agent_id") if can_see_agents(site)
                else html.P(t("auth.agents_hidden", lang), className="muted")]),
        ]),
        html.Section(className="card-panel kpi-table-wrap", children=[
            html.H2(t("drill.by_hour_table", lang, day=chosen.isoformat())),
            create_staffing_table(rows, lang, table_id="skill-hours-table")]),
    ])


def _tiles(group: str, site: str | None, lang: str) -> list:
    svc = services()
    live = svc.reader()
    # across all sites, a tile opens the site where this group is worst; within a site there is no level below
    children = {} if site else live.group_site_tiles(group)
    return create_scope_tiles(GROUP_TILES, live.group_tiles(group, site), children, svc.config, lang,
                              lambda s: url(SKILL_PATH, skill_group=group, site=s, lang=lang))


def _queue(group: str, site: str | None, lang: str):
    cfg = services().config
    return create_waiting_table(services().reader().waiting(group, site), lang, cfg.group_name(lang),
                                cfg.site_name(lang), WAIT)


def _agents(group: str, site: str | None, lang: str) -> list[dict]:
    cfg = services().config
    rows = [r for r in services().reader().agents(site=site, skill_group=group) if can_see_agents(r["site"])]
    return agent_grid_rows(rows, lang, cfg.group_name(lang),
                           lambda a: url(AGENT_PATH, agent_id=a, lang=lang))


@dash.callback(Output(TILES, "children"), Output(QUEUE, "children"), Output(AGENTS, "rowData"),
               Output(SERVED, "data"), Input(POLL, "data"), State(PARAMS, "data"), prevent_initial_call=True)
def refresh_skill(request: dict, params: dict) -> tuple:
    """The live parts, from the cached snapshot (no database access here)."""
    group, site, lang = params["group"], params["site"], params["lang"]
    require_site(site)
    require_page(url(SKILL_PATH, skill_group=group))
    return (_tiles(group, site, lang), _queue(group, site, lang), _agents(group, site, lang),
            {"seq": request["seq"]})


dash.clientside_callback(
    ClientsideFunction(namespace="drill", function_name="tickSince"),
    Output({"type": WAIT, "index": ALL}, "children"),
    Input(TICK, "n_intervals"), State({"type": WAIT, "index": ALL}, "data-since"), prevent_initial_call=True)
register_drill_navigation(NAV_SINK, grid=(AGENTS, ROW_LINK), day=(DAY, DAY_BASE))
register_poll_gate(TICK, POLL, SERVED)
