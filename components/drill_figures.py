"""The drill-down pages' Plotly figures (site, skill group, agent); a clickable bar carries its target URL in
`customdata`, so that one clientside function (assets/wallboard/drill.js) does all the navigation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
from dash import dcc

from wallboard.components.charts import GRAPH_CONFIG, colours, style_figure
from wallboard.components.formatting import percent
from wallboard.i18n import t

STATE_COLOURS = {"available": "ok", "on_call": "accent", "wrap_up": "#8e6fd8", "not_ready": "warn",
                 "logged_out": "ghost"}

STATES = tuple(STATE_COLOURS)

PERCENT_AXIS = {"range": [0, 105], "tickvals": [0, 25, 50, 75, 100], "ticksuffix": "%", "showgrid": False}


def state_colour(state: str, theme: str) -> str:
    c = STATE_COLOURS.get(state, "ghost")
    return c if c.startswith("#") else colours(theme)[c]


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


NAMED_BARS = 24  # sites compared bar by bar with their names; more are a ranking


def create_comparison_figure(rows: list[dict], current: str, names: Callable[[str], str], theme: str, lang: str,
                             href: Callable[[str], str], height: int = 260) -> go.Figure:
    """Service level of every site over the same period; this site highlighted; a bar opens its site. Beyond
    NAMED_BARS sites the bars are a ranking without names (hover names each) and this site's rank is written."""
    c = colours(theme)
    rows = sorted(rows, key=lambda r: (r["service_level"] is None, -(r["service_level"] or 0)))
    ranked = len(rows) > NAMED_BARS
    labels = [names(r["key"]) for r in rows]
    fig = go.Figure(go.Bar(
        x=labels, y=_percent_values([r["service_level"] for r in rows]),
        marker_color=[c["accent"] if r["key"] == current else c["ghost"] for r in rows],
        customdata=[href(r["key"]) for r in rows], name=t("groups.sl", lang),
        text=[percent(r["service_level"], 0) for r in rows], textposition="none" if ranked else "outside",
        cliponaxis=False, hovertemplate="%{x}: %{text}<extra></extra>"))
    style_figure(fig, theme, height, legend=False)
    fig.update_layout(yaxis={"range": [0, 110], "ticksuffix": "%"})
    if ranked:
        fig.update_xaxes(showticklabels=False)
        keys = [r["key"] for r in rows]
        if current in keys:
            rank = keys.index(current)
            fig.add_annotation(x=labels[rank], y=_percent_values([rows[rank]["service_level"]])[0] or 0,
                               text=t("drill.rank", lang, rank=rank + 1, n=len(rows)), showarrow=True, arrowhead=2,
                               ay=-30, font={"color": c["accent"]})
    return fig


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
