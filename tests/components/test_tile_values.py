"""What the wall's tiles show, from snapshot values: formats, levels, recovery."""

from __future__ import annotations

from wallboard.components.formatting import percent, seconds
from wallboard.components.tile_values import ALL_TILES, group_level, tile_content
from wallboard.config import Config
from wallboard.i18n import CATALOGUE

CFG = Config()


def test_wf001_formats():
    assert seconds(None) == "—" and seconds(7.4) == "7s" and seconds(65) == "1:05" and seconds(3725) == "1:02:05"
    assert seconds(-3) == "0s"
    assert percent(0.8126) == "81.3%" and percent(None) == "—" and percent(1.0, 0) == "100%"
    assert percent(1.0) == "100%" and percent(0.9996) == "100.0%"  # only an exact 100 % drops its decimal


def test_wf002_levels_follow_values_and_recover():
    """Service level: ok at 0.85, warn at 0.7, alert at 0.5, ok again at 0.9 (no sticky colours)."""
    levels = [tile_content("service_level", {"service_level": v, "service_level_30m": v}, CFG, "en")[1]
              for v in (0.85, 0.7, 0.5, 0.9)]
    assert levels == ["ok", "warn", "alert", "ok"]
    waiting = [tile_content("calls_waiting", {"calls_waiting": n}, CFG, "en")[1] for n in (0, 6, 20, 2)]
    assert waiting == ["ok", "warn", "alert", "ok"]


def test_wf003_required_agents_judged_by_shortfall():
    def lvl(required, logged_in):
        return tile_content("required_agents", {"required_agents": required, "agents_logged_in": logged_in},
                            CFG, "zh")[1]
    assert (lvl(10, 12), lvl(11, 10), lvl(15, 10)) == ("ok", "warn", "alert")


def test_wf004_missing_snapshot_shows_dashes():
    assert tile_content("asa", None, CFG, "zh") == ("—", "ok", "")


def test_wf005_every_tile_has_labels_in_both_languages():
    for spec in ALL_TILES:
        zh, en = CATALOGUE[f"kpi.{spec.name}"]
        assert zh and en and zh != en


def test_wf006_group_level_uses_the_groups_target():
    assert group_level({"skill_group": "x", "service_level": 0.79}, CFG) == "warn"
    assert group_level({"skill_group": "x", "service_level": 0.64}, CFG) == "alert"
    assert group_level({"skill_group": "x", "service_level": None}, CFG) == "ok"


def test_wf007_per_skill_group_thresholds_from_config():
    """A group's own [skill_groups.thresholds] rules win over the wall's; others fall back."""
    import tomllib

    from wallboard.config import parse_config

    cfg = parse_config(tomllib.loads(
        '[thresholds.calls_waiting]\nwarn = 5\nalert = 15\n'
        '[[skill_groups]]\nid = "vip"\ntarget = 0.9\n'
        '[skill_groups.thresholds.calls_waiting]\nwarn = 0\nalert = 2\n'
        '[skill_groups.thresholds.service_level]\nwarn = 0.95\nalert = 0.85\n'))
    assert group_level({"skill_group": "vip", "waiting": 1}, cfg, "calls_waiting") == "warn"
    assert group_level({"skill_group": "vip", "waiting": 3}, cfg, "calls_waiting") == "alert"
    assert group_level({"skill_group": "claims", "waiting": 3}, cfg, "calls_waiting") == "ok"
    assert group_level({"skill_group": "vip", "service_level": 0.9}, cfg) == "warn"
    assert group_level({"skill_group": "claims", "service_level": 0.9}, cfg) == "ok"


def test_wf008_countdown_matches_the_browser_format():
    from wallboard.components.formatting import countdown

    assert countdown(3725) == "01:02:05" and countdown(-17667) == "-04:54:27"
    assert countdown(3 * 86400 + 7 * 3600 + 59) == "3d 07h" and countdown(None) == "—"
