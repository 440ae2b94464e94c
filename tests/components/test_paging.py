"""Lists longer than a screen turn their pages by the clock: every screen shows the same page at the same time."""

from __future__ import annotations

from wallboard.components.complaint_board import create_complaint_table
from wallboard.components.paging import PAGE_SECONDS, page_slice


def test_pag001_pages_turn_every_page_seconds_and_wrap():
    items = list(range(31))  # 14 a page: 3 pages, the last of 3 items
    assert page_slice(items, 14, 0) == (items[:14], 1, 3)
    assert page_slice(items, 14, PAGE_SECONDS - 0.1)[1] == 1
    assert page_slice(items, 14, PAGE_SECONDS) == (items[14:28], 2, 3)
    assert page_slice(items, 14, 2 * PAGE_SECONDS) == (items[28:], 3, 3)
    assert page_slice(items, 14, 3 * PAGE_SECONDS)[1:] == (1, 3)
    assert page_slice([], 14, 5) == ([], 1, 1) and page_slice(items[:14], 14, 99)[1:] == (1, 1)


def test_pag002_the_complaint_list_carries_its_page():
    row = {"complaint_id": "BJ-2026-12-01", "site": "BJ", "severity": "II", "category": "billing", "status": "open",
           "next_stage": None, "next_due_at": None, "stages": []}
    table = create_complaint_table([row], "en", str, (2, 5)).to_plotly_json()["props"]
    assert table["data-page"] == "2/5"
    assert table["children"][-1].children == "Page 2 of 5"
    single = create_complaint_table([row], "en", str).to_plotly_json()["props"]
    assert single["data-page"] == "1/1" and len(single["children"]) == 2
