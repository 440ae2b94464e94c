"""Logins, kiosk credentials and their enforcement on every request (pages and raw callback requests).

The rules are in `wallboard.auth.access`; this module finds who is asking (a signed session
cookie), refuses what they may not see, serves /login, /logout and /kiosk/<token>, and adds
the security headers. Pages call `page_scope`, `require_site` and `can_see_agents` for the
checks that depend on the figures asked for (a site, an agent's site).
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from html import escape
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, g, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf, validate_csrf
from sqlalchemy import Engine
from wtforms import ValidationError

from wallboard.auth import access, accounts
from wallboard.auth.access import OPEN, Principal
from wallboard.auth.limits import FAILURE_WINDOW, LoginLimiter
from wallboard.config import Config
from wallboard.i18n import resolve, t
from wallboard.routes import kiosk_default_pages, route_for_id, route_of
from wallboard.urls import WALL_PATH, url

log = logging.getLogger(__name__)
EXTENSION = "wallboard-auth"
LOGIN = "/login"
PUBLIC_PATHS = frozenset({LOGIN, "/logout", "/healthz", "/_favicon.ico"})  # exactly these: /loginfoo is a page
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/kiosk/")
CALLBACKS = "/_dash-update-component"
PAGES_ROUTER = ("_pages_location", "pathname")  # Dash Pages' router input: the path whose layout it computes
MAX_REQUEST_BYTES = 8 << 20  # a callback's state at 600 sites fits many times over; a 30 MB form does not
MANAGER_SESSION = timedelta(hours=12)
KIOSK_SESSION = timedelta(days=3650)  # a wall screen never logs out; revoking its kiosk ends it
CACHE_SECONDS = 15.0  # accounts are re-read at most this often per process (revocation takes effect within it)
CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval' {hashes}; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'")


class RedactTokens(logging.Filter):
    """Keeps kiosk tokens out of access logs (werkzeug's, or any logger it is added to)."""

    PATTERN = re.compile(r"/kiosk/[^\s?\"']+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self.PATTERN.sub("/kiosk/[token]", record.msg)
        def clean(value: Any) -> Any:
            return self.PATTERN.sub("/kiosk/[token]", value) if isinstance(value, str) else value

        if isinstance(record.args, tuple):
            record.args = tuple(clean(a) for a in record.args)
        elif isinstance(record.args, dict):  # gunicorn's access log formats a mapping of atoms
            record.args = {k: clean(v) for k, v in record.args.items()}
        return True


class _SessionInterface(SecureCookieSessionInterface):
    """Secure cookies whenever the browser reached us over HTTPS (directly or through a TLS proxy)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure or \
            request.headers.get("X-Forwarded-Proto", "").lower() == "https"


@dataclass
class Auth:
    engine: Engine
    demo: bool = False
    inline_script_hashes: Any = None  # () -> the CSP hashes of Dash's inline scripts (some appear at first request)
    callback_map: Any = None  # () -> Dash's callbacks by output key: what a callback request will really compute
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    _memo: dict[Any, tuple[float, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def memo(self, key: Any, compute) -> Any:
        """`compute()` at most once per CACHE_SECONDS per key in this process, however many requests ask at once
        (1,500 screens must not each re-read the accounts when the memo expires)."""
        hit = self._memo.get(key)
        if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
        with self._lock:
            hit = self._memo.get(key)
            if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
                return hit[1]
            value = compute()
            self._memo[key] = (time.monotonic(), value)
            return value

    def forget(self) -> None:
        self._memo.clear()

    def enforced(self) -> bool:
        return self.memo("enforced", lambda: accounts.accounts_exist(self.engine))


def init_auth(server: Flask, app_engine: Engine, secret: str | None, demo: bool = False,
              csp_hashes=None, callback_map=None, redis_client=None) -> Auth:
    """Hook logins and checks into the Flask app; the app's own database holds the accounts."""
    accounts.init_app_db(app_engine)
    server.config.update(SECRET_KEY=secret or accounts.secret_key(app_engine), SESSION_COOKIE_HTTPONLY=True,
                         SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_NAME="wallboard_session",
                         PERMANENT_SESSION_LIFETIME=KIOSK_SESSION, MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
                         WTF_CSRF_TIME_LIMIT=None, WTF_CSRF_FIELD_NAME="csrf")  # a token lives as long as its session
    server.session_interface = _SessionInterface()
    hops = _proxy_hops()
    if hops:  # behind a TLS proxy: the client's address (for the login limits) from X-Forwarded-For, `hops` deep
        from werkzeug.middleware.proxy_fix import ProxyFix

        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=hops, x_proto=hops)
    auth = Auth(app_engine, demo, csp_hashes, callback_map, LoginLimiter(redis_client))
    server.extensions[EXTENSION] = auth
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
    server.before_request(_before_request)
    server.after_request(_security_headers)
    server.add_url_rule(LOGIN, "login", _login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", _logout, methods=["POST"])  # a link or another site cannot sign out
    server.add_url_rule("/logout", "logout-get", lambda: Response(status=405, headers={"Allow": "POST"}),
                        methods=["GET"])  # (else Dash's catch-all page route would answer it)
    server.add_url_rule("/kiosk/<token>", "kiosk", _kiosk_entry)
    return auth


def _proxy_hops() -> int:
    """WALLBOARD_PROXY_HOPS: how many proxies in front of the app to trust for the client's address (default 0)."""
    value = os.environ.get("WALLBOARD_PROXY_HOPS", "0")
    if not value.isdigit():
        raise ValueError(f"WALLBOARD_PROXY_HOPS: a number of proxies (0, 1, 2…), got {value!r}")
    return int(value)


def _auth() -> Auth:
    return current_app.extensions[EXTENSION]


# ------------------------------------------------------------------ who is asking

def current_principal() -> Principal:
    """The principal of this request (OPEN when no account exists, or outside a request)."""
    from flask import has_request_context

    if not has_request_context() or EXTENSION not in current_app.extensions:
        return OPEN
    if "principal" not in g:
        g.principal = _load_principal()
    return g.principal


def _load_principal() -> Principal | None:
    auth = _auth()
    if not auth.enforced():
        return OPEN
    if "kiosk" in session:
        name, proof = session.get("kiosk"), session.get("kiosk_proof")
        principal = auth.memo(("kiosk", name), lambda: accounts.kiosk_principal(auth.engine, name=name))
        if principal is None:
            return None
        if proof is None and session.get("kiosk_digest") == principal.credential:  # a cookie from before proofs:
            session.pop("kiosk_digest")  # upgraded in place, so that a screen on the wall stays signed in
            session["kiosk_proof"] = proof = _kiosk_proof(principal.credential)
        return principal if proof and hmac.compare_digest(proof, _kiosk_proof(principal.credential)) else None
    if "user" in session:
        name = session["user"]
        principal = auth.memo(("user", name), lambda: accounts.user_principal(auth.engine, name))
        expired = time.time() - float(session.get("login_at", 0)) > MANAGER_SESSION.total_seconds()
        if expired or principal is None or not principal.credential or principal.credential != session.get("epoch"):
            session.clear()  # timed out, removed, logged out, or given a new password, role or sites
            return None
        return principal
    return None


def _before_request():
    path = request.path
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
        return None
    if path == CALLBACKS and request.method == "POST" and request.mimetype != "application/json":
        return _json_error(415, "callbacks take application/json")  # no cross-site "simple" form or text post
    p = current_principal()
    api = path.startswith(("/_dash-", "/_reload-hash", "/_wallboard/"))
    if p is None:
        if api:
            return _json_error(401, "sign in first")
        return redirect(url(LOGIN, next=request.full_path.rstrip("?")))
    if p.open:
        return None
    if path == CALLBACKS:
        return _check_callback(p)
    if api:
        return None
    # a page load (the HTML shell); the page's own callbacks are checked again as it renders
    if not access.can_view_page(p, path):
        if p.role == "kiosk":
            return redirect(_kiosk_home(p))
        lang = resolve(request.args.get("lang"), _language())
        return Response(_page(lang, f'<h1>{escape(t("auth.forbidden", lang))}</h1><p class="text-secondary">'
                                    f'{escape(t("auth.forbidden_help", lang))}</p><a class="btn btn-outline-secondary"'
                                    f' href="{escape(url(WALL_PATH, lang=lang))}">{escape(t("nav.wall", lang))}</a>'),
                        status=403, mimetype="text/html")
    route = route_of(path)  # a page for all sites or one: a restricted principal lands on its own
    layout = p.layout or request.args.get("layout") if path == WALL_PATH else None  # a layout names its own sites
    if route and route.scope == "all_or_site" and not request.args.get("site") and not p.all_sites and not layout:
        args = dict(request.args)
        args["site"] = access.default_site(p) or ""
        return redirect(url(path, **args))
    return None


def _check_callback(p: Principal):
    """Authorise a callback request on what Dash will compute, never on the ids the client names.

    Dash picks the callback by the request's `output` key and passes the input values by
    position; so the callback is looked up the same way, its page is found from the ids
    it was *declared* with (every page's ids carry the page's prefix, style.md), and for
    the Pages router the path it will render is the value at the position of its
    declared `_pages_location.pathname` input. The page's own callback checks the sites
    and agents its figures belong to.
    """
    body = request.get_json(silent=True)
    callbacks = _auth().callback_map() if _auth().callback_map else {}
    if not isinstance(body, dict) or not isinstance(body.get("output"), str) or body["output"] not in callbacks:
        return _json_error(400, "malformed callback request")
    declared = callbacks[body["output"]]
    inputs = [(i["id"], i["property"]) for i in declared.get("inputs", [])]
    if PAGES_ROUTER in inputs:
        values = body.get("inputs")
        index = inputs.index(PAGES_ROUTER)
        if not isinstance(values, list) or len(values) != len(inputs) or not isinstance(values[index], dict):
            return _json_error(400, "malformed callback request")
        path = values[index].get("value")
        if not isinstance(path, str) or not access.can_view_page(p, path):
            return _json_error(403, "this page is not open to you")
        return None
    for route in _declared_routes(body["output"], declared):
        if not access.can_use_route(p, route):
            return _json_error(403, "this page is not open to you")
    return None


def _declared_routes(output: str, declared: dict) -> set[str]:
    """The routes of the ids a callback was declared with (outputs, inputs and state)."""
    names = [i["id"] for i in declared.get("inputs", []) + declared.get("state", [])]
    names += [part.split(".")[0] for part in output.strip(".").split("...")]  # "..a.children...b.data.." or "a.x"
    routes = set()
    for ident in names:
        if isinstance(ident, str) and ident.startswith("{"):  # a pattern-matching id, as Dash writes it
            try:
                ident = json.loads(ident)
            except ValueError:
                continue
        name = ident.get("type") if isinstance(ident, dict) else ident
        route = route_for_id(name) if isinstance(name, str) else None
        if route is not None:
            routes.add(route.path)
    return routes


def _kiosk_home(p: Principal) -> str:
    pages = list(p.pages or kiosk_default_pages())
    query = {"kiosk": "1"}
    if len(pages) > 1:
        query.update(rotate="60", pages=",".join(pages))
    return url(pages[0], **query)


# ------------------------------------------------------------------ checks the pages call

def _asking() -> Principal:
    """Who is asking, for the checks below; nobody (no rights) if there is no principal."""
    return current_principal() or access.NOBODY


def require_site(site: str | None) -> None:
    """Inside a callback: the figures of `site` (None: all sites) may be returned, or abort 403."""
    if not access.can_view_site(_asking(), site):
        abort(403)


def require_sites(sites: list[str]) -> None:
    """Inside a callback: the figures of these sites together (a region's) may be returned, or abort 403."""
    p = _asking()
    if not all(access.can_view_site(p, site) for site in sites):
        abort(403)


def wall_scope(config: Config, site: str | None, region: str | None, lang: str | None,
               layout: str | None = None) -> tuple:
    """(site, region, layout, lang) a wall's callback or stream asks for, once the caller may see them, or abort 403:
    a region's figures are its sites' together; an unknown region is ignored (all sites), as a site's wall has none.
    A layout replaces both and needs every one of its sites (all of them when it names none); a kiosk given a layout
    asks for that one or gets nothing."""
    forced = _asking().layout
    if forced is not None and layout != forced:
        abort(403)
    if layout is not None:
        if config.layout(layout) is None:
            abort(404)
        if not may_see_layout(config, layout):
            abort(403)
        return None, None, layout, resolve(lang, config.language)
    region = None if site or config.region(region or "") is None else region
    if region:
        require_sites(config.region_sites(region))
    else:
        require_site(site)
    return site, region, None, resolve(lang, config.language)


def asked_layout(asked: str | None) -> str | None:
    """For a wall's layout: the layout to show — a kiosk's own whatever the address says, else the one asked for."""
    return _asking().layout or asked


def may_see_layout(config: Config, name: str) -> bool:
    """Whether every site of a layout (every site, when it names none) may be seen."""
    chosen = config.layout(name)
    p = _asking()
    return chosen is not None and (all(access.can_view_site(p, s) for s in chosen.sites) if chosen.sites
                                   else access.can_view_site(p, None))


def can_view_page(path: str) -> bool:
    """For a layout: whether the page at `path` may be shown (a kiosk: exactly the pages it was given)."""
    return access.can_view_page(_asking(), path)


def require_page(path: str) -> None:
    """Inside a callback of a page with an id in its path (/site/BJ): that very page is open to the caller."""
    if not can_view_page(path):
        abort(403)


def require_agents(site: str | None) -> None:
    if not can_see_agents(site):
        abort(403)


def can_view_site(site: str | None) -> bool:
    return access.can_view_site(_asking(), site)


def can_see_agents(site: str | None) -> bool:
    return access.can_view_agents(_asking(), site)


def page_scope(site: str | None) -> tuple[str | None, bool]:
    """For a page's layout: the site to show and whether it may be shown.

    A restricted principal asking for all sites gets its own first site instead.
    """
    p = _asking()
    if site is None and not p.all_sites:
        site = access.default_site(p)
    return site, access.can_view_site(p, site)


def can_open(path: str) -> bool:
    return access.can_open(_asking(), path)


def visible_sites(sites: list[str]) -> list[str]:
    return access.visible_sites(_asking(), sites)


def banner_state() -> tuple[bool, str]:
    """(show the open-access banner, who is signed in) for the shell."""
    p = current_principal()
    if p is None:
        return False, ""
    if p.open:
        return True, ""
    return False, "" if p.role == "kiosk" else p.name or ""  # a wall screen shows no account and no sign-out


def is_demo() -> bool:
    from flask import has_request_context

    return has_request_context() and EXTENSION in current_app.extensions and _auth().demo


# ------------------------------------------------------------------ routes

def _json_error(status: int, message: str) -> Response:
    return Response(json.dumps({"error": message}), status=status, mimetype="application/json")


def csrf_token() -> str:
    """The session's form token (Flask-WTF: signed, bound to this session), for /login and the logout form."""
    return generate_csrf()


def _csrf_ok() -> bool:
    try:
        validate_csrf(request.form.get("csrf"))
    except ValidationError:
        return False
    return True


def _safe_next(target: str | None) -> str:
    """Only a path on this site: no scheme, no host, no backslash, no whitespace or control character (a browser
    drops a tab or newline, so "/\t/evil.example" would become "//evil.example"); else "/"."""
    if (not target or not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in target)):
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


def _language() -> str:
    from wallboard.live.services import services

    return services().config.language


def _login():
    lang = resolve(request.values.get("lang"), _language())
    next_path = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return _login_page(lang, next_path)
    name = accounts.canonical_name(request.form.get("name"))[:64]
    password = request.form.get("password") or ""
    address = request.remote_addr or "?"
    if not _csrf_ok():  # also refuses a cross-site post: it cannot read this session's token
        return _login_page(lang, next_path, t("login.expired", lang), status=400)
    limiter = _auth().limiter
    if not limiter.allow(name, address):  # counted before the password is checked: concurrent guesses included
        log.warning("login refused: too many attempts (name %r, address %s)", name, address)
        page = _login_page(lang, next_path, t("login.locked", lang, minutes=FAILURE_WINDOW // 60), status=429)
        page.headers["Retry-After"] = str(FAILURE_WINDOW)
        return page
    principal = accounts.check_login(_auth().engine, name, password)
    if principal is None:
        log.warning("login failed for name %r from %s", name, address)  # never the password
        return _login_page(lang, next_path, t("login.failed", lang), status=401)
    limiter.succeeded(name, address)
    session.clear()
    session.permanent = False  # a browser session, and at most MANAGER_SESSION on the server's side
    session.update(user=principal.name, login_at=time.time(), epoch=principal.credential)
    _auth().forget()
    log.info("login: %s (%s)", principal.name, principal.role)
    return redirect(next_path)


def _logout():
    """POST with the session's token: ends this user's sessions everywhere (a copied cookie included)."""
    if not _csrf_ok():
        return Response(status=400)
    who = current_principal()  # only a live session may end its user's sessions (not an old copied cookie)
    if who is not None and not who.open and who.role != "kiosk" and who.name == session.get("user"):
        accounts.end_sessions(_auth().engine, who.name)
        _auth().forget()
    session.clear()
    return redirect(LOGIN)


def _kiosk_proof(digest: str) -> str:
    """What a kiosk's cookie carries: a keyed hash of its stored token digest, never the stored value itself."""
    return hmac.new(current_app.config["SECRET_KEY"].encode(), digest.encode(), "sha256").hexdigest()


def _kiosk_entry(token: str):
    auth = _auth()
    principal = accounts.kiosk_principal(auth.engine, token=token) if len(token) <= 128 else None
    if principal is None:
        return Response(_page("zh", t("kiosk.invalid", "zh") + " / " + t("kiosk.invalid", "en")), status=403,
                        mimetype="text/html")
    session.clear()
    session.permanent = True
    session.update(kiosk=principal.name, kiosk_proof=_kiosk_proof(principal.credential))
    auth.forget()
    log.info("kiosk %s opened", principal.name)  # never the token
    return redirect(_kiosk_home(principal))  # the token leaves the address bar at once


def _page(lang: str, body: str) -> str:
    return (f'<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{escape(t("app.title", lang))}</title>'
            '<link rel="stylesheet" href="/assets/vendor/bootstrap/bootstrap.min.css">'
            '<link rel="stylesheet" href="/assets/vendor/inter/inter.css">'
            '<link rel="stylesheet" href="/assets/vendor/noto-sans-sc/noto-sans-sc.css">'
            '<link rel="stylesheet" href="/assets/wallboard/access.css"></head>'
            f'<body class="login-body"><main class="login-card">{body}</main></body></html>')


def _login_page(lang: str, next_path: str, error: str | None = None, status: int = 200) -> Response:
    alert = f'<div class="alert alert-danger" role="alert">{escape(error)}</div>' if error else ""
    other = "en" if lang == "zh" else "zh"
    body = (f'<h1>{escape(t("app.title", lang))}</h1><p class="text-secondary">{escape(t("login.intro", lang))}</p>'
            f'{alert}<form method="post" action="{escape(url(LOGIN, lang=lang))}">'
            f'<input type="hidden" name="csrf" value="{escape(csrf_token())}">'
            f'<input type="hidden" name="next" value="{escape(next_path)}">'
            f'<label class="form-label" for="name">{escape(t("login.name", lang))}</label>'
            '<input class="form-control mb-3" id="name" name="name" autocomplete="username" required autofocus>'
            f'<label class="form-label" for="password">{escape(t("login.password", lang))}</label>'
            '<input class="form-control mb-4" id="password" name="password" type="password" '
            'autocomplete="current-password" required>'
            f'<button class="btn btn-primary w-100" type="submit">{escape(t("login.submit", lang))}</button></form>'
            f'<p class="mt-3 small"><a href="{escape(url(LOGIN, lang=other, next=next_path))}">'
            f'{"English" if other == "en" else "中文"}</a></p>')
    return Response(_page(lang, body), status=status, mimetype="text/html")


def _security_headers(response: Response) -> Response:
    auth = current_app.extensions.get(EXTENSION)
    hashes = auth.inline_script_hashes() if auth and auth.inline_script_hashes else []
    response.headers.setdefault("Content-Security-Policy", CSP.format(hashes=" ".join(hashes)))
    response.headers["X-Content-Type-Options"] = "nosniff"
    if request.path == WALL_PATH:  # the wall alone may be framed, by this app's own pages (/layouts previews)
        response.headers["Content-Security-Policy"] = response.headers["Content-Security-Policy"].replace(
            "frame-ancestors 'none'", "frame-ancestors 'self'")
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    else:
        response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"  # a kiosk token never leaks through a Referer
    if request.path.startswith((CALLBACKS, LOGIN, "/kiosk/")):
        response.headers["Cache-Control"] = "no-store"
    return response
