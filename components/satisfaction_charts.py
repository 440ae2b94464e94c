"""Satisfaction and weekly-review figures: a trend with its 95 % band, responses as bars behind it.

Low-sample points are drawn hollow, so a dip on three responses does not read like a real one.
"""

from __future__ import annotations

import plotly.graph_objects as go

from wallboard.components.charts import colours, style_figure
from wallboard.i18n import t


def _alpha(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def create_band_figure(rows: list[dict], theme: str, lang: str, value: str = "csat_top2", low: str = "top2_low",
                       high: str = "top2_high", percent: bool = True, height: int = 300) -> go.Figure:
    """`value` by `key` with the band [low, high] shaded, and the number of responses as bars (right axis)."""
    c = colours(theme)
    x = [r["key"] for r in rows]
    scale = 100 if percent else 1

    def series(name: str) -> list:
        return [None if r.get(name) is None else scale * r[name] for r in rows]

    hollow = [r["low_sample"] for r in rows]
    fig = go.Figure([
        go.Bar(x=x, y=[r["surveys"] for r in rows], name=t("sat.responses", lang), yaxis="y2",
               marker_color=_alpha(c["ghost"], 0.28), hovertemplate="%{y:,}"),
        go.Scatter(x=x, y=series(high), mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"),
        go.Scatter(x=x, y=series(low), mode="lines", line={"width": 0}, fill="tonexty",
                   fillcolor=_alpha(c["accent"], 0.18), name=t("sat.band", lang), hoverinfo="skip"),
        go.Scatter(x=x, y=series(value), mode="lines+markers", name=t("sat.top2" if percent else "sat.col.mean", lang),
                   line={"color": c["accent"], "width": 2.5},
                   marker={"size": [9 if h else 6 for h in hollow], "color": [c["warn"] if h else c["accent"]
                                                                               for h in hollow],
                           "symbol": ["circle-open" if h else "circle" for h in hollow], "line": {"width": 2}},
                   hovertemplate="%{y:.1f}" + ("%" if percent else "")),
    ])
    style_figure(fig, theme, height=height)
    fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "showgrid": False, "rangemode": "tozero",
                              "title": None, "tickfont": {"color": c["muted"]}}, bargap=0.35)
    values = [v for name in (low, value) for v in series(name) if v is not None]
    floor = min(values) if values else 0
    if percent:
        fig.update_layout(yaxis={"range": [max(0, floor - 5), 100.5], "ticksuffix": "%", "rangemode": "normal"})
    else:
        fig.update_layout(yaxis={"range": [max(1, floor - 0.2), 5.05], "rangemode": "normal"})
    return fig


def create_day_kpi_figure(rows: list[dict], theme: str, lang: str, target: float | None = None,
                          height: int = 280) -> go.Figure:
    """Service level and connection rate by day (lines), offered calls as bars, the target as a dotted line."""
    c = colours(theme)
    x = [r["date"] for r in rows]

    def pct(name: str) -> list:
        return [None if r.get(name) is None else 100 * r[name] for r in rows]

    fig = go.Figure([
        go.Bar(x=x, y=[r["offered"] for r in rows], name=t("review.col.offered", lang), yaxis="y2",
               marker_color=_alpha(c["ghost"], 0.28)),
        go.Scatter(x=x, y=pct("service_level"), name=t("review.col.service_level", lang), mode="lines+markers",
                   line={"color": c["accent"], "width": 2.5}, hovertemplate="%{y:.1f}%"),
        go.Scatter(x=x, y=pct("connection_rate"), name=t("review.col.connection_rate", lang), mode="lines+markers",
                   line={"color": c["ok"], "width": 2, "dash": "dash"}, hovertemplate="%{y:.1f}%"),
    ])
    style_figure(fig, theme, height=height)
    if target is not None:
        fig.add_hline(y=100 * target, line={"color": c["warn"], "dash": "dot", "width": 1.5})
    fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "showgrid": False, "rangemode": "tozero",
                              "tickfont": {"color": c["muted"]}}, bargap=0.35)
    fig.update_layout(yaxis={"range": [0, 101], "ticksuffix": "%"})
    fig.update_xaxes(type="category")
    return fig
