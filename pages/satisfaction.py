"""`/satisfaction` — CSAT trends with their 95 % bands, by site, skill group, survey type and agent."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from wallboard.auth.web import can_see_agents, can_view_page, can_view_site, page_scope, require_site, visible_sites
from wallboard.components.charts import GRAPH_CONFIG
from wallboard.components.data_grid import create_grid
from wallboard.components.formatting import count, percent, score
from wallboard.components.kpi_tile import create_kpi_tile
from wallboard.components.navigation import create_forbidden
from wallboard.components.review import create_band_text, create_card, create_sample_chip, create_table
from wallboard.components.satisfaction_charts import create_band_figure
from wallboard.components.tile_values import tile_level
from wallboard.i18n import label, resolve, t
from wallboard.live.services import services
from wallboard.maths.confidence import LOW_SAMPLE
from wallboard.reports.first_views import satisfaction_figures
from wallboard.reports.periods import local_today
from wallboard.reports.satisfaction import DEFAULT_WEEKS
from wallboard.routes import request_theme
from wallboard.urls import AGENT_PATH, SATISFACTION_PATH, url

dash.register_page(__name__, path=SATISFACTION_PATH, name="satisfaction", title="Satisfaction", order=2,
                   nav="nav.satisfaction", id_prefix="sat-", theme="light", roles=("kiosk", "manager", "admin"),
                   scope="all_or_site")

PARAMS = "sat-params"
SITE = "sat-site"
WEEKS = "sat-weeks"
CONTENT = "sat-content"
AGENTS = "sat-agents"
WEEK_CHOICES = (DEFAULT_WEEKS, 8, 12)
ALL_SITES = "*"  # the site picker's value for all sites


def _weeks(value) -> int:
    try:
        weeks = int(value)
    except (TypeError, ValueError):
        return WEEK_CHOICES[0]
    return weeks if weeks in WEEK_CHOICES else WEEK_CHOICES[0]


def layout(site: str | None = None, weeks: str | None = None, lang: str | None = None, **_query) -> html.Div:
    cfg = services().config
    lang = resolve(lang, cfg.language)
    n_weeks = _weeks(weeks)
    site = site if site in {s.id for s in cfg.sites} else None
    site, allowed = page_scope(site)
    if not allowed or not can_view_page(SATISFACTION_PATH):
        return create_forbidden(lang)
    site_options = ([{"label": t("all_sites", lang), "value": ALL_SITES}] if can_view_site(None) else []) + [
        {"label": cfg.site(s).label(lang), "value": s} for s in visible_sites([s.id for s in cfg.sites])]
    return html.Div(className="doc review-doc", children=[
        dcc.Store(id=PARAMS, data={"lang": lang}),
        html.Div(className="doc-head", children=[
            html.H1(t("sat.title", lang)),
            html.Div(className="controls", children=[
                html.Label(t("sat.site", lang), htmlFor=SITE),
                dbc.Select(id=SITE, options=site_options, value=site or ALL_SITES, className="review-select"),
                html.Label(t("sat.period", lang), htmlFor=WEEKS),
                dbc.Select(id=WEEKS, options=[{"label": t("sat.weeks", lang, n=n), "value": str(n)}
                                                for n in WEEK_CHOICES],
                             value=str(n_weeks), className="review-select"),
            ]),
        ]),
        html.Div(id=CONTENT, className="review-content", children=content(site or None, n_weeks, lang)),
    ])


def content(site: str | None, weeks: int, lang: str) -> list:
    """Everything below the controls, for one site (or all) and a number of weeks."""
    svc = services()
    cfg = svc.config
    theme = request_theme("/satisfaction")
    today = local_today(cfg)
    data = svc.figure(satisfaction_figures(svc.sources, site, weeks, today))
    total = data["total"]
    weeks_rows = [{**w, "key": w["key"] + (f" {t('sat.partial', lang)}" if i == len(data["by_week"]) - 1 else "")}
                  for i, w in enumerate(data["by_week"])]
    return [
        html.Div(className="muted", children=f"{data['from']} – {data['to']} · "
                                             f"{t('sat.legend', lang, n=LOW_SAMPLE)}"),
        html.Div(className="tiles", children=_tiles(total, lang)),
        html.Div(className="doc-grid-2", children=[
            create_card(t("sat.by_day", lang), _graph(create_band_figure(data["by_day"], theme, lang))),
            create_card(t("sat.by_week", lang), _graph(create_band_figure(weeks_rows, theme, lang, height=190)),
                        _csat_table(data["by_week"], lambda k: k, lang, "sat-week-table")),
        ]),
        html.Div(className="doc-grid-3", children=[
            create_card(t("sat.by_site", lang), _csat_table(
                data["by_site"], cfg.site_name(lang), lang, "sat-site-table")),
            create_card(t("sat.by_skill_group", lang), _csat_table(
                data["by_skill_group"], cfg.group_name(lang), lang,
                "sat-group-table")),
            create_card(t("sat.by_survey_type", lang), _csat_table(
                data["by_survey_type"], lambda k: label("survey_type", k, lang), lang, "sat-type-table")),
        ]),
        html.Div(className="doc-grid-2", children=[
            create_card(t("sat.by_agent", lang), _agent_grid(data["by_agent"], lang)),
            create_card(t("sat.comments", lang), _comments(data["comments"], lang), class_name="comments-card"),
        ]) if can_see_agents(site) else html.P(t("auth.agents_hidden", lang), className="muted"),
    ]


def _graph(figure) -> dcc.Graph:
    return dcc.Graph(figure=figure, config=GRAPH_CONFIG, className="review-graph")


def _tiles(total: dict, lang: str) -> list:
    cfg = services().config
    band = t("sat.tile.band", lang, low=percent(total["top2_low"]), high=percent(total["top2_high"]))
    mean_band = t("sat.tile.band", lang, low=score(total["mean_low"]), high=score(total["mean_high"]))
    return [
        create_kpi_tile("csat_top2", t("sat.tile.top2", lang), percent(total["csat_top2"]),
                        "warn" if total["low_sample"] else "ok", sub=band, lang=lang),
        create_kpi_tile("csat", t("sat.tile.mean", lang), score(total["csat_mean"]),
                        tile_level("csat", {"csat": total["csat_mean"]}, cfg), sub=mean_band, lang=lang),
        create_kpi_tile("surveys", t("sat.tile.surveys", lang), count(total["surveys"]),
                        "warn" if total["low_sample"] else "ok",
                        sub=t("sat.low_sample", lang) if total["low_sample"] else "", lang=lang),
    ]


def _csat_table(rows: list[dict], name, lang: str, table_id: str):
    headers = [t("sat.col.group", lang), t("sat.col.surveys", lang), t("sat.col.mean", lang),
               t("sat.col.top2", lang), t("sat.col.top2_band", lang), t("sat.col.sample", lang)]
    body = [[name(r["key"]), count(r["surveys"]), score(r["csat_mean"]), percent(r["csat_top2"]),
             create_band_text(r["top2_low"], r["top2_high"], percent),
             create_sample_chip(r["low_sample"], t("sat.low_sample", lang), t("sat.low_sample_help", lang,
                                                                               n=LOW_SAMPLE))] for r in rows]
    return create_table(headers, body, [False, True, True, True, True, False], table_id=table_id,
                        empty=t("sat.no_data", lang))


PCT = {"function": "params.value == null ? '—' : (100 * params.value).toFixed(1) + '%'"}
SCORE = {"function": "params.value == null ? '—' : params.value.toFixed(2)"}


def _agent_grid(rows: list[dict], lang: str):
    columns = [
        {"field": "agent", "headerName": t("sat.col.agent", lang), "cellRenderer": "markdown", "minWidth": 90},
        {"field": "surveys", "headerName": t("sat.col.surveys", lang), "type": "numericColumn", "sort": "desc"},
        {"field": "csat_mean", "headerName": t("sat.col.mean", lang), "type": "numericColumn",
         "valueFormatter": SCORE},
        {"field": "csat_top2", "headerName": t("sat.col.top2", lang), "type": "numericColumn", "valueFormatter": PCT},
        {"field": "band", "headerName": t("sat.col.top2_band", lang), "sortable": False},
        {"field": "sample", "headerName": t("sat.col.sample", lang)},
    ]
    def agent_link(agent_id: str | None) -> str:
        return f"[{agent_id}]({url(AGENT_PATH, agent_id=agent_id, lang=lang)})" if agent_id else "—"

    data = [{"id": r["key"] or "—", "agent": agent_link(r["key"]),
             "surveys": r["surveys"], "csat_mean": r["csat_mean"], "csat_top2": r["csat_top2"],
             "band": create_band_text(r["top2_low"], r["top2_high"], percent),
             "sample": t("sat.low_sample", lang) if r["low_sample"] else ""} for r in rows]
    return create_grid(AGENTS, columns, data, height="420px", row_id="id")


def _comments(rows: list[dict], lang: str):
    cfg = services().config

    def when(r: dict) -> str:
        zone = ZoneInfo(cfg.site_timezone(r["site"]))
        return r["submitted_at"].replace(tzinfo=UTC).astimezone(zone).strftime("%m-%d %H:%M")

    headers = [t("sat.col.time", lang), t("sat.site", lang), t("sat.col.agent", lang), t("sat.col.type", lang),
               t("sat.col.score", lang), t("sat.col.comment", lang)]
    body = [[when(r), cfg.site(r["site"]).label(lang), r["agent_id"] or "—",
             label("survey_type", r["survey_type"], lang), str(r["score"]), r["comment"]] for r in rows]
    classes = [["", "", "", "", f"score score-{r['score']}", "comment"] for r in rows]
    return html.Div(className="comments-scroll", children=create_table(
        headers, body, [False, False, False, False, True, False], classes, table_id="sat-comments",
        empty=t("sat.no_data", lang), long_as_grid=False))  # the latest few, whole comments in their own scroll


@dash.callback(Output(CONTENT, "children"), Input(SITE, "value"), Input(WEEKS, "value"), State(PARAMS, "data"),
               prevent_initial_call=True)
def update_content(site: str, weeks: int, params: dict) -> list:
    """A new site or period: the figures for it (cached per site, period and day)."""
    site = None if site in (None, "", ALL_SITES) else site
    require_site(site)
    return content(site, _weeks(weeks), params.get("lang", "zh"))
