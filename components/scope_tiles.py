"""Tiles of a scope below the wall (a site, a skill group, an agent's team): values and the link one level down."""

from __future__ import annotations

from collections.abc import Callable

from dash import html

from wallboard.components.formatting import count, score, seconds
from wallboard.i18n import t


def create_scope_tiles(names: tuple[str, ...], tiles: dict | None, children: dict[str, dict], config, lang: str,
                       href: Callable[[str], str]) -> list:
    """Live tiles of a scope with the contract hooks; a tile links to the child scope worst on its figure."""
    from wallboard.components.kpi_tile import create_kpi_tile
    from wallboard.components.tile_values import tile_content, worst_scope

    out = []
    for name in names:
        tile = create_kpi_tile(name, t(f"kpi.{name}", lang), *tile_content(name, tiles, config, lang), lang=lang)
        worst = worst_scope(name, children, config)
        out.append(html.A(tile, href=href(worst), className="kpi-link", title=t("drill.worst", lang, name=worst))
                   if worst else tile)
    return out

TEAM_TILES = (("handled", "answered", count, "drill.handled"), ("aht", "aht_seconds", seconds, "drill.aht"),
              ("talk", "talk_seconds_avg", seconds, "drill.talk"), ("asa", "asa_seconds", seconds, "drill.asa"),
              ("csat", "csat_mean", score, "col.csat_mean"))


def create_team_tiles(team: dict, lang: str) -> list:
    """The agent's day (its `kpi --by agent` row) with the team median under each figure."""
    from wallboard.components.kpi_tile import create_kpi_tile

    mine = team.get("agent") or {}
    return [create_kpi_tile(name, t(key, lang), fmt(mine.get(field)), "ok",
                            t("drill.team_median", lang, value=fmt(team["median"].get(field))), lang=lang)
            for name, field, fmt, key in TEAM_TILES]
