"""Configuration: valid files load; every bad value names its key."""

from __future__ import annotations

import tomllib

import pytest

from wallboard.config import ConfigError, load_config, parse_config

GOOD = """
[general]
timezone = "Asia/Shanghai"
language = "en"
poll_seconds = 2
[service_level]
threshold_seconds = 15
[[sites]]
id = "BJ"
name = "北京"
name_en = "Beijing"
location = "local"
[[sites]]
id = "CD"
location = "remote"
timezone = "Asia/Shanghai"
[[skill_groups]]
id = "vip"
site = "BJ"
threshold_seconds = 10
target = 0.9
formula = "ignore_abandons"
[thresholds.calls_waiting]
warn = 3
alert = 9
"""


def write(tmp_path, text):
    path = tmp_path / "wallboard.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_cfg001_good_file(tmp_path, monkeypatch):
    monkeypatch.delenv("WALLBOARD_POLL_SECONDS", raising=False)
    cfg = load_config(write(tmp_path, GOOD))
    assert cfg.language == "en" and cfg.poll_seconds == 2.0
    assert cfg.site("CD").remote and not cfg.site("BJ").remote and cfg.site("BJ").name_en == "Beijing"
    vip = cfg.settings_for("vip")
    assert (vip.threshold_seconds, vip.target, vip.formula, vip.short_abandon_seconds) == (10, 0.9,
                                                                                         "ignore_abandons", 5)
    assert cfg.settings_for("other").threshold_seconds == 15  # the file's default, not the contract's
    assert (cfg.thresholds["calls_waiting"].warn, cfg.thresholds["calls_waiting"].alert) == (3, 9)
    assert cfg.site("unknown").timezone == "Asia/Shanghai"  # discovered sites get the default zone


def config_of(text: str):
    return parse_config(tomllib.loads(text))


@pytest.mark.parametrize("text, key", [
    ('[general]\ntimezone = "Asia/Shangai"\n', "general.timezone"),
    ('[general]\nlanguage = "fr"\n', "general.language"),
    ('[general]\npoll_seconds = 0\n', "general.poll_seconds"),
    ('[general]\nlive_seconds = -1\n', "general.live_seconds"),
    ('[service_level]\nformula = "nope"\n', "service_level.formula"),
    ('[service_level]\ntarget = 80\n', "service_level.target"),
    ('[[sites]]\nname = "x"\n', "sites[0].id"),
    ('[[sites]]\nid = "A"\nlocation = "abroad"\n', "sites[0].location"),
    ('[[skill_groups]]\nid = "g"\nsite = "nowhere"\n', "skill_groups[0].site"),
    ('[[skill_groups]]\nid = "g"\nthreshold_seconds = "20"\n', "skill_groups[0].threshold_seconds"),
    ('[thresholds]\ncalls_waiting = 3\n', "thresholds.calls_waiting"),
    ("[general\n", "not valid TOML"),
])
def test_cfg002_bad_values_name_the_key(tmp_path, text, key):
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, text))
    assert key in str(e.value) and str(tmp_path) in str(e.value)


def test_cfg003_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("WALLBOARD_CALLS_DB", "sqlite:///calls.db")
    monkeypatch.setenv("WALLBOARD_POLL_SECONDS", "3")
    cfg = load_config(None)
    assert cfg.calls_db == "sqlite:///calls.db" and cfg.poll_seconds == 3.0
    monkeypatch.setenv("WALLBOARD_POLL_SECONDS", "soon")
    with pytest.raises(ConfigError, match="WALLBOARD_POLL_SECONDS"):
        load_config(None)


def test_cfg004_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_cfg005_queues_are_refreshed_every_live_seconds_never_slower_than_the_poll():
    assert config_of("").queue_seconds == 1.0  # the default: calls waiting re-read every second, the rest every 5 s
    assert config_of("[general]\nlive_seconds = 2\npoll_seconds = 10\n").queue_seconds == 2.0
    assert config_of("[general]\nlive_seconds = 2\npoll_seconds = 0.2\n").queue_seconds == 0.2
