"""/callbacks in headless Chromium against `wallboard serve` (3-site demo day, logins on): an abandon written to the
database appears within a poll or two and leaves once an outbound call to the number is written; the CSV export
downloads the whole filtered list; a Beijing manager never sees another site's callers, also when a callback
request is forged to name that site."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import insert
from support.browser import sign_in as sign_in_as
from support.servers import serve

from wallboard.auth import accounts
from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import calls, metadata
from wallboard.demo.simulator import backfill, demo_config_toml

pytestmark = pytest.mark.browser
PASSWORD = "a long enough password"
NEW_CALLER = "13999990001"  # abandons at Beijing during the test, then is called back from Shanghai
PLUS_CALLER = "+8613999990002"  # a Beijing abandon: "+" starts a formula in a spreadsheet, the CSV guards it
SH_CALLER = "13999990003"  # a Shanghai abandon: never shown to the Beijing manager


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _abandon(call_id: str, caller: str, site: str) -> dict:
    """An abandon of today (whatever the hour in Beijing): queued 70 s ago, hung up after 60 s."""
    queued = _now() - timedelta(seconds=70)
    return {"call_id": call_id, "site": site, "skill_group": "claims", "arrived_at": queued - timedelta(seconds=8),
            "queued_at": queued, "answered_at": None, "ended_at": queued + timedelta(seconds=60),
            "transferred": 0, "direction": "inbound", "caller_id": caller, "quality_flags": 0}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`wallboard serve` on a simulated day, polling every second, with an admin and a Beijing manager."""
    folder = tmp_path_factory.mktemp("callbacks-browser")
    url, app_url = f"sqlite:///{folder / 'calls.db'}", f"sqlite:///{folder / 'app.db'}"
    engine = make_engine(url)
    metadata.create_all(engine)
    backfill(engine, engine, history_days=1, seed=5)
    with engine.begin() as conn:
        conn.execute(insert(calls), [_abandon("CBK-PLUS", PLUS_CALLER, "BJ"), _abandon("CBK-SH", SH_CALLER, "SH")])
    app_engine = make_engine(app_url)
    accounts.init_app_db(app_engine)
    accounts.add_user(app_engine, "boss", PASSWORD, "admin")
    accounts.add_user(app_engine, "li", PASSWORD, "manager", ("BJ",))
    (folder / "wallboard.toml").write_text(demo_config_toml().replace("poll_seconds = 5", "poll_seconds = 1"),
                                           encoding="utf-8")
    with serve(["--calls-db", url, "--app-db", app_url, "--config", str(folder / "wallboard.toml")],
               folder) as (base, log):
        yield SimpleNamespace(base=base, engine=engine, log=log)
    engine.dispose()
    app_engine.dispose()


def sign_in(w, base: str, name: str, path: str) -> None:
    sign_in_as(w.page, base, name, PASSWORD, path)
    w.page.wait_for_selector(".cbk-summary", timeout=30_000)


def test_brw070_abandon_appears_and_leaves_after_the_call_back(served, watch):
    w = watch(1920, 1080)
    sign_in(w, served.base, "boss", "/callbacks?site=BJ&lang=en")
    row = f'[data-callback="{NEW_CALLER}"]'
    assert w.page.locator(row).count() == 0
    with served.engine.begin() as conn:
        conn.execute(insert(calls), [_abandon("CBK-NEW", NEW_CALLER, "BJ")])
    w.page.wait_for_selector(row, timeout=15_000)  # within a poll or two, no reload
    cells = w.page.eval_on_selector(row, "tr => [...tr.cells].map(c => c.innerText)")
    assert cells[0] == NEW_CALLER and cells[1] == "Beijing" and cells[4] == "1:00" and cells[5] == "1", cells
    assert w.page.get_attribute(".cbk-table", "data-page") == "1/1"
    dialled = _now()
    with served.engine.begin() as conn:  # called back by an agent of another site
        conn.execute(insert(calls), [{
            "call_id": "CBK-OUT", "site": "SH", "skill_group": "claims", "arrived_at": dialled,
            "answered_at": dialled + timedelta(seconds=9), "ended_at": None, "agent_id": "SH001", "transferred": 0,
            "direction": "outbound", "caller_id": NEW_CALLER, "quality_flags": 0}])
    w.page.wait_for_selector(row, state="detached", timeout=15_000)
    assert w.page.locator(f'[data-callback="{PLUS_CALLER}"]').count() == 1  # the others stay
    assert w.console == [] and w.external_requests() == []
    assert NEW_CALLER not in served.log.read_text()  # personal data: never in the server's log


def test_brw071_csv_export_downloads_the_filtered_list(served, watch):
    w = watch(1366, 768)
    sign_in(w, served.base, "boss", "/callbacks?site=BJ&lang=en")
    w.page.wait_for_selector(f'[data-callback="{PLUS_CALLER}"]', timeout=15_000)
    shown = w.page.eval_on_selector_all("[data-callback]", "els => els.map(e => e.dataset.callback)")
    assert w.page.get_attribute(".cbk-table", "data-page") == "1/1"  # every row is on screen: the CSV has them all
    with w.page.expect_download(timeout=15_000) as download:
        w.page.click("#cbk-export")
    data = open(download.value.path(), "rb").read()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel opens it as UTF-8
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][:3] == ["Caller number", "Site id", "Site"]
    numbers = [r[0] for r in table[1:]]
    assert numbers == [("'" + n if n.startswith("+") else n) for n in shown]  # same rows, same order
    assert "'" + PLUS_CALLER in numbers and all(r[1] == "BJ" for r in table[1:])
    assert download.value.suggested_filename.startswith("callbacks-") and w.console == []


def test_brw072_a_site_manager_sees_only_their_site_even_when_the_request_names_another(served, watch):
    w = watch(1366, 768)
    sign_in(w, served.base, "li", "/callbacks?lang=en")
    assert "site=BJ" in w.page.url  # a restricted account lands on its own site
    w.page.wait_for_selector(f'[data-callback="{PLUS_CALLER}"]', timeout=15_000)
    assert w.page.locator(f'[data-callback="{SH_CALLER}"]').count() == 0
    assert set(w.page.eval_on_selector_all("[data-callback]", "els => els.map(e => e.dataset.site)")) == {"BJ"}
    options = w.page.eval_on_selector("#cbk-site", "e => e.innerText")
    assert "Shanghai" not in options
    with w.page.expect_request(lambda r: "/_dash-update-component" in r.url and "cbk-body" in (
            r.post_data or ""), timeout=15_000) as refresh:  # the next poll's request: the forgery's template
        pass
    template, endpoint = json.loads(refresh.value.post_data), refresh.value.url
    for site, expected in (("SH", 403), ("*", 200)):
        forged = json.loads(json.dumps(template))
        for item in forged["inputs"]:
            if item["id"] == "cbk-site":
                item["value"] = site
        answer = w.page.request.post(endpoint, data=json.dumps(forged),
                                     headers={"Content-Type": "application/json"})
        assert answer.status == expected, (site, answer.status)
        assert SH_CALLER not in answer.text()  # "*" (all sites) is all of *their* sites
        if expected == 200:
            assert PLUS_CALLER in answer.text()
    export = {"output": "cbk-download.data", "outputs": {"id": "cbk-download", "property": "data"},
              "inputs": [{"id": "cbk-export", "property": "n_clicks", "value": 1}],
              "changedPropIds": ["cbk-export.n_clicks"],
              "state": [{"id": "cbk-site", "property": "value", "value": "SH"},
                        {"id": "cbk-group", "property": "value", "value": "*"},
                        {"id": "cbk-params", "property": "data", "value": {"lang": "en"}}]}
    answer = w.page.request.post(endpoint, data=json.dumps(export),
                                 headers={"Content-Type": "application/json"})
    assert answer.status == 403 and SH_CALLER not in answer.text()
    w.page.goto(served.base + "/callbacks?site=SH&lang=en")  # the page itself: not theirs
    w.page.wait_for_selector(".forbidden", timeout=20_000)
    assert w.page.locator("[data-callback]").count() == 0
