"""The drill-down pages' HTML tables: KPI rows, waiting calls, surveys, a site's skill groups, staffing by hour."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from dash import html

from wallboard.components.data_grid import LONG_ROWS, create_table_grid
from wallboard.components.formatting import MISSING, count, percent, score, seconds
from wallboard.i18n import label, t
from wallboard.urls import SKILL_PATH, url

KPI_COLUMNS = (("offered", count), ("answered", count), ("service_level", percent), ("asa_seconds", seconds),
               ("abandon_rate", percent), ("connection_rate", percent), ("aht_seconds", seconds),
               ("csat_mean", score), ("surveys", count))


def create_kpi_table(rows: list[dict], lang: str, key_header: str, key_label: Callable[[str], str] | None = None,
                     href: Callable[[str], str | None] | None = None, current: str | None = None,
                     table_id: str | None = None):
    """`wallboard kpi` rows as a table; each row carries `data-key` (its key) and each cell `data-field`. Longer than
    LONG_ROWS (600 sites), a virtualised grid with the `current` row pinned on top."""
    if table_id and len(rows) > LONG_ROWS:
        keys = [r["key"] for r in rows]
        return create_table_grid(
            table_id, [key_header] + [t(f"col.{name}", lang) for name, _ in KPI_COLUMNS],
            [[key_label(r["key"]) if key_label else (r["key"] or MISSING)] + [fmt(r[name]) for name, fmt in KPI_COLUMNS]
             for r in rows], [False] + [True] * len(KPI_COLUMNS),
            hrefs=[href(k) for k in keys] if href else None, current=keys.index(current) if current in keys else None)
    head = [html.Th(key_header)] + [html.Th(t(f"col.{name}", lang), className="num") for name, _ in KPI_COLUMNS]
    body = []
    for r in rows:
        label = key_label(r["key"]) if key_label else (r["key"] or MISSING)
        target = href(r["key"]) if href else None
        first = html.Td(html.A(label, href=target) if target else label)
        cells = [html.Td(fmt(r[name]), className="num", **{"data-field": name}) for name, fmt in KPI_COLUMNS]
        body.append(html.Tr([first, *cells], className="current" if r["key"] == current else None,
                            **{"data-key": r["key"] or ""}))
    return html.Table([html.Thead(html.Tr(head)), html.Tbody(body)], className="plain kpi-table",
                      **({"id": table_id} if table_id else {}))


def create_waiting_table(rows: list[dict], lang: str, group_label: Callable[[str | None], str],
                         site_label: Callable[[str], str], since_type: str) -> html.Div:
    """The calls waiting now, oldest first; each wait ticks in the browser from its queue time."""
    if not rows:
        return html.P(t("drill.no_waiting", lang), className="muted")
    head = [t("drill.call", lang), t("groups.site", lang), t("groups.group", lang), t("drill.waiting_for", lang)]
    return html.Table(className="plain waiting-table", children=[
        html.Thead(html.Tr([html.Th(h, className="num" if i == 3 else None) for i, h in enumerate(head)])),
        html.Tbody([html.Tr([
            html.Td(r["call_id"], className="mono"), html.Td(site_label(r["site"])),
            html.Td(group_label(r["skill_group"])),
            html.Td(seconds(_age(r["queued_at"])), className="num wait", id={"type": since_type, "index": i},
                    **{"data-since": r["queued_at"]}),
        ]) for i, r in enumerate(rows)]),
    ])


def _age(iso: str) -> float:
    return (datetime.now(ZoneInfo("UTC")) - datetime.fromisoformat(iso)).total_seconds()


def create_survey_list(rows: list[dict], lang: str, zone: str) -> html.Div:
    """The latest surveys with their scores and comments (time in the site's zone)."""
    if not rows:
        return html.P(t("drill.no_surveys", lang), className="muted")
    tz = ZoneInfo(zone)
    return html.Table(className="plain survey-table", children=[
        html.Thead(html.Tr([html.Th(t("drill.when", lang)), html.Th(t("drill.score", lang), className="num"),
                            html.Th(t("drill.survey_type", lang)), html.Th(t("drill.comment", lang))])),
        html.Tbody([html.Tr([
            html.Td(r["submitted_at"].replace(tzinfo=ZoneInfo("UTC")).astimezone(tz).strftime("%m-%d %H:%M")),
            html.Td(str(r["score"]), className="num", **{"data-score": str(r["score"])}),
            html.Td(label("survey_type", r["survey_type"], lang)),
            html.Td(r["comment"] or "", className="comment"),
        ]) for r in rows]),
    ])


def create_site_group_table(rows: list[dict], config, lang: str) -> html.Table | html.P:
    """A site's skill groups now: each row opens the skill group's page for this site."""
    from wallboard.components.tile_values import group_cells, group_level

    if not rows:
        return html.P(t("drill.no_groups", lang), className="muted")
    head = ["groups.group", "groups.waiting", "groups.oldest", "groups.sl", "kpi.service_level_30m", "drill.asa",
            "kpi.abandon_rate", "groups.agents"]
    body = []
    for r in rows:
        cells = group_cells(r, config, lang)
        href = url(SKILL_PATH, skill_group=r["skill_group"], site=r["site"], lang=lang) if r["skill_group"] else None
        body.append(html.Tr(**{"data-level": group_level(r, config), "data-skill-group": r["skill_group"] or ""},
                            children=[
            html.Td(html.A(cells["group"], href=href) if href else cells["group"]),
            html.Td(cells["waiting"], className="num"),
            html.Td(seconds(_age(r["oldest_queued_at"])) if r.get("oldest_queued_at") else MISSING, className="num"),
            html.Td(percent(r.get("service_level")), className="num sl"),
            html.Td(percent(r.get("service_level_30m")), className="num"),
            html.Td(seconds(r.get("asa")), className="num"),
            html.Td(percent(r.get("abandon_rate")), className="num"),
            html.Td(cells["agents"], className="num"),
        ]))
    return html.Table([html.Thead(html.Tr([html.Th(t(h, lang), className="num" if i else None)
                                           for i, h in enumerate(head)])), html.Tbody(body)],
                      className="plain group-table-doc")


def create_staffing_table(rows: list[dict], lang: str, table_id: str | None = None) -> html.Table:
    """A skill group's day by hour: the KPI engine's figures beside Erlang C and the agents logged in."""
    columns = (("offered", count), ("service_level", percent), ("asa_seconds", seconds), ("abandoned", count),
               ("abandon_rate", percent), ("required_agents", count), ("logged_in", lambda v: f"{v:.1f}"))
    head = [html.Th(t("drill.hour", lang))] + [html.Th(t(f"col.{c}", lang), className="num") for c, _ in columns]
    body = [html.Tr([html.Td(f"{r['hour']}:00"), *[html.Td(fmt(r[c]), className="num", **{"data-field": c})
                                                   for c, fmt in columns]], **{"data-key": r["hour"]})
            for r in rows if r["offered"] or r["logged_in"]]
    return html.Table([html.Thead(html.Tr(head)), html.Tbody(body)], className="plain kpi-table",
                      **({"id": table_id} if table_id else {}))
