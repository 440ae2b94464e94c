"""The complaint deadline board in headless Chromium: order, ticking countdowns, the stage timeline."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import complaints
from wallboard.data_access.writes import upsert

pytestmark = pytest.mark.browser


def test_brw010_board_sorted_ticking_and_timeline(demo_server, demo_data_dir, watch):
    """A complaint received 11 h ago and not handed over (due in the hour, so its countdown shows seconds) is added
    to the demo's: whatever the simulation's own complaints, the nearest one ticks every second."""
    engine = make_engine(f"sqlite:///{demo_data_dir / 'demo.db'}")
    with engine.begin() as conn:
        upsert(conn, complaints, ("complaint_id",), [{
            "complaint_id": "BJ-TEST-0001", "site": "BJ", "category": "service", "severity": "II", "channel": "phone",
            "received_at": datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=11), "handed_over_at": None,
            "registered_at": None, "first_contact_at": None, "refund_requested_at": None, "refund_completed_at": None,
            "closed_at": None, "archived_at": None, "owner": None}])
    engine.dispose()
    w = watch(1920, 1080)
    w.page.goto(demo_server + "/complaints?lang=en")
    w.page.wait_for_selector("tr.clickable", timeout=20_000)
    w.page.wait_for_selector("tr.clickable", timeout=20_000)
    dues = w.page.eval_on_selector_all(".countdown[data-due]", "els => els.map(e => e.dataset.due)")
    assert dues, "no open complaints in the demo"
    moments = [datetime.fromisoformat(d) for d in dues if d]
    assert moments == sorted(moments)  # nearest breach first
    first = w.page.locator(".countdown[data-due]").filter(has_text=re.compile(r"^-?\d\d:\d\d:\d\d$")).first
    first.wait_for(timeout=20_000)  # within a day of its deadline: shown to the second
    before = first.text_content()
    w.page.wait_for_timeout(2_100)
    assert first.text_content() != before  # ticks in the browser, every second
    complaint_id = w.page.locator("tr.clickable td").first.text_content()
    w.page.locator("tr.clickable").first.click()
    w.page.wait_for_selector(".modal.show .timeline-step", timeout=5_000)
    w.page.wait_for_timeout(500)  # the modal's fade-in
    assert complaint_id in w.page.inner_text(".modal-title")
    steps = w.page.inner_text(".timeline")
    assert "Hand-over" in steps and "Register" in steps and "Close" in steps
    received = w.page.inner_text(".modal-body p")
    assert received.startswith("Received 20") and len(received) == len("Received 2026-03-02 10:00")
    w.screenshot("complaints-1920x1080-en-timeline")
    assert w.console == [] and w.external_requests() == []


def test_brw011_board_in_chinese_at_4k(demo_server, watch):
    w = watch(3840, 2160)
    w.page.goto(demo_server + "/complaints?kiosk=1")
    w.page.wait_for_selector("tr.clickable", timeout=20_000)
    assert "投诉处理时限" in w.page.inner_text("h1")
    sizes = w.page.evaluate("() => [document.documentElement.scrollHeight, innerHeight]")
    assert sizes[0] <= sizes[1]
    w.screenshot("complaints-3840x2160-zh-kiosk")
    assert w.console == [] and w.external_requests() == []
