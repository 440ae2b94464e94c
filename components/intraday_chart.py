"""Today's half-hours against the same weekday last week: a fixed-length figure, patched in place."""

from __future__ import annotations

import plotly.graph_objects as go
from dash import Patch

from wallboard.i18n import t
from wallboard.maths.intraday import SLOTS

EMPTY = {"today_offered": [None] * len(SLOTS), "last_week_offered": [None] * len(SLOTS),
         "today_service_level": [None] * len(SLOTS)}


def _percent(values: list) -> list:
    return [None if v is None else round(100 * v, 1) for v in values]


def create_intraday_figure(series: dict | None, lang: str) -> go.Figure:
    """Bars: calls offered today; line: the same weekday last week; dots: today's service level (right axis)."""
    s = series or EMPTY
    fig = go.Figure([
        go.Bar(x=SLOTS, y=s["today_offered"], name=t("chart.today", lang), marker_color="#4da3ff"),
        go.Scatter(x=SLOTS, y=s["last_week_offered"], name=t("chart.last_week", lang), mode="lines",
                   line={"color": "#9fb0c3", "width": 3, "dash": "dot"}),
        go.Scatter(x=SLOTS, y=_percent(s["today_service_level"]), name=t("chart.service_level", lang),
                   mode="lines+markers", yaxis="y2", line={"color": "#2ecc71", "width": 2}, marker={"size": 5}),
    ])
    fig.update_layout(
        template="plotly_dark", paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        margin={"l": 40, "r": 40, "t": 10, "b": 30}, bargap=0.15, uirevision="intraday",
        font={"family": "Inter, Noto Sans SC, sans-serif", "size": 14, "color": "#c9d4e0"},
        legend={"orientation": "h", "y": 1.12, "x": 0},
        xaxis={"tickmode": "array", "tickvals": SLOTS[::6], "showgrid": False},
        yaxis={"title": None, "gridcolor": "#243040", "rangemode": "tozero"},
        yaxis2={"overlaying": "y", "side": "right", "range": [0, 105], "tickvals": [0, 25, 50, 75, 100],
                "ticktext": ["0%", "25%", "50%", "75%", "100%"],
                "showgrid": False},
    )
    return fig


def font_size_for(viewport_height: int | None) -> int:
    """Chart text in proportion to the screen (Plotly sizes are pixels): 14 px at 1080 p, 28 at 2160 p."""
    return max(12, round((viewport_height or 1080) * 0.013))


def patch_intraday_figure(series: dict | None, viewport_height: int | None = None) -> Patch:
    """Only the three y arrays (and the font size) change between polls: no new figure, no growing series."""
    s = series or EMPTY
    patch = Patch()
    patch["layout"]["font"]["size"] = font_size_for(viewport_height)
    patch["data"][0]["y"] = s["today_offered"]
    patch["data"][1]["y"] = s["last_week_offered"]
    patch["data"][2]["y"] = _percent(s["today_service_level"])
    return patch
