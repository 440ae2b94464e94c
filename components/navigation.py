"""Where am I and where can I go: crumbs, the period and day controls, and the not-found and not-allowed pages."""

from __future__ import annotations

from dash import dcc, html

from wallboard.config import Config
from wallboard.i18n import t
from wallboard.urls import SITE_PATH, WALL_PATH, url


def create_crumbs(items: list[tuple[str, str | None]]) -> html.Nav:
    """All sites › Beijing › Claims: every level but the last is a link (full load: a fresh page)."""
    children: list = []
    for i, (text, href) in enumerate(items):
        if i:
            children.append(html.Span("›", className="crumb-sep"))
        children.append(html.A(text, href=href) if href else html.Span(text, className="crumb-here"))
    return html.Nav(children, className="crumbs", **{"aria-label": "breadcrumb"})


def site_crumbs(config: Config, site: str | None, lang: str, link_site: bool = True) -> list[tuple[str, str | None]]:
    """The levels above a drill-down page: all sites › the site's region (its wall) › the site (its page)."""
    items: list[tuple[str, str | None]] = [(t("all_sites", lang), url(WALL_PATH, lang=lang))]
    if not site:
        return items
    region = config.region(config.site(site).region or "")
    if region:
        items.append((region.label(lang), url(WALL_PATH, region=region.id, lang=lang)))
    return items + [(config.site(site).label(lang), url(SITE_PATH, site_id=site, lang=lang) if link_site else None)]


def create_not_found(lang: str, message: str) -> html.Div:
    """An unknown site, skill group or agent: say so, offer the way back (no empty page, no error)."""
    return html.Div(className="not-found doc", children=[
        html.H1(t("error.not_found", lang)), html.P(message, className="muted"),
        html.A(t("nav.wall", lang), href=url(WALL_PATH, lang=lang), className="btn btn-outline-secondary"),
    ])


def create_forbidden(lang: str) -> html.Div:
    """A page or a scope the signed-in account may not see: say so plainly (never an empty page)."""
    return html.Div(className="forbidden doc", children=[
        html.H1(t("auth.forbidden", lang)), html.P(t("auth.forbidden_help", lang), className="muted"),
        html.A(t("nav.wall", lang), href=url(WALL_PATH, lang=lang), className="btn btn-outline-secondary"),
    ])


def period_ids(prefix: str) -> dict[str, str]:
    return {k: f"{prefix}-{k}" for k in ("from", "to", "by", "apply", "base")}


def create_period_controls(prefix: str, view, lang: str, base: str) -> html.Div:
    """From / to (both days included) and day or hour; "Show" loads the view's own URL."""
    ids = period_ids(prefix)
    return html.Div(className="controls", children=[
        dcc.Store(id=ids["base"], data=base),
        html.Label(t("drill.from", lang), htmlFor=ids["from"]),
        dcc.Input(id=ids["from"], type="date", value=view.start.isoformat(), className="form-control date-input"),
        html.Label(t("drill.to", lang), htmlFor=ids["to"]),
        dcc.Input(id=ids["to"], type="date", value=view.last_day.isoformat(), className="form-control date-input"),
        dcc.RadioItems(id=ids["by"], value=view.by, inline=True, className="by-choice",
                       options=[{"label": t("drill.by_day", lang), "value": "day"},
                                {"label": t("drill.by_hour", lang), "value": "hour"}]),
        html.Button(t("drill.show", lang), id=ids["apply"], n_clicks=0, className="btn btn-primary btn-sm"),
    ])
