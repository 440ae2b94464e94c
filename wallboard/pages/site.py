"""`/site/<site_id>` — one site for a manager: live tiles, skill groups, agents, today against past weeks,
history by day or hour, and the other sites over the same period."""

from __future__ import annotations

from datetime import date, timedelta

import dash
from dash import Input, Output, State, dcc, html

from wallboard.auth import can_see_agents, can_view_site, require_site, visible_sites
from wallboard.components.data_grid import create_grid
from wallboard.components.drill_down import (
    agent_grid_columns,
    agent_grid_rows,
    create_comparison_figure,
    create_crumbs,
    create_forbidden,
    create_graph,
    create_history_figure,
    create_hour_profile_figure,
    create_kpi_table,
    create_not_found,
    create_period_controls,
    create_scope_tiles,
    create_site_group_table,
)
from wallboard.components.timers import page_timers, register_drill_navigation, register_poll_gate
from wallboard.data_access.drill_down import local_today, period_rows, weekday_profile
from wallboard.data_access.snapshot import group_scope_key, scope_key
from wallboard.i18n import resolve, t
from wallboard.query import PeriodView, parse_period
from wallboard.services import request_theme, services

dash.register_page(__name__, path_template="/site/<site_id>", name="site", title="Site")

PARAMS = "site-params"
TICK = "site-tick"
POLL = "site-poll-request"
SERVED = "site-poll-served"
TILES = "site-tiles"
GROUPS = "site-groups"
AGENTS = "site-agents"
PROFILE = "site-profile"
HISTORY = "site-history"
COMPARE = "site-compare"
PERIOD = "site-period"
ROW_LINK = "site-row-link"
NAV_SINK = "site-nav-sink"  # clientside navigation callbacks need an output; they never write it
HISTORY_SECONDS = 60  # period figures are recomputed at most once a minute per view, whatever the screens
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
    if not can_view_site(site_id):
        return create_forbidden(lang)
    theme = request_theme("/site/")
    today = local_today(cfg, site_id)
    view = parse_period(query.get("from"), query.get("to"), query.get("by"), today)
    name = cfg.site(site_id).label(lang)
    base = f"/site/{site_id}?lang={lang}"

    def cached(key: str, compute):
        return svc.cached(f"site:{site_id}:{key}", HISTORY_SECONDS, compute)

    engines = (svc.calls_engine, svc.tickets_engine, cfg)
    profile = cached(f"profile:{today}", lambda: weekday_profile(*engines, today, site=site_id))
    history = cached(f"history:{view.query()}", lambda: period_rows(*engines, view.start, view.end, view.by,
                                                                    site=site_id))
    others = svc.cached(f"sites:{view.query()}", HISTORY_SECONDS,
                        lambda: period_rows(*engines, view.start, view.end, "site"))
    shown = set(visible_sites([r["key"] for r in others]))
    others = [r for r in others if r["key"] in shown]  # a manager compares the sites they may see

    def site_href(other: str) -> str:
        return f"/site/{other}?lang={lang}&{view.query()}"

    return html.Div(className="doc site-page", **{"data-site": site_id}, children=[
        dcc.Store(id=PARAMS, data={"site": site_id, "lang": lang}),
        dcc.Store(id=ROW_LINK, data=f"/agent/{{id}}?lang={lang}"), dcc.Store(id=NAV_SINK),
        *page_timers(TICK, POLL, SERVED, cfg.poll_seconds),
        create_crumbs([(t("all_sites", lang), f"/?lang={lang}"), (name, None)]),
        html.Div(className="doc-head", children=[
            html.H1([name, html.Span(f" · {t('drill.site', lang)}", className="muted")]),
            html.A([html.I(className="bi bi-display"), " ", t("drill.open_wall", lang)],
                   href=f"/?site={site_id}&lang={lang}", className="doc-action"),
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
            html.H2(t("drill.agents_title", lang)),
            create_grid(AGENTS, agent_grid_columns(lang), _agent_rows(site_id, lang), height="360px",
                        row_id="agent_id") if can_see_agents(site_id)
            else html.P(t("auth.agents_hidden", lang), className="muted"),
        ]),
        html.Section(className="card-panel", children=[
            html.Div(className="doc-head", children=[
                html.H2(t("drill.history_title", lang)),
                create_period_controls(PERIOD, view, lang, base),
            ]),
            create_graph(HISTORY, create_history_figure(history, theme, lang, _history_href(site_id, lang, view)),
                         clickable=view.by == "day"),
            create_kpi_table(history, lang, t(f"drill.by_{view.by}", lang), table_id="site-history-table"),
        ]),
        html.Section(className="card-panel", children=[
            html.H2(t("drill.compare_title", lang, start=view.start.isoformat(), end=view.last_day.isoformat())),
            html.Div(className="doc-grid-2", children=[
                create_graph(COMPARE, create_comparison_figure(
                    others, site_id, lambda s: cfg.site(s).label(lang), theme, lang, site_href), clickable=True),
                create_kpi_table(others, lang, t("groups.site", lang), key_label=lambda s: cfg.site(s).label(lang),
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
        return f"/site/{site_id}?lang={lang}&from={day}&to={day + timedelta(days=1)}&by=hour"
    return href


def _tiles(site_id: str, lang: str) -> list:
    svc = services()
    snapshot = svc.snapshot() or {}
    tiles = snapshot.get("scopes", {}).get(scope_key(site_id))
    groups = svc.snapshot_part("group_scopes", {})
    children = {row["skill_group"]: groups.get(group_scope_key(row["skill_group"], site_id), {})
                for row in snapshot.get("skill_groups", {}).get(scope_key(site_id), [])}
    return create_scope_tiles(SITE_TILES, tiles, children, svc.config, lang,
                              lambda g: f"/skill/{g}?site={site_id}&lang={lang}")


def _groups(site_id: str, lang: str):
    rows = (services().snapshot() or {}).get("skill_groups", {}).get(scope_key(site_id), [])
    return create_site_group_table(rows, services().config, lang)


def _agent_rows(site_id: str, lang: str) -> list[dict]:
    if not can_see_agents(site_id):
        return []
    cfg = services().config
    rows = [r for r in services().snapshot_part("agents", []) if r["site"] == site_id]
    return agent_grid_rows(rows, lang, lambda g: cfg.skill_group(g).label(lang) if g else "—",
                           lambda a: f"/agent/{a}?lang={lang}")


@dash.callback(Output(TILES, "children"), Output(GROUPS, "children"), Output(AGENTS, "rowData"),
               Output(SERVED, "data"), Input(POLL, "data"), State(PARAMS, "data"), prevent_initial_call=True)
def refresh_site(request: dict, params: dict) -> tuple:
    """The live parts, from the cached snapshot (no database access here)."""
    site_id, lang = params["site"], params["lang"]
    require_site(site_id)
    return _tiles(site_id, lang), _groups(site_id, lang), _agent_rows(site_id, lang), {"seq": request["seq"]}


register_drill_navigation(NAV_SINK, charts=(HISTORY, COMPARE), grid=(AGENTS, ROW_LINK), period=PERIOD)
register_poll_gate(TICK, POLL, SERVED)
