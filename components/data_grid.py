"""A dash-ag-grid table styled by the page's CSS variables, so one grid fits both themes."""

from __future__ import annotations

import dash_ag_grid as dag

# AG Grid's Theming API accepts CSS expressions: the grid follows the shell's light/dark variables,
# and its font is the app's own (never a web font from a CDN).
GRID_THEME = {"function": (
    "themeQuartz.withParams({backgroundColor: 'var(--panel)', foregroundColor: 'var(--text)', "
    "headerBackgroundColor: 'var(--panel-2)', borderColor: 'var(--line)', accentColor: 'var(--accent)', "
    "fontFamily: 'inherit', fontSize: 14, headerFontWeight: 600, spacing: 6})")}


def create_grid(grid_id: str | dict, columns: list[dict], rows: list[dict], height: str = "420px",
                row_id: str | None = None, **options) -> dag.AgGrid:
    """Sortable, filterable columns sized to fit; `row_id` names the field that identifies a row."""
    grid_options = {"theme": GRID_THEME, "animateRows": False, "suppressCellFocus": True, **options}
    if row_id:
        grid_options["getRowId"] = {"function": f"params.data[{row_id!r}]"}
    return dag.AgGrid(
        id=grid_id, columnDefs=columns, rowData=rows, columnSize="responsiveSizeToFit",
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 80},
        dashGridOptions=grid_options, style={"height": height, "width": "100%"}, className="data-grid",
    )
