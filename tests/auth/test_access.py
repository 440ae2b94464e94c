"""Access control on the server: every role against every page and callback, hand-crafted callback requests
for another site's data, token revocation, login protections, hostile input, security headers.

The app is real (create_app on a simulated SQLite centre); requests go through Flask's test client
exactly as a browser or a script would send them, so what is refused here is refused to anyone.
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from support.callbacks import callback_body, router_body
from support.source import package_files

from wallboard.app import create_app
from wallboard.auth import accounts
from wallboard.auth.access import Principal, can_use_route, can_view_agents, can_view_page, can_view_site
from wallboard.auth.web import EXTENSION, RedactTokens
from wallboard.config import load_config
from wallboard.data_access.engines import make_engine
from wallboard.data_access.schema import metadata
from wallboard.demo.simulator import backfill, demo_config_toml

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    """A simulated three-site centre (BJ, SH, CD), an admin, a Beijing manager, a Beijing kiosk, a revoked one."""
    folder = tmp_path_factory.mktemp("access")
    url = f"sqlite:///{folder / 'calls.db'}"
    engine = make_engine(url)
    metadata.create_all(engine)
    backfill(engine, engine, history_days=1, seed=3)
    (folder / "wallboard.toml").write_text(demo_config_toml(), encoding="utf-8")
    app_url = f"sqlite:///{folder / 'app.db'}"
    app_engine = make_engine(app_url)
    accounts.init_app_db(app_engine)
    accounts.add_user(app_engine, "boss", PASSWORD, "admin")
    accounts.add_user(app_engine, "bj", PASSWORD, "manager", ("BJ",))
    _, token = accounts.add_kiosk(app_engine, "floor-bj", ("BJ",), ("/", "/complaints"))
    _, gone = accounts.add_kiosk(app_engine, "gone", (), ("/",))
    accounts.revoke_kiosk(app_engine, "gone")
    config = load_config(folder / "wallboard.toml").with_sources(calls_db=url, app_db=app_url)
    app = create_app(config, start_poller=False)
    app.server.extensions["wallboard"].poller.poll_once()
    live = app.server.extensions["wallboard"].reader()
    snapshot, agents = live.snapshot, live.agents()
    yield {"app": app, "server": app.server, "token": token, "revoked_token": gone, "app_engine": app_engine,
           "snapshot": snapshot, "agents": agents, "folder": folder}
    engine.dispose()


def client_as(centre, who: str | None):
    """A test client signed in as `who` (boss, bj), a kiosk (kiosk), or nobody (None)."""
    client = centre["server"].test_client()
    if who == "kiosk":
        r = client.get(f"/kiosk/{centre['token']}")
        assert r.status_code == 302
    elif who is not None:
        login(client, who, PASSWORD)
    return client


def csrf(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(client, name: str, password: str, **headers):
    token = csrf(client)
    return client.post("/login", data={"name": name, "password": password, "csrf": token, "next": "/"},
                       headers=headers)


# ------------------------------------------------------------------ crafting callback requests

def _deps(centre) -> list[dict]:
    if "deps" not in centre:
        centre["deps"] = client_as(centre, "boss").get("/_dash-dependencies").get_json()
    return centre["deps"]


def call(client, centre, output_contains: str, values: dict[str, object]):
    """POST the callback whose output contains `output_contains`, with input/state values by component id."""
    return client.post("/_dash-update-component", json=callback_body(_deps(centre), output_contains, values))


def render(client, centre, path: str, search: str = ""):
    """The page as the Pages router renders it (its routing callback), or the refusal."""
    return client.post("/_dash-update-component", json=router_body(_deps(centre), path, search))


def text_of(response) -> str:
    return response.get_data(as_text=True)


def agent_of(centre, site: str) -> str:
    return next(a["agent_id"] for a in centre["agents"] if a["site"] == site)


# ------------------------------------------------------------------ the rules alone

def test_acc001_rules_by_role(centre):
    """The rules on the routes the pages declare (the centre's app has registered them)."""
    kiosk = Principal("kiosk", "k", frozenset({"BJ"}), ("/", "/complaints", "/site/BJ"))
    manager = Principal("manager", "m", frozenset({"BJ"}))
    admin = Principal("admin", "a")
    assert can_view_page(kiosk, "/") and can_view_page(kiosk, "/site/BJ") and not can_view_page(kiosk, "/site/SH")
    assert not can_view_page(kiosk, "/agent/BJ001") and not can_use_route(kiosk, "/agent/")
    assert not can_view_page(kiosk, "/weekly") and can_use_route(kiosk, "/site/")
    assert can_view_page(manager, "/agent/BJ001") and not can_view_page(manager, "/data-quality")
    assert can_view_page(admin, "/data-quality")
    assert can_view_site(manager, "BJ") and not can_view_site(manager, "SH") and not can_view_site(manager, None)
    assert can_view_agents(manager, "BJ") and not can_view_agents(manager, "SH")
    assert not can_view_agents(kiosk, "BJ") and can_view_agents(admin, "SH") and can_view_site(admin, None)


# ------------------------------------------------------------------ pages

PAGES = ["/", "/complaints", "/site/BJ", "/site/SH", "/skill/claims?site=BJ", "/satisfaction", "/weekly",
         "/data-quality", "/agent/{BJ}", "/agent/{SH}"]


def _path(centre, page: str) -> str:
    return page.format(BJ=agent_of(centre, "BJ"), SH=agent_of(centre, "SH"))


def test_acc002_anonymous_gets_the_login_page_and_no_data(centre):
    client = client_as(centre, None)
    for page in PAGES:
        r = client.get(_path(centre, page))
        assert r.status_code == 302 and r.headers["Location"].startswith("/login?next="), page
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/_dash-dependencies").status_code == 401
    assert call(client, centre, "site-tiles.children", {"site-params": {"site": "BJ", "lang": "en"},
                                                        "site-poll-request": {"seq": 1}}).status_code == 401
    assert client.get("/login").status_code == 200 and client.get("/healthz").status_code in (200, 503)
    assert client.get("/assets/wallboard/access.css").status_code == 200


EXPECTED = {  # page → what each role sees when the router renders it: ok, forbidden (a notice) or refused (403)
    "boss": {p: "ok" for p in PAGES},
    "bj": {"/": "ok", "/complaints": "ok", "/site/BJ": "ok", "/site/SH": "forbidden", "/skill/claims?site=BJ": "ok",
           "/satisfaction": "ok", "/weekly": "forbidden", "/data-quality": "refused", "/agent/{BJ}": "ok",
           "/agent/{SH}": "forbidden"},
    "kiosk": {"/": "ok", "/complaints": "ok", "/site/BJ": "refused", "/site/SH": "refused",
              "/skill/claims?site=BJ": "refused", "/satisfaction": "refused", "/weekly": "refused",
              "/data-quality": "refused", "/agent/{BJ}": "refused", "/agent/{SH}": "refused"},
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_acc003_every_role_against_every_page(centre, who):
    client = client_as(centre, who)
    for page, want in EXPECTED[who].items():
        path, _, search = _path(centre, page).partition("?")
        r = render(client, centre, path, f"?{search}" if search else "")
        seen = "refused" if r.status_code == 403 else (
            "forbidden" if 'forbidden doc' in text_of(r) else "ok" if r.status_code == 200 else str(r.status_code))
        assert seen == want, (who, page, r.status_code)


def test_acc004_restricted_principals_land_on_their_own_site(centre):
    """All-sites pages open on the manager's (or kiosk's) own site; the all-sites figures are never sent."""
    for who in ("bj", "kiosk"):
        client = client_as(centre, who)
        r = client.get("/?lang=en" + ("&kiosk=1" if who == "kiosk" else ""))
        assert r.status_code == 302 and "site=BJ" in r.headers["Location"], who
        body = text_of(render(client, centre, "/", ""))
        assert '"site":"BJ"' in body.replace(" ", ""), who  # the wall's params name Beijing, not all sites
    manager = client_as(centre, "bj")
    options = text_of(render(manager, centre, "/satisfaction", ""))
    assert "Shanghai" not in options and "上海" not in options


def test_acc018_navigation_offers_only_what_the_account_may_open(centre):
    values = {"app-url": "/", "app-texts": {"default_lang": "en"}}
    for who, weekly in (("boss", True), ("bj", False)):
        r = call(client_as(centre, who), centre, "app-nav-links.children", values)
        assert r.status_code == 200 and ("\\u002fweekly" in text_of(r)) is weekly, who
        assert ('"bj"' in text_of(r)) is (who == "bj")  # the signed-in name, with a sign-out link


def test_acc019_a_manager_opening_an_admin_page_is_told_so(centre):
    r = client_as(centre, "bj").get("/data-quality?lang=en")
    assert r.status_code == 403 and "Your account may not see this" in text_of(r)
    assert client_as(centre, "boss").get("/data-quality").status_code == 200


def test_acc005_kiosk_pages_redirect_home_and_never_show_agents(centre):
    client = client_as(centre, "kiosk")
    r = client.get("/site/BJ")
    assert r.status_code == 302 and r.headers["Location"].startswith("/?kiosk=1")
    r = client.get(f"/agent/{agent_of(centre, 'BJ')}")
    assert r.status_code == 302


# ------------------------------------------------------------------ raw callback requests

def poll(site: str | None, prefix: str, **extra) -> dict:
    return {f"{prefix}-params": {"site": site, "lang": "en", **extra}, f"{prefix}-poll-request": {"seq": 1}}


CALLBACKS = {  # name → (output, values asking for Shanghai, values asking for Beijing)
    "wall": ("kpi-value", poll("SH", "wall"), poll("BJ", "wall")),
    "wall-all": ("kpi-value", poll(None, "wall"), poll("BJ", "wall")),
    "complaints": ("cmp-tiles.children", poll("SH", "cmp"), poll("BJ", "cmp")),
    "site": ("site-tiles.children", poll("SH", "site"), poll("BJ", "site")),
    "skill": ("skill-tiles.children", poll("SH", "skill", group="claims"), poll("BJ", "skill", group="claims")),
    "satisfaction": ("sat-content.children", {"sat-site": "SH", "sat-weeks": "4", "sat-params": {"lang": "en"}},
                     {"sat-site": "BJ", "sat-weeks": "4", "sat-params": {"lang": "en"}}),
}


@pytest.mark.parametrize("name", list(CALLBACKS))
def test_acc006_handcrafted_callbacks_for_another_sites_data(centre, name):
    """A Beijing manager's forged request for Shanghai (or all sites) is refused; Beijing is served."""
    output, other, own = CALLBACKS[name]
    manager, admin = client_as(centre, "bj"), client_as(centre, "boss")
    assert call(manager, centre, output, other).status_code == 403
    assert call(manager, centre, output, own).status_code == 200
    assert call(admin, centre, output, other).status_code == 200


def test_acc007_agent_callbacks_and_kiosk_routes(centre):
    bj, sh = agent_of(centre, "BJ"), agent_of(centre, "SH")
    manager, kiosk = client_as(centre, "bj"), client_as(centre, "kiosk")
    values = {"agent-poll-request": {"seq": 1}}
    assert call(manager, centre, "agent-state.children", {**values, "agent-params": {"agent": bj, "lang": "en"}}
                ).status_code == 200
    assert call(manager, centre, "agent-state.children", {**values, "agent-params": {"agent": sh, "lang": "en"}}
                ).status_code == 403
    assert call(kiosk, centre, "agent-state.children", {**values, "agent-params": {"agent": bj, "lang": "en"}}
                ).status_code == 403  # a wall screen never gets a per-agent figure
    # a kiosk asks for the site page's live parts (agent table included) of its own site: not its page
    assert call(kiosk, centre, "site-tiles.children", poll("BJ", "site")).status_code == 403
    assert call(kiosk, centre, "dq-body.children", {"dq-params": {"lang": "en"}}).status_code == 403
    assert call(manager, centre, "dq-body.children", {"dq-params": {"lang": "en"}}).status_code == 403
    assert call(client_as(centre, "boss"), centre, "dq-body.children", {"dq-params": {"lang": "en"}}
                ).status_code == 200
    week = {"wk-params": {"week": "2026-W01", "lang": "en"}, '{"format":["ALL"],"type":"wk-export"}': 1}
    assert call(manager, centre, "wk-download.data", week).status_code == 403
    assert call(kiosk, centre, "wk-download.data", week).status_code == 403


def test_acc008_site_page_hides_agents_from_those_who_may_not_see_them(centre):
    admin = text_of(call(client_as(centre, "boss"), centre, "site-tiles.children", poll("BJ", "site")))
    manager = text_of(call(client_as(centre, "bj"), centre, "site-tiles.children", poll("BJ", "site")))
    bj_agent = agent_of(centre, "BJ")
    assert bj_agent in admin and bj_agent in manager
    body = text_of(render(client_as(centre, "bj"), centre, "/site/SH"))
    assert agent_of(centre, "SH") not in body


# ------------------------------------------------------------------ kiosk tokens

def test_acc009_kiosk_token_cookie_and_revocation(centre):
    client = centre["server"].test_client()
    r = client.get(f"/kiosk/{centre['token']}")
    assert r.status_code == 302 and centre["token"] not in r.headers["Location"]
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie  # a permanent cookie
    expires = datetime.strptime(re.search(r"Expires=([^;]+)", cookie).group(1), "%a, %d %b %Y %H:%M:%S GMT")
    assert (expires - datetime.now(UTC).replace(tzinfo=None)).days > 365 * 5  # never logs out
    assert render(client, centre, "/").status_code == 200
    assert centre["server"].test_client().get(f"/kiosk/{centre['revoked_token']}").status_code == 403
    assert centre["server"].test_client().get("/kiosk/" + "x" * 43).status_code == 403
    # revoke the live one: its cookie stops working (here at once; in a running app within the cache time)
    accounts.revoke_kiosk(centre["app_engine"], "floor-bj")
    centre["server"].extensions[EXTENSION].forget()
    try:
        assert render(client, centre, "/").status_code == 401
        assert client.get("/").status_code == 302
        assert centre["server"].test_client().get(f"/kiosk/{centre['token']}").status_code == 403
    finally:
        _, centre["token"] = accounts.add_kiosk(centre["app_engine"], "floor-bj-2", ("BJ",), ("/", "/complaints"))
        centre["server"].extensions[EXTENSION].forget()


# ------------------------------------------------------------------ login

def test_acc010_login_needs_csrf_and_is_rate_limited(centre, caplog):
    caplog.set_level(logging.DEBUG)
    client = centre["server"].test_client()
    r = client.post("/login", data={"name": "bj", "password": PASSWORD, "next": "/"})
    assert r.status_code == 400  # no CSRF token
    assert login(client, "bj", "wrong password").status_code == 401
    r = login(client, "bj", PASSWORD, **{"X-Forwarded-Proto": "https"})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    attacker = centre["server"].test_client()
    statuses = [login(attacker, "boss", f"guess {i}").status_code for i in range(7)]
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
    assert login(attacker, "boss", PASSWORD).status_code == 429  # locked for this name for a while
    assert login(attacker, "bj", PASSWORD).status_code == 302  # another name from the same address still may
    assert PASSWORD not in caplog.text and "guess" not in caplog.text
    centre["server"].extensions[EXTENSION].limiter.succeeded("boss", "127.0.0.1")


def test_acc011_next_is_never_an_open_redirect(centre):
    client = centre["server"].test_client()
    token = csrf(client)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        r = client.post("/login", data={"name": "bj", "password": PASSWORD, "csrf": token, "next": target})
        assert r.status_code == 302 and r.headers["Location"] == "/", target
        client = centre["server"].test_client()
        token = csrf(client)


def test_acc012_logout(centre):
    client = client_as(centre, "bj")
    assert render(client, centre, "/").status_code == 200
    assert client.post("/logout", data={"csrf": csrf(client)}).status_code == 302
    assert render(client, centre, "/").status_code == 401


# ------------------------------------------------------------------ hostile input

EVIL = ["' OR 1=1 --", "BJ'; DROP TABLE calls; --", "<script>alert(1)</script>", "../../etc/passwd", "%00", "\x00",
        "x" * 5000, "2026-13-45", "9999-W99", "-1", "NaN", "𝕏" * 10, "BJ\r\nSet-Cookie: a=b", "{{7*7}}"]


def test_acc013_injection_in_every_parameter_never_reaches_a_500(centre):
    client = client_as(centre, "boss")
    for evil in EVIL:
        q = quote(evil, safe="")
        for path, search in ((f"/site/{q}", ""), (f"/skill/{q}", f"?site={q}&day={q}"), (f"/agent/{q}", f"?day={q}"),
                             ("/site/BJ", f"?from={q}&to={q}&by={q}"), ("/", f"?site={q}&lang={q}"),
                             ("/complaints", f"?site={q}"), ("/weekly", f"?week={q}"),
                             ("/satisfaction", f"?site={q}&weeks={q}"), (f"/{q}", "")):
            r = render(client, centre, path, search)
            assert r.status_code < 500, (path, search, r.status_code)
            if path.startswith(("/site/", "/skill/", "/agent/")) and path != "/site/BJ":
                assert "not-found" in text_of(r) or "forbidden" in text_of(r), (path, search)
            g = client.get(path + search)
            assert g.status_code < 500, (path, search, g.status_code)
        for output, values in (("site-tiles.children", poll(evil, "site")), ("kpi-value", poll(evil, "wall")),
                               ("sat-content.children", {"sat-site": evil, "sat-weeks": evil, "sat-params": {}}),
                               ("agent-state.children", {"agent-poll-request": {"seq": 1},
                                                         "agent-params": {"agent": evil, "lang": evil}})):
            assert call(client, centre, output, values).status_code < 500, (output, evil)
    for output, values in (("site-tiles.children", {"site-params": {}, "site-poll-request": {"seq": 1}}),
                           ("kpi-value", {"wall-params": "x", "wall-poll-request": None}),
                           ("skill-tiles.children", {"skill-params": [1, 2], "skill-poll-request": {}}),
                           ("agent-state.children", {"agent-params": {"agent": ["a"]}, "agent-poll-request": 7}),
                           ("cmp-tiles.children", {"cmp-params": None, "cmp-poll-request": {"seq": 1}}),
                           ("sat-content.children", {"sat-site": {"a": 1}, "sat-weeks": [], "sat-params": None})):
        assert call(client, centre, output, values).status_code == 400, (output, values)  # not a 500
    assert client.post("/_dash-update-component", data=b"\xff\xfe not json",
                       content_type="application/json").status_code < 500
    r = client.get("/login?next=" + quote("<script>"))
    assert "<script>" not in text_of(r).split("</form>")[0].split('name="next"')[1][:40]


def test_acc014_security_headers(centre):
    """No page may be framed by another site; the wall alone by this app's own /layouts previews."""
    for path, ancestors, frames in (("/weekly", "'none'", "DENY"), ("/", "'self'", "SAMEORIGIN")):
        r = client_as(centre, "boss").get(path)
        csp = r.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and f"frame-ancestors {ancestors}" in csp, path
        assert not re.search(r"https?:|\*", csp)  # no outside origin, no wildcard
        assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["X-Frame-Options"] == frames
        assert r.headers["Referrer-Policy"] == "no-referrer"


def test_acc015_tokens_are_redacted_from_access_logs():
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '"%s" %s %s',
                               ("GET /kiosk/SECRET-token_123 HTTP/1.1", "302", "-"), None)
    RedactTokens().filter(record)
    assert "SECRET" not in record.getMessage() and "/kiosk/[token]" in record.getMessage()
    gunicorn = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, '%(h)s "%(r)s" %(s)s',
                                 (), None)
    gunicorn.args = {"h": "10.0.0.9", "r": "GET /kiosk/SECRET-token_123 HTTP/1.1", "s": "302"}
    RedactTokens().filter(gunicorn)
    assert "SECRET" not in gunicorn.getMessage() and "/kiosk/[token]" in gunicorn.getMessage()


def test_acc016_user_and_kiosk_commands(tmp_path):
    """Passwords come from standard input only; kiosk add prints the path with its token; errors exit 2."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    run = lambda *a, stdin="": subprocess.run([sys.executable, "-m", "wallboard.cli", *a, "--app-db", url],  # noqa: E731
                                              input=stdin, capture_output=True, text=True, timeout=60)
    ok = run("user", "add", "li", "--role", "manager", "--site", "BJ", stdin=PASSWORD + "\n")
    assert ok.returncode == 0 and PASSWORD not in ok.stdout + ok.stderr
    assert run("user", "add", "li", "--role", "manager", "--site", "BJ", stdin=PASSWORD + "\n").returncode == 2
    short = run("user", "add", "wang", "--role", "admin", stdin="short\n")
    assert short.returncode == 2 and "at least" in short.stderr and short.stderr.count("\n") == 1
    assert run("user", "add", "zhao", "--role", "manager", stdin=PASSWORD + "\n").returncode == 2  # no --site
    listed = run("user", "list")
    assert listed.returncode == 0 and listed.stdout.startswith("li\tmanager\tBJ\t")
    added = run("kiosk", "add", "lobby", "--site", "BJ", "--pages", "/,/complaints")
    path = added.stdout.strip()
    assert added.returncode == 0 and re.fullmatch(r"/kiosk/[A-Za-z0-9_-]{40,}", path)
    engine = make_engine(url)
    assert accounts.kiosk_principal(engine, token=path.removeprefix("/kiosk/")).sites == frozenset({"BJ"})
    assert path.removeprefix("/kiosk/") not in (tmp_path / "app.db").read_bytes().decode("latin-1")  # stored hashed
    assert run("kiosk", "revoke", "lobby").returncode == 0
    assert accounts.kiosk_principal(engine, token=path.removeprefix("/kiosk/")) is None
    assert "revoked" in run("kiosk", "list").stdout
    assert run("kiosk", "revoke", "lobby").returncode == 2
    assert run("kiosk", "add", "x", "--pages", "https://evil/").returncode == 2
    assert run("user", "remove", "li").returncode == 0 and run("user", "remove", "li").returncode == 2
    engine.dispose()


def test_acc017_bandit_finds_nothing_of_medium_severity_or_worse():
    """The static security scan that CI runs: no medium- or high-severity finding in the package."""
    out = subprocess.run([sys.executable, "-m", "bandit", "-q", "-r", *map(str, package_files()), "-ll", "-f", "txt"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr


def test_acc020_a_kiosk_stays_signed_in_across_a_restart(centre):
    """A restarted server (a new app on the same app database) accepts the screen's cookie: the signing key
    is kept in the app database, so a TV never falls to the login page after a deploy or a reboot."""
    first = client_as(centre, "kiosk")
    cookie = first.get_cookie("wallboard_session")
    assert cookie is not None and cookie.expires is not None
    config = load_config(centre["folder"] / "wallboard.toml").with_sources(
        calls_db=f"sqlite:///{centre['folder'] / 'calls.db'}", app_db=f"sqlite:///{centre['folder'] / 'app.db'}")
    restarted = create_app(config, start_poller=False).server.test_client()
    restarted.set_cookie("wallboard_session", cookie.value)
    assert restarted.get("/?kiosk=1&site=BJ").status_code == 200
    assert centre["server"].test_client().get("/?kiosk=1&site=BJ").status_code == 302  # no cookie: login


def test_acc021_each_page_layout_checks_its_own_rights(centre):
    """Reached without the router's check (a future route, a renamed id), each layout still refuses: the admin page
    for a manager, every page a kiosk was not given, another site's page for a one-page kiosk."""
    from flask import g

    from wallboard.pages import agent, data_quality, satisfaction, site, skill, weekly

    manager = Principal("manager", "bj", frozenset({"BJ"}))
    kiosk = Principal("kiosk", "k", None, ("/", "/complaints", "/site/BJ"))
    cases = [(manager, data_quality.layout, {}), (kiosk, data_quality.layout, {}), (kiosk, weekly.layout, {}),
             (kiosk, satisfaction.layout, {}), (kiosk, site.layout, {"site_id": "SH"}),
             (kiosk, skill.layout, {"skill_group": "claims"}),
             (kiosk, agent.layout, {"agent_id": agent_of(centre, "BJ")})]
    for who, layout, args in cases:
        with centre["server"].test_request_context("/"):
            g.principal = who
            page = layout(lang="en", **args)
            assert "forbidden" in (page.className or ""), (who.role, layout.__module__)
    with centre["server"].test_request_context("/"):
        g.principal = kiosk
        assert "forbidden" not in (site.layout(site_id="BJ", lang="en").className or "")


def test_acc022_a_session_without_an_epoch_is_refused(centre):
    """A cookie from before session epochs (or one made up) carries none: it is not a session any more."""
    import time

    client = centre["server"].test_client()
    with client.session_transaction() as cookie:
        cookie.update(user="bj", login_at=time.time())
    assert render(client, centre, "/").status_code == 401
    assert render(client_as(centre, "bj"), centre, "/").status_code == 200
