"""The complaint board marks a deadline counted over a calendar year without an official schedule."""

from __future__ import annotations

import json

from wallboard.components.complaint_board import create_complaint_table, create_timeline, format_local


def row(provisional: bool) -> dict:
    stages = [{"stage": "hand_over", "due_at": "2027-02-17T22:00:00+08:00", "done_at": "2027-02-17T11:00:00+08:00",
               "status": "met", "provisional": False},
              {"stage": "first_contact", "due_at": "2027-02-23T00:00:00+08:00", "done_at": None, "status": "open",
               "provisional": provisional}]
    return {"complaint_id": "BJ-2027-02-01", "site": "BJ", "severity": "II", "category": "billing",
            "next_stage": "first_contact", "next_due_at": "2027-02-23T00:00:00+08:00", "status": "open",
            "stages": stages}


def rendered(component) -> str:
    return json.dumps(component.to_plotly_json(), default=lambda c: c.to_plotly_json(), ensure_ascii=False)


def test_cbd001_provisional_deadlines_are_marked_in_the_table_and_the_timeline():
    marked = rendered(create_complaint_table([row(True)], "en", str))
    plain = rendered(create_complaint_table([row(False)], "en", str))
    assert '"data-provisional": "true"' in marked and "(provisional)" in marked and "official holiday" in marked
    assert "data-provisional" not in plain
    timeline = rendered(create_timeline(row(True), "zh", format_local))
    assert timeline.count('"data-provisional": "true"') == 1 and "暂定" in timeline
