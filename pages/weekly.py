"""`/weekly?week=YYYY-Www` — the weekly review meeting: every KPI against last week and the 4 weeks before,
by day, complaints, CSAT by site, the busiest hours; the same figures as `wallboard report` and its files."""

from __future__ import annotations

from datetime import date, timedelta

import dash
import dash_bootstrap_components as dbc
from dash import ALL, ClientsideFunction, Input, Output, State, ctx, dcc, html

from wallboard import ids
from wallboard.auth.web import can_view_page, can_view_site, require_site
from wallboard.components.charts import GRAPH_CONFIG
from wallboard.components.kpi_tile import create_kpi_tile
from wallboard.components.navigation import create_forbidden
from wallboard.components.review import CHANGE_CLASSES, create_card, create_table
from wallboard.components.satisfaction_charts import create_day_kpi_figure
from wallboard.components.tile_values import tile_level
from wallboard.i18n import resolve, t
from wallboard.live.services import services
from wallboard.reports.files import (
    FORMATS,
    MEDIA_TYPES,
    TEXT_KINDS,
    build_report,
    cell_text,
    file_name,
    header,
    title,
)
from wallboard.reports.first_views import default_week, weekly_figures
from wallboard.reports.periods import local_today, monday, parse_week, week_label
from wallboard.reports.weekly_review import Section, WeeklyReview
from wallboard.routes import request_theme
from wallboard.urls import WEEKLY_PATH, url

dash.register_page(__name__, path=WEEKLY_PATH, name="weekly", title="Weekly review", order=3, nav="nav.weekly",
                   id_prefix="wk-", theme="light", roles=("kiosk", "manager", "admin"), scope="all_sites")

PARAMS = "wk-params"
WEEK = "wk-week"
EXPORT = "wk-export"  # pattern-matching: {"type": EXPORT, "format": "xlsx" | "csv" | "pdf"}
DOWNLOAD = "wk-download"
PRINT = "wk-print"
PAST_WEEKS = 26  # weeks offered in the picker
EXPORT_ICONS = {"xlsx": "bi-file-earmark-spreadsheet", "csv": "bi-filetype-csv", "pdf": "bi-file-earmark-pdf"}
# review KPI → the wall's tile name (the contract's hooks) for the tiles at the top
TILES = (("service_level", "service_level"), ("asa_seconds", "asa"), ("abandon_rate", "abandon_rate"),
         ("connection_rate", "connection_rate"), ("csat_mean", "csat"))


def review_for(week: str) -> WeeklyReview:
    """The review of `week`, computed at most once per 5 minutes (the current week) or per hour (a past one)."""
    svc = services()
    return svc.figure(weekly_figures(svc.sources, week, local_today(svc.config)))


def layout(week: str | None = None, lang: str | None = None, **_query) -> html.Div:
    cfg = services().config
    lang = resolve(lang, cfg.language)
    if not can_view_site(None) or not can_view_page(WEEKLY_PATH):  # the review covers every site
        return create_forbidden(lang)
    today = local_today(cfg)
    week = (week or default_week(today)).strip().upper()
    try:
        start = parse_week(week)
    except ValueError:
        return html.Div(className="doc review-doc", children=[
            html.H1(t("review.title", lang)),
            html.P(t("weekly.bad_week", lang, week=week), className="review-error", role="alert"),
            dcc.Link(t("weekly.prev", lang), href=url(WEEKLY_PATH, week=default_week(today), lang=lang))])
    review = review_for(week)
    return html.Div(className="doc review-doc weekly", children=[
        dcc.Store(id=PARAMS, data={"week": review.week, "lang": lang}),
        html.Div(className="doc-head", children=[
            html.Div(children=[
                html.H1(f"{t('review.title', lang)} {review.week}"),
                html.Div(className="muted", children=_period(start)),
            ]),
            _controls(review.week, start, today, lang),
        ]),
        html.Div(t("weekly.partial", lang), className="review-partial", role="status") if review.partial else None,
        html.Div(className="tiles review-tiles", children=_tiles(review, lang)),
        create_card(title(review.section("kpis"), lang), _section_table(review.section("kpis"), lang),
                    html.P(t("weekly.arrow_help", lang), className="muted review-help"), card_id="wk-kpis"),
        html.Div(className="doc-grid-2 review-pair", children=[
            create_card(t("weekly.chart_day", lang), dcc.Graph(
                figure=create_day_kpi_figure(review.section("by_day").rows, request_theme("/weekly"), lang,
                                             cfg.default_settings.target),
                config=GRAPH_CONFIG, className="review-graph")),
            create_card(title(review.section("by_day"), lang), _section_table(review.section("by_day"), lang)),
        ]),
        html.Div(className="doc-grid-3 review-triple", children=[
            create_card(title(review.section("complaints"), lang), _section_table(review.section("complaints"), lang),
                        html.H2(title(review.section("complaint_stages"), lang), className="review-subhead"),
                        _section_table(review.section("complaint_stages"), lang)),
            create_card(title(review.section("complaints_by"), lang),
                        _section_table(review.section("complaints_by"), lang)),
            create_card(title(review.section("csat_by_site"), lang),
                        _section_table(review.section("csat_by_site"), lang)),
        ]),
        create_card(title(review.section("busiest_hours"), lang), _section_table(review.section("busiest_hours"),
                                                                                 lang)),
        html.P(t("review.pdf_note", lang), className="muted review-help"),
    ])


def _period(start: date) -> str:
    return f"{start.isoformat()} – {(start + timedelta(days=6)).isoformat()}"


def _controls(week: str, start: date, today: date, lang: str) -> html.Div:
    prev_week, next_week = week_label(start - timedelta(days=7)), week_label(start + timedelta(days=7))
    choices = [week_label(monday(today) - timedelta(days=7 * i)) for i in range(PAST_WEEKS)]
    if week not in choices:
        choices.append(week)
    nav = [dcc.Link(html.I(className="bi bi-chevron-left"), href=url(WEEKLY_PATH, week=prev_week, lang=lang),
                    className="review-btn", title=t("weekly.prev", lang), id="wk-prev"),
           dbc.Select(id=WEEK, options=[{"label": w, "value": w} for w in choices], value=week,
                      className="review-select"),
           dcc.Link(html.I(className="bi bi-chevron-right"), href=url(WEEKLY_PATH, week=next_week, lang=lang),
                    className="review-btn", title=t("weekly.next", lang), id="wk-next")]
    exports = [html.Button([html.I(className=f"bi {EXPORT_ICONS[fmt]}"), f" {fmt.upper()}"],
                           id={"type": EXPORT, "format": fmt}, className="review-btn", n_clicks=0,
                           title=f"{t('weekly.export', lang)} {fmt.upper()}") for fmt in FORMATS]
    return html.Div(className="controls review-controls no-print", children=[
        html.Label(t("weekly.week", lang), htmlFor=WEEK), *nav,
        html.Span(t("weekly.export", lang), className="review-export-label"), *exports,
        html.Button([html.I(className="bi bi-printer"), f" {t('weekly.print', lang)}"], id=PRINT,
                    className="review-btn", n_clicks=0),
        dcc.Download(id=DOWNLOAD),
    ])


def _tiles(review: WeeklyReview, lang: str) -> list:
    cfg = services().config
    section = review.section("kpis")
    rows = {r["kpi"]: r for r in section.rows}
    change = next(c for c in section.columns if c.field == "change_vs_last_week")
    value = next(c for c in section.columns if c.field == "this_week")
    tiles = []
    for kpi, tile in TILES:
        row = rows[kpi]
        shown = cell_text(value, row, cfg, lang)
        sub = f"{t('review.col.change_vs_last_week', lang)} {cell_text(change, row, cfg, lang)}"
        tiles.append(create_kpi_tile(tile, t(f"review.kpi.{kpi}", lang), shown,
                                     tile_level(tile, {tile: row["this_week"]}, cfg), sub=sub, lang=lang))
    return tiles


def _section_table(section: Section, lang: str):
    """A review section as the page shows it: the same cell texts as the PDF."""
    cfg = services().config
    headers = [header(c, lang) for c in section.columns]
    body = [[cell_text(c, row, cfg, lang) for c in section.columns] for row in section.rows]
    numeric = [c.kind not in TEXT_KINDS for c in section.columns]
    classes = None
    if section.id == "kpis":
        verdicts = {"change_vs_last_week": "judgement", "change_vs_4_weeks": "judgement_4_weeks",
                    "judgement": "judgement"}
        classes = [[CHANGE_CLASSES.get(row.get(verdicts[c.field])) if c.field in verdicts else ""
                    for c in section.columns] for row in section.rows]
    return create_table(headers, body, numeric, classes, table_id=f"wk-{section.id}", empty=t("review.empty", lang))


@dash.callback(Output(DOWNLOAD, "data"), Input({"type": EXPORT, "format": ALL}, "n_clicks"), State(PARAMS, "data"),
               prevent_initial_call=True)
def export(clicks: list[int], params: dict):
    """An export button: the same bytes as `wallboard report --week W --format F` (in the page's language)."""
    if not ctx.triggered_id or not any(clicks):
        return dash.no_update
    require_site(None)
    fmt = ctx.triggered_id["format"]
    review = review_for(params["week"])
    data = build_report(review, fmt, services().config, params.get("lang", "zh"))
    return dcc.send_bytes(data, file_name(review, fmt), type=MEDIA_TYPES[fmt])


@dash.callback(Output(ids.URL, "href"), Input(WEEK, "value"), State(PARAMS, "data"), prevent_initial_call=True)
def pick_week(week: str, params: dict) -> str:
    """Another week from the picker: navigate to its review (no full reload)."""
    if not week or week == params.get("week"):
        return dash.no_update
    return url(WEEKLY_PATH, week=week, lang=params.get("lang", "zh"))


dash.clientside_callback(
    ClientsideFunction(namespace="review", function_name="print"),
    Output(PRINT, "title"), Input(PRINT, "n_clicks"), prevent_initial_call=True,
)
