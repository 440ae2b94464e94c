"""Plotly styling for the laptop pages (site, skill group, agent, satisfaction, weekly review).

Figures carry their colours (Plotly cannot read CSS variables), so a page builds each
figure for the screen's theme: `style_figure(fig, theme)` with theme "light" or "dark".
"""

from __future__ import annotations

import plotly.graph_objects as go

PALETTE = {
    "light": {"text": "#1f2a37", "muted": "#5b6b7f", "grid": "#e3e8ef", "accent": "#1f6fd1", "ok": "#1e9e55",
              "warn": "#c77c00", "alert": "#d93a3c", "ghost": "#8a99ab"},
    "dark": {"text": "#e6edf3", "muted": "#9fb0c3", "grid": "#243040", "accent": "#4da3ff", "ok": "#2ecc71",
             "warn": "#ffb020", "alert": "#ff4d4f", "ghost": "#9fb0c3"},
}
GRAPH_CONFIG = {"displayModeBar": False, "responsive": True}


def colours(theme: str) -> dict[str, str]:
    """The named colours of a theme (unknown themes read as light)."""
    return PALETTE.get(theme, PALETTE["light"])


def style_figure(fig: go.Figure, theme: str, height: int = 300, legend: bool = True) -> go.Figure:
    """Transparent background, the app's fonts, the theme's grid and text colours, tight margins."""
    c = colours(theme)
    fig.update_layout(
        template="plotly_dark" if theme == "dark" else "plotly_white",
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", height=height,
        margin={"l": 48, "r": 48, "t": 28 if legend else 8, "b": 36},
        font={"family": "Inter, Noto Sans SC, sans-serif", "size": 13, "color": c["text"]},
        showlegend=legend, legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        hovermode="x unified",
    )
    fig.update_xaxes(gridcolor=c["grid"], linecolor=c["grid"], zeroline=False)
    fig.update_yaxes(gridcolor=c["grid"], linecolor=c["grid"], zeroline=False, rangemode="tozero")
    return fig
