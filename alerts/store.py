"""Alert state in the app's own database: open and past alerts, each rule's condition, the outbox, the lease.

Everything an alert needs to survive a restart lives here: a condition that was half-way to firing, an
alert that is open, a message not yet accepted by its channel. The calls and tickets databases may be
read-only production systems; this is the app database (`--app-db`, SQLite by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    true,
    update,
)

from wallboard.data_access.migrate import ensure_app_schema
from wallboard.data_access.schema import Timestamp
from wallboard.maths.alerting import Condition

metadata = MetaData()

alerts = Table(
    "wallboard_alerts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rule_key", String(200), nullable=False, index=True),
    Column("subject", String(160)),  # complaint_due: "<complaint id>|<stage>" (once per complaint and stage)
    Column("tile", String(40), nullable=False),
    Column("scope", String(160), nullable=False),
    Column("site", String(64)),  # who may see it: a manager of this site (None: the whole centre)
    Column("level", String(8), nullable=False),
    Column("since", Timestamp, nullable=False),  # when the condition began
    Column("opened_at", Timestamp, nullable=False),  # when the rule fired
    Column("closed_at", Timestamp, index=True),
    Column("value", Float),
    Column("threshold", Float),
    Column("detail", Text),  # complaint_due: the stage's due time (ISO 8601)
    Column("notified", Boolean, nullable=False, default=False),  # the first message went out (not held)
    Column("acked_by", String(64)),
    Column("acked_at", Timestamp),
)

conditions = Table(
    "wallboard_alert_conditions", metadata,
    Column("rule_key", String(200), primary_key=True),
    Column("since", Timestamp),
    Column("firing", Boolean, nullable=False, default=False),
    Column("clear_since", Timestamp),
    Column("reminded_at", Timestamp),
    Column("alert_id", Integer),
)

outbox = Table(
    "wallboard_alert_outbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Integer, index=True),
    Column("kind", String(16), nullable=False),  # fire / remind / recover / complaint / test
    Column("channel", String(64), nullable=False),
    Column("url_index", Integer, nullable=False),  # the URL's place in the channel: secrets stay in the config
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("next_attempt_at", Timestamp, nullable=False, index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_until", Timestamp),
    Column("sent_at", Timestamp),
    Column("failed_at", Timestamp),  # given up (shown on /data-quality), never silently
    Column("last_error", Text),
)

def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def init_alert_tables(engine: Engine) -> None:
    ensure_app_schema(engine)



# ------------------------------------------------------------------ conditions


def load_conditions(conn) -> dict[str, tuple[Condition, int | None]]:
    return {r.rule_key: (Condition(since=r.since, firing=bool(r.firing), clear_since=r.clear_since,
                                   reminded_at=r.reminded_at), r.alert_id)
            for r in conn.execute(select(conditions))}


def save_condition(conn, key: str, state: Condition, alert_id: int | None, existed: bool) -> None:
    values = {"since": state.since, "firing": state.firing, "clear_since": state.clear_since,
              "reminded_at": state.reminded_at, "alert_id": alert_id}
    if existed:
        conn.execute(update(conditions).where(conditions.c.rule_key == key).values(**values))
    else:
        conn.execute(insert(conditions).values(rule_key=key, **values))


def forget_conditions(conn, keep: set[str]) -> None:
    """Drop the state of rules no longer in the config."""
    conn.execute(delete(conditions).where(conditions.c.rule_key.not_in(keep) if keep else true()))


# ------------------------------------------------------------------ alerts


def open_alert(conn, **values) -> int:
    return conn.execute(insert(alerts).values(**values)).inserted_primary_key[0]


def close_alert(conn, alert_id: int, at: datetime) -> None:
    conn.execute(update(alerts).where(alerts.c.id == alert_id, alerts.c.closed_at.is_(None)).values(closed_at=at))


def get_alert(conn, alert_id: int):
    return conn.execute(select(alerts).where(alerts.c.id == alert_id)).first()


def open_subjects(conn, rule_key: str) -> dict[str, int]:
    """complaint_due: the subjects (complaint|stage) already alerted, open or not: once per complaint and stage."""
    rows = conn.execute(select(alerts.c.subject, alerts.c.id, alerts.c.closed_at).where(
        alerts.c.rule_key == rule_key, alerts.c.subject.is_not(None)))
    return {r.subject: (r.id if r.closed_at is None else 0) for r in rows}


def set_value(conn, alert_id: int, value: float) -> None:
    conn.execute(update(alerts).where(alerts.c.id == alert_id).values(value=value))


def set_notified(conn, alert_id: int) -> None:
    conn.execute(update(alerts).where(alerts.c.id == alert_id).values(notified=True))


def held_alerts(conn):
    """Open alerts whose first message was held back by the quiet hours."""
    return conn.execute(select(alerts).where(alerts.c.closed_at.is_(None), alerts.c.notified.is_(False))).all()


def acknowledge(engine: Engine, alert_id: int, who: str, sites: frozenset[str] | None) -> bool:
    """Acknowledge an open alert the person may see (`sites` None = every site); True when it was theirs to ack."""
    c = alerts.c
    where = [c.id == alert_id, c.closed_at.is_(None), c.acked_at.is_(None)]
    if sites is not None:
        where.append(c.site.in_(sorted(sites)))
    with engine.begin() as conn:
        return conn.execute(update(alerts).where(*where).values(acked_by=who, acked_at=utcnow())).rowcount == 1


@dataclass(frozen=True)
class AlertView:
    id: int
    subject: str | None
    tile: str
    scope: str
    site: str | None
    level: str
    since: datetime
    opened_at: datetime
    closed_at: datetime | None
    value: float | None
    threshold: float | None
    detail: str | None
    acked_by: str | None
    acked_at: datetime | None


def list_alerts(engine: Engine, sites: frozenset[str] | None, site: str | None = None, limit: int = 200,
                closed: bool | None = None) -> list[AlertView]:
    """Open alerts first (newest first), then past ones, of the sites one may see (`sites` None = all);
    `closed` True / False for only past / only open ones."""
    c = alerts.c
    stmt = select(alerts)
    if sites is not None:
        stmt = stmt.where(c.site.in_(sorted(sites)))
    if site is not None:
        stmt = stmt.where(c.site == site)
    if closed is not None:
        stmt = stmt.where(c.closed_at.is_not(None) if closed else c.closed_at.is_(None))
    stmt = stmt.order_by(c.closed_at.is_not(None), c.opened_at.desc(), c.id.desc()).limit(limit)
    with engine.connect() as conn:
        return [AlertView(**{f: getattr(r, f) for f in AlertView.__dataclass_fields__}) for r in conn.execute(stmt)]


# ------------------------------------------------------------------ outbox


def enqueue(conn, alert_id: int | None, kind: str, channels: dict[str, int], title: str, body: str,
            at: datetime) -> None:
    """One outbox row per URL of each channel (`channels`: name -> number of URLs), sent by the sender."""
    rows = [{"alert_id": alert_id, "kind": kind, "channel": name, "url_index": i, "title": title, "body": body,
             "created_at": at, "next_attempt_at": at, "attempts": 0}
            for name, count in channels.items() for i in range(count)]
    if rows:
        conn.execute(insert(outbox), rows)


def claim_due(engine: Engine, now: datetime, limit: int = 50, hold_seconds: float = 120):
    """Outbox rows due now, each claimed for `hold_seconds` so no other process sends it meanwhile."""
    c = outbox.c
    free = or_(c.claimed_until.is_(None), c.claimed_until < now)
    with engine.begin() as conn:
        rows = conn.execute(select(outbox).where(c.sent_at.is_(None), c.failed_at.is_(None),
                                                 c.next_attempt_at <= now, free)
                            .order_by(c.next_attempt_at, c.id).limit(limit)).all()
    claimed = []
    for r in rows:
        with engine.begin() as conn:
            if conn.execute(update(outbox).where(c.id == r.id, free).values(
                    claimed_until=now + timedelta(seconds=hold_seconds))).rowcount == 1:
                claimed.append(r)
    return claimed


def mark_sent(engine: Engine, row_id: int, at: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(update(outbox).where(outbox.c.id == row_id).values(
            sent_at=at, claimed_until=None, attempts=outbox.c.attempts + 1, last_error=None))


def mark_retry(engine: Engine, row_id: int, next_at: datetime, error: str | None, failed: bool = False,
               count_attempt: bool = True) -> None:
    values = {"next_attempt_at": next_at, "claimed_until": None}
    if count_attempt:
        values["attempts"] = outbox.c.attempts + 1
    if error is not None:
        values["last_error"] = error[:500]
    if failed:
        values["failed_at"] = next_at
    with engine.begin() as conn:
        conn.execute(update(outbox).where(outbox.c.id == row_id).values(**values))


def prune_outbox(engine: Engine, before: datetime) -> int:
    """Forget messages sent or given up before `before` (their alerts stay on /alerts)."""
    c = outbox.c
    with engine.begin() as conn:
        return conn.execute(delete(outbox).where(or_(c.sent_at < before, c.failed_at < before))).rowcount


@dataclass(frozen=True)
class ChannelHealth:
    channel: str
    url_index: int
    pending: int
    failed: int
    sent: int
    last_error: str | None
    last_sent_at: datetime | None


def channel_health(engine: Engine, since: datetime) -> list[ChannelHealth]:
    """Per URL of each channel: messages waiting, given up and sent (since `since`), and the last error."""
    c = outbox.c
    pending = and_(c.sent_at.is_(None), c.failed_at.is_(None))
    stmt = (select(c.channel, c.url_index,
                   func.sum(pending.cast(Integer)), func.sum((c.failed_at >= since).cast(Integer)),
                   func.sum((c.sent_at >= since).cast(Integer)), func.max(c.sent_at))
            .where(or_(pending, c.created_at >= since)).group_by(c.channel, c.url_index)
            .order_by(c.channel, c.url_index))
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
        errors = {}
        for r in conn.execute(select(c.channel, c.url_index, c.last_error).where(
                c.last_error.is_not(None), or_(pending, c.failed_at >= since)).order_by(c.id)):
            errors[(r.channel, r.url_index)] = r.last_error
    return [ChannelHealth(channel=r[0], url_index=r[1], pending=int(r[2] or 0), failed=int(r[3] or 0),
                          sent=int(r[4] or 0), last_error=errors.get((r[0], r[1])), last_sent_at=r[5])
            for r in rows]
