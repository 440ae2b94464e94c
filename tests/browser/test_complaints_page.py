"""The complaint deadline board in headless Chromium: order, ticking countdowns, the stage timeline."""

from __future__ import annotations

from datetime import datetime

import pytest

pytestmark = pytest.mark.browser


def test_brw010_board_sorted_ticking_and_timeline(demo_server, watch):
    w = watch(1920, 1080)
    w.page.goto(demo_server + "/complaints?lang=en")
    w.page.wait_for_selector("tr.clickable", timeout=20_000)
    dues = w.page.eval_on_selector_all(".countdown[data-due]", "els => els.map(e => e.dataset.due)")
    assert dues, "no open complaints in the demo"
    moments = [datetime.fromisoformat(d) for d in dues if d]
    assert moments == sorted(moments)  # nearest breach first
    first = w.page.locator(".countdown[data-due]").first
    w.page.wait_for_function("el => el.textContent.length > 0", arg=first.element_handle(), timeout=5_000)
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
