"""The freshness indicator (CONTRACT section 5): data-freshness, data-state, data-last-updated."""

from __future__ import annotations

from dash import html

from wallboard.i18n import t

FRESHNESS_ID = "app-freshness"
FRESHNESS_TEXT_ID = "app-freshness-text"
STALE_BANNER_ID = "app-stale-banner"


def create_freshness(lang: str) -> html.Div:
    """Starts stale until the first snapshot arrives; the clientside clock keeps it current."""
    return html.Div(id=FRESHNESS_ID, className="freshness",
                    **{"data-freshness": "", "data-state": "stale", "data-last-updated": ""},
                    children=[html.I(className="bi bi-broadcast freshness-icon"),
                              html.Span(t("fresh.waiting", lang), id=FRESHNESS_TEXT_ID)])


def create_stale_banner() -> html.Div:
    return html.Div(id=STALE_BANNER_ID, className="stale-banner", hidden=True, role="alert")
