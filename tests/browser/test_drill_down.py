"""The drill-down pages in headless Chromium, on SQLite and PostgreSQL: the figures they show equal
`wallboard kpi` for the same filter and period, and a manager clicks from the wall to an agent and back.

The server reads a simulated week that no longer changes (no live traffic), so that the page and
the command line see the same calls.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from support.databases import server_database
from support.servers import free_port, wait_http

from wallboard.components.drill_tables import KPI_COLUMNS
from wallboard.components.formatting import count, percent, score, seconds
from wallboard.components.scope_tiles import TEAM_TILES
from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import metadata
from wallboard.demo.simulator import backfill, demo_config_toml

pytestmark = pytest.mark.browser
ZONE = "Asia/Shanghai"  # the simulated sites' zone


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def static_site(request, tmp_path_factory):
    """`wallboard serve` on a simulated week (8 local days up to now), polling every second."""
    folder = tmp_path_factory.mktemp(f"drill-{request.param}")
    with contextlib.ExitStack() as stack:
        url = (f"sqlite:///{folder / 'calls.db'}" if request.param == "sqlite"
               else stack.enter_context(server_database("postgresql")))
        engine = make_engine(url)
        metadata.create_all(engine)
        backfill(engine, engine, history_days=7, seed=11)
        engine.dispose()
        config = folder / "wallboard.toml"
        config.write_text(demo_config_toml(), encoding="utf-8")
        port = free_port()
        log = open(folder / "serve.log", "w")  # noqa: SIM115 - closed by the stack
        stack.callback(log.close)
        proc = subprocess.Popen([sys.executable, "-m", "wallboard.cli", "serve", "--calls-db", url, "--config",
                                 str(config), "--port", str(port), "--poll-seconds", "1"],
                                stdout=log, stderr=subprocess.STDOUT)
        stack.callback(proc.wait, 10)
        stack.callback(proc.terminate)
        base = f"http://127.0.0.1:{port}"
        wait_http(base + "/", 90, proc)
        yield SimpleNamespace(base=base, db=url, config=str(config), backend=request.param,
                              today=datetime.now(ZoneInfo(ZONE)).date())


def kpi(server: SimpleNamespace, start: date, end: date, **options: str) -> list[dict]:
    """`wallboard kpi … --format json` rows, run as a user would."""
    args = [sys.executable, "-m", "wallboard.cli", "kpi", "--db", server.db, "--config", server.config,
            "--from", start.isoformat(), "--to", end.isoformat()]
    for name, value in options.items():
        args += [f"--{name.replace('_', '-')}", value]
    out = subprocess.run(args, capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout)["rows"]


def table_cells(page, table_id: str) -> dict[str, dict[str, str]]:
    """{row data-key: {data-field: shown text}} of a figures table."""
    return page.evaluate("""(id) => Object.fromEntries([...document.querySelectorAll('#' + id + ' tbody tr')].map(
        tr => [tr.dataset.key, Object.fromEntries([...tr.querySelectorAll('[data-field]')].map(
            td => [td.dataset.field, td.textContent]))]))""", table_id)


def tile_values(page) -> dict[str, str]:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('[data-kpi]')].map(
        t => [t.dataset.kpi, t.querySelector('[data-kpi-value]').textContent]))""")


def expected(rows: list[dict], key=lambda r: r["key"]) -> dict[str, dict[str, str]]:
    return {key(r): {name: fmt(r[name]) for name, fmt in KPI_COLUMNS} for r in rows}


def open_page(watch, url: str, selector: str, width: int = 1920, height: int = 1080):
    w = watch(width, height)
    w.page.goto(url)
    w.page.wait_for_selector(selector, timeout=30_000)
    return w


def test_drl101_site_page_equals_kpi(static_site, watch):
    """History by day, the site comparison and today's service-level tile are `wallboard kpi`'s figures."""
    s, today = static_site, static_site.today
    start, end = today - timedelta(days=6), today + timedelta(days=1)
    w = open_page(watch, f"{s.base}/site/BJ?lang=en&from={start}&to={end}&by=day", "#site-history-table")
    w.page.wait_for_selector('[data-freshness][data-state="fresh"]', timeout=20_000)
    assert table_cells(w.page, "site-history-table") == expected(kpi(s, start, end, by="day", site="BJ"))
    assert table_cells(w.page, "site-compare-table") == expected(kpi(s, start, end, by="site"))
    (today_row,) = kpi(s, today, today + timedelta(days=1), site="BJ")
    assert tile_values(w.page)["service_level"] == percent(today_row["service_level"])
    assert w.page.locator(".ag-row").count() > 0  # the live agent table is filled
    w.screenshot(f"site-BJ-1920x1080-en-{s.backend}")
    assert w.console == [] and w.external_requests() == []


def test_drl102_skill_page_equals_kpi(static_site, watch):
    """The hour-by-hour table of a skill group at a site equals `kpi --by hour --site --skill-group`."""
    s, today = static_site, static_site.today
    w = open_page(watch, f"{s.base}/skill/claims?site=BJ&lang=en", "#skill-hours-table", 1366, 768)
    rows = kpi(s, today, today + timedelta(days=1), by="hour", site="BJ", skill_group="claims")
    shown = table_cells(w.page, "skill-hours-table")
    fields = (("offered", count), ("service_level", percent), ("asa_seconds", seconds), ("abandoned", count),
              ("abandon_rate", percent))
    want = {r["key"][-2:]: {f: fmt(r[f]) for f, fmt in fields} for r in rows if r["offered"]}
    assert {h: {f: v for f, v in cells.items() if f in dict(fields)} for h, cells in shown.items()
            if h in want} == want
    assert set(want) <= set(shown)
    w.screenshot(f"skill-claims-BJ-1366x768-en-{s.backend}")
    assert w.console == [] and w.external_requests() == []


def test_drl103_agent_page_equals_kpi(static_site, watch):
    """The busiest agent's day equals its row of `kpi --by agent --site BJ`; the team median is shown."""
    s, day = static_site, static_site.today
    rows = kpi(s, day, day + timedelta(days=1), by="agent", site="BJ")
    if not any(r["key"] and r["answered"] for r in rows):  # just after local midnight no agent has answered yet
        day -= timedelta(days=1)
        rows = kpi(s, day, day + timedelta(days=1), by="agent", site="BJ")
    busiest = max((r for r in rows if r["key"]), key=lambda r: r["answered"])
    w = open_page(watch, f"{s.base}/agent/{busiest['key']}?lang=zh&day={day.isoformat()}", ".agent-page [data-kpi]")
    shown = tile_values(w.page)
    for name, field, fmt, _label in TEAM_TILES:
        assert shown[name] == fmt(busiest[field]), name
    assert "团队中位数" in w.page.inner_text('[data-kpi="aht"]')
    w.page.wait_for_selector("#agent-timeline .bars .point", timeout=20_000)  # the state timeline is drawn
    w.screenshot(f"agent-1920x1080-zh-{s.backend}")
    assert w.console == [] and w.external_requests() == []


def test_drl104_click_through_from_the_wall_to_an_agent_and_back(static_site, watch):
    """Wall → a site in the queue table → an agent in the site's table; back returns to the site."""
    s = static_site
    w = open_page(watch, f"{s.base}/?lang=en", ".site-link")
    w.page.locator(".site-link", has_text="Beijing").first.click()
    w.page.wait_for_url("**/site/BJ?*", timeout=15_000)
    w.page.wait_for_selector(".ag-row a", timeout=20_000)
    link = w.page.locator(".ag-row a").first
    agent_text = link.inner_text()
    link.click()
    w.page.wait_for_url("**/agent/*", timeout=15_000)
    w.page.wait_for_selector(".agent-page h1", timeout=20_000)
    assert w.page.inner_text(".agent-page h1").split(" · ")[0] in agent_text
    assert "Beijing" in w.page.inner_text(".crumbs")
    w.page.go_back()
    w.page.wait_for_url("**/site/BJ?*", timeout=15_000)
    w.page.wait_for_selector("#site-history-table", timeout=20_000)
    assert w.console == []


def test_drl105_a_day_bar_opens_that_day_by_hour_and_a_tile_its_worst_group(static_site, watch):
    """A click on a day's bar opens that day by hour; the service-level tile opens the worst skill group."""
    s, today = static_site, static_site.today
    w = open_page(watch, f"{s.base}/site/SH?lang=en", "#site-history .bars .point")
    # Plotly clicks what the pointer hovers ("x unified": the whole column of today's bar, whose bar may be
    # only a few pixels high early in the day): scroll to the chart, move into that column, click
    w.page.locator("#site-history").scroll_into_view_if_needed()
    bar = w.page.locator("#site-history .bars .point").last.bounding_box()
    plot = w.page.locator("#site-history .nsewdrag").first.bounding_box()
    x, y = bar["x"] + bar["width"] / 2, plot["y"] + plot["height"] / 4
    w.page.mouse.move(x - 3, y)
    w.page.mouse.move(x, y)
    w.page.mouse.click(x, y)
    w.page.wait_for_url("**/site/SH?*by=hour*", timeout=15_000)
    assert f"from={today}" in w.page.url
    w.page.wait_for_selector("#site-history-table", timeout=20_000)
    keys = list(table_cells(w.page, "site-history-table"))
    assert keys and all(k.startswith(f"{today}T") for k in keys)
    w.page.locator('a.kpi-link:has([data-kpi="service_level"])').click()
    w.page.wait_for_url("**/skill/*site=SH*", timeout=15_000)
    w.page.wait_for_selector("#skill-hours-table", timeout=20_000)
    assert w.console == []


def test_drl106_dark_toggle_unknown_ids_and_kiosk_free_pages(static_site, watch):
    """Light by default, dark after the toggle (kept in a cookie); unknown ids say so without an error."""
    s = static_site
    w = open_page(watch, f"{s.base}/skill/claims?lang=en", "#skill-hours-table")
    assert w.page.locator(".shell.theme-light").count() == 1
    w.page.click("#app-theme-toggle")
    w.page.wait_for_selector(".shell.theme-dark #skill-hours-table", timeout=20_000)
    w.screenshot(f"skill-claims-dark-1920x1080-en-{s.backend}")
    w.page.goto(f"{s.base}/")  # the wall stays dark, and has no toggle to show
    w.page.wait_for_selector(".shell.theme-dark .wall", timeout=20_000)
    assert not w.page.is_visible("#app-theme-toggle")
    for path, text in (("/site/NOPE", "There is no site"), ("/skill/NOPE", "There is no skill group"),
                       ("/agent/NOPE", "There is no agent"), ("/agent/%3Cscript%3E", "There is no agent")):
        w.page.goto(f"{s.base}{path}?lang=en")
        w.page.wait_for_selector(".not-found", timeout=20_000)
        assert text in w.page.inner_text(".not-found")
    assert w.console == []


def test_drl107_satisfaction_page_equals_kpi(static_site, watch):
    """/satisfaction: responses, mean and top-2-box of the period it names are `wallboard kpi`'s figures."""
    s = static_site
    w = open_page(watch, f"{s.base}/satisfaction?lang=en", '[data-kpi="surveys"]', 1366, 768)
    period = w.page.inner_text(".review-content > .muted")
    start, end = (date.fromisoformat(d) for d in re.findall(r"\d{4}-\d{2}-\d{2}", period)[:2])
    (row,) = kpi(s, start, end)
    shown = tile_values(w.page)
    assert shown["surveys"] == count(row["surveys"]) and row["surveys"] > 0
    assert shown["csat"] == score(row["csat_mean"]) and shown["csat_top2"] == percent(row["csat_top2"])
    assert w.page.locator("#sat-site-table tbody tr").count() == 3  # Beijing, Chengdu, Shanghai
    w.page.select_option("#sat-site", "BJ")  # one site: the figures follow
    (bj,) = kpi(s, start, end, site="BJ")
    w.page.wait_for_function("(n) => document.querySelector('[data-kpi=\"surveys\"] [data-kpi-value]')"
                             ".textContent === n", arg=count(bj["surveys"]), timeout=20_000)
    w.screenshot(f"satisfaction-1366x768-en-{s.backend}")
    assert w.console == [] and w.external_requests() == []


def test_drl108_weekly_review_equals_kpi(static_site, watch):
    """/weekly: the week's service level, ASA and abandon rate tiles are `kpi` for Monday to Monday."""
    s = static_site
    w = open_page(watch, f"{s.base}/weekly?lang=en", '.weekly [data-kpi="service_level"]')
    week = re.search(r"\d{4}-W\d{2}", w.page.inner_text(".weekly h1")).group(0)
    monday = date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
    (row,) = kpi(s, monday, monday + timedelta(days=7))
    shown = tile_values(w.page)
    assert row["offered"] > 0
    assert shown["service_level"] == f"{100 * row['service_level']:.1f}%"
    assert shown["abandon_rate"] == f"{100 * row['abandon_rate']:.1f}%"
    assert w.page.locator("#wk-by_day tbody tr").count() >= 1
    w.screenshot(f"weekly-1920x1080-en-{s.backend}")
    assert w.console == [] and w.external_requests() == []


def test_drl109_weekly_review_fits_a_laptop_without_sideways_scrolling(static_site, watch):
    """At 1366×768 the day table stacks under its chart (it was 1433 px wide side by side) and the chart keeps its
    height; at 1920×1080 the two sit side by side, and neither width scrolls sideways."""
    for width, height, side_by_side in ((1366, 768, False), (1920, 1080, True)):
        w = open_page(watch, f"{static_site.base}/weekly?lang=en", "#wk-by_day tbody tr", width, height)
        w.page.wait_for_selector(".weekly .review-pair .main-svg", timeout=30_000)
        fit = w.page.evaluate("""() => {
            const [chart, table] = document.querySelectorAll('.weekly .review-pair > .card-panel');
            return {scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
                    graph: document.querySelector('.weekly .review-pair .review-graph').getBoundingClientRect().height,
                    same_row: chart.getBoundingClientRect().top === table.getBoundingClientRect().top}; }""")
        assert fit["scroll"] <= fit["client"], (width, fit)
        assert fit["graph"] >= 250 and fit["same_row"] is side_by_side, (width, fit)
