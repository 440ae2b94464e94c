"""`/site/<site_id>` — one site for a manager: live tiles, skill groups, agents, today against past weeks,
history by day or hour, and the other sites over the same period."""

from __future__ import annotations

import time
from datetime import date, timedelta

import dash
from dash import Input, Output, State, dcc, html

from wallboard.auth.web import can_see_agents, can_view_page, can_view_site, require_page, require_site, visible_sites
from wallboard.components.agent_board import create_agent_board, register_agent_ticks
from wallboard.components.agent_grid import agent_grid_columns, agent_grid_rows
from wallboard.components.data_grid import LONG_ROWS, create_grid
from wallboard.components.drill_figures import (
    create_comparison_figure,
    create_graph,
    create_history_figure,
    create_hour_profile_figure,
)
from wallboard.components.drill_tables import create_kpi_table, create_site_group_table
from wallboard.components.navigation import (
    create_crumbs,
    create_forbidden,
    create_not_found,
    create_period_controls,
    site_crumbs,
)
from wallboard.components.scope_tiles import create_scope_tiles
from wallboard.components.timers import page_timers, register_drill_navigation, register_poll_gate
from wallboard.i18n import resolve, t
from wallboard.live.services import services
from wallboard.reports.drill_down import period_rows, weekday_profile
from wallboard.reports.first_views import PERIOD_SECONDS, site_comparison
from wallboard.reports.periods import local_today
from wallboard.routes import request_theme
from wallboard.urls import AGENT_PATH, SITE_PATH, SKILL_PATH, WALL_PATH, PeriodView, parse_period, url

dash.register_page(__name__, path_template=SITE_PATH, name="site", title="Site", order=4,
                   id_prefix="site-", theme="light", roles=("kiosk", "manager", "admin"), scope="one_site")

PARAMS = "site-params"
TICK = "site-tick"
POLL = "site-poll-request"
SERVED = "site-poll-served"
TILES = "site-tiles"
GROUPS = "site-groups"
AGENTS = "site-agents"
BOARD = "site-agent-board"
BOARD_PER_PAGE = 60  # a laptop's half screen of cells; more page every 10 s
PROFILE = "site-profile"
HISTORY = "site-history"
COMPARE = "site-compare"
PERIOD = "site-period"
ROW_LINK = "site-row-link"
NAV_SINK = "site-nav-sink"  # clientside navigation callbacks need an output; they never write it
SITE_TILES = ("service_level", "calls_waiting", "longest_wait", "asa", "abandon_rate", "connection_rate",
              "agents_available", "agents_on_call", "agents_not_ready", "required_agents", "csat")


def known_site(site_id: str | None) -> bool:
    return bool(site_id) and site_id in services().known_sites()


def layout(site_id: str | None = None, lang: str | None = None, **query) -> html.Div:
    svc = services()
    cfg = svc.config
    lang = resolve(lang, cfg.language)
    if not known_site(site_id):
        return create_not_found(lang, t("drill.unknown_site", lang, id=site_id or ""))
    if not can_view_site(site_id) or not can_view_page(url(SITE_PATH, site_id=site_id)):
        return create_forbidden(lang)
    theme = request_theme("/site/")
    today = local_today(cfg, site=site_id)
    view = parse_period(query.get("from"), query.get("to"), query.get("by"), today)
    name = cfg.site(site_id).label(lang)

    def cached(key: str, compute):
        return svc.cached(f"site:{site_id}:{key}", PERIOD_SECONDS, compute)

    profile = cached(f"profile:{today}", lambda: weekday_profile(svc.sources, today, site=site_id))
    history = cached(f"history:{view.query()}", lambda: period_rows(svc.sources, view.start, view.end, view.by,
                                                                    site=site_id))
    others = svc.figure(site_comparison(svc.sources, view))
    shown = set(visible_sites([r["key"] for r in others]))
    others = [r for r in others if r["key"] in shown]  # a manager compares the sites they may see

    def site_href(other: str) -> str:
        return url(SITE_PATH, site_id=other, lang=lang, **view.params())

    return html.Div(className="doc site-page", **{"data-site": site_id}, children=[
        dcc.Store(id=PARAMS, data={"site": site_id, "lang": lang}),
        dcc.Store(id=ROW_LINK, data=url("/agent/{id}", lang=lang)), dcc.Store(id=NAV_SINK),
        *page_timers(TICK, POLL, SERVED, cfg.poll_seconds),
        create_crumbs(site_crumbs(cfg, site_id, lang, link_site=False)),
        html.Div(className="doc-head", children=[
            html.H1([name, html.Span(f" · {t('drill.site', lang)}", className="muted")]),
            html.A([html.I(className="bi bi-display"), " ", t("drill.open_wall", lang)],
                   href=url(WALL_PATH, site=site_id, lang=lang), className="doc-action"),
        ]),
        html.Div(id=TILES, className="tiles", children=_tiles(site_id, lang)),
        html.Div(className="doc-grid-2", children=[
            html.Section(className="card-panel", children=[
                html.H2(t("groups.title", lang)), html.Div(id=GROUPS, children=_groups(site_id, lang))]),
            html.Section(className="card-panel", children=[
                html.H2(t("drill.profile_title", lang, day=today.isoformat())),
                create_graph(PROFILE, create_hour_profile_figure(profile, theme, lang))]),
        ]),
        html.Section(className="card-panel", children=[
            html.H2(t("agents.board_title", lang)),
            html.Div(id=BOARD, children=_board(site_id, lang)),
        ]),
        html.Section(className="card-panel", children=[
            html.H2(t("agents.today_title", lang)),
            create_grid(AGENTS, agent_grid_columns(lang), _agent_rows(site_id, lang), height="360px",
                        row_id="agent_id") if can_see_agents(site_id)
            else html.P(t("auth.agents_hidden", lang), className="muted"),
        ]),
        html.Section(className="card-panel", children=[
            html.Div(className="doc-head", children=[
                html.H2(t("drill.history_title", lang)),
                create_period_controls(PERIOD, view, lang, url(SITE_PATH, site_id=site_id, lang=lang)),
            ]),
            create_graph(HISTORY, create_history_figure(history, theme, lang, _history_href(site_id, lang, view)),
                         clickable=view.by == "day"),
            create_kpi_table(history, lang, t(f"drill.by_{view.by}", lang), table_id="site-history-table"),
        ]),
        html.Section(className="card-panel", children=[
            html.H2(t("drill.compare_title", lang, start=view.start.isoformat(), end=view.last_day.isoformat())),
            html.Div(className="doc-grid-2" if len(others) <= LONG_ROWS else "doc-stack", children=[
                create_graph(COMPARE, create_comparison_figure(
                    others, site_id, cfg.site_name(lang), theme, lang, site_href), clickable=True),
                create_kpi_table(others, lang, t("groups.site", lang), key_label=cfg.site_name(lang),
                                 href=site_href, current=site_id, table_id="site-compare-table"),
            ]),
        ]),
    ])


def _history_href(site_id: str, lang: str, view: PeriodView):
    """A day's bar opens that day by hour; an hour has no finer view."""
    if view.by != "day":
        return lambda key: None

    def href(key: str) -> str:
        day = date.fromisoformat(key)
        return url(SITE_PATH, site_id=site_id, lang=lang, **{"from": day.isoformat()},
                   to=(day + timedelta(days=1)).isoformat(), by="hour")
    return href


def _tiles(site_id: str, lang: str) -> list:
    svc = services()
    live = svc.reader()
    children = {row["skill_group"]: live.group_tiles(row["skill_group"], site_id) or {}
                for row in live.group_rows(site_id)}
    return create_scope_tiles(SITE_TILES, live.tiles(site_id), children, svc.config, lang,
                              lambda g: url(SKILL_PATH, skill_group=g, site=site_id, lang=lang))


def _groups(site_id: str, lang: str):
    return create_site_group_table(services().reader().group_rows(site_id), services().config, lang)


def _board(site_id: str, lang: str):
    """Who is in which state, and for how long: the floor's view, open to whoever may see the site."""
    return create_agent_board(services().reader().agents(site=site_id), services().config.agent_limits, lang,
                              "site-", BOARD_PER_PAGE, time.time())


def _agent_rows(site_id: str, lang: str) -> list[dict]:
    if not can_see_agents(site_id):
        return []
    cfg = services().config
    return agent_grid_rows(services().reader().agents(site=site_id), lang, cfg.group_name(lang),
                           lambda a: url(AGENT_PATH, agent_id=a, lang=lang))


@dash.callback(Output(TILES, "children"), Output(GROUPS, "children"), Output(AGENTS, "rowData"),
               Output(BOARD, "children"), Output(SERVED, "data"), Input(POLL, "data"), State(PARAMS, "data"),
               prevent_initial_call=True)
def refresh_site(request: dict, params: dict) -> tuple:
    """The live parts, from the cached snapshot (no database access here)."""
    site_id, lang = params["site"], params["lang"]
    require_site(site_id)
    require_page(url(SITE_PATH, site_id=site_id))  # a kiosk given /site/BJ gets no other site's live parts
    return (_tiles(site_id, lang), _groups(site_id, lang), _agent_rows(site_id, lang), _board(site_id, lang),
            {"seq": request["seq"]})


register_drill_navigation(NAV_SINK, charts=(HISTORY, COMPARE), grid=(AGENTS, ROW_LINK), period=PERIOD)
register_poll_gate(TICK, POLL, SERVED)
register_agent_ticks(TICK, "site-")
