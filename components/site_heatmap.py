"""Every site of the all-sites wall at once: one cell per site, coloured and shaped by its worst tile.

At 3 sites the cells are named pills in the wall's head; at hundreds they are a heat map grouped by region that
replaces the queue table (whose rows would not fit: 600 sites × their groups). Each cell carries the contract's
`data-site` and `data-level`; polls send only the levels, applied in the browser (assets/wallboard/live.js).
"""

from __future__ import annotations

import math

from dash import html

from wallboard.components.tile_values import ALL_TILES, tile_level
from wallboard.config import Config
from wallboard.i18n import t

ORDER = {"ok": 0, "warn": 1, "alert": 2}
NAMED_UP_TO = 12  # up to this many sites the cells carry names (the head strip); more are a heat map
# A site's level: its service and complaint tiles and the staffing shortfall (required agents), not the raw counts
# of agents per state, whose thresholds are the whole centre's (a 5-agent site always has "few available").
SITE_TILES = tuple(s.name for s in ALL_TILES if s.name not in
                   ("agents_available", "agents_on_call", "agents_wrap_up", "agents_not_ready"))
HEATMAP_ID = "wall-heatmap"


def site_level(tiles: dict | None, config: Config) -> str:
    """A site's worst level over its SITE_TILES (ok before its first call)."""
    if not tiles:
        return "ok"
    return max((tile_level(name, tiles, config) for name in SITE_TILES), key=ORDER.__getitem__)


def site_levels(site_tiles: dict[str, dict], config: Config) -> dict[str, str]:
    return {site: site_level(tiles, config) for site, tiles in site_tiles.items()}


def site_order(config: Config, seen: list[str]) -> list[tuple[str | None, list[str]]]:
    """The sites by region (in the config's order; sites the data showed but the config lacks last)."""
    regions: dict[str | None, list[str]] = {r.id: [] for r in config.regions}
    for s in config.sites:
        regions.setdefault(s.region, []).append(s.id)
    configured = {s.id for s in config.sites}
    for site in sorted(set(seen) - configured):
        regions.setdefault(None, []).append(site)
    return [(region, sites) for region, sites in regions.items() if sites]


def create_site_heatmap(config: Config, levels: dict[str, str], seen: list[str], lang: str,
                        href=None, region: str | None = None, region_href=None,
                        only: set[str] | None = None) -> html.Div:
    """The cells of every site, of one `region`'s or of `only` these (a layout's); `href(site)` links each to its
    site wall (a click from red to its cause) and `region_href(region)` each region's label to the region's wall."""
    groups = [(r, [s for s in sites if only is None or s in only]) for r, sites in site_order(config, seen)
              if region is None or r == region]
    groups = [(r, sites) for r, sites in groups if sites]
    count = sum(len(sites) for _, sites in groups)
    named = count <= NAMED_UP_TO

    def cell(site: str):
        label = config.site(site).label(lang)
        level = levels.get(site, "ok")
        attrs = {"data-site": site, "data-level": level, "title": label, "aria-label": label}
        return html.A(label if named else "", href=href(site) if href else None, className="site-cell", **attrs)

    if named:
        return html.Div(id=HEATMAP_ID, className="site-strip", children=[cell(s) for _, sites in groups for s in sites])
    regions = {r.id: r.label(lang) for r in config.regions}
    # the cell size that fits `count` cells into the panel at any resolution (vh: 1.4 at 600 sites, 3 at most; one
    # region's block alone may take bigger cells)
    size = min(4.0 if region else 3.0, 1.4 * math.sqrt(600 / count))
    return html.Div(id=HEATMAP_ID, className="site-heatmap one-region" if region else "site-heatmap",
                    style={"--cell": f"{size:.2f}vh"}, children=[
        html.Div(className="heatmap-region", **({"data-region": r} if r else {}), children=[
            html.A(regions[r], href=region_href(r), className="heatmap-region-label")
            if r in regions and region_href else
            html.Div(regions.get(r, t("heatmap.other", lang)) if r else t("heatmap.other", lang),
                     className="heatmap-region-label"),
            html.Div(className="heatmap-cells", style={"--cols": max(2, math.ceil(math.sqrt(2 * len(sites))))},
                     children=[cell(s) for s in sites]),
        ]) for r, sites in groups])


def worst_rows(rows: list[dict], levels: list[str], limit: int) -> list[dict]:
    """The queue table's rows worst first (level, then calls waiting, then service level), at most `limit`."""
    ranked = sorted(zip(rows, levels, strict=True), key=lambda p: (
        -ORDER[p[1]], -(p[0].get("waiting") or 0), p[0].get("service_level") if p[0].get("service_level")
        is not None else 2.0))
    return [row for row, _ in ranked[:limit]]
