"""Tables of the weekly review and the satisfaction page: plain values in, an HTML table out."""

from __future__ import annotations

from dash import html

from wallboard.components.data_grid import LONG_ROWS, create_table_grid

# a change's verdict → the CSS class that colours it (green better, red worse, muted otherwise)
CHANGE_CLASSES = {"better": "chg chg-better", "worse": "chg chg-worse", "same": "chg chg-same", None: "chg"}


def create_table(headers: list[str], rows: list[list], numeric: list[bool], cell_classes: list[list[str]] | None = None,
                 table_id: str | None = None, empty: str = "—", long_as_grid: bool = True):
    """A `table.plain`; numeric columns right-aligned; `cell_classes[i][j]` adds a class to one cell. Longer than
    LONG_ROWS (600 sites), a virtualised grid of the same texts (unless the caller scrolls it itself)."""
    if table_id and long_as_grid and len(rows) > LONG_ROWS:
        return create_table_grid(table_id, headers, rows, numeric)
    def cls(i: int, j: int) -> str | None:
        extra = cell_classes[i][j] if cell_classes else ""
        return " ".join(c for c in ("num" if numeric[j] else "", extra) if c) or None

    body = [html.Tr([html.Td(v, className=cls(i, j)) for j, v in enumerate(row)]) for i, row in enumerate(rows)]
    if not body:
        body = [html.Tr(html.Td(empty, colSpan=len(headers), className="muted"))]
    props = {"id": table_id} if table_id else {}
    return html.Table(className="plain", **props, children=[
        html.Thead(html.Tr([html.Th(h, className="num" if numeric[j] else None) for j, h in enumerate(headers)])),
        html.Tbody(body),
    ])


def create_card(title: str, *children, class_name: str = "", card_id: str | None = None) -> html.Section:
    """A titled `card-panel` section."""
    props = {"id": card_id} if card_id else {}
    return html.Section(className=f"card-panel {class_name}".strip(), children=[html.H2(title), *children], **props)


def create_band_text(low: float | None, high: float | None, fmt) -> str:
    """"81.2–88.4 %"-style text of an interval, or an em dash."""
    if low is None or high is None:
        return "—"
    return f"{fmt(low)} – {fmt(high)}"


def create_sample_chip(low_sample: bool, text: str, help_text: str) -> html.Span | str:
    """The low-sample warning: a chip with an icon and a tooltip, so a meeting does not chase noise."""
    if not low_sample:
        return ""
    return html.Span([html.I(className="bi bi-exclamation-triangle-fill"), " ", text], className="low-sample",
                     title=help_text)
