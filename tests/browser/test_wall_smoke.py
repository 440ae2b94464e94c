"""The demo in headless Chromium: live values, contract hooks, no console errors, nothing off-host."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

WALL_TILES = ["service_level", "calls_waiting", "longest_wait", "asa", "abandon_rate", "connection_rate",
              "agents_available", "agents_on_call", "agents_wrap_up", "agents_not_ready", "csat",
              "complaints_due_soon", "complaints_overdue", "required_agents"]


def tile_values(page) -> dict[str, tuple[str, str]]:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('[data-kpi]')].map(
        t => [t.dataset.kpi, [t.querySelector('[data-kpi-value]').textContent, t.dataset.level]]))""")


def test_brw001_wall_shows_live_values_with_hooks(demo_server, watch):
    """Every contract tile has a value and a level; the page is fresh; values change; no errors; offline."""
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
    w.page.wait_for_function("""(first) => [...document.querySelectorAll('[data-kpi]')].some(t =>
        t.querySelector('[data-kpi-value]').textContent !== first[t.dataset.kpi][0])""",
                             arg=first, timeout=60_000)
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


def test_brw004_site_link_scopes_the_wall_and_back(demo_server, watch):
    """A site in the queue table opens that site's wall; the breadcrumb goes back to all sites."""
    w = watch(1920, 1080)
    w.page.goto(demo_server + "/?lang=en")
    w.page.wait_for_selector(".site-link", timeout=20_000)
    w.page.locator(".site-link", has_text="Chengdu").first.click()
    w.page.wait_for_url("**/?site=CD*", timeout=10_000)
    w.page.wait_for_function("() => document.querySelector('.wall-title')?.textContent.includes('Chengdu')",
                             timeout=10_000)
    assert "site=CD" in w.page.url
    sites = w.page.eval_on_selector_all(".site-link", "els => [...new Set(els.map(e => e.textContent))]")
    assert sites == ["Chengdu"]  # the queue table holds Chengdu's groups only
    w.page.locator(".crumb").click()
    w.page.wait_for_function("() => document.querySelector('.wall-title') && "
                             "!document.querySelector('.wall-title').textContent.includes('›')", timeout=10_000)
    assert w.console == []
