"""The call-back worklist against hand-computed cases, on SQLite, PostgreSQL and MariaDB.

`NOW` is 2026-03-02 06:00 UTC: 14:00 in Beijing and Shanghai (their day began 2026-03-01 16:00 UTC) and 01:00 in
New York (EST; its day began 2026-03-02 05:00 UTC). Short-abandon time 5 s (the default), 0 for "vip".
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert
from support.kpi_data import config_from

from wallboard.data_access.callbacks import callback_worklist, local_day
from wallboard.data_access.schema import calls

NOW = datetime(2026, 3, 2, 6, 0)
CONFIG = config_from('''
[general]
timezone = "Asia/Shanghai"
[[sites]]
id = "BJ"
name = "北京"
name_en = "Beijing"
timezone = "Asia/Shanghai"
[[sites]]
id = "SH"
name = "上海"
name_en = "Shanghai"
timezone = "Asia/Shanghai"
[[sites]]
id = "NY"
name = "纽约"
name_en = "New York"
timezone = "America/New_York"
[[skill_groups]]
id = "claims"
name = "理赔"
name_en = "Claims"
[[skill_groups]]
id = "vip"
name = "VIP"
name_en = "VIP"
short_abandon_seconds = 0
''')
_serial = iter(range(1, 10_000))


def at(text: str) -> datetime:
    """"HH:MM:SS" on 2026-03-02 (UTC), or a full "YYYY-MM-DD HH:MM:SS" (UTC)."""
    return datetime.fromisoformat(text if len(text) > 8 else f"2026-03-02 {text}")


def abandon(caller: str | None, queued: str, wait: float, site: str = "BJ", group: str = "claims") -> dict:
    q = at(queued)
    return _row(caller, site, group, arrived=q - timedelta(seconds=10), queued=q, ended=q + timedelta(seconds=wait))


def answered(caller: str | None, queued: str, site: str = "BJ") -> dict:
    q = at(queued)
    return _row(caller, site, "claims", arrived=q - timedelta(seconds=10), queued=q,
                answered=q + timedelta(seconds=15), ended=q + timedelta(minutes=3), agent="A1")


def outbound(number: str, dialled: str, site: str = "BJ") -> dict:
    d = at(dialled)
    return _row(number, site, "claims", arrived=d, answered=d + timedelta(seconds=12),
                ended=d + timedelta(minutes=2), agent="A2", direction="outbound")


def _row(caller, site, group, arrived, queued=None, answered=None, ended=None, agent=None,
         direction="inbound") -> dict:
    return {"call_id": f"C{next(_serial):04d}", "site": site, "skill_group": group, "arrived_at": arrived,
            "queued_at": queued, "answered_at": answered, "ended_at": ended, "agent_id": agent,
            "wrap_up_seconds": None, "transferred": 0, "direction": direction, "caller_id": caller,
            "category": None, "quality_flags": 0}


def load(engine, rows: list[dict]) -> None:
    with engine.begin() as conn:
        conn.execute(insert(calls), rows)


def worklist(engine, now: datetime = NOW):
    with engine.connect() as conn:
        return callback_worklist(conn, CONFIG, now)


def listed(engine, now: datetime = NOW) -> dict[str, tuple]:
    """{caller: (site, skill group, abandoned at, wait, attempts)} in the list's order."""
    return {r.caller_id: (r.site, r.skill_group, r.abandoned_at, r.wait_seconds, r.attempts)
            for r in worklist(engine, now).rows}


def test_cbk001_abandon_listed_with_its_wait_and_time(engine):
    load(engine, [abandon("13800000001", "02:00:00", 60)])
    assert listed(engine) == {"13800000001": ("BJ", "claims", at("02:01:00"), 60.0, 1)}


def test_cbk002_short_abandon_is_not_a_candidate_unless_short_abandons_are_off(engine):
    load(engine, [abandon("13800000002", "02:10:00", 3),                 # 3 s < 5 s: short
                  abandon("13800000012", "02:11:00", 5),                 # 5 s = S: not short
                  abandon("13800000022", "02:12:00", 1, group="vip")])   # S = 0 for vip: never short
    assert list(listed(engine)) == ["13800000012", "13800000022"]


def test_cbk003_calling_again_removes_but_another_abandon_does_not(engine):
    load(engine, [abandon("13800000003", "02:20:00", 30), answered("13800000003", "02:40:00"),
                  abandon("13800000009", "03:10:00", 30), abandon("13800000009", "03:30:00", 25)])
    assert listed(engine) == {"13800000009": ("BJ", "claims", at("03:30:25"), 25.0, 2)}


def test_cbk004_ivr_and_still_waiting_calls_remove(engine):
    ivr = _row("13800000031", "BJ", None, arrived=at("03:00:00"), ended=at("03:01:00"))  # queued_at NULL
    waiting = _row("13800000032", "BJ", "claims", arrived=at("05:59:00"), queued=at("05:59:10"))  # not ended
    load(engine, [abandon("13800000031", "02:00:00", 30), ivr, abandon("13800000032", "02:00:00", 30), waiting])
    assert listed(engine) == {}


def test_cbk005_outbound_call_back_removes_whatever_its_site(engine):
    load(engine, [abandon("13800000004", "02:30:00", 40), outbound("13800000004", "03:00:00", site="SH")])
    assert listed(engine) == {}


def test_cbk006_call_back_before_the_abandon_does_not_remove(engine):
    load(engine, [outbound("13800000005", "01:00:00"), answered("13800000005", "01:30:00"),
                  abandon("13800000005", "02:50:00", 20)])
    assert listed(engine) == {"13800000005": ("BJ", "claims", at("02:50:20"), 20.0, 1)}


def test_cbk007_yesterdays_abandon_is_not_listed(engine):
    load(engine, [abandon("13800000006", "2026-03-01 15:00:00", 60),    # 23:00 in Beijing, yesterday
                  abandon("13800000016", "2026-03-01 16:30:00", 60)])   # 00:30 in Beijing, today
    assert list(listed(engine)) == ["13800000016"]


def test_cbk008_no_caller_id_is_counted_not_listed(engine):
    load(engine, [abandon(None, "02:00:00", 40), abandon("", "02:05:00", 40), abandon("  ", "02:06:00", 40),
                  abandon(None, "02:07:00", 2),  # short: neither listed nor counted
                  abandon(None, "02:08:00", 40, site="SH", group="vip")])
    w = worklist(engine)
    assert w.rows == () and w.anonymous == {("BJ", "claims"): 3, ("SH", "vip"): 1}


def test_cbk009_latest_abandon_and_attempts_across_sites(engine):
    """The latest candidate abandon is shown (a later short one is not a candidate, yet is an attempt)."""
    load(engine, [abandon("13800000008", "03:00:00", 20, site="SH"), abandon("13800000008", "04:00:00", 45),
                  abandon("13800000008", "04:30:00", 2)])
    assert listed(engine) == {"13800000008": ("BJ", "claims", at("04:00:45"), 45.0, 3)}


def test_cbk010_each_site_has_its_own_local_day(engine):
    """04:30 UTC is 23:30 yesterday in New York (not listed) but 12:30 today in Beijing (listed)."""
    load(engine, [abandon("12125550001", "04:30:00", 30, site="NY"), abandon("12125550002", "05:30:00", 30, site="NY"),
                  abandon("13800000010", "04:30:00", 30)])
    assert list(listed(engine)) == ["13800000010", "12125550002"]
    # at 17:00 UTC Beijing is in its next day (01:00): its 04:30 abandon is yesterday's; New York's still counts
    assert list(listed(engine, datetime(2026, 3, 2, 17, 0))) == ["12125550002"]


def test_cbk011_oldest_first(engine):
    load(engine, [abandon("13800000103", "05:00:00", 30), abandon("13800000101", "01:00:00", 30, site="SH"),
                  abandon("13800000102", "03:00:00", 30, group="vip")])
    assert list(listed(engine)) == ["13800000101", "13800000102", "13800000103"]


def test_cbk012_local_day_in_utc():
    assert local_day(NOW, "Asia/Shanghai") == (datetime(2026, 3, 1, 16), datetime(2026, 3, 2, 16))
    assert local_day(NOW, "America/New_York") == (datetime(2026, 3, 2, 5), datetime(2026, 3, 3, 5))
    # 2026-03-08 in New York has 23 hours (EST to EDT at 02:00)
    assert local_day(datetime(2026, 3, 8, 12), "America/New_York") == (datetime(2026, 3, 8, 5),
                                                                      datetime(2026, 3, 9, 4))
