"""The call-back worklist's table, counts and pager (`/callbacks`): plain values in, Dash components out.

Each listed caller is a row with the contract's `data-callback="<caller_id>"`; the table carries `data-page="k/n"`
(components/paging.py) since the page shows the list a page of rows at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

from dash import html

from wallboard.components.paging import page_props
from wallboard.i18n import t

COLUMNS = ("caller", "site", "skill_group", "abandoned_at", "waited", "attempts", "ago")
NUMERIC = {"abandoned_at", "waited", "attempts", "ago"}  # right-aligned, tabular figures


@dataclass(frozen=True)
class CallbackRow:
    """One caller as shown: names in the page's language, the time in the site's own zone."""

    caller_id: str
    site: str
    site_name: str
    group_name: str
    abandoned_at: str  # local "HH:MM:SS" of the site
    wait_seconds: float
    attempts: int
    ago_seconds: float


def waited_text(seconds: float) -> str:
    """A wait as m:ss (minutes not wrapped into hours: "75:03" reads as a wait, not a time of day)."""
    total = max(0, int(round(seconds)))
    return f"{total // 60}:{total % 60:02d}"


def ago_text(seconds: float, lang: str) -> str:
    """How long ago, to the minute: "12 min ago", "2 h 05 min ago"."""
    minutes = max(0, int(seconds // 60))
    if minutes < 60:
        return t("cbk.ago_min", lang, m=minutes)
    return t("cbk.ago_hours", lang, h=minutes // 60, m=f"{minutes % 60:02d}")


def create_summary(listed: int, anonymous: int, updated: str, lang: str) -> html.Div:
    """How many callers are listed, how many abandons could not be (no number), and when the list was read."""
    parts = [html.Span(t("cbk.count", lang, n=f"{listed:,}"), className="cbk-count", **{"data-count": str(listed)})]
    if anonymous:
        parts.append(html.Span(t("cbk.anonymous", lang, n=f"{anonymous:,}"), className="cbk-anonymous",
                               **{"data-anonymous": str(anonymous)}))
    parts.append(html.Span(t("cbk.updated", lang, time=updated), className="cbk-updated muted"))
    return html.Div(parts, className="cbk-summary")


def create_callback_table(rows: list[CallbackRow], page: tuple[int, int], lang: str) -> html.Table | html.P:
    """This page's rows, oldest abandon first; a plain sentence when nobody is waiting for a call-back."""
    if not rows:
        return html.P(t("cbk.none", lang), className="muted cbk-empty", **{"data-empty": "callbacks"})
    body = []
    for r in rows:
        body.append(html.Tr(className="cbk-row", **{"data-callback": r.caller_id, "data-site": r.site}, children=[
            html.Td(r.caller_id, className="cbk-caller"), html.Td(r.site_name), html.Td(r.group_name),
            html.Td(r.abandoned_at, className="num"), html.Td(waited_text(r.wait_seconds), className="num"),
            html.Td(str(r.attempts), className="num"), html.Td(ago_text(r.ago_seconds, lang), className="num")]))
    return html.Table(className="plain cbk-table", **page_props(page), children=[
        html.Thead(html.Tr([html.Th(t(f"cbk.col.{c}", lang), className="num" if c in NUMERIC else None)
                            for c in COLUMNS])),
        html.Tbody(body)])
