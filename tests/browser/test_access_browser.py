"""Logins and wall screens in headless Chromium: a kiosk opens its link once and shows its site's wall
under the Content-Security-Policy without a console error; a manager signs in, drills down within
their site and is told plainly when a page is not theirs; a revoked screen stops."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from support.servers import serve

from wallboard.auth import accounts
from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import metadata
from wallboard.demo.simulator import backfill, demo_config_toml

pytestmark = pytest.mark.browser
PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    """`wallboard serve` with an admin, a Beijing manager and a Beijing kiosk in its app database."""
    folder = tmp_path_factory.mktemp("guarded")
    url, app_url = f"sqlite:///{folder / 'calls.db'}", f"sqlite:///{folder / 'app.db'}"
    engine = make_engine(url)
    metadata.create_all(engine)
    backfill(engine, engine, history_days=1, seed=5)
    engine.dispose()
    app_engine = make_engine(app_url)
    accounts.init_app_db(app_engine)
    accounts.add_user(app_engine, "li", PASSWORD, "manager", ("BJ",))
    _, token = accounts.add_kiosk(app_engine, "floor", ("BJ",), ("/", "/complaints"))
    (folder / "wallboard.toml").write_text(demo_config_toml(), encoding="utf-8")
    with serve(["--calls-db", url, "--app-db", app_url, "--config", str(folder / "wallboard.toml")],
               folder) as (base, log):
        yield SimpleNamespace(base=base, token=token, app_engine=app_engine, log=log)
    app_engine.dispose()


def test_acb001_kiosk_link_opens_its_wall_and_keeps_running(guarded, watch):
    w = watch(1920, 1080)
    w.page.goto(f"{guarded.base}/kiosk/{guarded.token}")
    w.page.wait_for_selector('[data-freshness][data-state="fresh"]', timeout=30_000)
    assert guarded.token not in w.page.url and "kiosk=1" in w.page.url and "site=BJ" in w.page.url
    assert "Beijing" in w.page.inner_text(".wall-title") or "北京" in w.page.inner_text(".wall-title")
    assert not w.page.is_visible(".nav-links") and w.page.inner_text("#app-user") == ""
    stamp = w.page.get_attribute("[data-freshness]", "data-last-updated")
    w.page.wait_for_function(f"""() => document.querySelector('[data-freshness]').dataset.lastUpdated
                                      !== {stamp!r}""", timeout=15_000)  # polls go on under the cookie
    w.page.reload()  # a restarted browser, or the nightly reload: still no login page
    w.page.wait_for_selector('[data-freshness][data-state="fresh"]', timeout=30_000)
    assert "/login" not in w.page.url
    w.screenshot("kiosk-BJ-1920x1080-zh")
    assert w.console == [] and w.external_requests() == []  # the CSP lets every part of the wall run
    log = guarded.log.read_text()
    assert guarded.token not in log and "GET /kiosk/[token]" in log  # the access log keeps the visit, not the token


def test_acb002_manager_signs_in_and_sees_only_their_site(guarded, watch):
    w = watch(1366, 768)
    w.page.goto(f"{guarded.base}/site/BJ?lang=en")
    w.page.wait_for_selector("#password", timeout=20_000)
    assert "/login" in w.page.url
    w.screenshot("login-1366x768-zh")
    w.page.fill("#name", "li")
    w.page.fill("#password", PASSWORD)
    w.page.click("button[type=submit]")
    w.page.wait_for_selector("#site-history-table", timeout=30_000)
    assert w.page.url.endswith("/site/BJ?lang=en")
    assert "li" in w.page.inner_text("#app-user")
    w.page.wait_for_selector(".ag-row a", timeout=20_000)  # the site's own agents are shown to its manager
    w.page.goto(f"{guarded.base}/site/SH?lang=en")
    w.page.wait_for_selector(".forbidden", timeout=20_000)
    w.screenshot("forbidden-1366x768-en")
    w.page.goto(f"{guarded.base}/?lang=en")
    w.page.wait_for_selector('[data-freshness][data-state="fresh"]', timeout=30_000)
    assert "site=BJ" in w.page.url  # the all-sites wall opens on the manager's own site
    assert w.console == []
    w.page.click("#app-user .logout-button")  # a form POST with the session's token
    w.page.wait_for_selector("#password", timeout=20_000)
    w.page.goto(f"{guarded.base}/site/BJ?lang=en")  # signed out for good: back to the login page
    w.page.wait_for_selector("#password", timeout=20_000)


def test_acb003_a_revoked_screen_stops(guarded, watch):
    _, token = accounts.add_kiosk(guarded.app_engine, "spare", ("BJ",), ("/",))
    w = watch(1280, 720)
    w.page.goto(f"{guarded.base}/kiosk/{token}")
    w.page.wait_for_selector('[data-freshness][data-state="fresh"]', timeout=30_000)
    accounts.revoke_kiosk(guarded.app_engine, "spare")
    w.page.wait_for_timeout(16_000)  # the server re-reads accounts at most every 15 s
    w.page.reload()
    w.page.wait_for_selector("#password", timeout=20_000)
    assert "/login" in w.page.url
