"""The all-sites wall's site cells: one per site with the contract's hooks, by region, levels from the tiles."""

from __future__ import annotations

import tomllib

from wallboard.components.site_heatmap import create_site_heatmap, site_level, worst_rows
from wallboard.config import Config, parse_config
from wallboard.demo.centre import centre_for


def _cells(component) -> list:
    found = []

    def walk(node) -> None:
        props = getattr(node, "__dict__", {})
        if props.get("data-site"):
            found.append(node)
        children = getattr(node, "children", None)
        for child in children if isinstance(children, list) else [children] if children is not None else []:
            walk(child)
    walk(component)
    return found


def test_hmp001_600_sites_one_cell_each_grouped_by_region():
    config = parse_config(tomllib.loads(centre_for(600).config_toml()))
    levels = {"GD01": "alert", "SD02": "warn"}
    heatmap = create_site_heatmap(config, levels, ["ZZ99"], "en", href=lambda s: f"/?site={s}")
    cells = _cells(heatmap)
    assert len(cells) == 601 and len({getattr(c, "data-site") for c in cells}) == 601  # a site seen in data too
    by_site = {getattr(c, "data-site"): c for c in cells}
    assert getattr(by_site["GD01"], "data-level") == "alert" and getattr(by_site["SD02"], "data-level") == "warn"
    assert getattr(by_site["HA01"], "data-level") == "ok" and by_site["GD01"].href == "/?site=GD01"
    assert by_site["GD01"].children == ""  # a heat map cell: its name is its title, not text
    assert heatmap.className == "site-heatmap" and len(heatmap.children) == 32  # 31 provinces and "other"


def test_hmp002_few_sites_are_named_pills():
    config = parse_config(tomllib.loads(centre_for(3).config_toml()))
    strip = create_site_heatmap(config, {"SH": "warn"}, [], "zh")
    cells = _cells(strip)
    assert strip.className == "site-strip" and [c.children for c in cells] == ["北京", "上海", "成都"]
    assert [getattr(c, "data-level") for c in cells] == ["ok", "warn", "ok"]


def test_hmp003_a_sites_level_is_its_worst_service_tile_not_its_agent_counts():
    config = Config()
    quiet = {"service_level": None, "agents_available": 0, "agents_logged_in": 0, "required_agents": 0}
    assert site_level(quiet, config) == "ok"  # a small or closed site: no available agent is not a fault
    assert site_level({**quiet, "abandon_rate": 0.2}, config) == "alert"
    assert site_level({**quiet, "service_level": 0.75}, config) == "warn"
    assert site_level(None, config) == "ok"


def test_hmp004_worst_rows_first():
    rows = [{"site": "A", "waiting": 1, "service_level": 0.9}, {"site": "B", "waiting": 9, "service_level": 0.5},
            {"site": "C", "waiting": 3, "service_level": 0.5}, {"site": "D", "waiting": 0, "service_level": None}]
    levels = ["ok", "alert", "alert", "warn"]
    assert [r["site"] for r in worst_rows(rows, levels, 3)] == ["B", "C", "D"]
