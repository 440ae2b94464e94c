"""A source database with one row of every kind of bad data, for the source checks and the data-quality page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from wallboard.config import parse_config
from wallboard.data_access.schema import agent_states, calls, complaints, surveys

CONFIG = parse_config({"sites": [{"id": "T", "name": "Test", "timezone": "UTC"}],
                       "skill_groups": [{"id": "G1", "name": "G1", "site": "T"}]})


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def call(call_id: str, queued: datetime | None, answered: datetime | None = None, ended: datetime | None = None,
         **extra) -> dict:
    row = {"call_id": call_id, "site": "T", "skill_group": "G1", "arrived_at": queued, "queued_at": queued,
           "answered_at": answered, "ended_at": ended, "agent_id": "A1" if answered else None,
           "wrap_up_seconds": None, "transferred": 0, "direction": "inbound", "caller_id": None, "category": None,
           "quality_flags": 0}
    return {**row, **extra}


def bad_rows(now: datetime) -> list[dict]:
    h = timedelta(hours=1)
    return [
        call("ok-1", now - h, now - h + timedelta(seconds=8), now - h + timedelta(minutes=4)),
        call("ok-waiting", now - timedelta(seconds=30)),
        call("neg", now - 2 * h, now - 2 * h - timedelta(seconds=3), now - 2 * h + timedelta(minutes=2)),
        call("future", now + timedelta(minutes=10)),  # queued in the future: must not wait with a negative wait
        call("forty-hours", now - 41 * h, now - 41 * h + timedelta(seconds=5), now - h),  # ended an hour ago
        call("unknown-site", now - h, site="XX"),
        call("unknown-group", now - h, skill_group="NOPE"),
        call("no-group", now - h, skill_group=None),
        call("no-agent", now - h, now - h + timedelta(seconds=5), now - h + timedelta(minutes=1), agent_id=None),
        call("no-queue", now - h, None, now - h + timedelta(minutes=1), answered_at=now - h + timedelta(seconds=3),
             queued_at=None, arrived_at=now - h, agent_id="A1"),
        call("long-wrap", now - h, now - h + timedelta(seconds=5), now - h + timedelta(minutes=1),
             wrap_up_seconds=7200.0),
    ]


def seed(engine, now: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(insert(calls), bad_rows(now))
        conn.execute(insert(agent_states), [
            {"agent_id": "A1", "started_at": now - timedelta(minutes=5), "site": "T", "state": "available",
             "reason": None},
            {"agent_id": "A2", "started_at": now - timedelta(minutes=5), "site": "T", "state": "busy", "reason": None},
            {"agent_id": "A3", "started_at": now + timedelta(hours=3), "site": "T", "state": "on_call",
             "reason": None}])
        conn.execute(insert(surveys), [
            {"survey_id": sid, "site": "T", "submitted_at": at, "score": score, "survey_type": None}
            for sid, at, score in (("S1", now - timedelta(minutes=3), 7), ("S2", now - timedelta(minutes=3), 4),
                                   ("S3", now + timedelta(days=3), 4))])
        conn.execute(insert(complaints), [
            {"complaint_id": "K1", "site": "T", "received_at": now - timedelta(hours=5),
             "closed_at": now - timedelta(hours=6)},
            {"complaint_id": "K2", "site": "T", "received_at": now + timedelta(days=1), "closed_at": None}])
