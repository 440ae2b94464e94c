"""The floor's own views in headless Chromium (issue 20): the agent board on a one-site wall and the site page
with the contract's hooks, a not-ready agent over its limit turning its cell to alert in the browser itself, a
kiosk given a layout showing only that layout's tiles and skill groups, and the admins' /layouts previews."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from support.browser import sign_in as sign_in_as
from support.servers import serve

from wallboard.auth import accounts
from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import agent_states, agents, metadata
from wallboard.data_access.writes import upsert
from wallboard.demo.simulator import backfill, demo_config_toml

pytestmark = pytest.mark.browser
PASSWORD = "a long enough password"
TEAM_TILES = ["service_level", "calls_waiting", "longest_wait", "abandon_rate", "agents_available", "agents_on_call",
              "agents_wrap_up", "agents_not_ready", "complaints_due_soon", "complaints_overdue"]  # the demo's bj-team
# a one-agent team, so that its cell is always on the board's first page; coaching may last 40 s, alerts at 55 s
COACH = ('\n[[skill_groups]]\nid = "coach"\nname = "辅导"\nname_en = "Coaching"\n'
         '[layouts.coach]\nname = "辅导组"\nname_en = "Coaching team"\ntiles = ["agents_not_ready"]\n'
         'panels = ["agents"]\nsites = ["BJ"]\nskill_groups = ["coach"]\n'
         '[agent_limits.reasons.coaching]\nwarn = 40\nalert = 55\n')


@pytest.fixture(scope="module")
def floor(tmp_path_factory):
    """`wallboard serve` on a simulated day, with an admin and a kiosk made by `wallboard kiosk add --layout`."""
    folder = tmp_path_factory.mktemp("floor")
    url, app_url = f"sqlite:///{folder / 'calls.db'}", f"sqlite:///{folder / 'app.db'}"
    engine = make_engine(url)
    metadata.create_all(engine)
    backfill(engine, engine, history_days=1, seed=7)
    config = folder / "wallboard.toml"
    config.write_text(demo_config_toml() + COACH, encoding="utf-8")
    app_engine = make_engine(app_url)
    accounts.init_app_db(app_engine)
    accounts.add_user(app_engine, "boss", PASSWORD, "admin")
    made = subprocess.run([sys.executable, "-m", "wallboard.cli", "kiosk", "add", "team-wall", "--site", "BJ",
                           "--pages", "/", "--layout", "bj-team", "--config", str(config), "--app-db", app_url],
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().removeprefix("/kiosk/")
    with serve(["--calls-db", url, "--app-db", app_url, "--config", str(config)], folder) as (base, _log):
        yield SimpleNamespace(base=base, token=token, engine=engine)
    engine.dispose()
    app_engine.dispose()


def sign_in(w, base: str) -> None:
    """As the admin, on the wall."""
    sign_in_as(w.page, base, "boss", PASSWORD)
    w.page.wait_for_selector("[data-freshness]", timeout=30_000)


BOARD_HOOKS = """() => [...document.querySelectorAll('[data-agent]')].map(e => [e.dataset.agent, e.dataset.state,
                     e.dataset.since, e.dataset.level, e.innerText])"""


def test_brw090_one_site_wall_and_site_page_show_every_logged_in_agent(floor, watch):
    w = watch(1920, 1080)
    sign_in(w, floor.base)
    w.page.goto(f"{floor.base}/?site=BJ&kiosk=1&lang=en")
    w.page.wait_for_selector(".panel-agents [data-agent]", timeout=30_000)
    cells = w.page.evaluate(BOARD_HOOKS)
    assert cells and all(state in ("available", "on_call", "wrap_up", "not_ready") for _, state, *_ in cells)
    assert all(datetime.fromisoformat(since) <= datetime.now(UTC) for _, _, since, *_ in cells)
    tiles = {k: int(w.page.inner_text(f'[data-kpi="{k}"] [data-kpi-value]')) for k in (
        "agents_available", "agents_on_call", "agents_wrap_up", "agents_not_ready")}
    head = w.page.inner_text(".panel-agents .agent-board-head")
    assert head.startswith(f"{sum(tiles.values())} logged in"), (head, tiles)  # the board has every one of them
    pages = w.page.get_attribute(".panel-agents .agent-board", "data-page")
    assert (pages is not None) is (sum(tiles.values()) > 18)
    for agent, state, _, _, text in cells:
        if state == "not_ready":
            assert text.split("\n")[1].strip(), agent  # its reason is shown (or "Not ready" when none is given)
    levels = [level for *_, level, _ in cells]
    assert levels == sorted(levels, key=["alert", "warn", "ok"].index)  # problems first
    w.screenshot("wall-BJ-agents-1920x1080-en")
    w.page.goto(f"{floor.base}/site/BJ?lang=en")
    w.page.wait_for_selector("#site-agent-board [data-agent]", timeout=30_000)
    assert {a for a, *_ in w.page.evaluate(BOARD_HOOKS)} and w.console == []


def test_brw091_a_break_over_its_limit_turns_alert_in_the_browser(floor, watch):
    """A coaching session of a one-agent team starts now: its cell shows ok with the reason's limits, then — every
    server answer refused, so that only the browser's own clock can do it — warn after 40 s and alert after 55 s."""
    started = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=2)
    with floor.engine.begin() as conn:
        upsert(conn, agents, ("agent_id",), [{"agent_id": "COACH1", "agent_name": "王教练", "site": "BJ",
                                              "skill_group": "coach"}])
        upsert(conn, agent_states, ("agent_id", "started_at"), [{"agent_id": "COACH1", "site": "BJ",
                                                                  "state": "not_ready", "reason": "coaching",
                                                                  "started_at": started}])
    w = watch(1920, 1080)
    sign_in(w, floor.base)
    w.page.goto(f"{floor.base}/?layout=coach&kiosk=1&lang=en")
    cell = '[data-agent="COACH1"]'
    w.page.wait_for_selector(f'{cell}[data-state="not_ready"]', timeout=20_000)
    assert w.page.get_attribute(cell, "data-level") == "ok" and "coaching" in w.page.inner_text(cell)
    assert (w.page.get_attribute(cell, "data-warn"), w.page.get_attribute(cell, "data-alert")) == ("40", "55")
    w.page.route("**/_dash-update-component*", lambda route: route.abort())  # the server is gone for this page
    w.page.wait_for_selector(f'{cell}[data-level="warn"]', timeout=50_000)
    w.page.wait_for_selector(f'{cell}[data-level="alert"]', timeout=30_000)
    ticking = w.page.inner_text(f"{cell} .agent-time")
    w.page.wait_for_timeout(1500)
    assert w.page.inner_text(f"{cell} .agent-time") != ticking  # and the time in state goes on
    w.screenshot("wall-coach-alert-1920x1080-en")


def test_brw092_a_kiosk_with_a_layout_shows_only_its_tiles_and_groups(floor, watch):
    for width, height in ((1920, 1080), (3840, 2160)):
        w = watch(width, height)
        w.page.goto(f"{floor.base}/kiosk/{floor.token}")
        w.page.wait_for_selector('[data-freshness][data-state="fresh"]', timeout=30_000)
        w.page.wait_for_selector(".panel-agents [data-agent]", timeout=30_000)
        assert floor.token not in w.page.url and "kiosk=1" in w.page.url
        shown = w.page.evaluate("() => [...document.querySelectorAll('[data-kpi]')].filter(e => e.offsetParent)"
                                ".map(e => e.dataset.kpi)")
        assert shown == TEAM_TILES  # the layout's tiles, in its order, and no other
        groups = set(w.page.evaluate("() => [...document.querySelectorAll('tr[data-skill-group]')]"
                                     ".map(e => e.dataset.skillGroup)"))
        assert groups and groups <= {"claims", "consult"}, groups
        assert "北京" in w.page.inner_text(".wall-title")
        assert not w.page.is_visible(".panel-chart") and w.console == []
        w.screenshot(f"kiosk-layout-bj-team-{width}x{height}-zh")
    w.page.goto(f"{floor.base}/?layout=queues&kiosk=1")  # another layout asked for: the kiosk keeps its own
    w.page.wait_for_selector(".panel-agents [data-agent]", timeout=30_000)
    assert w.page.evaluate("() => [...document.querySelectorAll('[data-kpi]')].filter(e => e.offsetParent)"
                           ".map(e => e.dataset.kpi)") == TEAM_TILES


def test_brw093_layouts_page_previews_every_layout_for_admins(floor, watch):
    w = watch(1366, 768)
    sign_in(w, floor.base)
    w.page.goto(f"{floor.base}/layouts?lang=en")
    w.page.wait_for_selector("[data-layout]", timeout=30_000)
    assert set(w.page.evaluate("() => [...document.querySelectorAll('[data-layout]')].map(e => e.dataset.layout)"
                               )) == {"bj-team", "queues", "coach"}
    frame = w.page.frame_locator('[data-layout="bj-team"] [data-screen="4K"] iframe')
    frame.locator('[data-kpi="service_level"]').wait_for(timeout=60_000)  # the real wall, framed by its own app
    w.screenshot("layouts-1366x768-en")
    assert w.console == []
    kiosk = watch(1366, 768)
    kiosk.page.goto(f"{floor.base}/kiosk/{floor.token}")
    kiosk.page.wait_for_selector("[data-freshness]", timeout=30_000)
    kiosk.page.goto(f"{floor.base}/layouts")
    assert kiosk.page.locator("[data-layout]").count() == 0  # not for a wall screen


def test_brw094_a_wall_cut_off_from_its_server_runs_on_and_says_stale(floor, watch):
    """Regression: the browser measured its offset to the server's clock again from the same answer every second, so
    the clock stood still between polls and, cut off from the server, the wall said "fresh" for good. Now the clock
    runs every second and the freshness turns stale after two poll intervals, with the time since."""
    w = watch(1920, 1080)
    sign_in(w, floor.base)
    w.page.goto(f"{floor.base}/?site=BJ&kiosk=1&lang=en")
    w.page.wait_for_selector('[data-freshness][data-state="fresh"]', timeout=30_000)
    w.page.route("**/_dash-update-component*", lambda route: route.abort())
    w.page.route("**/_wallboard/queues*", lambda route: route.abort())
    clocks = set()
    for _ in range(4):
        clocks.add(w.page.inner_text(".clock"))
        w.page.wait_for_timeout(1100)
    assert len(clocks) >= 3, clocks  # a clock that ticks every second, server or not
    w.page.wait_for_selector('[data-freshness][data-state="stale"]', timeout=15_000)
    assert "Stale since" in w.page.inner_text(".stale-banner")
