"""`/complaints` — every open complaint's stages, counting down to its next deadline."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime

import dash
import dash_bootstrap_components as dbc
from dash import ALL, ClientsideFunction, Input, Output, State, ctx, dcc, html

from wallboard.auth.web import can_view_page, can_view_site, page_scope, require_site
from wallboard.components.complaint_board import (
    COUNTDOWN_TYPE,
    ROW_TYPE,
    create_complaint_table,
    create_counts,
    create_on_time,
    create_timeline,
    format_local,
    tally,
)
from wallboard.components.kpi_tile import create_kpi_tile
from wallboard.components.navigation import create_forbidden
from wallboard.components.paging import page_slice
from wallboard.components.tile_values import tile_level
from wallboard.components.timers import page_timers, register_poll_gate
from wallboard.i18n import label, resolve, t
from wallboard.live.reader import SnapshotReader
from wallboard.live.services import services
from wallboard.maths.deadlines import SEVERITIES
from wallboard.reports.first_views import on_time
from wallboard.urls import COMPLAINTS_PATH

dash.register_page(__name__, path=COMPLAINTS_PATH, name="complaints", title="Complaints", order=1,
                   nav="nav.complaints", id_prefix="cmp-", theme="dark", roles=("kiosk", "manager", "admin"),
                   scope="all_or_site", kiosk_default=True)

PARAMS = "cmp-params"
TICK = "cmp-tick"  # page-local timers: a page's callbacks fire only while it is shown
POLL = "cmp-poll-request"
SERVED = "cmp-poll-served"
TABLE = "cmp-table"
SIDE = "cmp-side"
TILES = "cmp-tiles"
MODAL = "cmp-modal"
MODAL_TITLE = "cmp-modal-title"
MODAL_BODY = "cmp-modal-body"
PAGE_ROWS = 14  # complaint rows a TV shows at once (rows are sized in vh: the same at 1080p and 4K)
SIDE_ROWS = 10  # overdue complaints and sites named in the side panel; the rest are counted


def layout(site: str | None = None, lang: str | None = None, **_query) -> html.Div:
    cfg = services().config
    lang = resolve(lang, cfg.language)
    site, allowed = page_scope(site)
    if not allowed or not can_view_page(COMPLAINTS_PATH):
        return create_forbidden(lang)
    live = services().reader()
    rows = live.complaints(site)
    return html.Div(className="board", children=[
        dcc.Store(id=PARAMS, data={"site": site, "lang": lang}),
        *page_timers(TICK, POLL, SERVED, cfg.poll_seconds),
        html.H1(t("complaints.title", lang), className="wall-title"),
        html.Div(id=TILES, className="tiles tiles-board", children=_tiles(live, rows, site, lang)),
        html.Div(className="board-main", children=[
            html.Section(className="panel panel-board", children=[
                html.H2(t("complaints.open", lang)),
                html.Div(id=TABLE, className="board-scroll", children=_table(rows, lang)),
            ]),
            html.Section(id=SIDE, className="panel panel-side", children=_side(live, rows, site, lang)),
        ]),
        dbc.Modal(id=MODAL, is_open=False, size="lg", className="timeline-modal", children=[
            dbc.ModalHeader(dbc.ModalTitle(id=MODAL_TITLE)), dbc.ModalBody(id=MODAL_BODY)]),
    ])


def _tiles(live: SnapshotReader, rows: list[dict], site: str | None, lang: str) -> list:
    """Open complaints, and the snapshot's due-soon / overdue counts (the wall's, for the same scope)."""
    cfg = services().config
    scope = live.tiles(site) or {}
    counts = {"complaints_open": len(rows), "complaints_due_soon": scope.get("complaints_due_soon", 0),
              "complaints_overdue": scope.get("complaints_overdue", 0)}
    return [create_kpi_tile(name, t("complaints.open" if name == "complaints_open" else f"kpi.{name}", lang),
                            str(value), tile_level(name, counts, cfg), lang=lang) for name, value in counts.items()]


def _table(rows: list[dict], lang: str):
    """This moment's page of the open complaints (600 sites: hundreds; a screen shows PAGE_ROWS)."""
    if not rows:
        return html.P(t("complaints.none", lang), className="muted")
    shown, k, n = page_slice(rows, PAGE_ROWS, time.time())
    return create_complaint_table(shown, lang, services().config.site_name(lang), (k, n))


def _side(live: SnapshotReader, rows: list[dict], site: str | None, lang: str) -> list:
    svc = services()
    at = live.computed_at
    rates = svc.figure(on_time(svc.sources, site, datetime.fromisoformat(at))) if at else {}
    overdue = [r for r in rows if r["status"] == "overdue"]
    name = services().config.site_name(lang)
    by_site = tally(rows, "site")
    more = len(overdue) - SIDE_ROWS
    return [
        html.H2(t("complaints.overdue_list", lang)),
        html.Ul(className="overdue-list", children=[
            html.Li(f"{r['complaint_id']} · {label('stage', _overdue_stage(r), lang)}") for r in overdue[:SIDE_ROWS]]
            + ([html.Li(t("list.more", lang, n=more), className="muted")] if more > 0 else [])
            or [html.Li("—", className="muted")]),
        html.H2(t("complaints.on_time_title", lang)), create_on_time(rates, lang),
        html.Div(className="count-grid", children=[
            create_counts(t("complaints.by_severity", lang), tally(rows, "severity"), {}, list(SEVERITIES)),
            create_counts(t("complaints.by_site", lang), Counter(dict(by_site.most_common(SIDE_ROWS))),
                          {s: name(s) for s in by_site}),
            create_counts(t("complaints.by_category", lang), tally(rows, "category"),
                          {c: label("category", c, lang) for c in tally(rows, "category")}),
        ]),
    ]


def _overdue_stage(row: dict) -> str:
    return next(s["stage"] for s in row["stages"] if s["status"] == "overdue")


@dash.callback(Output(TILES, "children"), Output(TABLE, "children"), Output(SIDE, "children"),
               Output(SERVED, "data"), Input(POLL, "data"), State(PARAMS, "data"), prevent_initial_call=True)
def refresh_board(request: dict, params: dict) -> tuple:
    """Re-read the board from the snapshot every poll (the countdowns tick in the browser)."""
    live = services().reader()
    site, lang = params.get("site"), params.get("lang", "zh")
    require_site(site)
    rows = live.complaints(site)
    return (_tiles(live, rows, site, lang), _table(rows, lang), _side(live, rows, site, lang),
            {"seq": request["seq"]})


@dash.callback(Output(MODAL, "is_open"), Output(MODAL_TITLE, "children"), Output(MODAL_BODY, "children"),
               Input({"type": ROW_TYPE, "index": ALL}, "n_clicks"), State(PARAMS, "data"),
               prevent_initial_call=True)
def open_timeline(clicks: list[int], params: dict) -> tuple:
    """A click on a complaint opens its stage timeline."""
    # re-rendering the list every poll also "triggers" with n_clicks 0: only a real click counts
    if not ctx.triggered_id or not ctx.triggered[0]["value"]:
        return dash.no_update, dash.no_update, dash.no_update
    complaint_id = ctx.triggered_id["index"]
    row = services().reader().complaint(complaint_id)
    lang = params.get("lang", "zh")
    if row is None or not can_view_site(row["site"]):  # (an id from another site reads as unknown)
        return True, complaint_id, t("complaints.none", lang)
    title = f"{complaint_id} · {row['severity']} · {label('category', row['category'], lang)}"
    body = [html.P(f"{t('complaints.received', lang)} {format_local(row['received_at'])}"),
            create_timeline(row, lang, format_local)]
    return True, title, body


dash.clientside_callback(
    ClientsideFunction(namespace="wallboard", function_name="tickCountdowns"),
    Output({"type": COUNTDOWN_TYPE, "index": ALL}, "children"),
    Input(TICK, "n_intervals"), State({"type": COUNTDOWN_TYPE, "index": ALL}, "data-due"),
)


register_poll_gate(TICK, POLL, SERVED)
