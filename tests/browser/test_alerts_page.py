"""/alerts, the wall's banner and a corrected holiday calendar, in headless Chromium against `wallboard serve`."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert
from support.alert_sinks import webhook
from support.servers import free_port, wait_http

from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import calls, complaints, metadata
from wallboard.demo.simulator import backfill, demo_config_toml
from wallboard.maths.deadlines import Complaint, SiteCalendar, stage_deadlines
from wallboard.maths.working_days import CalendarCorrections

pytestmark = pytest.mark.browser
COMPLAINT = "BJ-2026-99-01"


def holidays_ahead(received: datetime) -> list[date]:
    """The next three weekdays after the complaint's day, entered as holidays: its first contact moves."""
    day, out = received.date(), []
    while len(out) < 3:
        day += timedelta(days=1)
        if day.weekday() < 5:
            out.append(day)
    return out


@pytest.fixture(scope="module")
def alerting(tmp_path_factory):
    """Serve the 3-site demo day with every site below a strict service-level rule and one BJ complaint."""
    folder = tmp_path_factory.mktemp("alerts-browser")
    calls_url = f"sqlite:///{folder / 'calls.db'}"
    engine = make_engine(calls_url)
    metadata.create_all(engine)
    backfill(engine, engine, history_days=1, seed=5)
    received = datetime.now(UTC).replace(tzinfo=None, microsecond=0) - timedelta(hours=1)
    queued = received + timedelta(minutes=58, seconds=30)  # 90 s ago: today, whatever the hour in Beijing
    with engine.begin() as conn:
        conn.execute(insert(complaints).values(complaint_id=COMPLAINT, site="BJ", severity="II",
                                               category="billing", received_at=received))
        # calls answered after 80 s at Beijing and Shanghai: both below the rules' levels even at night
        conn.execute(insert(calls), [
            {"call_id": f"SLOW-{site}-{i}", "site": site, "skill_group": "claims", "arrived_at": queued,
             "queued_at": queued, "answered_at": queued + timedelta(seconds=80), "agent_id": f"{site}-slow",
             "transferred": 0, "direction": "inbound", "quality_flags": 0}
            for site in ("BJ", "SH") for i in range(40)])
    engine.dispose()
    extra = [f'"{d.isoformat()}"' for d in holidays_ahead(received + timedelta(hours=8))]
    with webhook() as hook:
        (folder / "wallboard.toml").write_text(demo_config_toml().replace("poll_seconds = 5", "poll_seconds = 1") + f'''
[thresholds.service_level]
warn = 0.995
alert = 0.99

[alerts]
[alerts.channels]
floor = ["{hook.url}"]
[[alerts.rules]]
tile = "service_level"
scope = "site:BJ"
for_seconds = 0
channels = ["floor"]
[[alerts.rules]]
tile = "service_level"
scope = "site:SH"
level = "warn"
for_seconds = 0
channels = ["floor"]

[calendars.CN]
holidays = [{", ".join(extra)}]
''', encoding="utf-8")
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "wallboard.cli", "serve", "--calls-db", calls_url, "--app-db",
                                 f"sqlite:///{folder / 'app.db'}", "--config", str(folder / "wallboard.toml"),
                                 "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_http(base + "/healthz", 90, proc)
            yield base, received, hook
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def test_brw060_wall_banner_shows_the_open_alert_of_its_scope(alerting, watch):
    base, _, _ = alerting
    for width, height in ((1920, 1080), (3840, 2160), (1366, 768)):
        w = watch(width, height)
        w.page.goto(base + "/?site=BJ&kiosk=1&lang=en")
        w.page.wait_for_selector(".alert-banner [data-alert]", timeout=20_000)
        text = w.page.inner_text(".alert-banner")
        assert text.startswith("Alert: Service level (today) · Beijing ·"), text
        size = w.page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
        assert size == [width, height]  # the banner fits the title row: no scroll bars on the wall
        w.screenshot(f"wall-alert-banner-{width}x{height}-en")
        assert w.console == [] and w.external_requests() == []
    w = watch(1920, 1080)
    w.page.goto(base + "/?site=CD&kiosk=1&lang=en")  # no rule on Chengdu: no banner
    w.page.wait_for_selector('[data-freshness][data-state="fresh"]', timeout=20_000)
    w.page.wait_for_timeout(2_500)
    assert w.page.locator(".alert-banner [data-alert]").count() == 0


def test_brw061_alerts_page_lists_and_acknowledges(alerting, watch):
    base, _, hook = alerting
    w = watch(1366, 768)
    w.page.goto(base + "/alerts?lang=en")
    w.page.wait_for_selector('[data-alert][data-state="open"]', timeout=20_000)
    rows = w.page.eval_on_selector_all('[data-alert][data-state="open"]', "els => els.map(e => e.innerText)")
    assert len(rows) == 2 and any("Beijing" in r for r in rows) and any("Shanghai" in r for r in rows)
    w.screenshot("alerts-1366x768-en")
    w.page.locator('[data-alert][data-level="alert"] button').click()
    w.page.wait_for_function("() => ![...document.querySelectorAll('[data-level=alert] button')].length",
                             timeout=10_000)
    assert "open at" in w.page.inner_text('[data-alert][data-level="alert"]')  # acknowledged by the open demo
    assert w.page.locator('[data-alert][data-level="warn"] button').count() == 1
    assert w.console == [] and w.external_requests() == []
    assert len(hook.received) == 2  # one message per rule
    z = watch(1920, 1080)
    z.page.goto(base + "/alerts")
    z.page.wait_for_selector("[data-alert]", timeout=20_000)
    assert "当前告警" in z.page.inner_text("h2")
    z.screenshot("alerts-1920x1080-zh")


def test_brw062_corrected_calendar_moves_the_deadline_on_complaints(alerting, watch):
    base, received, _ = alerting
    corrections = CalendarCorrections(holidays=frozenset(holidays_ahead(received + timedelta(hours=8))))
    c = Complaint(complaint_id=COMPLAINT, site="BJ", severity="II", category="billing",
                  received_at=received.replace(tzinfo=UTC))
    at = datetime.now(UTC)
    plain, fixed = (next(s for s in stage_deadlines(c, SiteCalendar(corrections=k), at).stages
                         if s.stage == "first_contact") for k in (CalendarCorrections(), corrections))
    assert fixed.due_at > plain.due_at  # the hand-worked effect of the config's entry
    w = watch(1920, 1080)
    w.page.goto(base + "/complaints?lang=en")
    w.page.wait_for_selector("tr.clickable", timeout=20_000)
    w.page.locator("tr.clickable", has_text=COMPLAINT).click()
    w.page.wait_for_selector(".modal.show .timeline-step", timeout=5_000)
    steps = w.page.inner_text(".timeline")
    assert f"First contact\ndue {fixed.due_at.strftime('%Y-%m-%d %H:%M')}" in steps, steps
    w.screenshot("complaints-corrected-calendar-1920x1080-en")


def test_brw063_data_quality_shows_channels_and_calendar_years(alerting, watch):
    base, _, _ = alerting
    w = watch(1366, 768)
    w.page.goto(base + "/data-quality?lang=en")
    w.page.wait_for_selector('[data-channel="floor[0]"]', timeout=20_000)
    w.page.wait_for_function("() => document.querySelector('[data-channel=\"floor[0]\"]').innerText.includes('\\t2')",
                             timeout=20_000)  # two messages sent, one per rule
    cell = w.page.inner_text('[data-channel="floor[0]"]')
    assert "json://127.0.0.1:" in cell and w.page.get_attribute('[data-channel="floor[0]"]', "data-state") == "ok"
    year = datetime.now(UTC).year + 1
    if year == 2027:  # holidays 0.109 has no 2027 schedule, and the config enters none for it
        assert "Calendar CN, 2027" in w.page.inner_text(f'[data-calendar="CN:{year}"]')
    w.page.locator(".dq-alerts").scroll_into_view_if_needed()
    w.screenshot("data-quality-alerts-1366x768-en")
