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


LONG_ROWS = 15  # a table longer than this (600 sites' rows) is a virtualised grid: the page stays a few screens


def cell_text(value) -> str:
    """The text a table cell shows: a value as is, a Dash component as the text of its children."""
    if value is None:
        return ""
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "".join(cell_text(v) for v in value)
    return cell_text(getattr(value, "children", None))


def _markdown_text(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>" else ch for ch in text)


def create_table_grid(grid_id: str, headers: list[str], rows: list[list], numeric: list[bool],
                      hrefs: list[str | None] | None = None, current: int | None = None,
                      height: str = "460px") -> dag.AgGrid:
    """A long table's rows as a sortable, virtualised grid (only the rows in view are in the page): the cells'
    texts, the first column a link when `hrefs` gives one per row, the `current` row (an index) pinned on top."""
    by_number = {"type": "rightAligned", "comparator": {"function": "wallboardByNumber(valueA, valueB)"},
                 "filter": False}
    columns = [{"field": f"c{j}", "headerName": h, **(by_number if numeric[j] else {})}
               for j, h in enumerate(headers)]
    columns[0].update(pinned="left", minWidth=140)  # the name stays in view (and is what one filters by)
    if hrefs:
        columns[0].update(cellRenderer="markdown")
    data = []
    for i, row in enumerate(rows):
        record = {f"c{j}": cell_text(v) for j, v in enumerate(row)}
        if hrefs and hrefs[i]:
            record["c0"] = f"[{_markdown_text(record['c0'])}]({hrefs[i]})"
        data.append(record)
    pinned = [data.pop(current)] if current is not None else []
    return create_grid(grid_id, columns, data, height=height, pinnedTopRowData=pinned)
