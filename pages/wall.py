"""`/` — the live wall: all sites, one region's with `?region=`, one site's with `?site=`, or a configured layout's
with `?layout=` (its tiles, panels, sites and skill groups; a kiosk given a layout shows only that one)."""

from __future__ import annotations

import math
import time

import dash
from dash import ALL, ClientsideFunction, Input, Output, State, ctx, dcc, html

from wallboard.auth.web import (
    asked_layout,
    can_view_page,
    can_view_site,
    current_principal,
    may_see_layout,
    page_scope,
    wall_scope,
)
from wallboard.components.agent_board import create_agent_board, register_agent_ticks
from wallboard.components.alert_banner import create_alert_banner
from wallboard.components.formatting import countdown, seconds, seconds_since
from wallboard.components.intraday_chart import create_intraday_figure, patch_intraday_figure
from wallboard.components.kpi_tile import LEVEL_ICONS, create_kpi_tile, tile_id
from wallboard.components.navigation import create_forbidden, create_not_found, site_crumbs
from wallboard.components.paging import PAGE_SECONDS, create_page_caption, page_props, page_slice
from wallboard.components.serialised import to_plain
from wallboard.components.site_heatmap import NAMED_UP_TO, ORDER, create_site_heatmap, site_levels, worst_rows
from wallboard.components.tile_values import (
    COMPLAINT_TILES,
    MAIN_TILES,
    QUEUE_TILES,
    SPECS,
    group_cells,
    group_level,
    tile_content,
    worst_scope,
)
from wallboard.components.timers import page_timers, register_poll_gate, register_queue_feed
from wallboard.config import COMPLAINT_DUE, WallLayout
from wallboard.i18n import resolve, t
from wallboard.live.reader import SnapshotReader, WallView
from wallboard.live.services import services
from wallboard.urls import COMPLAINTS_PATH, QUEUE_STREAM_PATH, SITE_PATH, SKILL_PATH, WALL_PATH, url

dash.register_page(__name__, path=WALL_PATH, name="wall", title="Wallboard", order=0, nav="nav.wall", id_prefix="wall-",
                   theme="dark", roles=("kiosk", "manager", "admin"), scope="all_or_site", kiosk_default=True)

PARAMS = "wall-params"
TICK = "wall-tick"  # page-local timers: a page's callbacks fire only while it is shown
POLL = "wall-poll-request"
SERVED = "wall-poll-served"
META = "wall-meta"
GROUPS = "wall-groups"
COMPLAINTS = "wall-complaints"
TICKER = "wall-ticker"
SCOPE_TITLE = "wall-scope-title"
COUNTDOWN = "wall-countdown"
GROUP_OLDEST = "wall-group-oldest"
CHART = "wall-intraday"
VIEWPORT = "wall-viewport"
BANNER = "wall-alert-banner"
LEVELS = "wall-site-levels"  # {site: level}: what a poll sends for the site cells (applied in the browser)
LEVELS_APPLIED = "wall-site-levels-applied"
QUEUE_FEED = "wall-queue-feed"  # where calls waiting and the longest wait are pushed from (data age ≤ 3 s)
QUEUE_FEED_OPEN = "wall-queue-feed-open"
WORST_ROWS = 7  # queue rows the all-sites wall of many sites shows at once: the worst, which fit the panel
WORST_PAGES = 4  # ... paging through up to this many pages of queues at warn or alert
AGENTS = "wall-agents"
AGENTS_PER_PAGE = 15  # cells the agents panel of a wall holds at once (read at 5 m); more page every 10 s
ALL_SITES_PANELS = ("sites", "groups", "chart", "complaints")
ONE_SITE_PANELS = ("groups", "agents", "complaints")  # a team's floor: its queues, its agents, its complaints


def layout(site: str | None = None, region: str | None = None, lang: str | None = None,
           layout: str | None = None, **_query) -> html.Div:
    cfg = services().config
    lang = resolve(lang, cfg.language)
    live = services().reader()
    name = asked_layout(layout)
    if name is not None:
        if cfg.layout(name) is None:
            return create_not_found(lang, t("layouts.unknown", lang, name=name))
        if not may_see_layout(cfg, name) or not can_view_page(WALL_PATH):
            return create_forbidden(lang)
        view = _view(None, None, cfg.layout(name))
    else:
        if site not in services().known_sites():
            site = None  # an unknown ?site= shows all sites rather than an empty wall
        if site or cfg.region(region or "") is None:
            region = None  # a site's wall is its own; an unknown region shows all sites
        site, allowed = page_scope(site) if region is None else (None, _may_see_region(region))
        if not allowed or not can_view_page(WALL_PATH):
            return create_forbidden(lang)
        view = _view(site, region, None)
    tiles = view.live_tiles(live)
    panels = view.panels
    many = view.one_site is None and _cell_count(live, view) > NAMED_UP_TO
    cells = (create_site_heatmap(cfg, _levels(live, view), _shown_sites(live, view), lang, _site_href(lang),
                                 view.region, None if view.region or view.layout else _region_href(lang),
                                 only=view.sites if view.layout else None)
             if "sites" in panels and view.one_site is None else None)
    main, second, in_panel = _tile_rows(view.tiles, "complaints" in panels)

    def tiles_row(names, css):
        specs = [SPECS[n] for n in names]
        return html.Div(className=css, hidden=not specs, children=[
            html.A(create_kpi_tile(s.name, t(f"kpi.{s.name}", lang), *tile_content(s.name, tiles, cfg, lang),
                                   lang=lang, size=s.size),
                   id=tile_id("link", s.name), className="kpi-link",
                   href=_tile_href(s.name, live, view, lang))
            for s in specs])

    def panel(key: str, css: str, children: list, shown: bool = True) -> html.Section:
        return html.Section(className=f"panel {css}", hidden=not shown or key not in panels,
                            style={"order": panels.index(key)} if key in panels else None, children=children)

    heatmap_panel = many and cells is not None  # few sites' cells are in the head
    return html.Div(className="wall" + ("" if main else " no-main") + ("" if second else " no-second"), children=[
        dcc.Store(id=PARAMS, data={"site": view.site, "region": view.region, "layout": view.layout_name,
                                   "lang": lang}),
        *page_timers(TICK, POLL, SERVED, cfg.poll_seconds),
        *([dcc.Store(id=QUEUE_FEED, data={"url": url(QUEUE_STREAM_PATH, site=view.site, region=view.region,
                                                     layout=view.layout_name, lang=lang),
                                          "path": WALL_PATH, "meta": META}), dcc.Store(id=QUEUE_FEED_OPEN)]
          if services().feed is not None else []),
        dcc.Store(id=VIEWPORT),
        dcc.Store(id=META, data={"oldest_queued_at": (tiles or {}).get("oldest_queued_at"), "lang": lang}),
        dcc.Store(id=LEVELS), dcc.Store(id=LEVELS_APPLIED),
        html.Div(className="wall-head", children=[
            html.H1(id=SCOPE_TITLE, className="wall-title", children=_scope_title(view, lang)),
            *([cells] if cells is not None and not many else []),
            create_alert_banner(_banner_alerts(view), cfg, lang, id=BANNER),
        ]),
        tiles_row(main, "tiles tiles-main"),
        tiles_row(second, "tiles tiles-agents"),
        html.Div(className="wall-bottom", children=[
            *([panel("sites", "panel-heatmap", [html.H2(t("heatmap.title", lang)), cells])] if heatmap_panel else []),
            panel("groups", "panel-groups", [
                html.H2(t("groups.worst" if many else "groups.title", lang)),
                html.Div(id=GROUPS, children=_group_table(_queue_rows(live, view, many), lang,
                                                          view.one_site is not None)),
            ]),
            panel("chart", "panel-chart", shown=not many, children=[
                html.H2(t("chart.title", lang)),
                dcc.Graph(id=CHART, figure=create_intraday_figure(live.intraday(view.site, view.region,
                                                                                view.layout_name), lang)
                          if "chart" in panels and not many else {},
                          config={"displayModeBar": False, "staticPlot": True, "responsive": True},
                          className="intraday-chart"),
            ]),
            panel("agents", "panel-agents", [
                html.H2(t("agents.board_title", lang)),
                html.Div(id=AGENTS, children=_agent_board(live, view, lang) if "agents" in panels else None),
            ]),
            panel("complaints", "panel-complaints", [
                tiles_row(in_panel, "tiles tiles-complaints"),
                html.H2(t("complaints.nearest", lang)),
                html.Div(id=COMPLAINTS, children=_complaint_list(live.complaints(view.site, view.region, view.layout),
                                                                 lang)),
            ]),
        ]),
        html.Div(className="ticker", hidden=not cfg.announcements, children=[
            html.Span(t("ticker.label", lang), className="ticker-label"),
            html.Div(className="ticker-track", children=html.Span(" · ".join(cfg.announcements), id=TICKER,
                                                                   className="ticker-text")),
        ]),
    ])


def _view(site: str | None, region: str | None, layout: WallLayout | None) -> WallView:
    cfg = services().config
    return WallView(site=site, region=region, layout=layout,
                    region_sites=tuple(cfg.region_sites(region)) if region else (),
                    panels=layout.panels if layout else ONE_SITE_PANELS if site else ALL_SITES_PANELS)


def _tile_rows(names: tuple[str, ...], complaints_panel: bool) -> tuple[list[str], list[str], list[str]]:
    """A wall's tiles in its three places, each in the layout's order: the large row (queue and service figures),
    the second row (agents, satisfaction) and the complaints panel (its two counts, when the panel is shown)."""
    main_names = {s.name for s in MAIN_TILES}
    complaint_names = {s.name for s in COMPLAINT_TILES}
    main = [n for n in names if n in main_names]
    in_panel = [n for n in names if n in complaint_names] if complaints_panel else []
    second = [n for n in names if n not in main_names and n not in in_panel]
    return main, second, in_panel


def _agent_board(live: SnapshotReader, view: WallView, lang: str) -> html.Div:
    """The agents of the wall's scope (a layout's skill groups only): floor presence, which every screen of the
    sites may show — per-agent figures (handle times, scores) stay on the managers' pages."""
    agents = live.agents(site=view.site, layout=view.layout) if view.site or view.layout else [
        a for a in live.agents() if view.sites is None or a["site"] in view.sites]
    return create_agent_board(agents, services().config.agent_limits, lang, "wall-", AGENTS_PER_PAGE, time.time())


def _tile_href(name: str, live: SnapshotReader, view: WallView, lang: str) -> str | None:
    """One level down from a tile: on many sites, the site worst on its figure; on one site, its page."""
    one = view.one_site
    if name in ("complaints_due_soon", "complaints_overdue"):
        return url(COMPLAINTS_PATH, lang=lang, site=one)
    if one:
        return url(SITE_PATH, site_id=one, lang=lang)
    tiles = live.site_tiles()
    inside = view.sites
    if inside is not None:
        tiles = {s: tiles[s] for s in inside if s in tiles}
    worst = worst_scope(name, tiles, services().config)
    return url(SITE_PATH, site_id=worst, lang=lang) if worst else None


def _may_see_region(region: str) -> bool:
    """A region's figures are the sum of its sites': every one of them must be open to the account."""
    return all(can_view_site(s) for s in services().config.region_sites(region))


def _cell_count(live: SnapshotReader, view: WallView) -> int:
    inside = view.sites
    return len(inside) if inside is not None else len(_shown_sites(live, view))


def _shown_sites(live: SnapshotReader, view: WallView) -> list[str]:
    """The sites a wall's cells show: the configured ones and those the data has shown, or the layout's."""
    if view.layout is not None and view.layout.sites:
        return list(view.layout.sites)
    return sorted({s.id for s in services().config.sites} | set(live.sites()))


def _levels(live: SnapshotReader, view: WallView) -> dict[str, str]:
    """Each site's worst level, of the sites this account may see (and of the wall's sites)."""
    inside = view.sites
    return {site: level for site, level in site_levels(live.site_tiles(), services().config).items()
            if can_view_site(site) and (inside is None or site in inside)}


def _site_href(lang: str):
    return lambda site: url(WALL_PATH, site=site, lang=lang)


def _region_href(lang: str):
    return lambda region: url(WALL_PATH, region=region, lang=lang)


def _queue_rows(live: SnapshotReader, view: WallView, many: bool) -> tuple[list[dict], tuple[int, int] | None]:
    """The queue table's rows: all of one site's or a few sites'; of many sites' (600 × their groups would neither
    fit nor travel well every poll), the worst by service level and calls waiting, a page of WORST_ROWS at a time
    through those at warn or alert (at most WORST_PAGES pages): (rows, (page, pages) or None)."""
    rows = live.group_rows(view.site, view.region, view.layout)
    if not many:
        return rows, None
    cfg = services().config
    levels = [max(group_level(r, cfg), group_level(r, cfg, "calls_waiting"), key=ORDER.__getitem__) for r in rows]
    problems = min(max(sum(lvl != "ok" for lvl in levels), WORST_ROWS), WORST_ROWS * WORST_PAGES)
    ranked = worst_rows(rows, levels, math.ceil(problems / WORST_ROWS) * WORST_ROWS)  # full pages
    shown, k, n = page_slice(ranked, WORST_ROWS, time.time())
    return shown, (k, n)


def _scope_title(view: WallView, lang: str) -> list:
    """The breadcrumb of the wall's scope: all sites › region › site, each level above a link (a one-site account
    has no "all"); a layout's wall is titled by the layout."""
    cfg = services().config
    if view.layout is not None:
        return [view.layout.label(lang)]
    site, region = view.site, view.region
    levels = site_crumbs(cfg, site, lang, link_site=False)
    if region:
        levels.append((cfg.region(region).label(lang), None))
    if site and cfg.site(site).region and not _may_see_region(cfg.site(site).region):
        levels[1] = (levels[1][0], None)
    if not can_view_site(None) and len(levels) > 1:
        levels = levels[1:]
    out: list = []
    for i, (label, href) in enumerate(levels):
        last = i == len(levels) - 1
        out += [label if last or href is None else dcc.Link(label, href=href, className="crumb", refresh=True)]
        out += [] if last else [" › "]
    return out


def _group_table(queue: tuple[list[dict], tuple[int, int] | None], lang: str, one_site: bool = False) -> html.Table:
    """The queue table of `_queue_rows`; a paged one (the worst queues of many sites) carries `data-page` and puts
    the site over its group in one column, so that both names are read whole at 5 m in the narrow panel; one site's
    has no site column (its title names it)."""
    group_rows, page = queue
    stacked = page is not None
    cfg = services().config
    head = ["queue"] if stacked else ["group"] if one_site else ["group", "site"]
    head += ["waiting", "oldest", "sl", "agents"]
    rows = []
    for i, row in enumerate(group_rows):
        cells = group_cells(row, cfg, lang)
        lvl = group_level(row, cfg)
        group = row["skill_group"]
        group_href = url(SKILL_PATH, skill_group=group, site=row["site"], lang=lang) if group else None
        # links load the drill-down pages fully, so that no answer for the wall can land on them
        group_cell = html.A(cells["group"], href=group_href, className="site-link") if group_href else cells["group"]
        site_cell = html.A(cells["site"], href=url(SITE_PATH, site_id=row["site"], lang=lang), className="site-link")
        names = ([html.Td(className="queue-names", children=[html.Div(site_cell, className="queue-site"),
                                                             html.Div(group_cell, className="queue-group")])]
                 if stacked else [html.Td(group_cell)] if one_site else [html.Td(group_cell), html.Td(site_cell)])
        rows.append(html.Tr(**{"data-level": lvl, "data-skill-group": row["skill_group"] or ""}, children=[
            *names,
            html.Td(cells["waiting"], className="num waiting",
                    **{"data-level": group_level(row, cfg, "calls_waiting")}),
            html.Td(seconds(seconds_since(row.get("oldest_queued_at"))), className="num",
                    id={"type": GROUP_OLDEST, "index": i},
                    **{"data-since": row.get("oldest_queued_at") or ""}),
            html.Td([html.I(className=f"bi {LEVEL_ICONS[lvl]} level-icon"), cells["sl"]], className="num sl"),
            html.Td(cells["agents"], className="num"),
        ]))
    first_num = len(head) - 4
    css = "group-table stacked" if stacked else "group-table one-site" if one_site else "group-table"
    return html.Table(className=css, **page_props(page), children=[
        html.Thead(html.Tr([html.Th(t(f"groups.{h}", lang), className="num" if i >= first_num else None)
                            for i, h in enumerate(head)])),
        html.Tbody(rows),
        *create_page_caption(page, lang),
    ])


def _complaint_list(complaints: list[dict], lang: str, limit: int = 6) -> html.Ul:
    items = complaints[:limit]
    if not items:
        return html.P(t("complaints.none", lang), className="muted")
    return html.Ul(className="complaint-list", children=[
        html.Li(className="complaint", **{"data-status": c["status"] or "open"}, children=[
            html.Span(c["complaint_id"], className="complaint-id"),
            html.Span(c["severity"], className="severity"),
            html.Span(t(f"stage.{c['next_stage']}", lang) if c["next_stage"] else "", className="stage"),
            html.Span(countdown(-seconds_since(c["next_due_at"])) if c["next_due_at"] else "", className="countdown",
                      id={"type": COUNTDOWN, "index": i},
                      **{"data-due": c["next_due_at"] or ""}),
        ]) for i, c in enumerate(items)])


@dash.callback(
    Output(tile_id("value", ALL), "children"), Output(tile_id("tile", ALL), "data-level"),
    Output(tile_id("sub", ALL), "children"), Output(tile_id("icon", ALL), "className"),
    Output(tile_id("link", ALL), "href"), Output(GROUPS, "children"), Output(COMPLAINTS, "children"),
    Output(META, "data"), Output(CHART, "figure"), Output(BANNER, "children"), Output(LEVELS, "data"),
    Output(AGENTS, "children"), Output(SERVED, "data"),
    Input(POLL, "data"), State(PARAMS, "data"), State(VIEWPORT, "data"),
    prevent_initial_call=True,
)
def refresh_wall(request: dict, params: dict, viewport: dict | None) -> tuple:
    """Fill every tile from the cached snapshot (no database access here); the answer is built once per poll for
    every screen of the same scope, language and rights (1,500 screens cost one build), then sent as it is."""
    view, lang = _asked_view(params)
    live = services().reader()
    snapshot_at, queues_at = services().stamp()
    many = view.one_site is None and services().answer(("many", view), (snapshot_at,),
                                                       lambda: _cell_count(live, view) > NAMED_UP_TO)
    fed = bool(request.get("feed")) and services().feed is not None  # calls waiting came by the page's stream
    height = None if many else (viewport or {}).get("height")
    tiles = tuple(o["id"]["kpi"] for o in ctx.outputs_list[0])
    links = tuple(o["id"]["kpi"] for o in ctx.outputs_list[4])
    who = current_principal()
    key = (WALL_PATH, view, lang, fed, height, tiles, links, who.sites if who else frozenset())
    paged = many or "agents" in view.panels
    stamp = (snapshot_at, "fed" if fed else queues_at or "", int(time.time() // PAGE_SECONDS) if paged else 0,
             tuple(_banner_alerts(view)))
    answer = services().answer(key, stamp, lambda: _wall_answer(live, view, lang, many, fed, height, tiles, links))
    return (*answer, {"seq": request["seq"]})


def _wall_answer(live: SnapshotReader, view: WallView, lang: str, many: bool, fed: bool,
                 height: int | None, names: tuple[str, ...], links: tuple[str, ...]) -> list:
    """The poll's outputs but the last, as JSON values (serialised once, not per screen); `fed`: without the queue
    tiles, which the page's stream keeps newer than the snapshot (so built once per poll, not per re-read). Panels
    the wall does not show are left alone."""
    cfg = services().config
    tiles = view.live_tiles(live)
    panels = view.panels
    content = [dash.no_update if fed and name in QUEUE_TILES else tile_content(name, tiles, cfg, lang)
               for name in names]

    def part(i: int, shown=lambda x: x) -> list:
        return [dash.no_update if c is dash.no_update else shown(c[i]) for c in content]

    return to_plain([part(0), part(1), part(2), part(1, lambda lvl: f"bi {LEVEL_ICONS[lvl]} kpi-icon"),
                     [_tile_href(name, live, view, lang) for name in links],
                     _group_table(_queue_rows(live, view, many), lang, view.one_site is not None)
                     if "groups" in panels else dash.no_update,
                     _complaint_list(live.complaints(view.site, view.region, view.layout), lang)
                     if "complaints" in panels else dash.no_update,
                     dash.no_update if fed else {"oldest_queued_at": (tiles or {}).get("oldest_queued_at"),
                                                 "lang": lang},
                     dash.no_update if many or "chart" not in panels else patch_intraday_figure(
                         live.intraday(view.site, view.region, view.layout_name), height),
                     create_alert_banner(_banner_alerts(view), cfg, lang).children,
                     _levels(live, view) if view.one_site is None else dash.no_update,
                     _agent_board(live, view, lang) if "agents" in panels else dash.no_update])


def _asked_view(params: dict) -> tuple[WallView, str]:
    """The wall a callback was asked for, once the caller may see it (else 403)."""
    cfg = services().config
    site, region, layout, lang = wall_scope(cfg, params.get("site"), params.get("region"), params.get("lang"),
                                            params.get("layout"))
    return _view(site, region, cfg.layout(layout)), lang


def _banner_alerts(view: WallView) -> list:
    """Open alerts of the wall's sites (a complaint's own alert is on the complaint list already)."""
    inside = view.sites
    return [a for a in services().alerts()["open"] if a.tile != COMPLAINT_DUE and can_view_site(a.site)
            and (inside is None or a.site in inside)]


dash.clientside_callback(
    ClientsideFunction(namespace="wallboard", function_name="tickWall"),  # and the longest wait, where it is shown
    Output({"type": COUNTDOWN, "index": ALL}, "children"),
    Output({"type": GROUP_OLDEST, "index": ALL}, "children"),
    Input(TICK, "n_intervals"), State(META, "data"),
    State({"type": COUNTDOWN, "index": ALL}, "data-due"),
    State({"type": GROUP_OLDEST, "index": ALL}, "data-since"),
    prevent_initial_call=True,
)


dash.clientside_callback(
    ClientsideFunction(namespace="wallboard", function_name="siteLevels"),
    Output(LEVELS_APPLIED, "data"), Input(LEVELS, "data"), prevent_initial_call=True,
)


dash.clientside_callback(
    ClientsideFunction(namespace="wallboard", function_name="viewport"),
    Output(VIEWPORT, "data"), Input(TICK, "n_intervals"), State(VIEWPORT, "data"),
)

register_poll_gate(TICK, POLL, SERVED)
register_queue_feed(QUEUE_FEED, QUEUE_FEED_OPEN)
register_agent_ticks(TICK, "wall-")
