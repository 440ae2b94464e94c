"""Tables of 600 sites' rows become virtualised grids of the same texts; short tables stay HTML tables."""

from __future__ import annotations

import dash_ag_grid as dag
from dash import html

from wallboard.components.data_grid import LONG_ROWS, cell_text
from wallboard.components.drill_tables import create_kpi_table
from wallboard.components.review import create_table


def kpi_row(key: str, offered: int) -> dict:
    return {"key": key, "offered": offered, "answered": offered - 1, "service_level": 0.8125, "asa_seconds": 9.4,
            "abandon_rate": 0.05, "connection_rate": 0.95, "aht_seconds": 246.0, "csat_mean": 4.41, "surveys": 12}


def test_lng001_a_long_kpi_table_is_a_grid_with_links_and_the_current_row_pinned():
    rows = [kpi_row(f"S{i}", 1000 + i) for i in range(LONG_ROWS + 5)]
    grid = create_kpi_table(rows, "en", "Site", key_label=lambda k: f"Site [{k}]", href=lambda k: f"/site/{k}",
                            current="S3", table_id="site-compare-table")
    assert isinstance(grid, dag.AgGrid) and grid.id == "site-compare-table"
    assert len(grid.rowData) == LONG_ROWS + 4
    (pinned,) = grid.dashGridOptions["pinnedTopRowData"]
    assert pinned["c0"] == r"[Site \[S3\]](/site/S3)"  # a name's brackets cannot break the link
    assert pinned["c1"] == "1,003" and pinned["c3"] == "81.2%" and pinned["c7"] == "4:06"
    assert grid.columnDefs[0]["cellRenderer"] == "markdown"
    assert all(c["comparator"]["function"].startswith("wallboardByNumber") for c in grid.columnDefs[1:])


def test_lng002_short_tables_stay_html_with_their_hooks():
    table = create_kpi_table([kpi_row("BJ", 5)], "en", "Site", table_id="site-compare-table")
    assert isinstance(table, html.Table) and table.id == "site-compare-table"
    assert table.children[1].children[0].to_plotly_json()["props"]["data-key"] == "BJ"
    review = create_table(["Site", "n"], [["BJ", "5"]] * LONG_ROWS, [False, True], table_id="wk-csat_by_site")
    assert isinstance(review, html.Table)


def test_lng003_a_long_review_table_keeps_every_cell_as_text():
    chip = html.Span([html.I(className="bi"), " ", "low sample"], className="low-sample")
    rows = [[f"Site {i}", f"{i:,}", chip if i % 2 else ""] for i in range(LONG_ROWS + 1)]
    grid = create_table(["Site", "Surveys", "Sample"], rows, [False, True, False], table_id="sat-site-table")
    assert isinstance(grid, dag.AgGrid) and len(grid.rowData) == LONG_ROWS + 1
    assert grid.rowData[1] == {"c0": "Site 1", "c1": "1", "c2": " low sample"}
    assert "cellRenderer" not in grid.columnDefs[0] and "comparator" not in grid.columnDefs[2]
    assert cell_text(None) == "" and cell_text([1, html.B("x")]) == "1x"
