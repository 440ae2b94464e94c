"""[alerts] and [calendars] (CONTRACT sections 8 and 9): a bad key stops start-up with one line naming it."""

from __future__ import annotations

from datetime import date, time

import pytest

from wallboard.config import ConfigError, load_config

SITES = '''
[[sites]]
id = "BJ"
[[skill_groups]]
id = "vip"
site = "BJ"
'''

GOOD = SITES + '''
[alerts]
public_url = "http://wallboard.example:8050/"
quiet_hours = "22:00-07:00"
[alerts.channels]
floor = ["wecombot://KEY", "mailto://user:pass@mail.example.com?to=lead@example.com"]
ops = "json://127.0.0.1:9000/hook"
[[alerts.rules]]
tile = "service_level"
scope = "site:BJ"
level = "alert"
for_seconds = 120
repeat_minutes = 30
channels = ["floor"]
[[alerts.rules]]
tile = "calls_waiting"
scope = "group:vip@site:BJ"
level = "warn"
channels = ["floor", "ops"]
[[alerts.rules]]
tile = "complaint_due"
before_minutes = 120
channels = ["floor"]
[calendars.CN]
holidays = ["2027-02-05"]
working_days = [2027-02-20]
'''


def write(tmp_path, text: str):
    path = tmp_path / "wallboard.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_cfa001_good_alerts_and_calendar(tmp_path):
    cfg = load_config(write(tmp_path, GOOD))
    a = cfg.alerts
    assert a.public_url == "http://wallboard.example:8050" and a.quiet_hours == (time(22), time(7))
    assert a.channels["ops"] == ("json://127.0.0.1:9000/hook",) and len(a.channels["floor"]) == 2
    sl, waiting, due = a.rules
    assert (sl.site, sl.skill_group, sl.for_seconds, sl.repeat_minutes) == ("BJ", None, 120, 30)
    assert (waiting.site, waiting.skill_group, waiting.level) == ("BJ", "vip", "warn")
    assert due.before_minutes == 120 and due.scope == "all"
    assert cfg.calendar("CN").working_days == {date(2027, 2, 20)} and cfg.calendar("cn-gd") is cfg.calendar("CN")


@pytest.mark.parametrize("text, key", [
    ('[alerts.channels]\nx = ["json://h/x"]\n[[alerts.rules]]\ntile = "slevel"\nchannels = ["x"]\n',
     "alerts.rules[0].tile"),
    ('[alerts.channels]\nx = ["json://h/x"]\n[[alerts.rules]]\ntile = "asa"\nscope = "site:XX"\nchannels = ["x"]\n',
     "alerts.rules[0].scope"),
    ('[alerts.channels]\nx = ["json://h/x"]\n[[alerts.rules]]\ntile = "asa"\nscope = "region:N"\nchannels = ["x"]\n',
     "alerts.rules[0].scope"),
    ('[alerts.channels]\nx = ["json://h/x"]\n[[alerts.rules]]\ntile = "asa"\nscope = "group:nope"\nchannels = ["x"]\n',
     "alerts.rules[0].scope"),
    ('[alerts.channels]\nx = ["json://h/x"]\n[[alerts.rules]]\ntile = "asa"\nchannels = ["floor"]\n',
     "alerts.rules[0].channels"),
    ('[alerts.channels]\nx = ["json://h/x"]\n[[alerts.rules]]\ntile = "asa"\n', "alerts.rules[0].channels"),
    ('[alerts.channels]\nx = ["json://h/x"]\n[[alerts.rules]]\ntile = "asa"\nlevel = "red"\nchannels = ["x"]\n',
     "alerts.rules[0].level"),
    ('[alerts.channels]\nx = ["json://h/x"]\n[[alerts.rules]]\ntile = "asa"\nfor_seconds = -1\nchannels = ["x"]\n',
     "alerts.rules[0].for_seconds"),
    ('[alerts.channels]\nx = ["json://h/x"]\n[[alerts.rules]]\ntile = "asa"\nchannels = ["x"]\nrepeat = 5\n',
     "alerts.rules[0].repeat"),
    ('[alerts.channels]\nx = ["json://h/x"]\n[[alerts.rules]]\ntile = "asa"\nchannels = ["x"]\n'
     '[[alerts.rules]]\ntile = "asa"\nchannels = ["x"]\n', "alerts.rules[1]"),
    ('[alerts.channels]\nfloor = ["wecom://nothing-here", "json://h/x"]\n', "alerts.channels.floor[0]"),
    ('[alerts.channels]\nfloor = []\n', "alerts.channels.floor"),
    ('[alerts]\nquiet_hours = "late"\n', "alerts.quiet_hours"),
    ('[alerts]\npublic_url = "wallboard.example"\n', "alerts.public_url"),
    ('[alerts]\nchannel = {}\n', "alerts.channel"),
    ('[calendars.CN]\nworking_days = ["2027-02-30"]\n', "calendars.CN.working_days[0]"),
    ('[calendars.CN]\nholidays = ["2027-02-20"]\nworking_days = ["2027-02-20"]\n', "calendars.CN"),
    ('[calendars.CN]\nmakeup = ["2027-02-20"]\n', "calendars.CN.makeup"),
])
def test_cfa002_bad_alerts_name_the_key(tmp_path, text, key):
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, SITES + text))
    message = str(e.value)
    assert key in message and "\n" not in message and str(tmp_path) in message


def test_cfa003_a_bad_url_is_not_echoed(tmp_path):
    """The URL may hold a robot's key: the error names the key and the scheme, never the URL."""
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, '[alerts.channels]\nfloor = ["wecom://SECRET-ROBOT-KEY"]\n'))
    assert "SECRET-ROBOT-KEY" not in str(e.value) and "'wecom'" in str(e.value)
