"""Rules against snapshots, poll by poll, with their state in the app database (SQLite, PostgreSQL, MariaDB):
one message per URL when a rule fires, reminders until acknowledged, one recovery, quiet hours, complaint
deadlines once per complaint and stage, and one evaluator across processes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from wallboard.alerts import store
from wallboard.alerts.evaluate import evaluate
from wallboard.config import parse_config
from wallboard.data_access.leases import DatabaseLease
from wallboard.live.poller import Poller
from wallboard.live.reader import SnapshotReader
from wallboard.live.snapshot import group_scope_key

T0 = datetime(2026, 12, 5, 2, 0, 0)  # naive UTC: 10:00 in Beijing


class DictCache(dict):
    def set(self, key, value, timeout=None):
        self[key] = value


def config(rules: list[dict], quiet: str | None = None, **thresholds):
    alerts = {"public_url": "http://wallboard.example:8050", "channels": {
        "floor": ["json://127.0.0.1:9/hook", "mailto://127.0.0.1:25/lead@example.com?from=wb@example.com"],
        "ops": ["json://127.0.0.1:9/ops"]}, "rules": rules}
    if quiet:
        alerts["quiet_hours"] = quiet
    return parse_config({"general": {"language": "en", "poll_seconds": 5},
                         "sites": [{"id": "BJ", "name": "北京", "name_en": "Beijing"}, {"id": "SH"}],
                         "skill_groups": [{"id": "vip", "site": "BJ"}], "alerts": alerts,
                         "thresholds": thresholds})


def reader(at: datetime, sl_bj: float = 0.9, waiting_vip: int = 0, complaints: list | None = None) -> SnapshotReader:
    cache = DictCache()
    cache[f"{Poller.KEY}:group_scopes"] = {group_scope_key("vip", "BJ"): {"calls_waiting": waiting_vip}}
    snapshot = {"computed_at": at.replace(tzinfo=UTC).isoformat(),
                "scopes": {"all": {"service_level": 0.9}, "site:BJ": {"service_level": sl_bj},
                           "site:SH": {"service_level": 0.95}},
                "complaints": complaints or []}
    return SnapshotReader(cache, 5, snapshot)


def outbox(engine) -> list[tuple[str, str, int]]:
    with engine.connect() as conn:
        rows = conn.execute(select(store.outbox).order_by(store.outbox.c.id))
        return [(r.kind, r.channel, r.url_index) for r in rows]


def titles(engine) -> list[str]:
    with engine.connect() as conn:
        return [r.title for r in conn.execute(select(store.outbox).order_by(store.outbox.c.id))
                if r.url_index == 0]


SL_BJ = {"tile": "service_level", "scope": "site:BJ", "level": "alert", "for_seconds": 120, "repeat_minutes": 30,
         "channels": ["floor"]}


def run(engine, cfg, timeline: list[tuple[float, float]]) -> None:
    """(seconds after T0, BJ's service level) polls."""
    for seconds, sl in timeline:
        at = T0 + timedelta(seconds=seconds)
        evaluate(engine, cfg, reader(at, sl_bj=sl), at)


def test_evl001_fire_remind_recover_one_message_per_url(app_db):
    cfg = config([SL_BJ])
    # SL 55 % from 0 s (alert below 60 %): fires at 120 s; reminds at 1920 s (30 min later); back to 85 % at 2000 s,
    # recovers at 2120 s (clear for for_seconds)
    run(app_db, cfg, [(s, 0.55) for s in range(0, 1925, 5)] + [(s, 0.85) for s in range(2000, 2125, 5)])
    assert outbox(app_db) == [("fire", "floor", 0), ("fire", "floor", 1), ("remind", "floor", 0),
                              ("remind", "floor", 1), ("recover", "floor", 0), ("recover", "floor", 1)]
    fire, remind, recover = titles(app_db)
    assert fire == "[ALERT] Beijing · Service level (today) 55.0%" and remind.startswith("[STILL ON] Beijing")
    assert recover == "[RECOVERED] Beijing · Service level (today)"
    with app_db.connect() as conn:
        body = conn.execute(select(store.outbox.c.body)).first()[0]
        (alert,) = conn.execute(select(store.alerts)).all()
    assert "55.0%" in body and "below the Alert threshold 60.0%" in body and "2026-12-05 10:00" in body
    assert "http://wallboard.example:8050/site/BJ?lang=en" in body
    assert alert.opened_at == T0 + timedelta(seconds=120) and alert.closed_at == T0 + timedelta(seconds=2120)
    assert alert.site == "BJ" and alert.threshold == 0.6


def test_evl002_acknowledged_alert_gets_no_reminders_but_its_recovery(app_db):
    cfg = config([SL_BJ])
    run(app_db, cfg, [(s, 0.5) for s in range(0, 125, 5)])
    (alert,) = store.list_alerts(app_db, None)
    assert not store.acknowledge(app_db, alert.id, "li.lei", sites=frozenset({"SH"}))  # not their site
    assert store.acknowledge(app_db, alert.id, "han.meimei", sites=frozenset({"BJ"}))
    run(app_db, cfg, [(s, 0.5) for s in range(130, 4000, 10)] + [(s, 0.9) for s in range(4000, 4200, 10)])
    assert [k for k, _, i in outbox(app_db) if i == 0] == ["fire", "recover"]
    (alert,) = store.list_alerts(app_db, None)
    assert alert.acked_by == "han.meimei" and alert.closed_at is not None


def test_evl003_flapping_sends_nothing_and_a_brief_dip_does_not_recover(app_db):
    cfg = config([SL_BJ])
    run(app_db, cfg, [(s, 0.5 if (s // 60) % 2 == 0 else 0.7) for s in range(0, 1200, 5)])  # 1 min on, 1 off
    assert outbox(app_db) == []
    run(app_db, cfg, [(s, 0.5) for s in range(1200, 1330, 5)] + [(s, 0.7) for s in range(1330, 1400, 5)]
        + [(s, 0.5) for s in range(1400, 1500, 5)])  # fires, dips for 70 s (< 120 s), comes back
    assert [k for k, _, i in outbox(app_db) if i == 0] == ["fire"]


def test_evl004_quiet_hours_hold_warn_rules_until_they_end(app_db):
    warn = {**SL_BJ, "level": "warn", "repeat_minutes": 0}
    cfg = config([warn, {**SL_BJ, "scope": "all", "channels": ["ops"]}], quiet="09:00-10:30",
                 service_level={"warn": 0.8, "alert": 0.6})
    run(app_db, cfg, [(s, 0.7) for s in range(0, 300, 10)])  # 10:00-10:05 Beijing: in the quiet hours
    assert outbox(app_db) == []
    (held,) = store.list_alerts(app_db, None)
    assert held.closed_at is None  # open on /alerts and the wall, only not sent
    run(app_db, cfg, [(s, 0.7) for s in range(1800, 1900, 10)])  # 10:30: quiet hours over
    assert [k for k, _, i in outbox(app_db) if i == 0] == ["fire"]
    with app_db.connect() as conn:
        assert "Since 2026-12-05 10:00" in conn.execute(select(store.outbox.c.body)).first()[0]


def test_evl005_alert_rules_speak_in_quiet_hours_and_held_recoveries_stay_silent(app_db):
    cfg = config([SL_BJ, {**SL_BJ, "level": "warn", "scope": "site:SH"}], quiet="00:00-23:59",
                 service_level={"warn": 0.99, "alert": 0.6})
    run(app_db, cfg, [(s, 0.5) for s in range(0, 200, 10)])
    assert [(k, c) for k, c, i in outbox(app_db) if i == 0] == [("fire", "floor")]  # BJ's alert, not SH's warn
    cfg2 = config([SL_BJ, {**SL_BJ, "level": "warn", "scope": "site:SH"}], quiet="00:00-23:59",
                  service_level={"warn": 0.9, "alert": 0.6})  # SH (95 %) back to ok while quiet: no message at all
    run(app_db, cfg2, [(s, 0.5) for s in range(200, 400, 10)])
    assert [(k, c) for k, c, i in outbox(app_db) if i == 0] == [("fire", "floor")]
    assert [a.closed_at is not None for a in store.list_alerts(app_db, None) if a.site == "SH"] == [True]


def complaint(due: datetime, done: bool = False) -> dict:
    iso = due.replace(tzinfo=UTC).astimezone().isoformat()
    return {"complaint_id": "BJ-2026-12-01", "site": "BJ", "severity": "II", "category": "billing",
            "stages": [{"stage": "first_contact", "due_at": iso, "done_at": iso if done else None,
                        "status": "open", "provisional": False}]}


def test_evl006_complaint_due_once_per_complaint_and_stage(app_db):
    cfg = config([{"tile": "complaint_due", "before_minutes": 60, "channels": ["ops"]}])
    due = T0 + timedelta(hours=2)
    for minutes in range(0, 180, 5):  # from 2 h before the deadline to 1 h after it
        at = T0 + timedelta(minutes=minutes)
        evaluate(app_db, cfg, reader(at, complaints=[complaint(due)]), at)
    assert outbox(app_db) == [("complaint", "ops", 0)]
    (alert,) = store.list_alerts(app_db, None)
    assert alert.opened_at == T0 + timedelta(minutes=60) and alert.subject == "BJ-2026-12-01|first_contact"
    assert "BJ-2026-12-01" in titles(app_db)[0] and "First contact" in titles(app_db)[0]
    at = T0 + timedelta(minutes=200)
    evaluate(app_db, cfg, reader(at, complaints=[complaint(due, done=True)]), at)
    (alert,) = store.list_alerts(app_db, None)
    assert alert.closed_at == at and len(outbox(app_db)) == 1  # done: closed, without a message


def test_evl007_stale_and_skill_group_rules(app_db):
    cfg = config([{"tile": "stale", "for_seconds": 0, "repeat_minutes": 0, "channels": ["ops"]},
                  {"tile": "calls_waiting", "scope": "group:vip@site:BJ", "level": "alert", "for_seconds": 0,
                   "channels": ["ops"]}])
    fresh = T0
    evaluate(app_db, cfg, reader(fresh, waiting_vip=3), T0 + timedelta(seconds=5))
    assert outbox(app_db) == []
    evaluate(app_db, cfg, reader(fresh, waiting_vip=30), T0 + timedelta(seconds=30))  # 30 s old, 16 waiting
    assert sorted(titles(app_db)) == ["[ALERT] All sites · Wall data not updating 30s",
                                      "[ALERT] vip @ Beijing · Calls waiting 30"]


def test_evl008_one_lease_holder_across_processes(app_db):
    first = DatabaseLease(app_db, "alerts", ttl_seconds=0.5)
    second = DatabaseLease(app_db, "alerts", ttl_seconds=0.5)
    assert first.acquire() and not second.acquire() and first.acquire()
    import time

    time.sleep(0.6)  # the holder died: the lease expires and another process takes over
    assert second.acquire() and not first.acquire()
