"""A KPI tile with the contract's hooks: data-kpi, data-level, and one data-kpi-value inside."""

from __future__ import annotations

from dash import html

from wallboard.i18n import t

LEVEL_ICONS = {"ok": "bi-check-circle-fill", "warn": "bi-exclamation-triangle-fill", "alert": "bi-x-octagon-fill"}


def tile_id(kind: str, name: str) -> dict:
    """Pattern-matching id of a tile part: kind is tile, value, sub or icon."""
    return {"type": f"kpi-{kind}", "kpi": name}


def create_kpi_tile(name: str, label: str, value: str, level: str = "ok", sub: str = "", lang: str = "zh",
                    size: str = "md") -> html.Div:
    """The tile; its level is shown by colour and by an icon shape (✔ ▲ ⬣) for colour-blind viewers."""
    return html.Div(
        className=f"kpi-tile kpi-{size}",
        id=tile_id("tile", name),
        **{"data-kpi": name, "data-level": level},
        children=[
            html.Div(className="kpi-head", children=[
                html.Span(label, className="kpi-label"),
                html.I(className=f"bi {LEVEL_ICONS[level]} kpi-icon", id=tile_id("icon", name),
                       title=t(f"level.{level}", lang), **{"aria-label": t(f"level.{level}", lang)}),
            ]),
            html.Div(value, className="kpi-value", id=tile_id("value", name), **{"data-kpi-value": ""}),
            html.Div(sub, className="kpi-sub", id=tile_id("sub", name)),
        ],
    )
