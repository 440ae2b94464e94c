"""`/` — the live wall: all sites, one region's with `?region=`, or one site's with `?site=`."""

from __future__ import annotations

import math
import time

import dash
from dash import ALL, ClientsideFunction, Input, Output, State, ctx, dcc, html

from wallboard.auth.web import can_view_page, can_view_site, current_principal, page_scope, wall_scope
from wallboard.components.alert_banner import create_alert_banner
from wallboard.components.formatting import countdown, seconds, seconds_since
from wallboard.components.intraday_chart import create_intraday_figure, patch_intraday_figure
from wallboard.components.kpi_tile import LEVEL_ICONS, create_kpi_tile, tile_id
from wallboard.components.navigation import create_forbidden, site_crumbs
from wallboard.components.paging import PAGE_SECONDS, create_page_caption, page_props, page_slice
from wallboard.components.serialised import to_plain
from wallboard.components.site_heatmap import NAMED_UP_TO, ORDER, create_site_heatmap, site_levels, worst_rows
from wallboard.components.tile_values import (
    AGENT_TILES,
    COMPLAINT_TILES,
    MAIN_TILES,
    QUEUE_TILES,
    group_cells,
    group_level,
    tile_content,
    worst_scope,
)
from wallboard.components.timers import page_timers, register_poll_gate, register_queue_feed
from wallboard.config import COMPLAINT_DUE
from wallboard.i18n import resolve, t
from wallboard.live.reader import SnapshotReader
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


def layout(site: str | None = None, region: str | None = None, lang: str | None = None, **_query) -> html.Div:
    cfg = services().config
    lang = resolve(lang, cfg.language)
    live = services().reader()
    if site not in services().known_sites():
        site = None  # an unknown ?site= shows all sites rather than an empty wall
    if site or cfg.region(region or "") is None:
        region = None  # a site's wall is its own; an unknown region shows all sites
    site, allowed = page_scope(site) if region is None else (None, _may_see_region(region))
    if not allowed or not can_view_page(WALL_PATH):
        return create_forbidden(lang)
    tiles = live.tiles(site, region)
    many = site is None and _cell_count(live, region) > NAMED_UP_TO
    cells = (create_site_heatmap(cfg, _levels(live, region), live.sites(), lang, _site_href(lang), region,
                                 None if region else _region_href(lang)) if site is None else None)

    def tiles_row(specs, css):
        return html.Div(className=css, children=[
            html.A(create_kpi_tile(s.name, t(f"kpi.{s.name}", lang), *tile_content(s.name, tiles, cfg, lang),
                                   lang=lang, size=s.size),
                   id=tile_id("link", s.name), className="kpi-link",
                   href=_tile_href(s.name, live, site, lang, region))
            for s in specs])

    return html.Div(className="wall", children=[
        dcc.Store(id=PARAMS, data={"site": site, "region": region, "lang": lang}),
        *page_timers(TICK, POLL, SERVED, cfg.poll_seconds),
        *([dcc.Store(id=QUEUE_FEED, data={"url": url(QUEUE_STREAM_PATH, site=site, region=region, lang=lang),
                                          "path": WALL_PATH, "meta": META}), dcc.Store(id=QUEUE_FEED_OPEN)]
          if services().feed is not None else []),
        dcc.Store(id=VIEWPORT),
        dcc.Store(id=META, data={"oldest_queued_at": (tiles or {}).get("oldest_queued_at"), "lang": lang}),
        dcc.Store(id=LEVELS), dcc.Store(id=LEVELS_APPLIED),
        html.Div(className="wall-head", children=[
            html.H1(id=SCOPE_TITLE, className="wall-title", children=_scope_title(site, region, lang)),
            *([cells] if cells is not None and not many else []),
            create_alert_banner(_banner_alerts(site, region), cfg, lang, id=BANNER),
        ]),
        tiles_row(MAIN_TILES, "tiles tiles-main"),
        tiles_row(AGENT_TILES, "tiles tiles-agents"),
        html.Div(className="wall-bottom", children=[
            *([html.Section(className="panel panel-heatmap", children=[html.H2(t("heatmap.title", lang)), cells])]
              if many else []),
            html.Section(className="panel panel-groups", children=[
                html.H2(t("groups.worst" if many else "groups.title", lang)),
                html.Div(id=GROUPS, children=_group_table(_queue_rows(live, site, region, many), lang)),
            ]),
            html.Section(className="panel panel-chart", hidden=many, children=[
                html.H2(t("chart.title", lang)),
                dcc.Graph(id=CHART, figure=create_intraday_figure(live.intraday(site, region), lang),
                          config={"displayModeBar": False, "staticPlot": True, "responsive": True},
                          className="intraday-chart"),
            ]),
            html.Section(className="panel panel-complaints", children=[
                tiles_row(COMPLAINT_TILES, "tiles tiles-complaints"),
                html.H2(t("complaints.nearest", lang)),
                html.Div(id=COMPLAINTS, children=_complaint_list(live.complaints(site, region), lang)),
            ]),
        ]),
        html.Div(className="ticker", hidden=not cfg.announcements, children=[
            html.Span(t("ticker.label", lang), className="ticker-label"),
            html.Div(className="ticker-track", children=html.Span(" · ".join(cfg.announcements), id=TICKER,
                                                                   className="ticker-text")),
        ]),
    ])


def _tile_href(name: str, live: SnapshotReader, site: str | None, lang: str, region: str | None = None) -> str | None:
    """One level down from a tile: on many sites, the site worst on its figure; on one site, its page."""
    if name in ("complaints_due_soon", "complaints_overdue"):
        return url(COMPLAINTS_PATH, lang=lang, site=site)
    if site:
        return url(SITE_PATH, site_id=site, lang=lang)
    tiles = live.site_tiles()
    if region:
        tiles = {s: tiles[s] for s in services().config.region_sites(region) if s in tiles}
    worst = worst_scope(name, tiles, services().config)
    return url(SITE_PATH, site_id=worst, lang=lang) if worst else None


def _may_see_region(region: str) -> bool:
    """A region's figures are the sum of its sites': every one of them must be open to the account."""
    return all(can_view_site(s) for s in services().config.region_sites(region))


def _cell_count(live: SnapshotReader, region: str | None = None) -> int:
    cfg = services().config
    if region:
        return len(cfg.region_sites(region))
    return len({s.id for s in cfg.sites} | set(live.sites()))


def _levels(live: SnapshotReader, region: str | None = None) -> dict[str, str]:
    """Each site's worst level, of the sites this account may see (and of the region, on a region's wall)."""
    inside = set(services().config.region_sites(region)) if region else None
    return {site: level for site, level in site_levels(live.site_tiles(), services().config).items()
            if can_view_site(site) and (inside is None or site in inside)}


def _site_href(lang: str):
    return lambda site: url(WALL_PATH, site=site, lang=lang)


def _region_href(lang: str):
    return lambda region: url(WALL_PATH, region=region, lang=lang)


def _queue_rows(live: SnapshotReader, site: str | None, region: str | None,
                many: bool) -> tuple[list[dict], tuple[int, int] | None]:
    """The queue table's rows: all of one site's or a few sites'; of many sites' (600 × their groups would neither
    fit nor travel well every poll), the worst by service level and calls waiting, a page of WORST_ROWS at a time
    through those at warn or alert (at most WORST_PAGES pages): (rows, (page, pages) or None)."""
    rows = live.group_rows(site, region)
    if not many:
        return rows, None
    cfg = services().config
    levels = [max(group_level(r, cfg), group_level(r, cfg, "calls_waiting"), key=ORDER.__getitem__) for r in rows]
    problems = min(max(sum(lvl != "ok" for lvl in levels), WORST_ROWS), WORST_ROWS * WORST_PAGES)
    ranked = worst_rows(rows, levels, math.ceil(problems / WORST_ROWS) * WORST_ROWS)  # full pages
    shown, k, n = page_slice(ranked, WORST_ROWS, time.time())
    return shown, (k, n)


def _scope_title(site: str | None, region: str | None, lang: str) -> list:
    """The breadcrumb of the wall's scope: all sites › region › site, each level above a link (a one-site account
    has no "all")."""
    cfg = services().config
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


def _group_table(queue: tuple[list[dict], tuple[int, int] | None], lang: str) -> html.Table:
    """The queue table of `_queue_rows`; a paged one (the worst queues of many sites) carries `data-page` and puts
    the site over its group in one column, so that both names are read whole at 5 m in the narrow panel."""
    group_rows, page = queue
    stacked = page is not None
    cfg = services().config
    head = ["queue"] if stacked else ["group", "site"]
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
                 if stacked else [html.Td(group_cell), html.Td(site_cell)])
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
    return html.Table(className="group-table stacked" if stacked else "group-table", **page_props(page), children=[
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
    Output(SERVED, "data"),
    Input(POLL, "data"), State(PARAMS, "data"), State(VIEWPORT, "data"),
    prevent_initial_call=True,
)
def refresh_wall(request: dict, params: dict, viewport: dict | None) -> tuple:
    """Fill every tile from the cached snapshot (no database access here); the answer is built once per poll for
    every screen of the same scope, language and rights (1,500 screens cost one build), then sent as it is."""
    site, region, lang = _asked_scope(params)
    live = services().reader()
    snapshot_at, queues_at = services().stamp()
    many = site is None and services().answer(("many", region), (snapshot_at,),
                                              lambda: _cell_count(live, region) > NAMED_UP_TO)
    fed = bool(request.get("feed")) and services().feed is not None  # calls waiting came by the page's stream
    height = None if many else (viewport or {}).get("height")
    tiles = tuple(o["id"]["kpi"] for o in ctx.outputs_list[0])
    links = tuple(o["id"]["kpi"] for o in ctx.outputs_list[4])
    who = current_principal()
    key = (WALL_PATH, site, region, lang, fed, height, tiles, links, who.sites if who else frozenset())
    stamp = (snapshot_at, "fed" if fed else queues_at or "", int(time.time() // PAGE_SECONDS) if many else 0,
             tuple(_banner_alerts(site, region)))
    answer = services().answer(key, stamp, lambda: _wall_answer(live, site, region, lang, many, fed, height, tiles,
                                                                links))
    return (*answer, {"seq": request["seq"]})


def _wall_answer(live: SnapshotReader, site: str | None, region: str | None, lang: str, many: bool, fed: bool,
                 height: int | None, names: tuple[str, ...], links: tuple[str, ...]) -> list:
    """The poll's outputs but the last, as JSON values (serialised once, not per screen); `fed`: without the queue
    tiles, which the page's stream keeps newer than the snapshot (so built once per poll, not per re-read)."""
    cfg = services().config
    tiles = live.tiles(site, region)
    content = [dash.no_update if fed and name in QUEUE_TILES else tile_content(name, tiles, cfg, lang)
               for name in names]

    def part(i: int, shown=lambda x: x) -> list:
        return [dash.no_update if c is dash.no_update else shown(c[i]) for c in content]

    return to_plain([part(0), part(1), part(2), part(1, lambda lvl: f"bi {LEVEL_ICONS[lvl]} kpi-icon"),
                     [_tile_href(name, live, site, lang, region) for name in links],
                     _group_table(_queue_rows(live, site, region, many), lang),
                     _complaint_list(live.complaints(site, region), lang),
                     dash.no_update if fed else {"oldest_queued_at": (tiles or {}).get("oldest_queued_at"),
                                                 "lang": lang},
                     dash.no_update if many else patch_intraday_figure(live.intraday(site, region), height),
                     create_alert_banner(_banner_alerts(site, region), cfg, lang).children,
                     _levels(live, region) if site is None else dash.no_update])


def _asked_scope(params: dict) -> tuple[str | None, str | None, str]:
    """(site, region, lang) a wall's callback was asked for, once the caller may see them (else 403)."""
    return wall_scope(services().config, params.get("site"), params.get("region"), params.get("lang"))


def _banner_alerts(site: str | None, region: str | None = None) -> list:
    """Open alerts of the wall's scope (a complaint's own alert is on the complaint list already)."""
    inside = set(services().config.region_sites(region)) if region else None
    return [a for a in services().alerts()["open"] if a.tile != COMPLAINT_DUE and can_view_site(a.site)
            and (site is None or a.site == site) and (inside is None or a.site in inside)]


dash.clientside_callback(
    ClientsideFunction(namespace="wallboard", function_name="tickWall"),
    Output(tile_id("value", "longest_wait"), "children", allow_duplicate=True),
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
