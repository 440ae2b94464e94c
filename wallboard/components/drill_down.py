"""Builders for the drill-down pages (site, skill group, agent): values in, Dash components out.

Every clickable bar carries its target URL in `customdata`, every clickable row a link, so
that one clientside function (assets/wallboard/drill.js) does all the navigation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
from dash import dcc, html

from wallboard.components.charts import GRAPH_CONFIG, colours, style_figure
from wallboard.components.formatting import MISSING, count, percent, score, seconds
from wallboard.i18n import label, t

STATE_COLOURS = {"available": "ok", "on_call": "accent", "wrap_up": "#8e6fd8", "not_ready": "warn",
                 "logged_out": "ghost"}
STATES = tuple(STATE_COLOURS)
STATE_ORDER = {"on_call": 0, "wrap_up": 1, "available": 2, "not_ready": 3, "logged_out": 4}
PERCENT_AXIS = {"range": [0, 105], "tickvals": [0, 25, 50, 75, 100], "ticksuffix": "%", "showgrid": False}


def state_colour(state: str, theme: str) -> str:
    c = STATE_COLOURS.get(state, "ghost")
    return c if c.startswith("#") else colours(theme)[c]


def create_crumbs(items: list[tuple[str, str | None]]) -> html.Nav:
    """All sites › Beijing › Claims: every level but the last is a link (full load: a fresh page)."""
    children: list = []
    for i, (text, href) in enumerate(items):
        if i:
            children.append(html.Span("›", className="crumb-sep"))
        children.append(html.A(text, href=href) if href else html.Span(text, className="crumb-here"))
    return html.Nav(children, className="crumbs", **{"aria-label": "breadcrumb"})


def create_graph(graph_id: str, fig: go.Figure, clickable: bool = False) -> dcc.Graph:
    """The figure at its own height (a responsive graph otherwise takes its container's, which may be 0)."""
    return dcc.Graph(id=graph_id, figure=fig, config=GRAPH_CONFIG, style={"height": f"{fig.layout.height}px"},
                     className="drill-chart clickable" if clickable else "drill-chart")


def _percent_values(values: list) -> list:
    return [None if v is None else round(100 * v, 1) for v in values]


def create_hour_profile_figure(profile: dict, theme: str, lang: str, height: int = 300) -> go.Figure:
    """Calls offered by local hour: today (bars), same weekday last week, 4-week mean; today's SL on the right."""
    c = colours(theme)
    hours = [f"{h:02d}" for h in range(24)]
    today, last, avg = profile["today"], profile["last_week"], profile["average"]
    fig = go.Figure([
        go.Bar(x=hours, y=[today.get(h, {}).get("offered") for h in hours], name=t("drill.today", lang),
               marker_color=c["accent"]),
        go.Scatter(x=hours, y=[last.get(h, {}).get("offered") for h in hours], name=t("chart.last_week", lang),
                   mode="lines", line={"color": c["ghost"], "width": 2, "dash": "dot"}),
        go.Scatter(x=hours, y=[avg[h]["offered"] for h in hours], name=t("drill.avg4", lang), mode="lines",
                   line={"color": c["warn"], "width": 2}),
        go.Scatter(x=hours, y=_percent_values([today.get(h, {}).get("service_level") for h in hours]),
                   name=t("chart.service_level", lang), mode="lines+markers", yaxis="y2",
                   line={"color": c["ok"], "width": 2}, marker={"size": 5}),
    ])
    style_figure(fig, theme, height)
    fig.update_layout(bargap=0.2, yaxis2={"overlaying": "y", "side": "right", **PERCENT_AXIS})
    return fig


def create_history_figure(rows: list[dict], theme: str, lang: str, href: Callable[[str], str | None],
                          height: int = 300) -> go.Figure:
    """A period by day or hour: calls offered (bars, clickable one level down) and service level."""
    c = colours(theme)
    keys = [r["key"] for r in rows]
    fig = go.Figure([
        go.Bar(x=keys, y=[r["offered"] for r in rows], name=t("drill.offered", lang), marker_color=c["accent"],
               customdata=[href(k) for k in keys]),
        go.Scatter(x=keys, y=_percent_values([r["service_level"] for r in rows]), name=t("groups.sl", lang),
                   mode="lines+markers", yaxis="y2", line={"color": c["ok"], "width": 2}),
    ])
    style_figure(fig, theme, height)
    fig.update_layout(xaxis={"type": "category"}, yaxis2={"overlaying": "y", "side": "right", **PERCENT_AXIS})
    return fig


def create_comparison_figure(rows: list[dict], current: str, names: Callable[[str], str], theme: str, lang: str,
                             href: Callable[[str], str], height: int = 260) -> go.Figure:
    """Service level of every site over the same period; this site highlighted; a bar opens its site."""
    c = colours(theme)
    rows = sorted(rows, key=lambda r: (r["service_level"] is None, -(r["service_level"] or 0)))
    fig = go.Figure(go.Bar(
        x=[names(r["key"]) for r in rows], y=_percent_values([r["service_level"] for r in rows]),
        marker_color=[c["accent"] if r["key"] == current else c["ghost"] for r in rows],
        customdata=[href(r["key"]) for r in rows], name=t("groups.sl", lang),
        text=[percent(r["service_level"], 0) for r in rows], textposition="outside", cliponaxis=False))
    style_figure(fig, theme, height, legend=False)
    fig.update_layout(yaxis={"range": [0, 110], "ticksuffix": "%"})
    return fig


KPI_COLUMNS = (("offered", count), ("answered", count), ("service_level", percent), ("asa_seconds", seconds),
               ("abandon_rate", percent), ("connection_rate", percent), ("aht_seconds", seconds),
               ("csat_mean", score), ("surveys", count))


def create_kpi_table(rows: list[dict], lang: str, key_header: str, key_label: Callable[[str], str] | None = None,
                     href: Callable[[str], str | None] | None = None, current: str | None = None,
                     table_id: str | None = None) -> html.Table:
    """`wallboard kpi` rows as a table; each row carries `data-key` (its key) and each cell `data-field`."""
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


def create_interval_figure(rows: list[dict], theme: str, lang: str, height: int = 280) -> go.Figure:
    """A skill group's day by hour: service level and ASA (lines), abandons (bars)."""
    c = colours(theme)
    hours = [r["hour"] for r in rows]
    fig = go.Figure([
        go.Bar(x=hours, y=[r["abandoned"] for r in rows], name=t("drill.abandoned", lang), marker_color=c["alert"],
               opacity=0.7),
        go.Scatter(x=hours, y=[r["asa_seconds"] for r in rows], name=t("drill.asa_s", lang), mode="lines+markers",
                   line={"color": c["warn"], "width": 2}),
        go.Scatter(x=hours, y=_percent_values([r["service_level"] for r in rows]), name=t("groups.sl", lang),
                   mode="lines+markers", yaxis="y2", line={"color": c["ok"], "width": 2}),
    ])
    style_figure(fig, theme, height)
    fig.update_layout(yaxis2={"overlaying": "y", "side": "right", **PERCENT_AXIS})
    return fig


def create_staffing_figure(rows: list[dict], theme: str, lang: str, height: int = 280) -> go.Figure:
    """Agents Erlang C required for each hour's calls against the mean number logged in."""
    c = colours(theme)
    hours = [r["hour"] for r in rows]
    fig = go.Figure([
        go.Bar(x=hours, y=[r["logged_in"] for r in rows], name=t("drill.logged_in", lang), marker_color=c["accent"]),
        go.Scatter(x=hours, y=[r["required_agents"] for r in rows], name=t("drill.required", lang),
                   mode="lines+markers", line={"color": c["alert"], "width": 2}),
    ])
    return style_figure(fig, theme, height)


def create_timeline_figure(spans: list[dict], zone: str, theme: str, lang: str, height: int = 170) -> go.Figure:
    """One agent's day as coloured state bars (hover: state, reason, from–to in the site's zone)."""
    tz = ZoneInfo(zone)
    fig = go.Figure()
    for state in STATES:
        mine = [s for s in spans if s["state"] == state]
        if not mine:
            continue
        starts = [datetime.fromisoformat(s["start"]).astimezone(tz) for s in mine]
        ends = [datetime.fromisoformat(s["end"]).astimezone(tz) for s in mine]
        fig.add_trace(go.Bar(
            base=[a.replace(tzinfo=None).isoformat() for a in starts],
            x=[(b - a).total_seconds() * 1000 for a, b in zip(starts, ends, strict=True)],
            y=[""] * len(mine), orientation="h", name=t(f"state.{state}", lang),
            marker_color=state_colour(state, theme),
            hovertext=[f"{t('state.' + state, lang)} {s['reason'] or ''} {a:%H:%M}–{b:%H:%M}"
                       for s, a, b in zip(mine, starts, ends, strict=True)], hoverinfo="text"))
    style_figure(fig, theme, height)
    fig.update_layout(barmode="overlay", hovermode="closest", xaxis={"type": "date", "tickformat": "%H:%M"},
                      yaxis={"showticklabels": False})
    return fig


def create_agent_trend_figure(rows: list[dict], theme: str, lang: str, height: int = 280) -> go.Figure:
    """The last 30 days: calls handled (bars), AHT (line), CSAT (dots, right axis)."""
    c = colours(theme)
    days = [r["key"][5:] for r in rows]  # MM-DD: 30 labels fit a laptop's half width
    fig = go.Figure([
        go.Bar(x=days, y=[r["answered"] for r in rows], name=t("drill.handled", lang), marker_color=c["accent"]),
        go.Scatter(x=days, y=[r["aht_seconds"] for r in rows], name=t("drill.aht_s", lang), mode="lines",
                   line={"color": c["warn"], "width": 2}),
        go.Scatter(x=days, y=[r["csat_mean"] for r in rows], name=t("col.csat_mean", lang), mode="markers",
                   yaxis="y2", marker={"color": c["ok"], "size": 7}),
    ])
    style_figure(fig, theme, height)
    fig.update_layout(xaxis={"type": "category"},
                      yaxis2={"overlaying": "y", "side": "right", "range": [0, 5.3], "tickvals": [1, 2, 3, 4, 5],
                              "showgrid": False})
    return fig


def create_calls_by_hour_figure(rows: list[dict], theme: str, lang: str, height: int = 240) -> go.Figure:
    """Calls handled in each local hour of the day: all 24 hours on the axis, whole-number ticks."""
    hours = [f"{h:02d}" for h in range(24)]
    answered = {r["key"][-2:]: r["answered"] for r in rows}
    fig = go.Figure(go.Bar(x=hours, y=[answered.get(h, 0) for h in hours], name=t("drill.handled", lang),
                           marker_color=colours(theme)["accent"]))
    style_figure(fig, theme, height, legend=False)
    fig.update_layout(xaxis={"type": "category"}, yaxis={"tickformat": ",d", "rangemode": "tozero"},
                      bargap=0.15)
    fig.update_yaxes(dtick=max(1, -(-max(answered.values(), default=0) // 5)))
    return fig


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


def agent_grid_columns(lang: str, with_group: bool = True) -> list[dict]:
    """Columns of the live agent table (dash-ag-grid); durations sort as numbers, show as m:ss."""
    duration = {"function": "wallboardDuration(params.value)"}
    columns = [
        {"field": "agent", "headerName": t("drill.agent", lang), "cellRenderer": "markdown", "minWidth": 150,
         "filter": "agTextColumnFilter", "cellRendererParams": {"linkTarget": "_self"}},
        {"field": "state_label", "headerName": t("drill.state", lang), "cellClass": {"function":
                                                                                     "'state-' + params.data.state"}},
        {"field": "state_seconds", "headerName": t("drill.in_state", lang), "valueFormatter": duration,
         "filter": "agNumberColumnFilter", "type": "numericColumn"},
        {"field": "reason", "headerName": t("drill.reason", lang)},
        {"field": "group", "headerName": t("groups.group", lang)},
        {"field": "handled", "headerName": t("drill.handled", lang), "filter": "agNumberColumnFilter",
         "type": "numericColumn"},
        {"field": "aht_seconds", "headerName": t("drill.aht", lang), "valueFormatter": duration,
         "filter": "agNumberColumnFilter", "type": "numericColumn"},
        {"field": "asa_seconds", "headerName": t("drill.asa", lang), "valueFormatter": duration,
         "filter": "agNumberColumnFilter", "type": "numericColumn"},
        {"field": "csat", "headerName": t("col.csat_mean", lang), "filter": "agNumberColumnFilter",
         "type": "numericColumn", "valueFormatter": {"function": "wallboardScore(params.value)"}},
    ]
    return columns if with_group else [c for c in columns if c["field"] != "group"]


def agent_grid_rows(rows: list[dict], lang: str, group_label: Callable[[str | None], str],
                    href: Callable[[str], str]) -> list[dict]:
    """Snapshot agent rows → grid rows (agent name links to its page; figures stay numbers for sorting)."""
    out = []
    for r in sorted(rows, key=lambda r: (STATE_ORDER.get(r["state"], 5), r["agent_id"])):  # on shift first
        name = r["agent_name"] or r["agent_id"]
        out.append({"agent_id": r["agent_id"], "agent": f"[{_md(name)} · {_md(r['agent_id'])}]({href(r['agent_id'])})",
                    "state": r["state"], "state_label": t(f"state.{r['state']}", lang),
                    "state_seconds": round(r["state_seconds"]), "reason": r["reason"] or "",
                    "group": group_label(r["skill_group"]), "handled": r["handled"],
                    "aht_seconds": _round(r["aht_seconds"]), "asa_seconds": _round(r["asa_seconds"]),
                    "csat": r["csat"]})
    return out


def _md(text: str) -> str:
    """Text safe inside a markdown link label (names come from the source databases)."""
    return "".join("\\" + ch if ch in "\\[]()*_`<>#" else ch for ch in text)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def create_not_found(lang: str, message: str) -> html.Div:
    """An unknown site, skill group or agent: say so, offer the way back (no empty page, no error)."""
    return html.Div(className="not-found doc", children=[
        html.H1(t("error.not_found", lang)), html.P(message, className="muted"),
        html.A(t("nav.wall", lang), href=f"/?lang={lang}", className="btn btn-outline-secondary"),
    ])


def create_forbidden(lang: str) -> html.Div:
    """A page or a scope the signed-in account may not see: say so plainly (never an empty page)."""
    return html.Div(className="forbidden doc", children=[
        html.H1(t("auth.forbidden", lang)), html.P(t("auth.forbidden_help", lang), className="muted"),
        html.A(t("nav.wall", lang), href=f"/?lang={lang}", className="btn btn-outline-secondary"),
    ])


def period_ids(prefix: str) -> dict[str, str]:
    return {k: f"{prefix}-{k}" for k in ("from", "to", "by", "apply", "base")}


def create_period_controls(prefix: str, view, lang: str, base: str) -> html.Div:
    """From / to (both days included) and day or hour; "Show" loads the view's own URL."""
    ids = period_ids(prefix)
    return html.Div(className="controls", children=[
        dcc.Store(id=ids["base"], data=base),
        html.Label(t("drill.from", lang), htmlFor=ids["from"]),
        dcc.Input(id=ids["from"], type="date", value=view.start.isoformat(), className="form-control date-input"),
        html.Label(t("drill.to", lang), htmlFor=ids["to"]),
        dcc.Input(id=ids["to"], type="date", value=view.last_day.isoformat(), className="form-control date-input"),
        dcc.RadioItems(id=ids["by"], value=view.by, inline=True, className="by-choice",
                       options=[{"label": t("drill.by_day", lang), "value": "day"},
                                {"label": t("drill.by_hour", lang), "value": "hour"}]),
        html.Button(t("drill.show", lang), id=ids["apply"], n_clicks=0, className="btn btn-primary btn-sm"),
    ])


def create_scope_tiles(names: tuple[str, ...], tiles: dict | None, children: dict[str, dict], config, lang: str,
                       href: Callable[[str], str]) -> list:
    """Live tiles of a scope with the contract hooks; a tile links to the child scope worst on its figure."""
    from wallboard.components.kpi_tile import create_kpi_tile
    from wallboard.components.wall_figures import tile_content, worst_scope

    out = []
    for name in names:
        tile = create_kpi_tile(name, t(f"kpi.{name}", lang), *tile_content(name, tiles, config, lang), lang=lang)
        worst = worst_scope(name, children, config)
        out.append(html.A(tile, href=href(worst), className="kpi-link", title=t("drill.worst", lang, name=worst))
                   if worst else tile)
    return out


def create_site_group_table(rows: list[dict], config, lang: str) -> html.Table | html.P:
    """A site's skill groups now: each row opens the skill group's page for this site."""
    from wallboard.components.wall_figures import group_cells, group_level

    if not rows:
        return html.P(t("drill.no_groups", lang), className="muted")
    head = ["groups.group", "groups.waiting", "groups.oldest", "groups.sl", "kpi.service_level_30m", "drill.asa",
            "kpi.abandon_rate", "groups.agents"]
    body = []
    for r in rows:
        cells = group_cells(r, config, lang)
        href = f"/skill/{r['skill_group']}?site={r['site']}&lang={lang}" if r["skill_group"] else None
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


# (data-kpi name, kpi row field, format, label key)
TEAM_TILES = (("handled", "answered", count, "drill.handled"), ("aht", "aht_seconds", seconds, "drill.aht"),
              ("talk", "talk_seconds_avg", seconds, "drill.talk"), ("asa", "asa_seconds", seconds, "drill.asa"),
              ("csat", "csat_mean", score, "col.csat_mean"))


def create_team_tiles(team: dict, lang: str) -> list:
    """The agent's day (its `kpi --by agent` row) with the team median under each figure."""
    from wallboard.components.kpi_tile import create_kpi_tile

    mine = team.get("agent") or {}
    return [create_kpi_tile(name, t(key, lang), fmt(mine.get(field)), "ok",
                            t("drill.team_median", lang, value=fmt(team["median"].get(field))), lang=lang)
            for name, field, fmt, key in TEAM_TILES]
