"""Every alert rule against the latest snapshot, once per poll, by one process (the alert lease).

Reads the snapshot the screens read (so an alert says what the wall shows), moves each rule's condition
on (maths/alerting.py), opens and closes alerts and queues their messages in the outbox, all in one
transaction of the app database: a crash in between leaves either the old state or the new one.
Sending is the sender's job (alerts/channels.py), never this one's: a slow channel cannot delay a poll.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from wallboard.alerts import store
from wallboard.alerts.messages import complaint_message, tile_message
from wallboard.components.tile_values import tile_level
from wallboard.config import COMPLAINT_DUE, STALE, AlertRule, Config
from wallboard.live.poller import stale_after_seconds
from wallboard.live.reader import SnapshotReader
from wallboard.maths.alerting import FIRE, RECOVER, REMIND, Condition, in_quiet_hours, reaches, step
from wallboard.maths.thresholds import ThresholdRule


def _channels(rule: AlertRule, config: Config) -> dict[str, int]:
    return {name: len(config.alerts.channels[name]) for name in rule.channels}


def held(rule: AlertRule, config: Config, now: datetime) -> bool:
    """In the quiet hours only "alert" rules speak: a "warn" rule's first message waits for their end."""
    zone = ZoneInfo(config.site(rule.site).timezone if rule.site else config.timezone)
    local = now.replace(tzinfo=UTC).astimezone(zone).time()
    return rule.level == "warn" and in_quiet_hours(local, config.alerts.quiet_hours)


def threshold_of(rule: AlertRule, config: Config) -> tuple[float, bool]:
    """The value at which a rule's level begins, and whether higher is better (the wall's rule for the tile;
    for "stale", the age after which data is stale)."""
    if rule.tile == STALE:
        return stale_after_seconds(config.poll_seconds), False
    tile_rule = config.thresholds.get(rule.tile) or ThresholdRule(0, 0, False)
    return (tile_rule.alert if rule.level == "alert" else tile_rule.warn), tile_rule.higher_is_better


def observe(rule: AlertRule, reader: SnapshotReader, config: Config,
            now: datetime) -> tuple[bool, float | None, float | None, bool]:
    """(active, value, threshold, higher_is_better) of a tile or "stale" rule in its scope now."""
    threshold, higher = threshold_of(rule, config)
    if rule.tile == STALE:
        aware = now.replace(tzinfo=UTC)
        return reader.is_stale(aware), reader.age_seconds(aware), threshold, higher
    group, site = rule.skill_group, rule.site
    tiles = reader.group_tiles(group, site) if group else reader.tiles(site)
    if not tiles:  # no data for this scope yet: nothing to judge
        return False, None, threshold, higher
    value = tiles.get(rule.tile)
    if rule.tile == "required_agents":  # judged, as on the wall, by the shortfall against those logged in
        value = tiles.get("required_agents", 0) - tiles.get("agents_logged_in", 0)
    active = reaches(tile_level(rule.tile, tiles, config), rule.level)
    return active, value, threshold, higher


def evaluate(engine: Engine, config: Config, reader: SnapshotReader, now: datetime | None = None) -> list[str]:
    """One pass over every rule; returns the events (e.g. "fire service_level|site:BJ|alert") for the log."""
    now = now or store.utcnow()
    events: list[str] = []
    with engine.begin() as conn:
        states = store.load_conditions(conn)
        for rule in config.alerts.rules:
            if rule.tile == COMPLAINT_DUE:
                events += _complaints(conn, rule, reader, config, now)
                continue
            state, alert_id = states.get(rule.key, (Condition(), None))
            active, value, threshold, higher = observe(rule, reader, config, now)
            repeat = rule.repeat_minutes * 60 or None
            recover = rule.for_seconds if rule.recover_seconds is None else rule.recover_seconds
            new, event = step(state, active, now, rule.for_seconds, recover, repeat)
            if event == FIRE:
                quiet = held(rule, config, now)
                alert_id = store.open_alert(conn, rule_key=rule.key, tile=rule.tile, scope=rule.scope, site=rule.site,
                                            level=rule.level, since=new.since, opened_at=now, value=value,
                                            threshold=threshold, notified=not quiet)
                if not quiet:
                    _send(conn, alert_id, FIRE, rule, config, value, threshold, higher, new.since, now)
            elif event == REMIND and alert_id:
                alert = store.get_alert(conn, alert_id)
                if alert is not None and alert.notified and alert.acked_at is None:
                    _send(conn, alert_id, REMIND, rule, config, value, threshold, higher, alert.since, now)
            elif event == RECOVER and alert_id:
                alert = store.get_alert(conn, alert_id)
                store.close_alert(conn, alert_id, now)
                if alert is not None and alert.notified:
                    _send(conn, alert_id, RECOVER, rule, config, value, threshold, higher, alert.since, now)
                alert_id = None
            if new.firing and alert_id and value is not None:
                store.set_value(conn, alert_id, value)  # /alerts and the banner show the latest
            if event:
                events.append(f"{event} {rule.key}")
            if new != state or rule.key not in states:
                store.save_condition(conn, rule.key, new, alert_id if new.firing else None, rule.key in states)
        store.forget_conditions(conn, {r.key for r in config.alerts.rules if r.tile != COMPLAINT_DUE})
        events += _release_held(conn, config, reader, now)
    return events


def _send(conn, alert_id: int, kind: str, rule: AlertRule, config: Config, value, threshold, higher,
          since: datetime, now: datetime) -> None:
    message = tile_message(kind, rule, config, value, threshold, higher, since, now)
    store.enqueue(conn, alert_id, kind, _channels(rule, config), message.title, message.body, now)


def _release_held(conn, config: Config, reader: SnapshotReader, now: datetime) -> list[str]:
    """Quiet hours over: the held first message of each alert still open goes out now, saying since when."""
    rules = {r.key: r for r in config.alerts.rules}
    out = []
    for alert in store.held_alerts(conn):
        rule = rules.get(alert.rule_key)
        if rule is None or held(rule, config, now):
            continue
        if rule.tile == COMPLAINT_DUE:
            complaint = reader.complaint(alert.subject.partition("|")[0])
            stage = next((s for s in (complaint or {}).get("stages", [])
                          if s["stage"] == alert.subject.partition("|")[2]), None)
            if complaint and stage:
                m = complaint_message(rule, config, complaint, stage, now)
                store.enqueue(conn, alert.id, "complaint", _channels(rule, config), m.title, m.body, now)
        else:
            _send(conn, alert.id, FIRE, rule, config, alert.value, alert.threshold, threshold_of(rule, config)[1],
                  alert.since, now)
        store.set_notified(conn, alert.id)
        out.append(f"released {rule.key}")
    return out


def _complaints(conn, rule: AlertRule, reader: SnapshotReader, config: Config, now: datetime) -> list[str]:
    """complaint_due: each pending stage due within `before_minutes` (or overdue), once per complaint and stage;
    its alert closes, without a message, when the stage is done or the complaint closed."""
    seen = store.open_subjects(conn, rule.key)
    due_now = set()
    events = []
    now_aware = now.replace(tzinfo=UTC)
    for complaint in reader.complaints(rule.site):
        for stage in complaint.get("stages", []):
            if stage.get("done_at") or not stage.get("due_at"):
                continue
            remaining = (datetime.fromisoformat(stage["due_at"]) - now_aware).total_seconds()
            if remaining > rule.before_minutes * 60:
                continue
            subject = f"{complaint['complaint_id']}|{stage['stage']}"
            due_now.add(subject)
            if subject in seen:
                continue
            quiet = held(rule, config, now)
            alert_id = store.open_alert(
                conn, rule_key=rule.key, subject=subject, tile=COMPLAINT_DUE, scope=f"site:{complaint['site']}",
                site=complaint["site"], level=rule.level, since=now, opened_at=now, value=remaining,
                threshold=rule.before_minutes * 60, detail=stage["due_at"], notified=not quiet)
            if not quiet:
                m = complaint_message(rule, config, complaint, stage, now)
                store.enqueue(conn, alert_id, "complaint", _channels(rule, config), m.title, m.body, now)
            events.append(f"complaint {subject}")
    for subject, alert_id in seen.items():
        if alert_id and subject not in due_now:
            store.close_alert(conn, alert_id, now)
    return events
