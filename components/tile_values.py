"""What each wall tile shows: formatted value, level and subtitle, from one scope of the snapshot."""

from __future__ import annotations

from dataclasses import dataclass

from wallboard.components.formatting import MISSING, count, format_value, percent
from wallboard.components.kpi_tile import LEVEL_ICONS, tile_id
from wallboard.config import Config
from wallboard.i18n import t
from wallboard.maths.thresholds import ThresholdRule, level


@dataclass(frozen=True)
class TileSpec:
    name: str
    kind: str  # a formatting kind
    size: str = "md"


MAIN_TILES = (
    TileSpec("service_level", "percent", "lg"), TileSpec("calls_waiting", "count", "lg"),
    TileSpec("longest_wait", "seconds", "lg"), TileSpec("asa", "seconds", "lg"),
    TileSpec("abandon_rate", "percent", "lg"), TileSpec("connection_rate", "percent", "lg"),
)
AGENT_TILES = (
    TileSpec("agents_available", "count"), TileSpec("agents_on_call", "count"),
    TileSpec("agents_wrap_up", "count"), TileSpec("agents_not_ready", "count"),
    TileSpec("required_agents", "count"), TileSpec("csat", "score"),
)
COMPLAINT_TILES = (TileSpec("complaints_due_soon", "count"), TileSpec("complaints_overdue", "count"))
ALL_TILES = MAIN_TILES + AGENT_TILES + COMPLAINT_TILES
SPECS = {s.name: s for s in ALL_TILES}


def tile_level(name: str, tiles: dict, config: Config) -> str:
    """ok / warn / alert for a tile; required agents are judged by the shortfall against those logged in."""
    rule = config.thresholds.get(name)
    if name == "required_agents":
        return level(tiles.get("required_agents", 0) - tiles.get("agents_logged_in", 0), rule)
    return level(tiles.get(name), rule)


def tile_sub(name: str, tiles: dict, config: Config, lang: str) -> str:
    settings = config.default_settings
    if name == "service_level":
        return (f"{t('kpi.service_level_30m', lang)} {percent(tiles.get('service_level_30m'))} · "
                f"{t('formula.' + tiles.get('formula', settings.formula), lang)}")
    if name == "calls_waiting":
        return t("sub.offered", lang, n=count(tiles.get("offered")))
    if name == "asa":
        return t("sub.target", lang, target=percent(settings.target, 0), threshold=f"{settings.threshold_seconds:g}")
    if name == "required_agents":
        return t("sub.logged_in", lang, n=count(tiles.get("agents_logged_in")))
    if name == "agents_on_call":
        return t("sub.occupancy", lang, value=percent(tiles.get("occupancy"), 0))
    if name == "csat":
        return t("sub.surveys", lang, n=count(tiles.get("surveys")))
    return ""


def tile_content(name: str, tiles: dict | None, config: Config, lang: str) -> tuple[str, str, str]:
    """(value text, level, subtitle) of one tile; a missing snapshot shows dashes at level ok."""
    if not tiles:
        return MISSING, "ok", ""
    return (format_value(tiles.get(name), SPECS[name].kind), tile_level(name, tiles, config),
            tile_sub(name, tiles, config, lang))


QUEUE_TILES = ("calls_waiting", "longest_wait")  # what a wall is sent between polls (data age ≤ 3 s)


def queue_tile_updates(tiles: dict | None, config: Config, lang: str,
                       names: tuple[str, ...] = QUEUE_TILES) -> list[list]:
    """[[tile part id, props], …] of the calls-waiting and longest-wait tiles a wall shows (`names`: a layout may show
    one, or none): a wall's queue message (an update of a tile not on the page would stop the browser's handler)."""
    out: list[list] = []
    for name in (n for n in QUEUE_TILES if n in names):
        value, lvl, _sub = tile_content(name, tiles, config, lang)
        out += [[tile_id("value", name), {"children": value}], [tile_id("tile", name), {"data-level": lvl}],
                [tile_id("icon", name), {"className": f"bi {LEVEL_ICONS[lvl]} kpi-icon"}]]
    return out


def group_level(row: dict, config: Config, tile: str = "service_level") -> str:
    """A skill group's level for a figure: its own configured rule, else (service level) its target
    (warn below it, alert 15 points below), else the wall's rule for that tile."""
    group = config.skill_group(row.get("skill_group")) if row.get("skill_group") else None
    rule = group.thresholds.get(tile) if group else None
    if rule is None and tile == "service_level":
        target = config.settings_for(row.get("skill_group")).target
        rule = ThresholdRule(warn=target, alert=target - 0.15, higher_is_better=True)
    value_key = {"calls_waiting": "waiting"}.get(tile, tile)
    return level(row.get(value_key), rule or config.thresholds.get(tile))


def group_cells(row: dict, config: Config, lang: str) -> dict[str, str]:
    g = config.skill_group(row["skill_group"]) if row.get("skill_group") else None
    site = config.site(row["site"])
    return {
        "group": g.label(lang) if g else MISSING,
        "site": site.label(lang),
        "waiting": count(row.get("waiting")),
        "sl": percent(row.get("service_level"), 0),
        "agents": f"{row.get('required_agents', 0)} / {row.get('agents_logged_in', 0)}",
    }


def worst_scope(name: str, candidates: dict[str, dict], config: Config) -> str | None:
    """Which of several scopes (sites of the wall, skill groups of a site) is worst on a tile's figure.

    A click on a tile opens that scope: from a red tile to its cause, one level down.
    """
    rule = config.thresholds.get(name)
    if rule is None or name not in SPECS:
        return None

    def badness(tiles: dict) -> float | None:
        if name == "required_agents":
            return tiles.get("required_agents", 0) - tiles.get("agents_logged_in", 0)
        value = tiles.get(name)
        return None if value is None else (-value if rule.higher_is_better else value)

    scored = [(b, key) for key, tiles in candidates.items() if (b := badness(tiles)) is not None]
    return max(scored)[1] if scored else None
