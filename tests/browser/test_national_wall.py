"""The all-sites wall of the 600-site national hotline (`simulate --sites 600`) in headless Chromium, on a laptop
and on a 4K TV: every site visible at once with the contract's hooks, no scroll bars, levels kept by polls."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, update
from support.servers import free_port, wait_http

from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import calls

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def national_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("national")
    url, config = f"sqlite:///{folder / 'calls.db'}", folder / "wallboard.toml"
    cli = [sys.executable, "-m", "wallboard.cli"]
    for args in (["init-db", "--db", url],
                 ["simulate", "--db", url, "--history-days", "2", "--sites", "600", "--write-config", str(config)]):
        done = subprocess.run(cli + args, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "WALLBOARD_DATA_DIR": str(folder / "data")})
        assert done.returncode == 0, done.stderr
    port = free_port()
    proc = subprocess.Popen(cli + ["serve", "--calls-db", url, "--config", str(config), "--port", str(port),
                                   "--poll-seconds", "3"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "WALLBOARD_DATA_DIR": str(folder / "data")})
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/healthz", 120, proc)
        yield base, url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.parametrize("width, height", [(1920, 1080), (3840, 2160)])
def test_brw070_every_site_visible_at_once(national_server, watch, width, height):
    w = watch(width, height)
    w.page.goto(national_server[0] + "/?kiosk=1&lang=en")
    w.page.wait_for_selector('[data-freshness][data-state="fresh"]', timeout=60_000)
    w.page.wait_for_function("() => document.querySelectorAll('[data-site]').length === 600", timeout=30_000)
    cells = w.page.evaluate("""() => [...document.querySelectorAll('[data-site]')].map(e => {
        const r = e.getBoundingClientRect();
        return {site: e.dataset.site, level: e.dataset.level, x: r.left, y: r.top, right: r.right, bottom: r.bottom,
                w: r.width, h: r.height, shown: getComputedStyle(e).visibility !== 'hidden'};
    })""")
    assert len({c["site"] for c in cells}) == 600
    assert all(c["level"] in ("ok", "warn", "alert") for c in cells)
    # visible: inside the window, of a size one can see, not clipped by its panel
    assert all(c["shown"] and c["w"] >= 6 and c["h"] >= 6 and 0 <= c["x"] and c["right"] <= width and 0 <= c["y"]
               and c["bottom"] <= height for c in cells), [c for c in cells if c["bottom"] > height][:3]
    clipped = w.page.evaluate("""() => { const panel = document.querySelector('.site-heatmap').getBoundingClientRect();
        return [...document.querySelectorAll('[data-site]')].filter(e => e.getBoundingClientRect().bottom
                                                                           > panel.bottom + 0.5).length; }""")
    assert clipped == 0
    assert w.page.evaluate("() => document.scrollingElement.scrollHeight <= window.innerHeight + 1")
    rows = w.page.evaluate("() => document.querySelectorAll('.group-table tbody tr').length")
    assert 0 < rows <= 7  # the worst queues, not 600 sites' worth, a page at a time
    k, n = map(int, w.page.get_attribute(".group-table", "data-page").split("/"))
    assert 1 <= k <= n <= 4
    # live: calls that have waited 10 minutes at one site turn its cell red without a reload
    site = next(c["site"] for c in cells if c["level"] != "alert")
    engine = make_engine(national_server[1])
    now = datetime.now(UTC).replace(tzinfo=None)
    stuck = [{"call_id": f"STUCK-{width}-{i}", "site": site, "skill_group": "booking", "direction": "inbound",
              "arrived_at": now - timedelta(minutes=10), "queued_at": now - timedelta(minutes=10)} for i in range(20)]
    tile = '[data-kpi="calls_waiting"] [data-kpi-value]'
    waiting = int(w.page.inner_text(tile).replace(",", ""))
    try:
        with engine.begin() as conn:
            conn.execute(insert(calls), stuck)
        # re-read between full polls (every second; polls every 3 s) and pushed by the wall's queue stream: the
        # all-sites count takes the 20 calls (a real count, never a clock)
        w.page.wait_for_function(f"() => parseInt(document.querySelector('{tile}').innerText.replace(/,/g, ''))"
                                 f" >= {waiting + 20}", timeout=60_000)  # a loaded machine: an outcome, not a time
        assert w.page.evaluate("() => window.wallboardQueueMessages") > 0
        w.page.wait_for_function(f"""() => document.querySelector('[data-site="{site}"]').dataset.level === 'alert'""",
                                 timeout=60_000)
        # ... and its queue, 20 calls waiting 10 minutes, heads the worst queues (on their first page: they turn)
        w.page.wait_for_selector(f'.group-table[data-page^="1/"] tbody tr:first-child a[href^="/site/{site}?"]',
                                 timeout=60_000)
    finally:
        with engine.begin() as conn:
            conn.execute(update(calls).where(calls.c.call_id.like(f"STUCK-{width}-%")).values(ended_at=now))
        engine.dispose()
    w.screenshot(f"national-wall-{width}x{height}")
    assert w.console == [] and w.external_requests() == []


@pytest.mark.parametrize("width, height", [(1920, 1080), (3840, 2160)])
def test_brw071_a_region_label_opens_the_region_wall(national_server, watch, width, height):
    """All sites → a region (its label on the heat map) → its wall: only its sites' cells, its queues, a breadcrumb
    back to all sites; then a site of it, whose breadcrumb names the region."""
    w = watch(width, height)
    w.page.goto(national_server[0] + "/?kiosk=1&lang=en")
    w.page.wait_for_function("() => document.querySelectorAll('[data-site]').length === 600", timeout=60_000)
    # the largest region: the one whose wall is busiest to read
    region, sites = w.page.evaluate("""() => [...document.querySelectorAll('.heatmap-region[data-region]')].map(r =>
        [r.dataset.region, [...r.querySelectorAll('[data-site]')].map(c => c.dataset.site)])
        .sort((a, b) => b[1].length - a[1].length)[0]""")
    assert len(sites) > 1
    w.page.locator(f'.heatmap-region[data-region="{region}"] a.heatmap-region-label').click()
    w.page.wait_for_url(f"**/?region={region}*", timeout=15_000)
    w.page.wait_for_selector('[data-freshness][data-state="fresh"]', timeout=60_000)
    w.page.wait_for_selector(".group-table tbody tr", timeout=30_000)
    shown = w.page.evaluate("() => [...document.querySelectorAll('[data-site]')].map(c => c.dataset.site)")
    assert sorted(shown) == sorted(sites)
    queue_sites = w.page.evaluate("""() => [...document.querySelectorAll('.group-table tbody a[href*="/site/"]')]
        .map(a => decodeURIComponent(a.getAttribute('href').split('/site/')[1].split('?')[0]))""")
    assert queue_sites and set(queue_sites) <= set(sites)
    assert w.page.locator(".wall-title a.crumb").first.inner_text() == "All sites"
    levels = w.page.evaluate("() => [...document.querySelectorAll('[data-kpi]')].map(t => t.dataset.level)")
    assert len(levels) >= 14 and set(levels) <= {"ok", "warn", "alert"}
    assert w.page.evaluate("() => document.scrollingElement.scrollHeight <= window.innerHeight + 1")
    w.screenshot(f"region-wall-{width}x{height}")
    w.page.goto(national_server[0] + f"/?site={sites[0]}&kiosk=1&lang=en")
    w.page.wait_for_selector(".wall-title a.crumb", timeout=30_000)
    crumbs = w.page.locator(".wall-title a.crumb").all_inner_texts()
    assert crumbs[0] == "All sites" and len(crumbs) == 2  # all sites › the region › the site
    assert w.console == [] and w.external_requests() == []


def test_brw072_the_complaint_board_of_600_sites_pages_itself(national_server, watch):
    """Hundreds of open complaints: one screenful at a time, `data-page="k/n"`, turning by itself; no scroll bar."""
    w = watch(1920, 1080)
    w.page.goto(national_server[0] + "/complaints?kiosk=1&lang=en")
    w.page.wait_for_selector(".board-table[data-page]", timeout=60_000)
    first = w.page.get_attribute(".board-table[data-page]", "data-page")
    k, n = map(int, first.split("/"))
    assert n > 1 and 1 <= k <= n
    rows = w.page.evaluate("() => document.querySelectorAll('.board-table[data-page] tbody tr').length")
    assert 0 < rows <= 14
    bottom = w.page.evaluate("""() => Math.max(...[...document.querySelectorAll('.board-table[data-page] tbody tr')]
        .map(r => r.getBoundingClientRect().bottom))""")
    assert bottom <= 1080 and w.page.evaluate("() => document.scrollingElement.scrollHeight <= window.innerHeight + 1")
    w.page.wait_for_function(f"""() => document.querySelector('.board-table[data-page]').dataset.page !== '{first}'""",
                             timeout=30_000)
    w.screenshot("national-complaints-1920x1080")
    assert w.console == [] and w.external_requests() == []
