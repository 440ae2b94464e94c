"""`/callbacks` — the call-back worklist: today's abandoned callers nobody has reached since, oldest first.

The list of every site is read once per poll interval for all screens and processes sharing the cache
(reports/callbacks.py); each request keeps the rows of the sites its account may see, narrowed by `?site=` and
`?skill_group=` (or the dropdowns), and shows them PAGE_ROWS at a time. Every callback checks the page and the
site again, whatever the client sends. Caller numbers are personal data: nothing here logs them.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import dash
from dash import Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from wallboard.auth.web import can_view_page, can_view_site, require_page, require_site, visible_sites
from wallboard.components.callback_list import CallbackRow, create_callback_table, create_summary, waited_text
from wallboard.components.navigation import create_forbidden
from wallboard.exports import csv_row
from wallboard.i18n import resolve, t
from wallboard.live.services import services
from wallboard.reports.callbacks import filter_rows, worklist_figure
from wallboard.urls import CALLBACKS_PATH, valid_id

dash.register_page(__name__, path=CALLBACKS_PATH, name="callbacks", title="Call-backs", order=6,
                   nav="nav.callbacks", id_prefix="cbk-", theme="light", roles=("manager", "admin"),
                   scope="all_or_site")

PARAMS = "cbk-params"
REFRESH = "cbk-refresh"
BODY = "cbk-body"
SITE = "cbk-site"
GROUP = "cbk-group"
PAGE = "cbk-page"
PREV = "cbk-prev"
NEXT = "cbk-next"
PAGE_LABEL = "cbk-page-label"
EXPORT = "cbk-export"
DOWNLOAD = "cbk-download"
PAGE_ROWS = 50
ALL = "*"  # the dropdowns' value for "no filter" (no valid id)


def _choice(value: str | None) -> str | None:
    """A filter value as sent by a URL or a dropdown: a valid id, else no filter."""
    return value if value and valid_id(value) else None


def layout(site: str | None = None, skill_group: str | None = None, lang: str | None = None,
           **_query) -> html.Div:
    cfg = services().config
    lang = resolve(lang, cfg.language)
    site, skill_group = _choice(site), _choice(skill_group)
    if not can_view_page(CALLBACKS_PATH) or (site and not can_view_site(site)):
        return create_forbidden(lang)
    body, page, pages = _content(site, skill_group, 1, lang)
    return html.Div(className="doc callbacks-page", children=[
        dcc.Store(id=PARAMS, data={"lang": lang}),
        dcc.Store(id=PAGE, data=page),
        dcc.Interval(id=REFRESH, interval=max(2.0, cfg.poll_seconds) * 1000),
        dcc.Download(id=DOWNLOAD),
        html.Div(className="doc-head", children=[
            html.Div([html.H1(t("cbk.title", lang)), html.P(t("cbk.help", lang), className="muted cbk-help")]),
            html.Button(t("cbk.export", lang), id=EXPORT, className="btn-ack cbk-export", n_clicks=0),
        ]),
        html.Div(className="controls cbk-controls", children=[
            html.Label(t("cbk.filter.site", lang), htmlFor=SITE),
            dcc.Dropdown(id=SITE, options=_site_options(lang), value=site or ALL, clearable=False,
                         className="cbk-dropdown cbk-dropdown-site"),
            html.Label(t("cbk.filter.skill_group", lang), htmlFor=GROUP),
            dcc.Dropdown(id=GROUP, options=_group_options(lang), value=skill_group or ALL, clearable=False,
                         className="cbk-dropdown"),
        ]),
        html.Section(className="card-panel", children=[
            html.Div(id=BODY, children=body),
            html.Div(className="cbk-pager", children=[
                html.Button(t("cbk.prev", lang), id=PREV, className="btn-ack", n_clicks=0, disabled=page <= 1),
                html.Span(_page_label(page, pages, lang), id=PAGE_LABEL, className="muted"),
                html.Button(t("cbk.next", lang), id=NEXT, className="btn-ack", n_clicks=0, disabled=page >= pages),
            ]),
        ]),
    ])


def _site_options(lang: str) -> list[dict]:
    """The sites the account may see (all sites together only when there are several)."""
    cfg = services().config
    sites = visible_sites([s.id for s in cfg.sites])
    name = cfg.site_name(lang)
    options = [{"label": t("all_sites", lang), "value": ALL}] if len(sites) > 1 else []
    return options + [{"label": name(s), "value": s} for s in sites]


def _group_options(lang: str) -> list[dict]:
    cfg = services().config
    name = cfg.group_name(lang)
    return [{"label": t("cbk.all_groups", lang), "value": ALL}] + [
        {"label": name(g.id), "value": g.id} for g in cfg.skill_groups]


def _page_label(page: int, pages: int, lang: str) -> str:
    return t("list.page", lang, k=page, n=pages)


def _rows(site: str | None, skill_group: str | None) -> tuple[list, int, datetime]:
    """The caller's rows (sites they may see, narrowed by the filters), the uncallable count, when read."""
    svc = services()
    worklist = svc.figure(worklist_figure(svc.sources))
    rows, anonymous = filter_rows(worklist, can_view_site, site, skill_group)
    return rows, anonymous, worklist.computed_at


def _local(at: datetime, zone: str) -> datetime:
    return at.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))


def _content(site: str | None, skill_group: str | None, page: int, lang: str) -> tuple[list, int, int]:
    """(the summary and this page's table, the page shown (clamped), how many pages)."""
    cfg = services().config
    rows, anonymous, computed_at = _rows(site, skill_group)
    pages = max(1, math.ceil(len(rows) / PAGE_ROWS))
    page = min(max(1, page), pages)
    now = datetime.now(UTC).replace(tzinfo=None)
    site_name, group_name = cfg.site_name(lang), cfg.group_name(lang)
    shown = [CallbackRow(caller_id=r.caller_id, site=r.site, site_name=site_name(r.site),
                         group_name=group_name(r.skill_group),
                         abandoned_at=_local(r.abandoned_at, cfg.site_timezone(r.site)).strftime("%H:%M:%S"),
                         wait_seconds=r.wait_seconds, attempts=r.attempts,
                         ago_seconds=(now - r.abandoned_at).total_seconds())
             for r in rows[(page - 1) * PAGE_ROWS:page * PAGE_ROWS]]
    updated = _local(computed_at, cfg.timezone).strftime("%H:%M:%S")
    return [create_summary(len(rows), anonymous, updated, lang),
            create_callback_table(shown, (page, pages), lang)], page, pages


def _authorised_filters(site_value: str | None, group_value: str | None) -> tuple[str | None, str | None]:
    """Inside a callback: the page is the caller's and the site named (if any) is one they may see, or 403."""
    require_page(CALLBACKS_PATH)
    site = _choice(site_value)
    if site is not None:
        require_site(site)
    return site, _choice(group_value)


@dash.callback(Output(BODY, "children"), Output(PAGE, "data"), Output(PREV, "disabled"), Output(NEXT, "disabled"),
               Output(PAGE_LABEL, "children"),
               Input(REFRESH, "n_intervals"), Input(SITE, "value"), Input(GROUP, "value"), Input(PREV, "n_clicks"),
               Input(NEXT, "n_clicks"), State(PAGE, "data"), State(PARAMS, "data"), prevent_initial_call=True)
def refresh(_n, site_value, group_value, _prev, _next, page, params: dict) -> tuple:
    """Every poll (a called-back caller leaves within a poll or two), on a filter change and on prev / next."""
    site, skill_group = _authorised_filters(site_value, group_value)
    lang = resolve((params or {}).get("lang"), services().config.language)
    page = page if isinstance(page, int) else 1
    trigger = ctx.triggered_id
    if trigger == PREV:
        page -= 1
    elif trigger == NEXT:
        page += 1
    elif trigger in (SITE, GROUP):
        page = 1
    body, page, pages = _content(site, skill_group, page, lang)
    return body, page, page <= 1, page >= pages, _page_label(page, pages, lang)


@dash.callback(Output(DOWNLOAD, "data"), Input(EXPORT, "n_clicks"), State(SITE, "value"), State(GROUP, "value"),
               State(PARAMS, "data"), prevent_initial_call=True)
def export_csv(clicks, site_value, group_value, params: dict) -> dict:
    """The whole filtered list (every page) as CSV: UTF-8 with a BOM (Excel in China reads it), header row first,
    every cell through the CSV-injection guard."""
    if not clicks:
        raise PreventUpdate
    site, skill_group = _authorised_filters(site_value, group_value)
    cfg = services().config
    lang = resolve((params or {}).get("lang"), cfg.language)
    rows, _, computed_at = _rows(site, skill_group)
    site_name, group_name = cfg.site_name(lang), cfg.group_name(lang)
    now = datetime.now(UTC).replace(tzinfo=None)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_row([t("cbk.col.caller", lang), t("cbk.csv.site_id", lang), t("cbk.col.site", lang),
                             t("cbk.csv.group_id", lang), t("cbk.col.skill_group", lang),
                             t("cbk.csv.abandoned_at", lang), t("cbk.col.waited", lang),
                             t("cbk.csv.waited_seconds", lang), t("cbk.col.attempts", lang),
                             t("cbk.csv.minutes_ago", lang), t("cbk.csv.call_id", lang)]))
    for r in rows:
        writer.writerow(csv_row([
            r.caller_id, r.site, site_name(r.site), r.skill_group or "", group_name(r.skill_group),
            _local(r.abandoned_at, cfg.site_timezone(r.site)).isoformat(timespec="seconds"),
            waited_text(r.wait_seconds), round(r.wait_seconds), r.attempts,
            int((now - r.abandoned_at).total_seconds() // 60), r.call_id]))
    stamp = _local(computed_at, cfg.timezone).strftime("%Y%m%d-%H%M")
    return dcc.send_bytes(("\ufeff" + out.getvalue()).encode("utf-8"), f"callbacks-{stamp}.csv", type="text/csv")
