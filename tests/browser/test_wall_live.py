"""The wall against PostgreSQL through a cuttable proxy: thresholds switch, stale when cut, recovers, rotation."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.engine import make_url
from support.faults import TcpProxy
from support.servers import free_port, wait_http

from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import calls, metadata
from wallboard.data_access.writes import upsert
from wallboard.demo.simulator import backfill

pytestmark = pytest.mark.browser
CONFIG = """
[general]
poll_seconds = 1
[[sites]]
id = "ZZ"
name = "测试"
name_en = "Test site"
[thresholds.calls_waiting]
warn = 2
alert = 5
"""


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, pg_url):
    """`wallboard serve` reading PostgreSQL through a proxy; yields (url, proxy, direct engine)."""
    direct = make_engine(pg_url)
    metadata.create_all(direct)
    backfill(direct, direct, history_days=0.05, seed=5)
    server = make_url(pg_url)
    proxy = TcpProxy(server.host or "127.0.0.1", server.port or 5432)
    via_proxy = server.set(port=proxy.port).render_as_string(hide_password=False)
    config = tmp_path_factory.mktemp("live") / "wallboard.toml"
    config.write_text(CONFIG, encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "wallboard.cli", "serve", "--calls-db", via_proxy, "--config",
                             str(config), "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/", 60, proc)
        yield f"http://127.0.0.1:{port}", proxy, direct
    finally:
        proc.terminate()
        proc.wait(10)
        proxy.close()
        direct.dispose()


def _waiting_calls(n: int) -> list[dict]:
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    return [{"call_id": f"ZZ-{i}", "site": "ZZ", "skill_group": "claims", "arrived_at": now - timedelta(seconds=40),
             "queued_at": now - timedelta(seconds=30), "answered_at": None, "ended_at": None, "agent_id": None,
             "wrap_up_seconds": None, "transferred": 0, "direction": "inbound", "caller_id": None,
             "category": None, "quality_flags": 0} for i in range(n)]


def level_of(page, kpi: str) -> str:
    return page.get_attribute(f'[data-kpi="{kpi}"]', "data-level")


def test_brw020_threshold_levels_switch_and_recover(live_server, watch):
    """Six calls waiting at site ZZ → alert (▲ shape changes too); answered → back to ok."""
    url, _proxy, direct = live_server
    w = watch(1920, 1080)
    w.page.goto(url + "/?site=ZZ&lang=en")
    w.page.wait_for_selector('[data-freshness][data-state="fresh"]', timeout=20_000)
    assert level_of(w.page, "calls_waiting") == "ok"
    with direct.begin() as conn:
        upsert(conn, calls, ("call_id",), _waiting_calls(6))
    w.page.wait_for_selector('[data-kpi="calls_waiting"][data-level="alert"]', timeout=10_000)
    assert w.page.inner_text('[data-kpi="calls_waiting"] [data-kpi-value]') == "6"
    assert "bi-x-octagon-fill" in w.page.get_attribute('[data-kpi="calls_waiting"] .kpi-icon', "class")
    w.screenshot("wall-threshold-alert")
    with direct.begin() as conn:
        conn.execute(update(calls).where(calls.c.site == "ZZ").values(
            answered_at=datetime.now(UTC).replace(tzinfo=None), agent_id="A1"))
    w.page.wait_for_selector('[data-kpi="calls_waiting"][data-level="ok"]', timeout=10_000)
    assert w.console == []


def test_brw021_stale_when_database_cut_and_recovers(live_server, watch):
    """Cut the database: values stay, the indicator and a banner say stale since hh:mm:ss; restore: fresh again."""
    url, proxy, _direct = live_server
    w = watch(1920, 1080)
    w.page.goto(url + "/?lang=en")
    w.page.wait_for_selector('[data-freshness][data-state="fresh"]', timeout=20_000)
    before = w.page.inner_text('[data-kpi="service_level"] [data-kpi-value]')
    proxy.cut()
    try:
        w.page.wait_for_selector('[data-freshness][data-state="stale"]', timeout=20_000)
        banner = w.page.locator(".stale-banner")
        banner.wait_for(state="visible", timeout=5_000)
        assert banner.inner_text().startswith("Stale since ")
        assert w.page.inner_text('[data-kpi="service_level"] [data-kpi-value]') == before  # last good values
        w.screenshot("wall-stale")
    finally:
        proxy.restore()
    w.page.wait_for_selector('[data-freshness][data-state="fresh"]', timeout=30_000)
    w.page.locator(".stale-banner").wait_for(state="hidden", timeout=5_000)
    console = [m for m in w.console if "Failed to load resource" not in m]  # 500s while cut are expected
    assert console == []


def test_brw022_rotation_without_reload(live_server, watch):
    url, _proxy, _direct = live_server
    w = watch(1920, 1080)
    w.page.goto(url + "/?kiosk=1&rotate=5&pages=/,/complaints")
    w.page.wait_for_selector('[data-kpi="service_level"]', timeout=20_000)
    w.page.evaluate("window.__sameDocument = true")
    w.page.wait_for_selector(".board", timeout=15_000)  # the complaint board after 5 s
    assert w.page.evaluate("window.__sameDocument === true")  # no full reload
    assert "kiosk=1" in w.page.url and "/complaints" in w.page.url
    w.page.wait_for_selector('[data-kpi="service_level"]', timeout=15_000)  # and back to the wall
    assert w.console == []
