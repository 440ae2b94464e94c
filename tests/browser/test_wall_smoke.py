"""The demo in headless Chromium: live values, contract hooks, no console errors, nothing off-host."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, update

from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import calls

pytestmark = pytest.mark.browser

WALL_TILES = ["service_level", "calls_waiting", "longest_wait", "asa", "abandon_rate", "connection_rate",
              "agents_available", "agents_on_call", "agents_wrap_up", "agents_not_ready", "csat",
              "complaints_due_soon", "complaints_overdue", "required_agents"]


def tile_values(page) -> dict[str, tuple[str, str]]:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('[data-kpi]')].map(
        t => [t.dataset.kpi, [t.querySelector('[data-kpi-value]').textContent, t.dataset.level]]))""")


def test_brw001_wall_shows_live_values_with_hooks(demo_server, demo_data_dir, watch):
    """Every contract tile has a value and a level; the page is fresh; values change; no errors; offline.

    A call put into the demo's database, waiting for ten minutes, must reach the screen without a reload
    (simulated traffic alone may leave every figure unchanged for minutes at night).
    """
    w = watch(1920, 1080)
    w.page.goto(demo_server + "/")
    w.page.wait_for_selector('[data-freshness][data-state="fresh"]', timeout=20_000)
    first = tile_values(w.page)
    assert set(WALL_TILES) <= set(first)
    for name in WALL_TILES:
        value, level = first[name]
        assert value.strip() and level in ("ok", "warn", "alert"), (name, value, level)
    assert first["service_level"][0].endswith("%")
    stamp = w.page.get_attribute("[data-freshness]", "data-last-updated")
    # live: the snapshot time moves on and, within a minute of simulated traffic, some figure changes
    w.page.wait_for_function(f"""() => document.querySelector('[data-freshness]').dataset.lastUpdated
                                      !== {stamp!r}""", timeout=15_000)
    engine = make_engine(f"sqlite:///{demo_data_dir / 'demo.db'}")
    now = datetime.now(UTC).replace(tzinfo=None)
    waiting = {"call_id": "TEST-WAITING", "site": "BJ", "skill_group": "claims", "arrived_at": now - timedelta(
        minutes=10, seconds=20), "queued_at": now - timedelta(minutes=10), "direction": "inbound"}
    try:
        with engine.begin() as conn:
            conn.execute(insert(calls).values(**waiting))
        w.page.wait_for_function("""() => /^(1[0-9]|[2-9][0-9]):/.test(
            document.querySelector('[data-kpi="longest_wait"] [data-kpi-value]').textContent)""", timeout=20_000)
        assert tile_values(w.page)["longest_wait"] != first["longest_wait"]
    finally:  # the call leaves the queue (abandoned), so that the other tests see the demo's own traffic
        with engine.begin() as conn:
            conn.execute(update(calls).where(calls.c.call_id == "TEST-WAITING").values(ended_at=now))
        engine.dispose()
    w.screenshot("wall-1920x1080-zh")
    assert w.console == []
    assert w.external_requests() == []


def test_brw002_english_kiosk_at_4k_fills_the_screen(demo_server, watch):
    """?lang=en&kiosk=1 at 3840×2160: English labels, no navigation, no scrolling, big numbers."""
    w = watch(3840, 2160)
    w.page.goto(demo_server + "/?lang=en&kiosk=1")
    w.page.wait_for_selector('[data-freshness][data-state="fresh"]', timeout=20_000)
    assert "Service level" in w.page.inner_text('[data-kpi="service_level"]')
    assert not w.page.is_visible(".nav-links")
    sizes = w.page.evaluate("""() => ({scroll: document.documentElement.scrollHeight,
        height: innerHeight, width: document.documentElement.scrollWidth,
        value: parseFloat(getComputedStyle(document.querySelector('[data-kpi="service_level"] [data-kpi-value]'))
               .fontSize)})""")
    assert sizes["scroll"] <= sizes["height"] and sizes["width"] <= 3840
    assert sizes["value"] >= 0.06 * 2160  # readable from 5 m
    w.screenshot("wall-3840x2160-en-kiosk")
    assert w.console == []
    assert w.external_requests() == []


def test_brw003_unknown_path_says_not_found(demo_server, watch):
    w = watch(1366, 768)
    w.page.goto(demo_server + "/no/such/page?lang=en")
    w.page.wait_for_selector(".not-found", timeout=15_000)
    assert "Page not found" in w.page.inner_text(".not-found h1")
    assert w.console == []


def test_brw004_site_wall_holds_one_site_and_links_down(demo_server, watch):
    """?site=CD scopes the wall to Chengdu; its rows open the site's and skill groups' pages; the crumb goes back."""
    w = watch(1920, 1080)
    w.page.goto(demo_server + "/?site=CD&lang=en")
    w.page.wait_for_function("() => document.querySelector('.wall-title')?.textContent.includes('Chengdu')",
                             timeout=20_000)
    w.page.wait_for_selector(".site-link", timeout=20_000)
    hrefs = w.page.eval_on_selector_all(".group-table .site-link", "els => els.map(e => e.getAttribute('href'))")
    assert hrefs and all(h.startswith(("/site/CD?", "/skill/")) for h in hrefs), hrefs
    assert all("site=CD" in h for h in hrefs if h.startswith("/skill/"))
    tile = w.page.get_attribute('a.kpi-link:has([data-kpi="service_level"])', "href")
    assert tile.startswith("/site/CD?")  # one site's wall: a tile opens that site's page
    w.page.locator(".crumb").click()
    w.page.wait_for_function("() => document.querySelector('.wall-title') && "
                             "!document.querySelector('.wall-title').textContent.includes('›')", timeout=10_000)
    assert w.console == []


def test_brw005_dash_undo_history_stays_bounded(demo_server, watch):
    """Dash records every interval tick for undo and never trims it; assets/wallboard/uptime.js does, so a wall
    running for weeks does not grow by ~0.3 KB a second. 500 old entries put in are gone within seconds."""
    w = watch(1280, 720)
    w.page.goto(demo_server + "/?kiosk=1")
    w.page.wait_for_selector('[data-freshness][data-state="fresh"]', timeout=20_000)
    lengths = "() => window.dash_stores.map(s => s.getState().history.past.length)"
    w.page.evaluate("""() => window.dash_stores.forEach(s => { const past = s.getState().history.past;
        for (let i = 0; i < 500; i++) { past.unshift({id: 'old-' + i, props: {n_intervals: i}}); } })""")
    assert max(w.page.evaluate(lengths)) >= 500
    w.page.wait_for_function(f"() => Math.max(...({lengths})()) <= 40", timeout=15_000)
    assert w.console == []
