"""The attack suite: each request an outside probe used against main, replayed with its variants against a real
server whose app database is SQLite, PostgreSQL or MariaDB; every one must be refused, or answered 4xx without a
traceback. docs/security.md says what each protects and names these tests."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
import uuid
import zlib
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
import requests
from support.attack import CALLBACKS, PASSWORD, Target, add_accounts
from support.callbacks import callback_body
from support.databases import server_database
from support.servers import serve, wait_for

from wallboard.auth import accounts
from wallboard.data_access.engines import make_engine

FORBIDDEN = 403
REREAD_SECONDS = 20  # accounts are re-read by each process at least every 15 s (auth/web.py CACHE_SECONDS)


def refused(r: requests.Response) -> bool:
    """403, or the page's own "not allowed" notice in place of its figures (a manager's other site)."""
    return r.status_code == FORBIDDEN or (r.status_code == 200 and '"forbidden doc"' in r.text)


def test_sec001_the_router_computes_only_pages_the_caller_may_open(target: Target):
    """Dash picks the callback by its outputs and passes inputs by position: renaming the router's input id used to
    get any page's layout. Each principal asks for pages it may not open, under the real and a renamed id."""
    sh_agent, bj_agent = f"/agent/{target.agent_of('SH')}", f"/agent/{target.agent_of('BJ')}"
    asks = {"bj": ["/data-quality", "/site/SH", sh_agent],
            "kiosk-bj": ["/site/BJ", "/skill/claims", "/satisfaction", "/data-quality", "/weekly", bj_agent],
            "kiosk-all": ["/site/SH", "/site/BJ", "/weekly", "/data-quality", sh_agent],
            "kiosk-page": ["/site/SH", "/", "/data-quality", bj_agent]}
    for who, paths in asks.items():
        s = target.session(who)
        for path in paths:
            for input_id in (None, "x", "_pages_store"):
                r = target.route(s, path, "?lang=en", input_id)
                assert refused(r), (who, path, input_id, r.status_code)
    allowed = {"bj": "/site/BJ", "kiosk-bj": "/", "kiosk-all": "/complaints", "kiosk-page": "/site/BJ",
               "boss": "/data-quality"}
    for who, path in allowed.items():
        r = target.route(target.session(who), path, "?lang=en", "x")
        assert r.status_code == 200 and not refused(r), (who, path)


def test_sec003_login_csrf_cannot_switch_a_signed_in_browser(target: Target):
    """`csrf=-` used to pass for a session without a token; a cross-site form post had none."""
    victim = target.session("bj")
    for token in ("-", "", "x" * 40):
        r = victim.post(f"{target.base}/login", data={"name": "boss", "password": PASSWORD, "csrf": token},
                        allow_redirects=False, timeout=30)
        assert r.status_code == 400, token
        stranger = requests.Session()  # a cross-site form post: no cookie of ours, so no token of this session
        r = stranger.post(f"{target.base}/login", data={"name": "boss", "password": PASSWORD, "csrf": token},
                          headers={"Origin": "https://evil.example"}, allow_redirects=False, timeout=30)
        assert r.status_code == 400 and target.route(stranger, "/").status_code == 401
    # still the Beijing manager: the admin page stays closed
    assert target.route(victim, "/data-quality").status_code == FORBIDDEN


def test_sec004_logout_is_a_post_with_the_token(target: Target):
    s = target.session("bj")
    assert s.get(f"{target.base}/logout", allow_redirects=False, timeout=30).status_code == 405
    cross = s.post(f"{target.base}/logout", headers={"Origin": "https://evil.example"}, allow_redirects=False,
                   timeout=30)
    assert cross.status_code == 400 and target.route(s, "/site/BJ").status_code == 200
    copied = requests.Session()
    copied.cookies.update(s.cookies)
    assert s.post(f"{target.base}/logout", data={"csrf": target.csrf(s)}, allow_redirects=False,
                  timeout=30).status_code == 302
    assert target.route(copied, "/site/BJ").status_code == 401  # a copy of the cookie ended with the logout
    fresh = target.session("bj")
    copied.post(f"{target.base}/logout", data={"csrf": target.csrf(copied)}, allow_redirects=False, timeout=30)
    assert target.route(fresh, "/site/BJ").status_code == 200  # a dead cookie cannot sign the user out again


def _run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wallboard.cli", *args], input=stdin, capture_output=True,
                          text=True, timeout=120)


def test_sec005_sessions_end_on_removal_new_password_and_new_rights(target: Target):
    """A cookie outlived `user remove`; after `user add` of the same name it carried the new user's role."""
    name = f"m{uuid.uuid4().hex[:8]}"
    engine = make_engine(target.app_url)
    accounts.add_user(engine, name, PASSWORD, "manager", ("BJ",))
    s = target.session(name)
    assert target.route(s, "/site/BJ").status_code == 200
    assert _run("user", "set", name, "--site", "SH", "--app-db", target.app_url).returncode == 0
    ended = lambda s, path: lambda: target.route(s, path).status_code == 401  # noqa: E731
    wait_for(ended(s, "/site/BJ"), REREAD_SECONDS, "a session ended by `user set`")
    s = target.session(name)
    assert _run("user", "passwd", name, "--app-db", target.app_url, stdin=PASSWORD + "!\n").returncode == 0
    wait_for(ended(s, "/site/SH"), REREAD_SECONDS, "a session ended by `user passwd`")
    old = requests.Session()
    assert target.login(old, name, PASSWORD + "!").status_code == 302
    accounts.remove_user(engine, name)
    accounts.add_user(engine, name, PASSWORD, "admin")
    wait_for(ended(old, "/data-quality"), REREAD_SECONDS, "the old cookie is not the new admin")
    assert target.route(target.session(name), "/data-quality").status_code == 200  # the new admin is
    engine.dispose()


def test_sec006_names_are_canonical_and_look_alikes_refused(target: Target):
    """On MariaDB `MADMIN`, `Madmin`, `madmin ` and `mädmin` signed in as madmin while the lock counted each
    spelling apart. One canonical name: every spelling shares one counter, a look-alike never signs in."""
    address = "127.0.0.61"
    session = _bound(address)
    spellings = ["MADMIN", "Madmin", "madmin ", "mAdmin", "madmin"]
    statuses = [target.login(session, n, "wrong password").status_code for n in spellings]
    assert statuses == [401] * 5
    assert target.login(session, "Madmin", PASSWORD).status_code == 429  # the sixth, whatever the spelling
    for look_alike in ("mädmin", "ｍａｄｍｉｎ\u200b", "madmin\u0000"):
        assert target.login(_bound("127.0.0.62"), look_alike, PASSWORD).status_code == 401, look_alike
    engine = make_engine(target.app_url)
    for taken in ("Madmin", " madmin", "MADMIN"):
        with pytest.raises(accounts.AccountError, match="exists"):
            accounts.add_user(engine, taken, PASSWORD, "admin")
    with pytest.raises(accounts.AccountError, match="ASCII"):
        accounts.add_user(engine, "mädmin", PASSWORD, "admin")
    engine.dispose()


class _SourceAddress(requests.adapters.HTTPAdapter):
    """Connects from a given loopback address (127.0.0.0/8), so that each test has its own address counter."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def _bound(address: str) -> requests.Session:
    s = requests.Session()
    s.mount("http://", _SourceAddress(address))
    return s


def _race(target: Target, name: str, address: str, n: int = 40) -> list[int]:
    """`n` wrong passwords for one name at once, each from its own session with a valid token."""
    sessions = [_bound(address) for _ in range(n)]
    tokens = [target.csrf(s) for s in sessions]
    start, statuses = threading.Barrier(n), []

    def guess(s: requests.Session, token: str) -> None:
        start.wait()
        r = s.post(f"{target.base}/login", data={"name": name, "password": "wrong password", "csrf": token},
                   allow_redirects=False, timeout=120)
        statuses.append(r.status_code)

    threads = [threading.Thread(target=guess, args=pair) for pair in zip(sessions, tokens, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def test_sec007_the_login_limit_holds_under_concurrent_guesses(target: Target):
    """40 concurrent wrong passwords for one name were all checked (limit 5): now counted before the check."""
    statuses = _race(target, "boss", "127.0.0.71")
    assert sorted(set(statuses)) == [401, 429] and statuses.count(401) <= 5, statuses


def test_sec008_the_login_limit_is_shared_by_gunicorn_workers_through_redis(tmp_path, calls_template):
    """Three workers and Redis: 40 concurrent guesses, at most 5 checked across all of them."""
    import redis as redis_lib

    try:
        redis_lib.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=2).ping()
    except redis_lib.RedisError as e:
        from support.databases import IN_CI
        if IN_CI:
            pytest.fail(f"Redis must run in CI: {e}")
        pytest.skip(f"Redis not reachable: {e}")
    with server_database("postgresql") as app_url:
        add_accounts(app_url)
        name = "boss"
        env = {"WALLBOARD_CALLS_DB": f"sqlite:///{calls_template}", "WALLBOARD_APP_DB": app_url,
               "WALLBOARD_REDIS_URL": "redis://127.0.0.1:6379/0"}
        with serve([], tmp_path, env, gunicorn=3) as (base, _log):
            t = Target(base, "postgresql", app_url, "", tmp_path, _log, {})
            address = f"127.0.0.{80 + uuid.uuid4().int % 100}"
            statuses = _race(t, name, address)
    assert statuses.count(401) <= 5 and statuses.count(429) >= 35, statuses


def test_sec009_next_never_leaves_the_site(target: Target):
    """`next=/%09/evil.example` became //evil.example in the browser; CR/LF in next was a 500."""
    for evil in ("/\t/evil.example", "/\n/evil.example", "/\r\nSet-Cookie: a=b", "//evil.example", "/\\evil.example",
                 "https://evil.example/", "/ /evil.example", "/\x00/evil"):
        s = requests.Session()
        r = target.login(s, "bj", PASSWORD, next_path=evil)
        assert r.status_code == 302 and r.headers["Location"] in ("/", f"{target.base}/"), (evil, r.headers)
    ok = target.login(requests.Session(), "bj", PASSWORD, next_path="/site/BJ?lang=en")
    assert ok.headers["Location"].endswith("/site/BJ?lang=en")


def test_sec010_hand_made_requests_are_4xx_with_one_log_line(target: Target):
    """Each of these was a 500 with a traceback: a far week, a callback whose outputs do not match its definition,
    files Dash does not serve, raw ../ paths."""
    s = target.session("boss")
    far = target.route(s, "/weekly", "?week=9999-W52&lang=en")
    assert far.status_code == 200 and "9999-W52" in far.text  # the page says the week is not valid
    download = next(d for d in target.deps if "wk-download" in d["output"])
    export = target.callback(s, "wk-download", {download["inputs"][0]["id"]: [1],
                                                "wk-params": {"week": "9999-W52", "lang": "en"}})
    assert export.status_code == 400
    unknown = {"output": "..wall-nope.children..", "outputs": [], "inputs": [], "state": []}
    assert s.post(target.base + CALLBACKS, json=unknown, timeout=30).status_code == 400
    wrong = next(d for d in target.deps if d["output"].startswith("..site-tiles"))
    assert s.post(target.base + CALLBACKS, json={"output": wrong["output"], "outputs": {"id": "site-tiles"},
                                                 "inputs": [], "state": [], "changedPropIds": []},
                  timeout=30).status_code == 400
    extra = {**target_body(target, "site-tiles"), "state": [{"id": "site-params", "property": "data", "value": {}},
                                                             {"id": "x", "property": "data", "value": 1}]}
    assert s.post(target.base + CALLBACKS, json=extra, timeout=30).status_code == 400  # Dash's CallbackException
    for path in ("/_dash-component-suites/dash/dash.py", "/_dash-component-suites/dash/../dash/dash.py",
                 "/_dash-component-suites/nothere/x.js", "/_dash-component-suites/dash/%2e%2e/%2e%2e/etc/passwd"):
        r = requests.get(target.base + path, timeout=30)
        assert 400 <= r.status_code < 500, (path, r.status_code)
    assert "Traceback" not in target.log_text()


def target_body(target: Target, output: str) -> dict:
    return callback_body(target.deps, output, {"site-poll-request": {"seq": 1, "at": 0},
                                               "site-params": {"site": "BJ", "lang": "en"}})


def test_sec011_a_kiosk_given_one_site_page_gets_no_other_sites_figures(target: Target):
    """`kiosk add --pages /site/BJ` without --site: the site page's callback answered for SH."""
    s = target.session("kiosk-page")
    poll = {"seq": 1, "at": 0}
    assert target.callback(s, "site-tiles", {"site-poll-request": poll,
                                             "site-params": {"site": "SH", "lang": "en"}}).status_code == FORBIDDEN
    assert target.callback(s, "site-tiles", {"site-poll-request": poll,
                                             "site-params": {"site": "BJ", "lang": "en"}}).status_code == 200


def test_sec012_failed_logins_are_logged_at_the_default_level(target: Target):
    target.login(_bound("127.0.0.91"), "bj", "not the password")
    text = target.log_text()
    assert "login failed for name 'bj'" in text and "not the password" not in text


def test_sec013_public_paths_are_exact_and_health_says_little_to_strangers(target: Target):
    for path in ("/loginfoo", "/healthzx", "/logoutx", "/_favicon.icox"):
        r = requests.get(target.base + path, allow_redirects=False, timeout=30)
        assert r.status_code == 302 and "/login?next=" in r.headers["Location"], path
    anonymous = requests.get(f"{target.base}/healthz", timeout=30).json()
    assert set(anonymous) == {"status", "snapshot_age_seconds"}
    assert "databases" in target.session("boss").get(f"{target.base}/healthz", timeout=30).json()


def test_sec014_callbacks_take_json_only_and_requests_have_a_size_limit(target: Target):
    s = target.session("boss")
    body = json.dumps({"output": "x", "inputs": []})
    r = s.post(target.base + CALLBACKS, data=body, headers={"Content-Type": "text/plain"}, timeout=30)
    assert r.status_code == 415
    huge = requests.post(f"{target.base}/login", data={"name": "x" * (30 << 20)}, timeout=120)
    assert huge.status_code == 413


def test_sec015_the_kiosk_cookie_does_not_carry_the_stored_digest(target: Target):
    s = target.session("kiosk-bj")
    cookie = s.cookies.get("wallboard_session")
    payload = cookie.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    text = (zlib.decompress(raw) if cookie.startswith(".") else raw).decode()
    stored = accounts.token_digest(target.tokens["kiosk-bj"])
    assert stored not in text and "kiosk_proof" in text
    assert target.route(s, "/").status_code == 200


def test_sec016_formulas_from_imported_data_stay_text_in_every_file(target: Target, tmp_path: Path):
    """A complaint category `=HYPERLINK(…)` was a live formula in the XLSX and raw in the CSV and the reject file."""
    evil = ['=HYPERLINK("http://evil.example","click me")', "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3"]
    now = datetime.now().replace(microsecond=0)
    monday = date.today() - timedelta(days=date.today().weekday())
    rows = ["complaint_id,site,category,severity,channel,received_at,owner,=HYPERLINK(2)"]
    for i, text in enumerate(evil):
        received = max(now - timedelta(hours=1), datetime.combine(monday, datetime.min.time()))
        quoted = '"' + text.replace('"', '""') + '"'
        rows.append(f"EVIL{i},BJ,{quoted},II,phone,{received.isoformat()},x,")
    rows.append(f"BAD1,,{'=' + 'HYPERLINK(1)'},II,phone,,x,")  # no site, no time: rejected, formula kept as text
    csv_file = tmp_path / "complaints.csv"
    csv_file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    config = str(target.folder / "wallboard.toml")
    result = _run("import", "complaints", str(csv_file), "--db", target.calls_url, "--config", config)
    assert result.returncode == 0, result.stderr
    rejected = Path(str(csv_file) + ".rejected.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(1)" in rejected and "'=HYPERLINK(2)" in rejected  # a cell and a column name
    assert ",=HYPERLINK" not in rejected
    week = f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}"
    for fmt in ("xlsx", "csv"):
        out = tmp_path / f"review.{fmt}"
        done = _run("report", "--db", target.calls_url, "--config", config, "--week", week, "--format", fmt,
                    "--out", str(out))
        assert done.returncode == 0, done.stderr
    cells = [c for ws in openpyxl.load_workbook(tmp_path / "review.xlsx").worksheets for row in ws.iter_rows()
             for c in row if isinstance(c.value, str) and c.value.startswith(tuple("=+@-"))]
    assert {c.value for c in cells} >= set(evil) and all(c.data_type == "s" for c in cells), cells
    tidy = (tmp_path / "review.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in tidy and "'+cmd" in tidy and ",=HYPERLINK" not in tidy and ",+cmd" not in tidy
    complaints_csv = _run("complaints", "--db", target.calls_url, "--config", config, "--format", "csv").stdout
    assert "'=HYPERLINK" in complaints_csv and ",=HYPERLINK" not in complaints_csv


def test_sec017_one_address_cannot_lock_an_account_for_everyone(target: Target):
    """60 wrong passwords from one address: refused there after 5, while the owner still signs in elsewhere."""
    statuses = [target.login(_bound("127.0.0.101"), "boss", "wrong password").status_code for _ in range(60)]
    assert statuses.count(401) == 5 and statuses[-1] == 429
    assert target.login(_bound("127.0.0.102"), "boss", PASSWORD).status_code == 302


def test_sec018_the_screens_clock_carries_no_error_text(target: Target):
    """Every signed-in screen asks for the snapshot's time; a database error (hosts, ports) is not in it."""
    s = target.session("kiosk-page")
    r = s.post(target.base + CALLBACKS, json={
        "output": "app-snapshot-meta.data", "outputs": {"id": "app-snapshot-meta", "property": "data"},
        "inputs": [{"id": "app-poll", "property": "n_intervals", "value": 1}], "state": [],
        "changedPropIds": ["app-poll.n_intervals"]}, timeout=30)
    assert r.status_code == 200 and set(r.json()["response"]["app-snapshot-meta"]["data"]) == {
        "computed_at", "poll_seconds", "stale_after_seconds", "server_now"}


def test_sec019_forwarded_addresses_count_only_behind_a_declared_proxy(target: Target, tmp_path):
    """Without WALLBOARD_PROXY_HOPS a made-up X-Forwarded-For changes nothing (no way around the address limit);
    with it, each client behind the proxy has its own address, so one client's failures lock no one else out."""
    spoof = _bound("127.0.0.111")
    for i in range(25):
        target.login(spoof, f"nobody{i}", "wrong password", headers={"X-Forwarded-For": f"10.9.0.{i}"})
    assert target.login(spoof, "bj", PASSWORD, headers={"X-Forwarded-For": "10.9.9.9"}).status_code == 429
    if target.backend != "sqlite":
        return  # the proxy setting is the same code on every backend; one server is enough
    args = ["--calls-db", target.calls_url, "--app-db", target.app_url,
            "--config", str(target.folder / "wallboard.toml")]
    with serve(args, tmp_path, {"WALLBOARD_PROXY_HOPS": "1"}) as (base, log):
        proxied = Target(base, target.backend, target.app_url, target.calls_url, target.folder, log, {})
        proxy = _bound("127.0.0.112")
        for i in range(25):
            proxied.login(proxy, f"nobody{i}", "wrong password", headers={"X-Forwarded-For": "10.8.0.1"})
        ok = proxied.login(proxy, "bj", PASSWORD, headers={"X-Forwarded-For": "10.8.0.2"})
        assert ok.status_code == 302


def _ack_body(alert_id: int) -> dict:
    """/alerts' callback as a browser sends it when the Acknowledge button of alert `alert_id` is clicked."""
    button = {"type": "alr-ack", "id": alert_id}
    return {"output": "alr-body.children", "outputs": {"id": "alr-body", "property": "children"},
            "inputs": [{"id": "alr-refresh", "property": "n_intervals", "value": None},
                       [{"id": button, "property": "n_clicks", "value": 1}]],
            "state": [{"id": "alr-params", "property": "data", "value": {"site": None, "lang": "en"}}],
            "changedPropIds": [json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks"]}


def test_sec020_an_alert_is_acknowledged_only_by_who_may_see_it(target: Target):
    """A Beijing manager names Shanghai's alert id in the ack callback: nothing happens; a kiosk is refused."""
    from wallboard.alerts import store

    engine = make_engine(target.app_url)
    store.init_alert_tables(engine)
    now = datetime(2026, 12, 5, 2, 0)
    with engine.begin() as conn:
        ids = {site: store.open_alert(conn, rule_key=f"service_level|site:{site}|alert", tile="service_level",
                                      scope=f"site:{site}", site=site, level="alert", since=now, opened_at=now,
                                      value=0.5, threshold=0.6, notified=True) for site in ("BJ", "SH")}

    def acked() -> dict[str, str | None]:
        return {a.site: a.acked_by for a in store.list_alerts(engine, None) if a.id in ids.values()}

    bj, kiosk = target.session("bj"), target.session("kiosk-all")
    wait_for(lambda: str(ids["BJ"]) in bj.post(target.base + CALLBACKS, json=_ack_body(-1), timeout=60).text, 30,
             "the workers' alert lists hold the new alerts")
    assert kiosk.post(target.base + CALLBACKS, json=_ack_body(ids["BJ"]), timeout=60).status_code == FORBIDDEN
    answer = bj.post(target.base + CALLBACKS, json=_ack_body(ids["SH"]), timeout=60)
    assert answer.status_code == 200 and f'"{ids["SH"]}"' not in answer.text  # Shanghai's alert is not even listed
    assert acked() == {"BJ": None, "SH": None}
    assert bj.post(target.base + CALLBACKS, json=_ack_body(ids["BJ"]), timeout=60).status_code == 200
    assert acked() == {"BJ": "bj", "SH": None}
    engine.dispose()


def test_sec022_a_wall_queue_stream_is_open_only_to_who_may_see_its_wall(target: Target):
    """The calls-waiting stream (`/_wallboard/queues`) is authorised as the wall's callbacks are, on the scope it
    will stream: nobody signed in gets 401; a manager of BJ streams BJ and the north, not SH, the south or all
    sites; a kiosk given only /site/BJ has no wall, so no stream; the whole centre's kiosk streams the south."""
    for who, query, status in ((None, "?site=BJ", 401), ("bj", "?site=BJ", 200), ("bj", "?region=north", 200),
                               ("bj", "?site=SH", 403), ("bj", "?region=south", 403), ("bj", "", 403),
                               ("kiosk-page", "?site=BJ", 403), ("kiosk-bj", "?region=south", 403),
                               ("kiosk-all", "?region=south", 200), ("boss", "?site=NOPE", 404)):
        s = target.session(who)
        with s.get(f"{target.base}/_wallboard/queues{query}", stream=True, timeout=30) as r:
            assert r.status_code == status, (who, query, r.status_code)
            if status == 200:
                assert r.headers["Content-Type"].startswith("text/event-stream")
                lines = r.iter_lines(decode_unicode=True)
                assert next(lines) == "retry: 1000"
                data = next(line for line in lines if line.startswith("data: "))
                assert '"kpi":"calls_waiting"' in data and '"at":' in data


def test_sec021_a_region_wall_is_open_only_to_who_may_see_every_site_of_the_region(target: Target):
    """The wall's callback sums a region's sites: a manager of BJ asks for the south (SH, CD) by the params store
    and by the URL, and is refused; the north (BJ alone) and, for the whole centre's kiosk, the south are served."""
    poll = {"seq": 1, "at": 0}
    for who, region, ok in (("bj", "south", False), ("bj", "north", True), ("kiosk-all", "south", True),
                            ("kiosk-bj", "south", False)):
        s = target.session(who)
        r = target.callback(s, "wall-groups", {"wall-poll-request": poll,
                                               "wall-params": {"site": None, "region": region, "lang": "en"}})
        assert (r.status_code == 200) is ok, (who, region, r.status_code)
        if who == "bj":
            page = target.route(s, "/", f"?region={region}&lang=en")
            assert refused(page) is not ok, (who, region)


def test_sec023_a_layout_wall_is_open_only_to_who_may_see_its_sites_and_a_kiosk_keeps_its_own(target: Target):
    """A layout's wall sums its sites' skill groups: the manager of BJ gets the BJ team's layout, not "queues" (every
    site); the kiosk given the BJ team's layout gets that one and no other, nor the plain wall, by the params store or
    the stream; the router serves such a kiosk its own layout whatever the address asks for."""
    poll = {"seq": 1, "at": 0}
    for who, layout, ok in (("bj", "bj-team", True), ("bj", "queues", False), ("kiosk-bj", "queues", False),
                            ("kiosk-team", "bj-team", True), ("kiosk-team", "queues", False),
                            ("kiosk-team", None, False), ("boss", "queues", True)):
        s = target.session(who)
        params = {"site": "BJ" if layout is None else None, "region": None, "layout": layout, "lang": "en"}
        r = target.callback(s, "wall-groups", {"wall-poll-request": poll, "wall-params": params})
        assert (r.status_code == 200) is ok, (who, layout, r.status_code)
        query = f"?layout={layout}" if layout else "?site=BJ"
        with s.get(f"{target.base}/_wallboard/queues{query}", stream=True, timeout=30) as stream:
            assert (stream.status_code == 200) is ok, (who, layout, stream.status_code)
    s = target.session("kiosk-team")
    page = target.route(s, "/", "?layout=queues&kiosk=1&lang=en")
    assert page.status_code == 200 and "Every queue" not in page.text and '"layout": "bj-team"' in page.text.replace(
        '"layout":"bj-team"', '"layout": "bj-team"')
