"""Alerts as the screens and messages write them: scope in words, value in the tile's unit, and the wall's banner."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dash import html

from wallboard.components.formatting import count, format_value, seconds
from wallboard.components.tile_values import SPECS
from wallboard.config import STALE, Config
from wallboard.i18n import t

LEVEL_ORDER = {"alert": 0, "warn": 1}


def scope_label(scope: str, config: Config, lang: str) -> str:
    """"all" / "site:BJ" / "group:G@site:BJ" in words: 全部站点 / 北京 / 投诉热线 @ 北京."""
    if scope == "all":
        return t("all_sites", lang)
    group, _, site = scope.partition("@")
    if group.startswith("site:"):
        return config.site(group.removeprefix("site:")).label(lang)
    name = config.skill_group(group.removeprefix("group:")).label(lang)
    return f"{name} @ {config.site(site.removeprefix('site:')).label(lang)}" if site else name


def value_text(tile: str, value: float | None) -> str:
    """A rule's value (or threshold) in its tile's unit; "stale" is an age in seconds."""
    if tile == STALE:
        return seconds(value)
    return format_value(value, SPECS[tile].kind) if tile in SPECS else count(value)


def local_time(at: datetime | None, zone: str) -> str:
    """A naive-UTC time as local "YYYY-MM-DD HH:MM"."""
    if at is None:
        return "—"
    return at.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def create_alert_banner(alerts: list, config: Config, lang: str, **props) -> html.Div:
    """The wall's banner: the worst open alert of its scope (alert before warn, oldest first) and how many more;
    empty (and hidden by CSS) when there is none."""
    children = []
    if alerts:
        a = min(alerts, key=lambda a: (LEVEL_ORDER.get(a.level, 2), a.since))
        what = t("alert.stale", lang) if a.tile == STALE else t(f"kpi.{a.tile}", lang)
        since = local_time(a.since, config.timezone)[-5:]
        children = [html.Span(t("alerts.banner", lang, what=what, scope=scope_label(a.scope, config, lang),
                                value=value_text(a.tile, a.value), since=since),
                              className=f"alert-banner-text level-{a.level}", **{"data-alert": str(a.id)})]
        if len(alerts) > 1:
            children.append(html.Span(t("alerts.banner_more", lang, n=len(alerts) - 1), className="alert-banner-more"))
    return html.Div(children=children, className="alert-banner", role="alert", **props)
