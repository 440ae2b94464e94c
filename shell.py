"""The app shell: top bar, freshness, timers and app-level stores, with their callbacks.

The poll timer fires every poll interval; its callback only reads the snapshot's
metadata from the cache (never the databases).  The clock, the freshness state and
the stale banner are updated by a clientside callback every second, so they keep
working, and say "stale", even when the server is unreachable.
"""

from __future__ import annotations

from datetime import UTC, datetime

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, dcc, html

from wallboard import ids
from wallboard.auth.web import banner_state, can_open, csrf_token, is_demo
from wallboard.components.freshness import (
    FRESHNESS_ID,
    FRESHNESS_TEXT_ID,
    STALE_BANNER_ID,
    create_freshness,
    create_stale_banner,
)
from wallboard.i18n import t
from wallboard.live.poller import stale_after_seconds
from wallboard.live.services import services
from wallboard.routes import nav_entries, request_theme
from wallboard.urls import url

SNAPSHOT_META = "app-snapshot-meta"
CLOCK = "app-clock"
NAV_LINKS = "app-nav-links"
DEMO_BANNER = "app-demo-banner"
USER = "app-user"
TEXTS = "app-texts"

THEME_TOGGLE = "app-theme-toggle"



def create_shell(default_lang: str, poll_seconds: float, reload_at: str | None = None) -> html.Div:
    """The layout around every page; language-dependent labels are filled from the URL by a callback."""
    return html.Div(id=ids.SHELL, className="shell", children=[
        dcc.Location(id=ids.URL, refresh="callback-nav"),
        dcc.Interval(id=ids.POLL, interval=int(poll_seconds * 1000)),
        dcc.Interval(id=ids.TICK, interval=1000),
        dcc.Store(id=SNAPSHOT_META),
        dcc.Store(id=TEXTS, data={"default_lang": default_lang, "reload_at": reload_at}),
        html.Header(className="topbar", id=ids.NAVBAR, children=[
            html.Div(className="brand", children=[html.I(className="bi bi-headset"),
                                                  html.Span(t("app.title", default_lang), id="app-brand")]),
            html.Nav(id=NAV_LINKS, className="nav-links"),
            html.Div(className="topbar-right", children=[
                html.Button(html.I(className="bi bi-circle-half"), id=THEME_TOGGLE, className="theme-toggle",
                            n_clicks=0, title=t("theme.toggle", default_lang)),
                html.Span(id=USER, className="user-chip"),
                html.Span(id=CLOCK, className="clock"),
                create_freshness(default_lang),
            ]),
        ]),
        dbc.Alert(t("demo.banner", default_lang), id=DEMO_BANNER, color="info", className="demo-banner",
                  is_open=False),
        create_stale_banner(),
        html.Main(dash.page_container, className="page"),
    ])


@dash.callback(Output(SNAPSHOT_META, "data"), Input(ids.POLL, "n_intervals"))
def read_snapshot_meta(_n: int | None) -> dict:
    """When the last snapshot was computed (or that none exists yet), plus the server's clock. Any signed-in
    screen asks this, so it holds no error text (a database error names hosts: /data-quality is for admins)."""
    svc = services()
    return {"computed_at": svc.reader().computed_at,
            "poll_seconds": svc.config.poll_seconds,
            "stale_after_seconds": stale_after_seconds(svc.config.poll_seconds),
            "server_now": datetime.now(UTC).isoformat()}


@dash.callback(Output(NAV_LINKS, "children"), Output("app-brand", "children"), Output(ids.SHELL, "className"),
               Output(DEMO_BANNER, "children"), Output(DEMO_BANNER, "is_open"), Output(USER, "children"),
               Output(THEME_TOGGLE, "title"), Input(ids.URL, "search"),
               Input(ids.URL, "pathname"), State(TEXTS, "data"))
def localise_shell(search: str | None, pathname: str | None, texts: dict) -> tuple:
    """Labels in the page's language; kiosk mode hides the navigation chrome; the page's theme."""
    from urllib.parse import parse_qs

    from wallboard.i18n import resolve

    query = parse_qs((search or "").lstrip("?"))
    lang = resolve((query.get("lang") or [None])[0], texts.get("default_lang", "zh"))
    kiosk = (query.get("kiosk") or ["0"])[0] in ("1", "true", "yes")
    keep = {k: v[0] for k, v in query.items() if k in ("lang", "site")}
    links = [dcc.Link(t(key, lang), href=url(href, **keep), className="nav-link")
             for href, key in nav_entries() if can_open(href)]
    classes = f"shell theme-{request_theme(pathname)}" + (" kiosk" if kiosk else "")
    open_access, user = banner_state()
    banner = t("demo.banner" if is_demo() else "open.banner", lang)
    logout = html.Form(method="post", action="/logout", className="logout-form", children=[  # POST + token only
        dcc.Input(type="hidden", name="csrf", value=csrf_token()),
        html.Button(t("auth.logout", lang), type="submit", className="logout-button")])
    who = [html.I(className="bi bi-person-circle"), user, logout] if user \
        else []
    return links, t("app.title", lang), classes, banner, open_access, who, t("theme.toggle", lang)


dash.clientside_callback(
    ClientsideFunction(namespace="wallboard", function_name="tick"),
    Output(CLOCK, "children"), Output(FRESHNESS_ID, "data-state"), Output(FRESHNESS_ID, "data-last-updated"),
    Output(FRESHNESS_TEXT_ID, "children"), Output(STALE_BANNER_ID, "children"), Output(STALE_BANNER_ID, "hidden"),
    Input(ids.TICK, "n_intervals"), State(SNAPSHOT_META, "data"), State(ids.URL, "search"), State(TEXTS, "data"),
)


dash.clientside_callback(
    ClientsideFunction(namespace="wallboard", function_name="rotate"),
    Output(ids.URL, "pathname"), Input(ids.TICK, "n_intervals"), State(ids.URL, "pathname"), State(ids.URL, "search"),
    prevent_initial_call=True,
)


dash.clientside_callback(
    ClientsideFunction(namespace="theme", function_name="toggle"),
    Output(THEME_TOGGLE, "n_clicks"), Input(THEME_TOGGLE, "n_clicks"), State(ids.URL, "pathname"),
    prevent_initial_call=True,
)
