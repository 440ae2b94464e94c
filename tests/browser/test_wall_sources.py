"""Live sources on the wall (issue 17): an ENTERQUEUE written to Asterisk's realtime table shows as a waiting call
on the wall within two polls of `wallboard serve`, which runs the source's follower itself; its CONNECT takes it
off; /healthz and /data-quality show the source."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from support.asterisk import Event, insert_rows, queue_log_table
from support.servers import free_port, health, wait_for, wait_http

from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import metadata

pytestmark = pytest.mark.browser
POLL_SECONDS = 2


def test_brw080_enterqueue_in_the_realtime_table_on_the_wall_within_two_polls(pg_url, tmp_path, watch):
    engine = make_engine(pg_url)
    metadata.create_all(engine)
    table = queue_log_table()
    table.create(engine, checkfirst=True)
    config = tmp_path / "wallboard.toml"
    config.write_text(f'[general]\npoll_seconds = {POLL_SECONDS}\ntimezone = "Asia/Shanghai"\n'
                      '[[sites]]\nid = "ZZ"\nname = "测试"\nname_en = "Test site"\n'
                      f'[[sources]]\nkind = "asterisk-queue-log"\nurl = "{pg_url}"\nsite = "ZZ"\n', encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "wallboard.cli", "serve", "--calls-db", pg_url, "--config",
                             str(config), "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "WALLBOARD_DATA_DIR": str(tmp_path / "data")})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/", 60, proc)
        wait_for(lambda: health(url).get("sources", {}) and all(
            s["caught_up"] for s in health(url)["sources"].values()), 30, "the follower started")
        w = watch(1920, 1080)
        w.page.goto(url + "/?site=ZZ&lang=en")
        w.page.wait_for_selector('[data-freshness][data-state="fresh"]', timeout=30_000)
        value = '[data-kpi="calls_waiting"] [data-kpi-value]'
        assert w.page.inner_text(value) == "0"
        now = int(time.time())
        calls = [f"{now}.{i}" for i in range(3)]
        insert_rows(engine, table, [Event(now, c, "400-claims", "NONE", "ENTERQUEUE", ("", "13800138000", "1"))
                                    for c in calls], timezone="Asia/Shanghai")
        w.page.wait_for_function(f"document.querySelector('{value}').innerText === '3'",
                                 timeout=(2 * POLL_SECONDS + 1) * 1000)  # within two polls (+1 s for the browser)
        insert_rows(engine, table, [Event(now + 5, c, "400-claims", "PJSIP/1001", "CONNECT", ("5", f"{c}9", "1"))
                                    for c in calls], timezone="Asia/Shanghai")
        w.page.wait_for_function(f"document.querySelector('{value}').innerText === '0'",
                                 timeout=(2 * POLL_SECONDS + 1) * 1000)
        source = next(iter(health(url)["sources"].values()))
        assert source["events"] == 6 and source["last_error"] is None
        w.page.goto(url + "/data-quality?lang=en")
        w.page.wait_for_selector('[data-source][data-state="ok"]', timeout=10_000)
        w.page.locator(".dq-sources").scroll_into_view_if_needed()
        w.screenshot("data-quality-sources")
        assert not w.external_requests()
    finally:
        proc.terminate()
        proc.wait(10)
        table.drop(engine)
        engine.dispose()
